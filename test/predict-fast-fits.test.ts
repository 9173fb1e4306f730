// The tree and NNLS fits are written for speed (presorted segments, flat typed arrays). Each is checked here
// against its plain definition, written the obvious way, on random problems with ties, repeated rows and
// subsampled features: the fast code must give the very same tree and the very same coefficients, bit for bit,
// so that a faster derive never changes a shipped run's models.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nnls, type NnlsOptions } from '../src/predict/nnls.js';
import { createRng, type Rng } from '../src/predict/rng.js';
import { candidateFeatures, fitTree, presort, type FlatTree, type TreeOptions } from '../src/predict/tree.js';

/** CART by definition: at every node, sort the node's rows by each candidate feature (stable) and scan. */
function referenceTree(x: readonly number[][], y: readonly number[], idx: readonly number[], opts: TreeOptions): FlatTree {
  const tree: FlatTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const p = x[0]?.length ?? 0;
  const features = (): number[] => candidateFeatures(p, opts); // the seeded feature sampling is shared, not under test
  const grow = (rows: number[], depth: number): number => {
    const node = tree.feature.length;
    const sum = rows.reduce((s, i) => s + y[i]!, 0);
    tree.feature.push(-1); tree.threshold.push(0); tree.left.push(-1); tree.right.push(-1); tree.value.push(sum / rows.length);
    if (depth >= opts.maxDepth || rows.length < 2 * opts.minLeaf) return node;
    const n = rows.length;
    const parentScore = (sum * sum) / n;
    let best: { feature: number; threshold: number; score: number } | undefined;
    for (const f of features()) {
      const sorted = [...rows].sort((a, b) => x[a]![f]! - x[b]![f]!);
      let leftSum = 0;
      for (let k = 0; k < n - 1; k++) {
        leftSum += y[sorted[k]!]!;
        const nl = k + 1;
        const a = x[sorted[k]!]![f]!, b = x[sorted[k + 1]!]![f]!;
        if (nl < opts.minLeaf || n - nl < opts.minLeaf || a === b) continue;
        const score = (leftSum * leftSum) / nl + ((sum - leftSum) * (sum - leftSum)) / (n - nl);
        if (score > parentScore + 1e-12 * Math.abs(parentScore) && (!best || score > best.score)) best = { feature: f, threshold: a + (b - a) / 2, score };
      }
    }
    if (!best) return node;
    const { feature, threshold } = best;
    tree.feature[node] = feature;
    tree.threshold[node] = threshold;
    tree.left[node] = grow(rows.filter((i) => x[i]![feature]! <= threshold), depth + 1);
    tree.right[node] = grow(rows.filter((i) => x[i]![feature]! > threshold), depth + 1);
    return node;
  };
  grow([...idx], 0);
  return tree;
}

/** A design matrix with few distinct values per column (many ties) and a noisy target. */
function problem(rng: Rng, n: number, p: number): { x: number[][]; y: number[] } {
  const x = Array.from({ length: n }, () => Array.from({ length: p }, (_, f) => Math.floor(rng.next() * (2 + 3 * f)) * 0.5));
  const y = x.map((r) => r.reduce((s, v, f) => s + v * (f % 3), 0) + rng.next());
  return { x, y };
}

test('fitTree grows the tree that sorting at every node grows, with bootstraps, subsampled features and a shared presort', () => {
  const rng = createRng(11);
  for (let t = 0; t < 60; t++) {
    const n = 2 + Math.floor(rng.next() * 120), p = 1 + Math.floor(rng.next() * 7);
    const { x, y } = problem(rng, n, p);
    const boot = t % 2 === 0 ? Array.from({ length: n }, () => rng.int(n)) : x.map((_, i) => i);
    const depth = 1 + (t % 9), minLeaf = 1 + (t % 3);
    const perSplit = t % 3 === 0 ? Math.max(1, Math.ceil(p / 2)) : undefined;
    const fast = fitTree(x, y, boot, { maxDepth: depth, minLeaf, ...(perSplit ? { featuresPerSplit: perSplit, rng: createRng(t) } : {}) },
      t % 4 === 1 ? presort(x, boot) : undefined);
    const slow = referenceTree(x, y, boot, { maxDepth: depth, minLeaf, ...(perSplit ? { featuresPerSplit: perSplit, rng: createRng(t) } : {}) });
    assert.equal(fast, slow, `problem ${t}: n ${n}, p ${p}`);
  }
});

