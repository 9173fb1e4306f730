/**
 * The two tree ensembles, both on log(time ns) so that errors are relative: a random forest (bootstrap
 * rows, a random subset of features per split, deep CART trees, mean of the trees) and gradient-boosted
 * trees (squared loss, shallow trees fitted to residuals, shrinkage). Deterministic given the seed.
 * With `residual`, the trees learn log(time / baseline prediction) instead: trees cannot extrapolate past
 * the sizes they were trained on, the physical baseline can, and the trees correct what it misses.
 */
import { fitBaseline, predictBaseline } from './baseline.js';
import { featureNames, toVector, type SideFeatures, type SideName } from './features.js';
import { MODEL_SCHEMA_VERSION, trainingDataSha256, type ModelFile, type TrainingRow } from './model.js';
import { createRng } from './rng.js';
import { fitTree, predictTree, presort } from './tree.js';

export interface ForestParams {
  trees: number;
  maxDepth: number;
  minLeaf: number;
  /** Share of features tried per split (rounded up). */
  featureFraction: number;
  seed: number;
  /** 1: trees fit log(time / baseline); 0: log(time). */
  residual?: number;
}

export interface GbtParams {
  rounds: number;
  maxDepth: number;
  minLeaf: number;
  shrinkage: number;
  /** 1: trees fit log(time / baseline); 0: log(time). */
  residual?: number;
}

export const DEFAULT_FOREST: ForestParams = { trees: 60, maxDepth: 14, minLeaf: 1, featureFraction: 0.5, seed: 1 };
export const DEFAULT_GBT: GbtParams = { rounds: 300, maxDepth: 4, minLeaf: 2, shrinkage: 0.1 };

/** Design matrix of a side's rows: features then group indicators, and the log-time targets (minus the baseline's log prediction when residual). */
export function design(side: SideName, rows: readonly TrainingRow[], residual: boolean): {
  names: string[]; groups: string[]; x: number[][]; y: number[]; base?: ModelFile;
} {
  const names = [...featureNames(side)];
  const groups = [...new Set(rows.map((r) => r.features.group))].sort();
  const base = residual ? fitBaseline(side, rows) : undefined;
  return {
    names, groups,
    x: rows.map((r) => toVector(r.features, names, groups)),
    y: rows.map((r) => Math.log(r.timeNs) - (base ? Math.log(predictBaseline(base, r.features)) : 0)),
    ...(base ? { base } : {}),
  };
}

/** The baseline's fitted numbers, embedded in a residual ensemble's file (its fitted cache knot and queued share among the params). */
function embedded(base: ModelFile | undefined): Partial<ModelFile> {
  return base ? { terms: base.terms!, perGroup: base.perGroup!, pooled: base.pooled! } : {};
}

/** The params a residual ensemble's embedded baseline needs besides its coefficients. */
function baseParams(base: ModelFile | undefined): Record<string, number> {
  const { cacheKnotBytes, queuedShare } = base?.params ?? {};
  return { ...(cacheKnotBytes === undefined ? {} : { cacheKnotBytes }), ...(queuedShare === undefined ? {} : { queuedShare }) };
}

function header(side: SideName, family: 'forest' | 'gbt', rows: readonly TrainingRow[], names: string[], groups: string[], params: object): ModelFile {
  return {
    schemaVersion: MODEL_SCHEMA_VERSION, family, side, featureNames: names, groups,
    params: { ...(params as Record<string, number>) },
    trainingDataSha256: trainingDataSha256(rows, names), nTrain: rows.length,
  };
}

/** Fits a random forest of one side: bootstrap rows, a seeded subset of features per split, mean of deep trees. */
export function fitForest(side: SideName, rows: readonly TrainingRow[], p: ForestParams = DEFAULT_FOREST): ModelFile {
  const { names, groups, x, y, base } = design(side, rows, p.residual === 1);
  const rng = createRng(p.seed);
  const n = rows.length;
  const perSplit = Math.max(1, Math.ceil(p.featureFraction * (names.length + groups.length)));
  const trees = [];
  for (let t = 0; t < p.trees; t++) {
    const boot = Array.from({ length: n }, () => rng.int(n));
    trees.push(fitTree(x, y, boot, { maxDepth: p.maxDepth, minLeaf: p.minLeaf, featuresPerSplit: perSplit, rng }));
  }
  return { ...header(side, 'forest', rows, names, groups, { ...p, ...baseParams(base) }), ...embedded(base), trees };
}

/** Fits gradient-boosted trees of one side: shallow trees on the residuals of log time, each scaled by the shrinkage. */
export function fitGbt(side: SideName, rows: readonly TrainingRow[], p: GbtParams = DEFAULT_GBT): ModelFile {
  const { names, groups, x, y, base } = design(side, rows, p.residual === 1);
  const init = y.reduce((s, v) => s + v, 0) / y.length;
  const current = y.map(() => init);
  const all = y.map((_, i) => i);
  const sorted = presort(x, all); // every round fits the same rows: sorted once
  const trees = [];
  for (let r = 0; r < p.rounds; r++) {
    const residual = y.map((v, i) => v - current[i]!);
    const tree = fitTree(x, residual, all, { maxDepth: p.maxDepth, minLeaf: p.minLeaf }, sorted);
    trees.push(tree);
    for (let i = 0; i < y.length; i++) current[i]! += p.shrinkage * predictTree(tree, x[i]!);
  }
  return { ...header(side, 'gbt', rows, names, groups, { ...p, ...baseParams(base) }), ...embedded(base), trees, init, shrinkage: p.shrinkage };
}

/** Ensemble prediction in ns. */
export function predictEnsemble(model: ModelFile, f: SideFeatures): number {
  const v = toVector(f, model.featureNames, model.groups);
  const trees = model.trees!;
  const offset = model.params.residual === 1 ? Math.log(predictBaseline(model, f)) : 0;
  if (model.family === 'forest') {
    let s = 0;
    for (const t of trees) s += predictTree(t, v);
    return Math.exp(offset + s / trees.length);
  }
  let s = model.init!;
  for (const t of trees) s += model.shrinkage! * predictTree(t, v);
  return Math.exp(offset + s);
}
