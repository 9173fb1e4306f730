// The GPU critical-path feature (features.ts, gpuSerialFlops) computed by hand on small layers, and the
// reason it exists: a baseline with it extrapolates a latency-bound kernel to a reduction length that no
// training shape had, which is what a held-out workload asks of it on the H200.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Layer } from '../src/analysis/types.js';
import { fitBaseline, predictBaseline } from '../src/predict/baseline.js';
import { gpuFeatures, gpuGeometry, gpuSerialFlops } from '../src/predict/features.js';
import type { TrainingRow } from '../src/predict/model.js';

const linear = (N: number, K: number, M = 1): Layer => ({ type: 'linear', M, N, K });

test('serialFlops: groups per compute unit (at least 1) x 2 x reduction x outputs per work-item, by hand', () => {
  // gemm_tiled TS 16: ceil(40/16) * ceil(1/16) = 3 groups of 256 items, one output each; 2 CUs -> 1.5 groups each.
  assert.is(gpuFeatures(linear(40, 20), 40, 'gemm_tiled', 16, { computeUnits: 2 }).values.serialFlops, 1.5 * 2 * 20 * 1);
  // gemv_row: one 64-item group per row, so a work-item owns 1/64 of an output; 10 groups on 4 CUs -> 2.5 each.
  assert.is(gpuFeatures(linear(10, 20), 10, 'gemv_row', 64, { computeUnits: 4 }).values.serialFlops, 2.5 * 2 * 20 / 64);
  // gemm_local 32x64 tiles, 4x4 per work-item: 2 groups of 128 items, 16 outputs each; fewer groups than CUs -> 1.
  assert.is(gpuFeatures(linear(100, 20), 100, 'gemm_local_32x64x16_4x4', 1, { computeUnits: 132 }).values.serialFlops, 1 * 2 * 20 * 16);
  // conv: the reduction is C*R*S (2*3*3 = 18); conv_im2col_gemm TS 8 over P*Q = 25 positions x 8 channels.
  const conv: Layer = { type: 'conv2d', batch: 1, C: 2, H: 5, W: 5, F: 8, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
  const geo = gpuGeometry(conv, 8, 'conv_im2col_gemm', 8);
  assert.is(geo.workGroups, 4);
  assert.is(gpuSerialFlops(conv, geo, 2), 2 * 2 * 18 * 1);
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

test.run();
