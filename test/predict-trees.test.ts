// Trees and ensembles fit known synthetic functions: a step function exactly, y = 3 x1 + x2^2 within a tolerance.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitForest, fitGbt, predictEnsemble } from '../src/predict/ensembles.js';
import type { SideFeatures } from '../src/predict/features.js';
import type { TrainingRow } from '../src/predict/model.js';
import { createRng } from '../src/predict/rng.js';
import { fitTree, predictTree } from '../src/predict/tree.js';

test('a depth-2 tree reproduces a two-step function exactly', () => {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 40; i++) {
    x.push([i, (i * 7) % 5]);
    y.push(i < 10 ? 1 : i < 25 ? 5 : 2);
  }
  const tree = fitTree(x, y, x.map((_, i) => i), { maxDepth: 2, minLeaf: 1 });
  for (let i = 0; i < 40; i++) assert.is(predictTree(tree, x[i]!), y[i]);
  assert.is(predictTree(tree, [9.4, 0]), 1);
  assert.is(predictTree(tree, [9.6, 0]), 5);
  assert.is(predictTree(tree, [100, 0]), 2);
});

test('a tree ignores a feature that carries no signal', () => {
  const x = Array.from({ length: 30 }, (_, i) => [(i * 13) % 30, i]);
  const y = x.map((r) => (r[1]! >= 15 ? 10 : 0));
  const tree = fitTree(x, y, x.map((_, i) => i), { maxDepth: 3, minLeaf: 1 });
  assert.is(tree.feature[0], 1);
  assert.is(tree.threshold[0], 14.5);
});

const f = (x1: number, x2: number): number => 3 * x1 + x2 * x2 + 10;
const row = (x1: number, x2: number): TrainingRow => ({
  features: { group: 'linear:simd', values: { flops: x1, bytes: x2 } } satisfies SideFeatures,
  timeNs: f(x1, x2), layerId: 'l', strategyId: 's',
});

function meanRelError(predict: (s: SideFeatures) => number): number {
  const rng = createRng(3);
  let err = 0;
  const n = 200;
  for (let i = 0; i < n; i++) {
    const x1 = 0.5 + 9 * rng.next();
    const x2 = 0.5 + 9 * rng.next();
    err += Math.abs(predict(row(x1, x2).features) / f(x1, x2) - 1);
  }
  return err / n;
}

const grid: TrainingRow[] = [];
for (let a = 0; a <= 10; a += 0.5) for (let b = 0; b <= 10; b += 0.5) grid.push(row(a, b));

test('random forest fits y = 3 x1 + x2^2 within 5% inside the training range', () => {
  const m = fitForest('cpu', grid, { trees: 40, maxDepth: 12, minLeaf: 1, featureFraction: 1, seed: 5 });
  const e = meanRelError((s) => predictEnsemble(m, s));
  assert.ok(e < 0.05, `mean relative error ${e}`);
});

test('gradient-boosted trees fit y = 3 x1 + x2^2 within 5% inside the training range', () => {
  const m = fitGbt('cpu', grid, { rounds: 200, maxDepth: 3, minLeaf: 2, shrinkage: 0.1 });
  const e = meanRelError((s) => predictEnsemble(m, s));
  assert.ok(e < 0.05, `mean relative error ${e}`);
});

test('forests are deterministic given the seed and differ across seeds', () => {
  const p = { trees: 5, maxDepth: 6, minLeaf: 1, featureFraction: 0.5, seed: 9 };
  const a = fitForest('cpu', grid, p);
  const b = fitForest('cpu', grid, p);
  const c = fitForest('cpu', grid, { ...p, seed: 10 });
  assert.equal(a.trees, b.trees);
  assert.not.equal(a.trees, c.trees);
});

test.run();
