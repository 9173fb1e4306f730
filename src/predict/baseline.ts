/**
 * The physically motivated baseline: time = sum of non-negative coefficients times physical terms (a fixed
 * cost, flops per thread or executed flops with padding, bytes, waves over compute units, ...), fitted per group (implementation
 * or variant) by ridge-regularized non-negative least squares on RELATIVE error, so small slices count as
 * much as large ones. Non-negativity keeps every term a cost; a pooled fit over all groups serves groups
 * unseen in training.
 */
import { featureNames, type SideFeatures, type SideName } from './features.js';
import { MODEL_SCHEMA_VERSION, trainingDataSha256, type LinearCoefficients, type ModelFile, type TrainingRow } from './model.js';
import { nnls } from './nnls.js';

/**
 * The baseline's terms per side: "1" is the fixed cost (launch, thread wake-up). Few terms on purpose: a run
 * trains on a few dozen rows per side, and collinear terms (rowsPerThread beside the flops per thread,
 * weightBytes beside bytes at M = 1) let the fit split a cost between them arbitrarily, which then
 * extrapolates badly to a held-out reduction length (gpu-host 2026-12-03: CPU held-out MAPE 30.9 -> 19.7 on
 * conv without them). serialFlops is the GPU's critical path (features.ts, gpuSerialFlops).
 */
export const BASELINE_TERMS: Record<SideName, string[]> = {
  cpu: ['1', 'flopsPerThread', 'paddedFlopsPerThread', 'bytes', 'copyBytesPerThread'],
  gpu: ['1', 'workFlops', 'bytes', 'waves', 'workGroups', 'serialFlops'],
};

export interface BaselineParams {
  /** Ridge penalty on the column-normalized coefficients. */
  lambda: number;
  /** Coordinate-descent sweeps. */
  sweeps: number;
}

export const DEFAULT_BASELINE: BaselineParams = { lambda: 1e-6, sweeps: 3000 };

function termValue(term: string, f: SideFeatures): number {
  return term === '1' ? 1 : f.values[term] ?? 0;
}

/** The baseline's fit: non-negative least squares on relative error (see nnls.ts). */
export function fitNonNegative(x: readonly number[][], y: readonly number[], p: BaselineParams): number[] {
  return nnls(x, y, { ...p, scale: y });
}

function fitRows(rows: readonly TrainingRow[], terms: readonly string[], p: BaselineParams): LinearCoefficients {
  const x = rows.map((r) => terms.map((t) => termValue(t, r.features)));
  return { coef: fitNonNegative(x, rows.map((r) => r.timeNs), p) };
}

/** Fits the baseline of one side. */
export function fitBaseline(side: SideName, rows: readonly TrainingRow[], p: BaselineParams = DEFAULT_BASELINE): ModelFile {
  const terms = BASELINE_TERMS[side];
  const groups = [...new Set(rows.map((r) => r.features.group))].sort();
  const perGroup: Record<string, LinearCoefficients> = {};
  for (const g of groups) {
    const mine = rows.filter((r) => r.features.group === g);
    // Too few rows to pin every term down: the group is served by the pooled fit rather than a guess.
    if (mine.length >= 2 * terms.length) perGroup[g] = fitRows(mine, terms, p);
  }
  const names = [...featureNames(side)];
  return {
    schemaVersion: MODEL_SCHEMA_VERSION, family: 'baseline', side, featureNames: names, groups,
    params: { lambda: p.lambda, sweeps: p.sweeps },
    trainingDataSha256: trainingDataSha256(rows, names), nTrain: rows.length,
    terms: [...terms], perGroup, pooled: fitRows(rows, terms, p),
  };
}

/** Baseline prediction in ns (never below 1 ns, so relative errors stay defined). */
export function predictBaseline(model: ModelFile, f: SideFeatures): number {
  const c = model.perGroup?.[f.group] ?? model.pooled!;
  let t = 0;
  model.terms!.forEach((term, j) => { t += c.coef[j]! * termValue(term, f); });
  return Math.max(1, t);
}
