// The GPU critical-path feature (features.ts, gpuSerialFlops) and its queued part (gpuQueuedFlops) computed by
// hand on small layers, and the reasons they exist: a baseline with them extrapolates a latency-bound kernel to
// a reduction length that no training shape had, and a kernel fitted on thin slices to a wide one (M = 256),
// which is what a held-out workload asks of it on the H200.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Layer } from '../src/analysis/types.js';
import { QUEUED_SHARES, SERIAL_TERM, fitBaseline, predictBaseline, termValue } from '../src/predict/baseline.js';
import { gpuFeatures, gpuGeometry, gpuQueuedFlops, gpuReductionWalked, gpuSerialFlops } from '../src/predict/features.js';
import type { TrainingRow } from '../src/predict/model.js';

const linear = (N: number, K: number, M = 1): Layer => ({ type: 'linear', M, N, K });

test('serialFlops: groups per compute unit (at least 1) x 2 x walked reduction x outputs per work-item, by hand', () => {
  // gemm_tiled TS 16: ceil(40/16) * ceil(1/16) = 3 groups of 256 items, one output each; 2 CUs -> 1.5 groups each.
  // K = 32 is two whole TS steps.
  assert.is(gpuFeatures(linear(40, 32), 40, 'gemm_tiled', 16, { computeUnits: 2 }).values.serialFlops, 1.5 * 2 * 32 * 1);
  // gemv_row: one 64-item group per row, so a work-item owns 1/64 of an output; 10 groups on 4 CUs -> 2.5 each.
  assert.is(gpuFeatures(linear(10, 20), 10, 'gemv_row', 64, { computeUnits: 4 }).values.serialFlops, 2.5 * 2 * 20 / 64);
  // gemm_local 32x64 tiles, 4x4 per work-item: 2 groups of 128 items, 16 outputs each; fewer groups than CUs -> 1.
  assert.is(gpuFeatures(linear(100, 32), 100, 'gemm_local_32x64x16_4x4', 1, { computeUnits: 132 }).values.serialFlops, 1 * 2 * 32 * 16);
  // conv: the reduction is C*R*S (2*3*3 = 18), walked as 24 in TS = 8 steps; conv_im2col_gemm TS 8 over P*Q = 25
  // positions x 8 channels.
  const conv: Layer = { type: 'conv2d', batch: 1, C: 2, H: 5, W: 5, F: 8, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  const geo = gpuGeometry(conv, 8, 'conv_im2col_gemm', 8);
  assert.is(geo.workGroups, 4);
  assert.is(gpuSerialFlops(conv, geo, 2), 2 * 2 * 24 * 1);
});

test('a tiled kernel walks its reduction in whole steps: the last, partial TS or KWG step costs a full one', () => {
  // gemm_tiled TS 16 at K = 20: two steps, 32 elements walked; 3 groups of 256 items, one output each, on 2 CUs.
  const tiled = gpuFeatures(linear(40, 20), 40, 'gemm_tiled', 16, { computeUnits: 2 }).values;
  assert.is(tiled.serialFlops, 1.5 * 2 * 32);
  assert.is(tiled.workFlops, 2 * (3 * 256) * 32);
  // The stem conv: C*R*S = 3*7*7 = 147 walked as 160 by conv_im2col_gemm (TS 16) and conv_local (KWG 16).
  const stem: Layer = { type: 'conv2d', batch: 1, C: 3, H: 8, W: 8, F: 16, R: 7, S: 7, strideH: 2, strideW: 2, padH: 3, padW: 3 };
  assert.is(gpuReductionWalked(stem, gpuGeometry(stem, 16, 'conv_im2col_gemm', 16)), 160);
  assert.is(gpuReductionWalked(stem, gpuGeometry(stem, 16, 'conv_local_32x16x16_4x2', 1)), 160);
  // KWG 8: 147 -> 152. Kernels that walk one element at a time (gemv_row, the register-tiled ones) walk K itself.
  assert.is(gpuReductionWalked(stem, gpuGeometry(stem, 16, 'conv_local_16x16x8_2x1', 1)), 152);
  assert.is(gpuReductionWalked(linear(10, 20), gpuGeometry(linear(10, 20), 10, 'gemv_row', 64)), 20);
  assert.is(gpuReductionWalked(linear(10, 20), gpuGeometry(linear(10, 20), 10, 'linear_reg_v8x2_m4', 4)), 20);
});

test('gemv_rows walks K once per MB = 8 rows m: M = 2..8 one pass, M = 9..16 two, a partial pass paid in full', () => {
  // 10 rows n, one 64-item group each; per work-item (64 per output row n) 8 outputs per pass, 2 x 20 flops each.
  const dev = { computeUnits: 4 };
  for (const M of [2, 5, 8]) {
    const v = gpuFeatures(linear(10, 20, M), 10, 'gemv_rows', 64, dev).values;
    assert.is(v.workFlops, 2 * 10 * 8 * 20, `M ${M}`);
    assert.is(v.serialFlops, 2.5 * 2 * 20 * 8 / 64, `M ${M}`);
  }
  assert.is(gpuFeatures(linear(10, 20, 9), 10, 'gemv_rows', 64, dev).values.serialFlops, 2.5 * 2 * 20 * 16 / 64);
  // gemv_row loops over every row m: M = 8 is eight walks.
  assert.is(gpuFeatures(linear(10, 20, 8), 10, 'gemv_row', 64, dev).values.serialFlops, 2.5 * 2 * 20 * 8 / 64);
  assert.is(gpuFeatures(linear(10, 20, 2), 10, 'gemv_row', 64, dev).values.serialFlops, 2.5 * 2 * 20 * 2 / 64);
});

test('with serialFlops the baseline extrapolates a latency-bound kernel to an unseen reduction length', () => {
  // A kernel whose time is a fixed cost plus its critical path (each work-group walks K in sequence), the
  // regime of gemm_tiled at M = 1 on the H200; trained on K = 384, 768, 3072, asked about K = 4096. Every
  // launch fits in one round of groups (at most 20 groups on 32 units), as there.
  const device = { computeUnits: 32 };
  const timeNs = (l: Layer): number => 7000 + 20 * (l.type === 'linear' ? l.K : 0);
  const row = (N: number, K: number): TrainingRow => ({
    features: gpuFeatures(linear(N, K), N, 'gemm_tiled', 16, device), timeNs: timeNs(linear(N, K)), layerId: `${N}x${K}`, strategyId: `${N}x${K}`,
  });
  const train = [384, 768, 3072].flatMap((K) => [64, 128, 192, 256, 320].map((N) => row(N, K)));
  const model = fitBaseline('gpu', train);
  for (const N of [64, 256]) {
    const held = row(N, 4096);
    const err = Math.abs(predictBaseline(model, held.features) - held.timeNs) / held.timeNs;
    assert.ok(err < 0.05, `N ${N} K 4096: ${(100 * err).toFixed(1)}% off`);
  }
});

test('queuedFlops: serialFlops beyond the first work-group per compute unit, 0 while each unit runs at most one', () => {
  // gemm_tiled TS 16, M = 1, K = 32: ceil(40/16) = 3 groups of 256 items, one output each; on 2 CUs 1.5 groups
  // each, so the walk (2 x 32 = 64 flops) and half a walk queued behind it.
  const three = gpuFeatures(linear(40, 32), 40, 'gemm_tiled', 16, { computeUnits: 2 }).values;
  assert.is(three.serialFlops, 96);
  assert.is(three.queuedFlops, 32);
  // The same launch on 3 or more units: no unit runs a second group.
  assert.is(gpuFeatures(linear(40, 32), 40, 'gemm_tiled', 16, { computeUnits: 3 }).values.queuedFlops, 0);
  // gemm_local 32x64, 4x4 per work-item, M = 96, N = 200, K = 32: ceil(200/64) x ceil(96/32) = 12 groups, 16
  // outputs per item; on 4 CUs 3 groups each: walk 2 x 32 x 16 = 1024 flops, two more walks queued.
  const geo = gpuGeometry(linear(200, 32, 96), 200, 'gemm_local_32x64x16_4x4', 1);
  assert.is(geo.workGroups, 12);
  assert.is(gpuQueuedFlops(linear(200, 32, 96), geo, 4), 2 * 1024);
});

test('SERIAL_TERM at a queued share prices the queued groups at that share of the walk', () => {
  const f = gpuFeatures(linear(40, 32), 40, 'gemm_tiled', 16, { computeUnits: 2 });
  assert.is(termValue(SERIAL_TERM, f, 0), 96);
  assert.is(termValue(SERIAL_TERM, f, 0, 1 / 4), 64 + 32 / 4);
  // Only SERIAL_TERM reads the share.
  assert.is(termValue('workGroups', f, 0, 1 / 4), 3);
});

// The H200's tiled kernels in small: a fixed cost, the first group's walk, each queued group a quarter of it.
// Trained on thin slices (M <= 16: at most 2.25 groups per unit), asked about M = 256 (24 and 96 per unit).
const overlapping = (l: Layer, device: { computeUnits: number }): number => {
  const v = gpuFeatures(l, l.type === 'linear' ? l.N : 0, 'gemm_tiled', 16, device).values;
  return 6000 + 10 * (v.serialFlops! - v.queuedFlops!) + 2.5 * v.queuedFlops!;
};

test('the baseline fits the share of queued work-groups and extrapolates in M to tens of groups per unit', () => {
  const device = { computeUnits: 32 };
  const row = (M: number, N: number, K: number): TrainingRow => {
    const l = linear(N, K, M);
    return { features: gpuFeatures(l, N, 'gemm_tiled', 16, device), timeNs: overlapping(l, device), layerId: `${M}x${N}x${K}`, strategyId: '' };
  };
  const train = [1, 16].flatMap((M) => [384, 768, 3072].flatMap((K) => [128, 256, 512, 768, 1152].map((N) => row(M, N, K))));
  const model = fitBaseline('gpu', train, { lambda: 0, sweeps: 50000 });
  assert.is(model.params.queuedShare, 1 / 4);
  for (const N of [768, 3072]) {
    const held = row(256, N, 768);
    const err = Math.abs(predictBaseline(model, held.features) - held.timeNs) / held.timeNs;
    assert.ok(err < 0.05, `M 256 N ${N}: ${(100 * err).toFixed(1)}% off`);
  }
});

test('a device that runs its work-groups one after another keeps the whole serialFlops (share 1)', () => {
  // PoCL's CPU device in small: 8 units, every group costs its walk, the queued ones too.
  const device = { computeUnits: 8 };
  // From fewer groups than units (N = 64: 4 groups) to 8 per unit.
  const rows: TrainingRow[] = [1, 16].flatMap((M) => [384, 768].flatMap((K) => [64, 128, 256, 512, 1024].map((N) => {
    const f = gpuFeatures(linear(N, K, M), N, 'gemm_tiled', 16, device);
    return { features: f, timeNs: 4000 + 3 * f.values.serialFlops!, layerId: `${M}x${N}x${K}`, strategyId: '' };
  })));
  const model = fitBaseline('gpu', rows, { lambda: 0, sweeps: 50000 });
  assert.is(model.params.queuedShare, QUEUED_SHARES[0]);
  assert.is(QUEUED_SHARES[0], 1);
});

test.run();
