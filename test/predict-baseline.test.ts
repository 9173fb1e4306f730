// The physical baseline recovers known non-negative coefficients and never fits a negative cost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CACHE_KNOTS, KERNEL_SPECIFIC_TERMS, SPILL_TERM, fitBaseline, fitNonNegative, predictBaseline, termValue } from '../src/predict/baseline.js';
import { fitForest, fitGbt } from '../src/predict/ensembles.js';
import { cpuFeatures, gpuFeatures } from '../src/predict/features.js';
import type { TrainingRow } from '../src/predict/model.js';
import type { Conv2dLayer, LinearLayer } from '../src/analysis/types.js';

test('non-negative least squares recovers exact coefficients', () => {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 1; i <= 20; i++) {
    x.push([1, i, (i * i) % 7]);
    y.push(5 + 2 * i + 0.5 * ((i * i) % 7));
  }
  const c = fitNonNegative(x, y, { lambda: 0, sweeps: 20000 });
  assert.ok(Math.abs(c[0]! - 5) < 1e-6, String(c));
  assert.ok(Math.abs(c[1]! - 2) < 1e-6, String(c));
  assert.ok(Math.abs(c[2]! - 0.5) < 1e-6, String(c));
});

test('a term that would need a negative coefficient is clamped to zero', () => {
  const x = Array.from({ length: 10 }, (_, i) => [1, i + 1, 10 - i]);
  const y = x.map((r) => 100 + 3 * r[1]! - 2 * r[2]!);
  const c = fitNonNegative(x, y, { lambda: 0, sweeps: 5000 });
  assert.ok(c.every((v) => v >= 0));
  assert.is(c[2], 0);
});

test('the baseline per implementation predicts a CPU time that is linear in its terms', () => {
  const rows: TrainingRow[] = [];
  for (const n of [64, 128, 256, 512, 1024]) {
    for (const t of [1, 2]) {
      const layer: LinearLayer = { type: 'linear', M: 1, N: n, K: 512 };
      const f = cpuFeatures(layer, n, t, 'simd');
      const v = f.values;
      rows.push({ features: f, timeNs: 3000 + v.flopsPerThread! / 4 + v.bytes! / 10 + 7 * v.rowsPerThread!, layerId: 'x', strategyId: 'y' });
    }
  }
  const m = fitBaseline('cpu', rows, { lambda: 0, sweeps: 50000 });
  const layer: LinearLayer = { type: 'linear', M: 1, N: 2048, K: 512 };
  const f = cpuFeatures(layer, 2048, 2, 'simd');
  const truth = 3000 + f.values.flopsPerThread! / 4 + f.values.bytes! / 10 + 7 * f.values.rowsPerThread!;
  assert.ok(Math.abs(predictBaseline(m, f) / truth - 1) < 1e-3);
  // An implementation never seen in training falls back to the pooled fit instead of failing.
  assert.ok(predictBaseline(m, cpuFeatures(layer, 2048, 2, 'openblas')) > 0);
});

