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

/** Fits a tree on rows `idx` (indices into x and y; repeats allowed, as in a bootstrap). */
export function fitTree(x: readonly number[][], y: readonly number[], idx: readonly number[], opts: TreeOptions): FlatTree {
  const tree: FlatTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const p = x[0]?.length ?? 0;
  const grow = (rows: number[], depth: number): number => {
    const node = tree.feature.length;
    let sum = 0;
    for (const i of rows) sum += y[i]!;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(sum / rows.length);
    if (depth >= opts.maxDepth || rows.length < 2 * opts.minLeaf) return node;
    const split = bestSplit(x, y, rows, candidateFeatures(p, opts), opts.minLeaf);
    if (!split) return node;
    const l: number[] = [];
    const r: number[] = [];
    for (const i of rows) (x[i]![split.feature]! <= split.threshold ? l : r).push(i);
    tree.feature[node] = split.feature;
    tree.threshold[node] = split.threshold;
    tree.left[node] = grow(l, depth + 1);
    tree.right[node] = grow(r, depth + 1);
    return node;
  };
  grow([...idx], 0);
  return tree;
}

function candidateFeatures(p: number, opts: TreeOptions): number[] {
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

/** The split with the largest squared-error reduction, or null when no split helps. */
function bestSplit(
  x: readonly number[][], y: readonly number[], rows: readonly number[], features: readonly number[], minLeaf: number,
): { feature: number; threshold: number } | null {
  const n = rows.length;
  let total = 0;
  for (const i of rows) total += y[i]!;
  const parentScore = (total * total) / n;
  let best: { feature: number; threshold: number; score: number } | null = null;
  for (const f of features) {
    const sorted = [...rows].sort((a, b) => x[a]![f]! - x[b]![f]!);
    let leftSum = 0;
    for (let k = 0; k < n - 1; k++) {
      leftSum += y[sorted[k]!]!;
      const nl = k + 1;
      if (nl < minLeaf || n - nl < minLeaf) continue;
      const a = x[sorted[k]!]![f]!;
      const b = x[sorted[k + 1]!]![f]!;
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
