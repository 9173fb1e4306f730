/**
 * CART regression trees: binary splits `x[f] <= threshold` chosen by the largest drop in squared error,
 * leaves predict the mean. The tree is stored flat (parallel arrays) so it serializes to JSON as is and a
 * reloaded tree walks exactly the same nodes. Shared by the random forest and the gradient-boosted trees.
 */
import type { Rng } from './rng.js';

/** A fitted tree; node i is a leaf when feature[i] is -1, else goes to left[i] when x[feature] <= threshold. */
export interface FlatTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface TreeOptions {
  maxDepth: number;
  /** Smallest number of samples in a leaf. */
  minLeaf: number;
  /** Features tried per split; all when undefined or >= the feature count. */
  featuresPerSplit?: number;
  /** Needed only when featuresPerSplit subsamples. */
  rng?: Rng;
}

/**
 * The rows of a fit, presorted once: `values[f][k]` is feature f of the k-th row of `idx`, `order[f]` the
 * positions 0..n-1 in ascending order of that feature, ties in position order (a stable sort). Gradient boosting
 * fits hundreds of trees on the same rows (ensembles.ts fitGbt) and shares one presort among them.
 */
export interface Presorted {
  values: Float64Array[];
  order: Int32Array[];
}

export function presort(x: readonly (readonly number[])[], idx: readonly number[]): Presorted {
  const p = x[0]?.length ?? 0;
  const n = idx.length;
  const values: Float64Array[] = [];
  const order: Int32Array[] = [];
  for (let f = 0; f < p; f++) {
    const column = new Float64Array(n);
    for (let k = 0; k < n; k++) column[k] = x[idx[k]!]![f]!;
    const positions = Array.from({ length: n }, (_, k) => k).sort((a, b) => column[a]! - column[b]!);
    values.push(column);
    order.push(Int32Array.from(positions));
  }
  return { values, order };
}

/**
 * Fits a tree on rows `idx` (indices into x and y; repeats allowed, as in a bootstrap); `sorted`, when given,
 * is presort(x, idx).
 *
 * Each node is one segment [start, end) of every feature's order array: after a split, each array's segment is
 * partitioned stably into the left rows then the right rows, so both children's segments stay sorted by every
 * feature, ties in the order of `idx`, without sorting again. That is exactly the order a stable sort of the
 * child's own rows would give, so the tree is the one sorting at every node would fit (test/predict-trees.test.ts
 * checks it against that definition), in a fraction of the time.
 */
export function fitTree(x: readonly number[][], y: readonly number[], idx: readonly number[], opts: TreeOptions, sorted?: Presorted): FlatTree {
  const tree: FlatTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const p = x[0]?.length ?? 0;
  const n = idx.length;
  const { values, order: shared } = sorted ?? presort(x, idx);
  const order = shared.map((o) => o.slice()); // partitioned in place below; the presort stays for the next tree
  const targets = Float64Array.from(idx, (i) => y[i]!);
  const members = Int32Array.from({ length: n }, (_, k) => k); // each node's positions in the order of idx
  const goesLeft = new Uint8Array(n);
  const scratch = new Int32Array(n);
  const partition = (a: Int32Array, start: number, end: number): void => {
    let l = start, r = 0;
    for (let k = start; k < end; k++) {
      const pos = a[k]!;
      if (goesLeft[pos]) a[l++] = pos;
      else scratch[r++] = pos;
    }
    a.set(scratch.subarray(0, r), l);
  };
  const grow = (start: number, end: number, depth: number): number => {
    const node = tree.feature.length;
    const count = end - start;
    let sum = 0;
    for (let k = start; k < end; k++) sum += targets[members[k]!]!;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(sum / count);
    if (depth >= opts.maxDepth || count < 2 * opts.minLeaf) return node;
    const split = bestSplit(values, order, targets, members, start, end, candidateFeatures(p, opts), opts.minLeaf);
    if (!split) return node;
    const column = values[split.feature]!;
    let leftCount = 0;
    for (let k = start; k < end; k++) {
      const pos = members[k]!;
      goesLeft[pos] = column[pos]! <= split.threshold ? 1 : 0;
      leftCount += goesLeft[pos]!;
    }
    partition(members, start, end);
    for (const a of order) partition(a, start, end);
    tree.feature[node] = split.feature;
    tree.threshold[node] = split.threshold;
    tree.left[node] = grow(start, start + leftCount, depth + 1);
    tree.right[node] = grow(start + leftCount, end, depth + 1);
    return node;
  };
  grow(0, n, 0);
  return tree;
}

/** The features a split tries: all, or a seeded subset of featuresPerSplit of them in index order. */
export function candidateFeatures(p: number, opts: TreeOptions): number[] {
  const all = Array.from({ length: p }, (_, i) => i);
  const k = opts.featuresPerSplit;
  if (k === undefined || k >= p || !opts.rng) return all;
  // Partial Fisher-Yates: the first k of a seeded shuffle, kept in index order so ties resolve the same way.
  for (let i = 0; i < k; i++) {
    const j = i + opts.rng.int(p - i);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, k).sort((a, b) => a - b);
}

/** The split of the node [start, end) with the largest squared-error reduction, or null when no split helps. */
function bestSplit(
  values: readonly Float64Array[], order: readonly Int32Array[], targets: Float64Array, members: Int32Array,
  start: number, end: number, features: readonly number[], minLeaf: number,
): { feature: number; threshold: number } | null {
  const n = end - start;
  let total = 0;
  for (let k = start; k < end; k++) total += targets[members[k]!]!;
  const parentScore = (total * total) / n;
  let best: { feature: number; threshold: number; score: number } | null = null;
  for (const f of features) {
    const column = values[f]!;
    const sorted = order[f]!;
    let leftSum = 0;
    for (let k = 0; k < n - 1; k++) {
      leftSum += targets[sorted[start + k]!]!;
      const nl = k + 1;
      if (nl < minLeaf || n - nl < minLeaf) continue;
      const a = column[sorted[start + k]!]!;
      const b = column[sorted[start + k + 1]!]!;
      if (a === b) continue;
      const rightSum = total - leftSum;
      // Maximizing sumL^2/nL + sumR^2/nR is minimizing the children's squared error.
      const score = (leftSum * leftSum) / nl + (rightSum * rightSum) / (n - nl);
      if (score > parentScore + 1e-12 * Math.abs(parentScore) && (!best || score > best.score)) {
        best = { feature: f, threshold: a + (b - a) / 2, score };
      }
    }
  }
  return best ? { feature: best.feature, threshold: best.threshold } : null;
}

/** Walks the tree for one feature vector. */
export function predictTree(tree: FlatTree, v: readonly number[]): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    node = v[tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}