test('a CPU group with too few rows to fit every term is served by the pooled fit at its own scale', () => {
  const rows: TrainingRow[] = [];
  const law = (f: ReturnType<typeof cpuFeatures>): number => 1000 + f.values.flops! / 3;
  for (let n = 64; n <= 64 * 16; n += 64) { // 16 simd rows: enough for every term; 3 openblas rows, 2x slower: not
    for (const impl of n <= 192 ? ['simd', 'openblas'] : ['simd']) {
      const f = cpuFeatures({ type: 'linear', M: 1, N: n, K: 256 }, n, 1, impl);
      rows.push({ features: f, timeNs: (impl === 'openblas' ? 2 : 1) * law(f), layerId: `n${n}`, strategyId: impl });
    }
  }
  // One row of a third implementation: too few to tell its scale from noise.
  const one = cpuFeatures({ type: 'linear', M: 1, N: 128, K: 256 }, 128, 1, 'naive');
  rows.push({ features: one, timeNs: 5 * law(one), layerId: 'n128', strategyId: 'naive' });
  // A fourth whose speed against the pool differs by layer (half on one, twice on the other): no scale carries.
  for (const [n, k] of [[320, 0.5], [384, 2]] as const) {
    const f = cpuFeatures({ type: 'linear', M: 1, N: n, K: 256 }, n, 1, 'odd');
    rows.push({ features: f, timeNs: k * law(f), layerId: `n${n}`, strategyId: 'odd' });
  }
  const m = fitBaseline('cpu', rows);
  assert.equal(Object.keys(m.perGroup!).sort(), ['linear:openblas', 'linear:simd']);
  const pooledAt = (f: ReturnType<typeof cpuFeatures>): number =>
    m.terms!.reduce((s, t, j) => s + m.pooled!.coef[j]! * termValue(t, f, m.params.cacheKnotBytes ?? 0), 0);
  // The openblas group: the pooled fit's coefficients times one scale, the geometric mean of its rows' measured / pooled.
  const openblasRows = rows.filter((r) => r.features.group === 'linear:openblas');
  const scale = Math.exp(openblasRows.reduce((s, r) => s + Math.log(r.timeNs / pooledAt(r.features)), 0) / openblasRows.length);
  const f = cpuFeatures({ type: 'linear', M: 1, N: 100, K: 256 }, 100, 1, 'openblas');
  assert.ok(Math.abs(predictBaseline(m, f) / (scale * pooledAt(f)) - 1) < 1e-9);
  // ... which prices it near its true 2x (the pooled fit, dominated by simd, would not).
  assert.ok(Math.abs(predictBaseline(m, f) / (2 * law(f)) - 1) < 0.1, String(predictBaseline(m, f)));
  for (const impl of ['naive', 'odd']) {
    const g = cpuFeatures({ type: 'linear', M: 1, N: 100, K: 256 }, 100, 1, impl);
    assert.is(predictBaseline(m, g), pooledAt(g));
  }
  // The GPU side never scales a thin variant's group: its cost's shape is its own launch geometry.
  const gpuRows: TrainingRow[] = [];
  for (let n = 64; n <= 64 * 20; n += 64) {
    for (const variant of n <= 192 ? ['gemm_tiled', 'gemv_row'] : ['gemm_tiled']) {
      // The same geometry under another variant's name, 2x slower: a scale the CPU side would take.
      const g = gpuFeatures({ type: 'linear', M: 1, N: n, K: 256 }, n, 'gemm_tiled', 64, { computeUnits: 4 });
      gpuRows.push({
        features: { ...g, group: `linear:${variant}` }, timeNs: (variant === 'gemv_row' ? 2 : 1) * (5000 + g.values.workFlops! / 50),
        layerId: `n${n}`, strategyId: variant,
      });
    }
  }
  const gm = fitBaseline('gpu', gpuRows);
  assert.ok('linear:gemm_tiled' in gm.perGroup! && !('linear:gemv_row' in gm.perGroup!), JSON.stringify(Object.keys(gm.perGroup!)));
});

/**
 * M = 1 slices whose time follows the busiest thread's weight bytes, 3x dearer per byte past 512 KiB, plus a
 * fixed cost and a cost per thread woken (the pool's fork/join).
 */
function cacheRows(shapes: readonly [number, number][], threads: readonly number[]): TrainingRow[] {
  const rows: TrainingRow[] = [];
  for (const [n, k] of shapes) {
    for (const t of threads) {
      const f = cpuFeatures({ type: 'linear', M: 1, N: n, K: k }, n, t, 'simd');
      rows.push({ features: f, timeNs: cacheTruth(f.values), layerId: `${n}x${k}`, strategyId: `t${t}` });
    }
  }
  return rows;
}

function cacheTruth(v: Record<string, number>): number {
  const w = v.weightBytesPerThread!;
  return 2000 + 300 * v.threads! + 0.01 * w + 0.02 * Math.max(0, w - (512 << 10));
}

test('the CPU baseline fits the cache knot and the cost per thread, and extrapolates past the knot', () => {
  const shapes: [number, number][] = [[256, 1024], [512, 1024], [1024, 1024], [2048, 1024], [1024, 2048], [2048, 2048], [3072, 2048]];
  const m = fitBaseline('cpu', cacheRows(shapes, [2, 4, 8]), { lambda: 0, sweeps: 100000 });
  assert.ok(m.terms!.includes(SPILL_TERM) && m.terms!.includes('poolJoins'));
  assert.is(m.params.cacheKnotBytes, 512 << 10);
  // A shape with 4x the training's largest weight bytes per thread, on a thread count never trained on.
  const f = cpuFeatures({ type: 'linear', M: 1, N: 4096, K: 4096 }, 4096, 3, 'simd');
  assert.ok(Math.abs(predictBaseline(m, f) / cacheTruth(f.values) - 1) < 0.01, String(predictBaseline(m, f)));
});