test('one presort serves many trees on new targets, as gradient boosting uses it', () => {
  const rng = createRng(5);
  const { x, y } = problem(rng, 90, 5);
  const all = x.map((_, i) => i);
  const shared = presort(x, all);
  for (let round = 0; round < 5; round++) {
    const target = y.map((v, i) => v * (round + 1) - i * 0.01);
    assert.equal(fitTree(x, target, all, { maxDepth: 4, minLeaf: 2 }, shared), referenceTree(x, target, all, { maxDepth: 4, minLeaf: 2 }));
  }
});

/** NNLS by definition: cyclic coordinate descent on the Gram matrix of unit-norm columns, nested arrays. */
function referenceNnls(x: readonly (readonly number[])[], y: readonly number[], opts: NnlsOptions): number[] {
  const m = x[0]?.length ?? 0;
  const s = (i: number): number => opts.scale?.[i] ?? 1;
  const kept = x.flatMap((row, i) => (Number.isFinite(y[i]!) && Number.isFinite(s(i)) && s(i) > 0 && row.every(Number.isFinite) ? [i] : []));
  const a = kept.map((i) => x[i]!.map((v) => v / s(i)));
  const b = kept.map((i) => y[i]! / s(i));
  const norms = Array.from({ length: m }, (_, j) => Math.sqrt(a.reduce((acc, r) => acc + r[j]! * r[j]!, 0)));
  const unit = (r: readonly number[], j: number): number => (norms[j]! > 0 ? r[j]! / norms[j]! : 0);
  const g = Array.from({ length: m }, (_, j) => Array.from({ length: m }, (_, k) => a.reduce((acc, r) => acc + unit(r, j) * unit(r, k), 0)));
  const h = Array.from({ length: m }, (_, j) => a.reduce((acc, r, i) => acc + unit(r, j) * b[i]!, 0));
  const z = new Array<number>(m).fill(0);
  for (let sweep = 0; sweep < opts.sweeps; sweep++) {
    let change = 0;
    for (let j = 0; j < m; j++) {
      const diagonal = g[j]![j]! + opts.lambda;
      if (!(diagonal > 0)) continue;
      let r = h[j]!;
      for (let k = 0; k < m; k++) if (k !== j) r -= g[j]![k]! * z[k]!;
      const next = Math.max(0, r / diagonal);
      change = Math.max(change, Math.abs(next - z[j]!));
      z[j] = next;
    }
    if (change < 1e-15) break;
  }
  return z.map((v, j) => (norms[j]! > 0 ? v / norms[j]! : 0));
}

test('nnls gives the coefficients of its plain definition bit for bit (scaled rows, ridge, dropped rows, zero columns)', () => {
  const rng = createRng(3);
  for (let t = 0; t < 300; t++) {
    const n = 1 + Math.floor(rng.next() * 60), m = 1 + Math.floor(rng.next() * 10);
    const x = Array.from({ length: n }, () => Array.from({ length: m }, () => (rng.next() < 0.25 ? 0 : rng.next() * 10 ** Math.floor(rng.next() * 7))));
    const y = x.map(() => 1 + rng.next() * 1e6);
    if (t % 7 === 0) x[0]![0] = Number.NaN;
    if (t % 5 === 0) for (const r of x) r[m - 1] = 0;
    const opts: NnlsOptions = { lambda: t % 3 === 0 ? 0 : 1e-6, sweeps: 1 + Math.floor(rng.next() * 3000), ...(t % 2 ? { scale: y } : {}) };
    assert.equal(nnls(x, y, opts), referenceNnls(x, y, opts), `problem ${t}`);
  }
});

test.run();
