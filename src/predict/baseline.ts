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
 * The CPU term for weights that do not fit in a core's cache: the busiest thread's weight bytes beyond a knot,
 * max(0, weightBytesPerThread - knot). An M = 1 slice whose weights stay in the core's own cache streams
 * them at that cache's bandwidth; past it they come from the shared L3 or DRAM at a fraction of it
 * (gpu-host, 8 threads: 0.29 TB/s at 1 MiB per thread, 0.18 TB/s at 8 MiB; the 2-core VM, 1 thread: 93 GB/s at
 * 1.2 MiB, 30 GB/s at 3.5 MiB). The engine does not report cache sizes, so the knot is fitted: the candidate
 * that fits the training rows best (CACHE_KNOTS), stored in the model's params.
 */
export const SPILL_TERM = 'spillBytesPerThread';

/**
 * The baseline's terms per side: "1" is the fixed cost (launch). Few terms on purpose: a run
 * trains on a few dozen rows per side, and collinear terms (rowsPerThread beside the flops per thread,
 * weightBytes beside bytes at M = 1) let the fit split a cost between them arbitrarily, which then
 * extrapolates badly to a held-out reduction length (gpu-host 2026-12-03: CPU held-out MAPE 30.9 -> 19.7 on
 * conv without them). serialFlops is the GPU's critical path (features.ts, gpuSerialFlops).
 * CPU "threads" is the pool's wake-up and join, paid per thread: on the gpu-host a thin slice takes ~4.5 us
 * on 8 threads and ~7.5 us on 15, so a single fixed cost under-predicts every small slice on 15 threads.
 */
export const BASELINE_TERMS: Record<SideName, string[]> = {
  cpu: ['1', 'threads', 'flopsPerThread', 'paddedFlopsPerThread', SPILL_TERM, 'bytes', 'copyBytesPerThread'],
  gpu: ['1', 'workFlops', 'bytes', 'waves', 'workGroups', 'serialFlops'],
};

export interface BaselineParams {
  /** Ridge penalty on the column-normalized coefficients. */
  lambda: number;
  /** Coordinate-descent sweeps. */
  sweeps: number;
}

export const DEFAULT_BASELINE: BaselineParams = { lambda: 1e-6, sweeps: 3000 };


/** Candidate knots of SPILL_TERM, bytes per thread: from a phone core's L2 share to a server core's whole L2. */
export const CACHE_KNOTS = [256 << 10, 512 << 10, 1 << 20, 2 << 20];

/**
 * A knot is fitted only where training rows reach well past it: MIN_SPILL_ROWS rows with at least twice
 * the knot's weight bytes per thread. From rows just past it the coefficient is noise, which a held-out
 * shape deep in the regime multiplies (gpu-host 2026-12-03, K = 4096 held out, a knot 0.2 MiB under the
 * training's largest slice: 2-3x over-predicted); with no knot reached the term is left out.
 */
export const MIN_SPILL_ROWS = 2;

/** Value of one baseline term for a side's features; `knot` is the model's cache knot (0: no spill term). */
export function termValue(term: string, f: SideFeatures, knot: number): number {
  if (term === '1') return 1;
  if (term === SPILL_TERM) return knot > 0 ? Math.max(0, (f.values.weightBytesPerThread ?? 0) - knot) : 0;
  return f.values[term] ?? 0;
}

/** Whether the training rows reach far enough past `knot` to fit SPILL_TERM (see MIN_SPILL_ROWS). */
export function knotReached(rows: readonly TrainingRow[], knot: number): boolean {
  return rows.filter((r) => (r.features.values.weightBytesPerThread ?? 0) >= 2 * knot).length >= MIN_SPILL_ROWS;
}

/** The baseline's fit: non-negative least squares on relative error (see nnls.ts). */
export function fitNonNegative(x: readonly number[][], y: readonly number[], p: BaselineParams): number[] {
  return nnls(x, y, { ...p, scale: y });
}

function fitRows(rows: readonly TrainingRow[], terms: readonly string[], knot: number, p: BaselineParams): LinearCoefficients {
  const x = rows.map((r) => terms.map((t) => termValue(t, r.features, knot)));
  return { coef: fitNonNegative(x, rows.map((r) => r.timeNs), p) };
}

/**
 * The terms a group's rows can tell apart from the fixed cost: those taking at least two values there. A
 * term that is constant in the group (no copy in a linear group, one thread count, no weights past the
 * knot) is the fixed cost again and needs no rows of its own.
 */
function termsInPlay(rows: readonly TrainingRow[], terms: readonly string[], knot: number): number {
  return terms.filter((t) => t === '1' || new Set(rows.map((r) => termValue(t, r.features, knot))).size >= 2).length;
}

interface BaselineFit {
  knot: number;
  perGroup: Record<string, LinearCoefficients>;
  pooled: LinearCoefficients;
  /** Sum of squared relative training errors, each row by the fit that serves its group. */
  sse: number;
}

function fitWithKnot(rows: readonly TrainingRow[], terms: readonly string[], groups: readonly string[], knot: number, p: BaselineParams): BaselineFit {
  const perGroup: Record<string, LinearCoefficients> = {};
  for (const g of groups) {
    const mine = rows.filter((r) => r.features.group === g);
    const groupKnot = knotReached(mine, knot) ? knot : 0;
    // Too few rows to pin every term down: the group is served by the pooled fit rather than a guess.
    if (mine.length >= 2 * termsInPlay(mine, terms, groupKnot)) perGroup[g] = fitRows(mine, terms, groupKnot, p);
  }
  const pooled = fitRows(rows, terms, knot, p);
  let sse = 0;
  for (const r of rows) {
    const e = predictWith(perGroup[r.features.group] ?? pooled, terms, knot, r.features) / r.timeNs - 1;
    sse += e * e;
  }
  return { knot, perGroup, pooled, sse };
}

/** Fits the baseline of one side; with SPILL_TERM among the terms, at the reached knot that fits best. */
export function fitBaseline(side: SideName, rows: readonly TrainingRow[], p: BaselineParams = DEFAULT_BASELINE): ModelFile {
  const terms = BASELINE_TERMS[side];
  const groups = [...new Set(rows.map((r) => r.features.group))].sort();
  const knots = terms.includes(SPILL_TERM) ? CACHE_KNOTS.filter((k) => knotReached(rows, k)) : [];
  let best = fitWithKnot(rows, terms, groups, 0, p);
  for (const knot of knots) {
    const fit = fitWithKnot(rows, terms, groups, knot, p);
    if (fit.sse < best.sse) best = fit;
  }
  const names = [...featureNames(side)];
  return {
    schemaVersion: MODEL_SCHEMA_VERSION, family: 'baseline', side, featureNames: names, groups,
    params: { lambda: p.lambda, sweeps: p.sweeps, ...(terms.includes(SPILL_TERM) ? { cacheKnotBytes: best.knot } : {}) },
    trainingDataSha256: trainingDataSha256(rows, names), nTrain: rows.length,
    terms: [...terms], perGroup: best.perGroup, pooled: best.pooled,
  };
}

function predictWith(c: LinearCoefficients, terms: readonly string[], knot: number, f: SideFeatures): number {
  let t = 0;
  terms.forEach((term, j) => { t += c.coef[j]! * termValue(term, f, knot); });
  return Math.max(1, t);
}

/** Baseline prediction in ns (never below 1 ns, so relative errors stay defined). */
export function predictBaseline(model: ModelFile, f: SideFeatures): number {
  return predictWith(model.perGroup?.[f.group] ?? model.pooled!, model.terms!, model.params.cacheKnotBytes ?? 0, f);
}