test('the spill term is left out when no training rows reach twice a knot', () => {
  // Largest slice: 64 rows of 1024 floats on 1 thread = 256 KiB per thread, under 2x the smallest knot.
  const rows = cacheRows([[16, 1024], [32, 1024], [48, 1024], [64, 1024], [24, 512], [40, 512], [56, 512]], [1, 2]);
  assert.ok(rows.every((r) => r.features.values.weightBytesPerThread! < 2 * CACHE_KNOTS[0]!));
  const m = fitBaseline('cpu', rows);
  assert.is(m.params.cacheKnotBytes, 0);
  const f = cpuFeatures({ type: 'linear', M: 1, N: 4096, K: 4096 }, 4096, 1, 'simd');
  assert.is(termValue(SPILL_TERM, f, m.params.cacheKnotBytes!), 0);
  assert.ok(Number.isFinite(predictBaseline(m, f)));
});

test('residual ensembles carry their baseline\'s cache knot, so their baseline predicts as the fitted one', () => {
  const rows = cacheRows([[256, 1024], [512, 1024], [1024, 1024], [2048, 1024], [1024, 2048], [2048, 2048]], [2, 4]);
  const base = fitBaseline('cpu', rows);
  assert.ok(base.params.cacheKnotBytes! > 0);
  const f = cpuFeatures({ type: 'linear', M: 1, N: 4096, K: 4096 }, 4096, 2, 'simd');
  for (const m of [fitForest('cpu', rows, { trees: 3, maxDepth: 3, minLeaf: 1, featureFraction: 1, seed: 1, residual: 1 }),
    fitGbt('cpu', rows, { rounds: 3, maxDepth: 2, minLeaf: 1, shrinkage: 0.1, residual: 1 })]) {
    assert.is(m.params.cacheKnotBytes, base.params.cacheKnotBytes);
    assert.is(predictBaseline(m, f), predictBaseline(base, f));
  }
});

test('a group needs rows only for the terms that vary in it: one thread count, no copy, no spill', () => {
  // 10 linear rows on 1 thread, all within the smallest knot: threads, copy and spill are the fixed cost again.
  const rows = cacheRows([[16, 256], [32, 256], [48, 256], [64, 256], [80, 256], [16, 512], [32, 512], [48, 512], [64, 512], [80, 512]], [1]);
  const pooledOnly = rows.map((r) => ({ ...r, features: { ...r.features, group: 'linear:other' } }));
  const m = fitBaseline('cpu', [...rows, ...pooledOnly.slice(0, 3)]);
  assert.ok(rows.length < 2 * m.terms!.length);
  // simd has a fit of its own; the 3 'other' rows at most scale the pooled one (scaledPooled).
  assert.ok('linear:simd' in m.perGroup!);
  const other = m.perGroup!['linear:other'];
  const ratios = (other?.coef ?? []).flatMap((c, j) => (m.pooled!.coef[j]! > 0 ? [c / m.pooled!.coef[j]!] : []));
  assert.ok(ratios.every((r) => Math.abs(r / ratios[0]! - 1) < 1e-9), String(ratios));
});

// conv_pq_1x1 in small on a CPU device: a fixed cost, the flops, and the partial position block's gathered
// floats at 1 ns each (the 7x7 layers' blocks of 32 and 17 positions), 56x56 (98 whole blocks) gathering none.
const pq1x1 = (C: number, H: number, F: number): TrainingRow => {
  const layer: Conv2dLayer = { type: 'conv2d', batch: 1, C, H, W: H, F, R: 1, S: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 };
  const f = gpuFeatures(layer, F, 'conv_pq_1x1_v16x2_f4', 1, { computeUnits: 7 });
  return { features: f, timeNs: 20000 + 0.001 * f.values.workFlops! + f.values.gatherLoads!, layerId: `${C}x${H}x${F}`, strategyId: '' };
};

