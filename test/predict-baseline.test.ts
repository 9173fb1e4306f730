// The physical baseline recovers known non-negative coefficients and never fits a negative cost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitBaseline, fitNonNegative, predictBaseline } from '../src/predict/baseline.js';
import { cpuFeatures } from '../src/predict/features.js';
import type { TrainingRow } from '../src/predict/model.js';
import type { LinearLayer } from '../src/analysis/types.js';

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

test('a group with too few rows to fit every term is served by the pooled fit', () => {
  const rows: TrainingRow[] = [];
  for (let n = 64; n <= 64 * 16; n += 64) { // 16 simd rows: enough for every term; 3 openblas rows: not
    for (const impl of n <= 192 ? ['simd', 'openblas'] : ['simd']) {
      const f = cpuFeatures({ type: 'linear', M: 1, N: n, K: 256 }, n, 1, impl);
      rows.push({ features: f, timeNs: 1000 + f.values.flops! / 3, layerId: 'x', strategyId: 'y' });
    }
  }
  const m = fitBaseline('cpu', rows);
  assert.equal(Object.keys(m.perGroup!), ['linear:simd']);
  const f = cpuFeatures({ type: 'linear', M: 1, N: 100, K: 256 }, 100, 1, 'openblas');
  const pooled = m.terms!.reduce((s, t, j) => s + m.pooled!.coef[j]! * (t === '1' ? 1 : f.values[t]!), 0);
  assert.is(predictBaseline(m, f), pooled);
});

test.run();