test('kernel-specific terms: fitted where a training row has them, left out of the model where none does', () => {
  const whole = [64, 144].flatMap((C) => [8, 16, 32, 64].map((F) => pq1x1(C, 56, F)));
  for (const t of KERNEL_SPECIFIC_TERMS) assert.not.ok(fitBaseline('gpu', whole).terms!.includes(t), t);
  const partial = [160, 320].flatMap((C) => [128, 256, 512].map((F) => pq1x1(C, 7, F)));
  const model = fitBaseline('gpu', [...whole, ...partial], { lambda: 0, sweeps: 50000 });
  assert.ok(model.terms!.includes('gatherLoads'));
  assert.not.ok(model.terms!.includes('inputLoads'));
  // A held-out shape whose time is mostly its partial block's gathers: C 1024 at 14x14 (196 = 6 x 32 + 4).
  const held = pq1x1(1024, 14, 256);
  const err = Math.abs(predictBaseline(model, held.features) - held.timeNs) / held.timeNs;
  assert.ok(err < 0.05, `${(100 * err).toFixed(1)}% off`);
});

test.run();

// A resident kernel (svm-resident) pays no launch: its GPU sides get a fit of their own where that prices its
// left-out layers better, so the launched rows of the same variant no longer lift every resident prediction.
function gpuRow(n: number, k: number, sync: string, timeNs: (f: ReturnType<typeof gpuFeatures>) => number, share = 1): TrainingRow {
  const layer: LinearLayer = { type: 'linear', M: 1, N: n, K: k };
  const rows = Math.round(n * share);
  const f = gpuFeatures(layer, rows, 'linear_reg_v16x2_m1', 1, { computeUnits: 7 }, sync);
  return { features: f, timeNs: timeNs(f), layerId: `linear/M:1/N:${n}/K:${k}`, strategyId: `${n}/${k}/${rows}/${sync}` };
}

test('resident GPU sides get their own group and fit where it prices left-out layers better', () => {
  const shapes = [[384, 1536], [768, 3072], [1536, 384], [2304, 768], [3072, 768], [1000, 2048], [512, 512], [4096, 1024]] as const;
  const launchedNs = (f: ReturnType<typeof gpuFeatures>): number => 25000 + f.values.workFlops! / 20;
  const residentNs = (f: ReturnType<typeof gpuFeatures>): number => 800 + f.values.workFlops! / 80;
  const rows: TrainingRow[] = [];
  for (const [n, k] of shapes) {
    for (const share of [1, 0.5, 0.25]) {
      for (const sync of ['finish', 'svm-fine', 'event-poll']) rows.push(gpuRow(n, k, sync, launchedNs, share));
      rows.push(gpuRow(n, k, 'svm-resident', residentNs, share));
    }
  }
  assert.is(rows.find((r) => r.strategyId.endsWith('svm-resident'))!.features.group, 'linear:linear_reg_v16x2_m1@resident');
  const model = fitBaseline('gpu', rows);
  assert.ok(model.perGroup!['linear:linear_reg_v16x2_m1@resident'], 'the resident group has a fit');
  const probe = gpuRow(1536, 1536, 'svm-resident', residentNs);
  const launchedProbe = gpuRow(1536, 1536, 'finish', launchedNs);
  assert.ok(Math.abs(predictBaseline(model, probe.features) / probe.timeNs - 1) < 0.05, 'resident side priced as resident');
  assert.ok(Math.abs(predictBaseline(model, launchedProbe.features) / launchedProbe.timeNs - 1) < 0.05, 'launched side priced as launched');
});

test('a resident group as fast as its launched rows keeps the shared fit, and launched-only runs keep no spill term', () => {
  const shapes = [[384, 1536], [768, 3072], [1536, 384], [2304, 768], [3072, 768]] as const;
  const sameNs = (f: ReturnType<typeof gpuFeatures>): number => 3000 + f.values.workFlops! / 40;
  const rows: TrainingRow[] = [];
  for (const [n, k] of shapes) for (const sync of ['finish', 'svm-resident']) rows.push(gpuRow(n, k, sync, sameNs));
  const model = fitBaseline('gpu', rows);
  const probe = gpuRow(1536, 1536, 'svm-resident', sameNs);
  assert.ok(Math.abs(predictBaseline(model, probe.features) / probe.timeNs - 1) < 0.05);
  const launchedOnly = fitBaseline('gpu', rows.filter((r) => !r.features.group.endsWith('@resident')));
  assert.not.ok(launchedOnly.terms!.includes(SPILL_TERM), 'no resident rows: no GPU spill term');
});
