/**
 * The physically motivated baseline: time = sum of non-negative coefficients times physical terms (a fixed
 * cost, flops per thread or executed flops with padding, bytes, waves over compute units, ...), fitted per group (implementation
 * or variant) by ridge-regularized non-negative least squares on RELATIVE error, so small slices count as
 * much as large ones. Non-negativity keeps every term a cost; a pooled fit over all groups serves groups
 * unseen in training, and (scaled to the group, CPU side only) groups with too few rows for a fit of their own.
 */
import { featureNames, RESIDENT_GROUP_SUFFIX, type SideFeatures, type SideName } from './features.js';
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
 * The GPU's critical path with the work-groups queued behind the first on each compute unit priced at a share of
 * the first one's cost: walk + share x queuedFlops (features.ts, gpuQueuedFlops), which is serialFlops itself
 * at share 1. How much queued groups overlap depends on how many the device keeps resident (registers, local
 * memory, its scheduler), which the engine does not report, so the share is fitted: the candidate
 * (QUEUED_SHARES) that fits the training rows best, stored in the model's params. A free coefficient per term
 * instead split the cost by noise where few rows had queued groups (PoCL runs lost up to 0.07 of q).
 */
export const SERIAL_TERM = 'serialFlops';

/** Candidate shares of SERIAL_TERM: 1 (queued groups run one after another) down to an eighth. */
export const QUEUED_SHARES = [1, 1 / 2, 1 / 4, 1 / 8];

/**
 * A share below 1 is taken only where it lowers the training's sum of squared relative errors by at least this
 * fraction: a device whose queued groups overlap shows it plainly (gpu-host H200 folds: RMS relative error
 * 12-17% at share 1 against 5-11% at 1/4), one that runs them in turn (PoCL) fits every share within 1%, and
 * picking among those by noise moved its selections (pocl-split linear 2026-12-03T1808Z: q 0.86 -> 0.83).
 */
export const MIN_SHARE_GAIN = 0.1;

/**
 * The baseline's terms per side: "1" is the fixed cost (launch). Few terms on purpose: a run
 * trains on a few dozen rows per side, and collinear terms (rowsPerThread beside the flops per thread,
 * weightBytes beside bytes at M = 1) let the fit split a cost between them arbitrarily, which then
 * extrapolates badly to a held-out reduction length (gpu-host 2026-12-03: CPU held-out MAPE 30.9 -> 19.7 on
 * conv without them). serialFlops is the GPU's critical path (features.ts, gpuSerialFlops).
 * CPU "poolJoins" is the pool's wake-up and join, paid per thread and per ParallelFor (threads x passes;
 * features.ts, cpuCopyWork): on the gpu-host a thin slice takes ~4.5 us on 8 threads and ~7.5 us on 15, so a
 * single fixed cost under-predicts every small slice on 15 threads, and a conv slice with a copy or sum pass
 * before or after its compute pass pays it twice (gpu-host conv 2026-12-04T1608Z, CPU held-out MAPE with
 * threads -> poolJoins: 22.5 -> 21.0; it equals threads for linear slices). "readBytesPerThread" is what the
 * busiest thread's conv units load and store (features.ts, convSchedule), or for OpenBLAS's conv GEMM the output
 * its busiest thread writes (features.ts, cpuCopyWork). GPU "gatherLoads" is the floats a
 * partial tile gathers one at a time on the critical path (features.ts, gpuGatherLoads), "inputLoads" the input
 * floats conv_reg broadcasts, whose share per FMA depends on the filter width and padding (gpuInputLoads); both are
 * 0 for the other variants, whose fits therefore do not change. CPU "tileLoadsPerThread" is the same cost on the
 * CPU side: the busiest thread's direct-conv register-tile loads, heavy where a row is a single tail tile (7x7, 8x8,
 * 14x14) or a slice of a few channels (gpu-host conv 2026-12-04T1747Z: 0.22-0.28 ns per load in every fold's fit;
 * CPU held-out MAPE 16.4 -> 15.8).
 */
export const BASELINE_TERMS: Record<SideName, string[]> = {
  cpu: ['1', 'poolJoins', 'flopsPerThread', 'paddedFlopsPerThread', SPILL_TERM, 'bytes', 'copyBytesPerThread', 'readBytesPerThread', 'tileLoadsPerThread'],
  gpu: ['1', 'workFlops', 'bytes', 'waves', 'workGroups', 'serialFlops', 'gatherLoads', 'inputLoads', SPILL_TERM],
};

/**
 * Terms only some kernels have (0 for every other variant): a model whose training rows never have one leaves it out
 * of its terms, where its coefficient would be 0 anyway, so the model files of runs without those kernels stay as
 * they were: linear runs for all three, gpu-host runs for the GPU terms, runs without resolved.cpuConvLayout or
 * simd-direct jobs (every pocl-split run) for the CPU one.
 */
export const KERNEL_SPECIFIC_TERMS = ['gatherLoads', 'inputLoads', 'tileLoadsPerThread'];

/**
 * The bytes per worker SPILL_TERM prices beyond its knot: the busiest CPU thread's weights, or what a resident GPU
 * kernel's worker keeps for itself (features.ts residentBytesPerWorker; 0 for launched kernels, so a GPU model
 * without resident rows has no spill term and fits as before).
 */
function spillBytes(f: SideFeatures): number {
  return f.values.weightBytesPerThread ?? f.values.residentBytesPerWorker ?? 0;
}

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

/**
 * Value of one baseline term for a side's features; `knot` is the model's cache knot (0: no spill term) and
 * `queuedShare` the share of SERIAL_TERM's queued work-groups (1: serialFlops as computed).
 */
export function termValue(term: string, f: SideFeatures, knot: number, queuedShare = 1): number {
  if (term === '1') return 1;
  if (term === SPILL_TERM) return knot > 0 ? Math.max(0, spillBytes(f) - knot) : 0;
  if (term === SERIAL_TERM && queuedShare !== 1) {
    const queued = f.values.queuedFlops ?? 0;
    return (f.values[term] ?? 0) - (1 - queuedShare) * queued;
  }
  return f.values[term] ?? 0;
}

/** A model's fitted term parameters: the cache knot of SPILL_TERM and the queued share of SERIAL_TERM. */
interface TermParams {
  knot: number;
  queuedShare: number;
}

/** Whether the training rows reach far enough past `knot` to fit SPILL_TERM (see MIN_SPILL_ROWS). */
export function knotReached(rows: readonly TrainingRow[], knot: number): boolean {
  return rows.filter((r) => spillBytes(r.features) >= 2 * knot).length >= MIN_SPILL_ROWS;
}

/** The baseline's fit: non-negative least squares on relative error (see nnls.ts). */
export function fitNonNegative(x: readonly number[][], y: readonly number[], p: BaselineParams): number[] {
  return nnls(x, y, { ...p, scale: y });
}

function fitRows(rows: readonly TrainingRow[], terms: readonly string[], tp: TermParams, p: BaselineParams): LinearCoefficients {
  const x = rows.map((r) => terms.map((t) => termValue(t, r.features, tp.knot, tp.queuedShare)));
  return { coef: fitNonNegative(x, rows.map((r) => r.timeNs), p) };
}

/**
 * The terms a group's rows can tell apart from the fixed cost: those taking at least two values there. A
 * term that is constant in the group (no copy in a linear group, one thread count, no weights past the
 * knot) is the fixed cost again and needs no rows of its own.
 */
function termsInPlay(rows: readonly TrainingRow[], terms: readonly string[], tp: TermParams): number {
  return terms.filter((t) => t === '1' || new Set(rows.map((r) => termValue(t, r.features, tp.knot, tp.queuedShare))).size >= 2).length;
}

/** A group with fewer rows than this keeps the pooled fit as it is (one row cannot tell its scale from its noise). */
export const MIN_SCALED_ROWS = 2;

/**
 * The pooled coefficients times the geometric mean of the group's measured / pooled-predicted times: every term
 * scaled alike, one number fitted on the group's rows. The CPU implementations of a layer run on the same cores
 * and threads and pay the same kinds of cost (flops per thread, bytes, pool joins), each at its own speed; the
 * pooled fit mixes them, and a group's rows too few for a fit of its own still say how fast it is against the
 * pool. Unscaled, the pooled fit priced the implementation that every co-executed strategy used at the others'
 * speed: local-split conv 2026-12-05T0153Z, simd-im2col (about 10 training rows per fold against the 12 its own
 * fit needs, pooled with openblas-im2col at twice its time) was over-predicted by 11-24% on every held-out layer,
 * which moved the predicted balance point of every split towards the GPU. Only the CPU side uses it: a GPU
 * variant's cost follows its own launch geometry (waves, work-groups, serial path), which a fit pooled over other
 * variants gets wrong in shape and not only in scale (gpu-host linear 2026-12-04T1041Z: GPU held-out MAPE 13.6
 * -> 17.2 and q 0.88 -> 0.78 with its thin variant groups scaled).
 */
export function scaledPooled(pooled: LinearCoefficients, mine: readonly TrainingRow[], terms: readonly string[], tp: TermParams): LinearCoefficients {
  const logRatio = mine.reduce((s, r) => s + Math.log(r.timeNs / predictWith(pooled, terms, tp, r.features)), 0) / mine.length;
  const scale = Math.exp(logRatio);
  return { coef: pooled.coef.map((c) => c * scale) };
}

/**
 * Whether a group's scale (scaledPooled) carries over to shapes it was not taken from: leaving out each layer of
 * the group's rows in turn, the scale from the other layers' rows prices the left-out rows with a smaller sum of
 * squared relative errors than the pooled fit does. A group whose rows come from one layer cannot show it.
 */
export function scaleCarries(pooled: LinearCoefficients, mine: readonly TrainingRow[], terms: readonly string[], tp: TermParams): boolean {
  const layers = [...new Set(mine.map((r) => r.layerId))];
  if (layers.length < 2) return false;
  let scaledSse = 0, pooledSse = 0;
  for (const l of layers) {
    const scale = scaledPooled(pooled, mine.filter((r) => r.layerId !== l), terms, tp);
    for (const r of mine.filter((r) => r.layerId === l)) {
      scaledSse += (predictWith(scale, terms, tp, r.features) / r.timeNs - 1) ** 2;
      pooledSse += (predictWith(pooled, terms, tp, r.features) / r.timeNs - 1) ** 2;
    }
  }
  return scaledSse < pooledSse;
}

/** The fit of `rows` if they pin down every term in play (twice as many rows as terms), else undefined. */
function ownFit(rows: readonly TrainingRow[], terms: readonly string[], tp: TermParams, p: BaselineParams): LinearCoefficients | undefined {
  const groupParams = { ...tp, knot: knotReached(rows, tp.knot) ? tp.knot : 0 };
  return rows.length > 0 && rows.length >= 2 * termsInPlay(rows, terms, groupParams) ? fitRows(rows, terms, groupParams, p) : undefined;
}

/**
 * The fit of a resident GPU group (a variant run as a resident kernel, features.ts runsResident), from four
 * candidates: its own rows alone, every resident group's rows together, its rows with the same variant
 * launched, and every row; the one that prices each of the group's layers best when that layer is left out of the fit (sum of
 * squared relative errors) serves it. A resident kernel pays no launch and keeps each worker's share of the
 * weights in that worker's cache, so on PoCL's CPU device it runs an M = 1 layer 2.5-8x faster than launched
 * (pocl-split 2026-12-05T0321Z), and a fit shared with the launched rows, most of a run's GPU rows,
 * over-predicted every resident side (q 0.72); with one worker and a cheap launch (local-split) the two differ
 * less and the shared fit's extra rows win. Undefined where no candidate has rows enough: the pooled fit serves.
 */
function residentFit(
  mine: readonly TrainingRow[], all: readonly TrainingRow[], launched: readonly TrainingRow[], terms: readonly string[],
  tp: TermParams, p: BaselineParams, sharedFits: Map<string, LinearCoefficients | undefined>,
): LinearCoefficients | undefined {
  const resident = all.filter((r) => r.features.group.endsWith(RESIDENT_GROUP_SUFFIX));
  // The second and fourth candidates do not depend on the group: every resident group of one fit shares them
  // (`sharedFits`, keyed by candidate and left-out layer), so each is fitted once and not once per group.
  const candidates = [(keep: (r: TrainingRow) => boolean) => mine.filter(keep),
    (keep: (r: TrainingRow) => boolean) => resident.filter(keep),
    (keep: (r: TrainingRow) => boolean) => [...launched.filter(keep), ...mine.filter(keep)],
    (keep: (r: TrainingRow) => boolean) => all.filter(keep)];
  const fitOf = (candidate: number, leftOut: string | undefined): LinearCoefficients | undefined => {
    const fitted = (): LinearCoefficients | undefined =>
      ownFit(candidates[candidate]!(leftOut === undefined ? () => true : (r) => r.layerId !== leftOut), terms, tp, p);
    if (candidate !== 1 && candidate !== 3) return fitted();
    const key = `${candidate}|${leftOut ?? ''}`;
    if (!sharedFits.has(key)) sharedFits.set(key, fitted());
    return sharedFits.get(key);
  };
  let best: { fit: LinearCoefficients; sse: number } | undefined;
  for (let candidate = 0; candidate < candidates.length; candidate++) {
    const fit = fitOf(candidate, undefined);
    if (!fit) continue;
    let sse = 0;
    for (const l of new Set(mine.map((r) => r.layerId))) {
      const lo = fitOf(candidate, l);
      if (!lo) { sse = Number.POSITIVE_INFINITY; break; }
      for (const r of mine) if (r.layerId === l) sse += (predictWith(lo, terms, tp, r.features) / r.timeNs - 1) ** 2;
    }
    if (!best || sse < best.sse) best = { fit, sse };
  }
  return best?.fit;
}

interface BaselineFit extends TermParams {
  perGroup: Record<string, LinearCoefficients>;
  pooled: LinearCoefficients;
  /** Sum of squared relative training errors, each row by the fit that serves its group. */
  sse: number;
}

function fitWithParams(
  side: SideName, rows: readonly TrainingRow[], terms: readonly string[], groups: readonly string[], tp: TermParams, p: BaselineParams,
): BaselineFit {
  const perGroup: Record<string, LinearCoefficients> = {};
  const pooled = fitRows(rows, terms, tp, p);
  const sharedFits = new Map<string, LinearCoefficients | undefined>();
  for (const g of groups) {
    const mine = rows.filter((r) => r.features.group === g);
    const fit = g.endsWith(RESIDENT_GROUP_SUFFIX)
      ? residentFit(mine, rows, rows.filter((r) => r.features.group === g.slice(0, -RESIDENT_GROUP_SUFFIX.length)), terms, tp, p, sharedFits)
      : ownFit(mine, terms, tp, p);
    if (fit) perGroup[g] = fit;
    // Too few rows to pin every term down: a CPU implementation gets the pooled fit's shape at its own scale
    // where that scale carries across its layers (scaledPooled, scaleCarries), else the pooled fit as it is.
    else if (side === 'cpu' && mine.length >= MIN_SCALED_ROWS && scaleCarries(pooled, mine, terms, tp)) perGroup[g] = scaledPooled(pooled, mine, terms, tp);
  }
  let sse = 0;
  for (const r of rows) {
    const e = predictWith(perGroup[r.features.group] ?? pooled, terms, tp, r.features) / r.timeNs - 1;
    sse += e * e;
  }
  return { ...tp, perGroup, pooled, sse };
}

/**
 * Fits the baseline of one side; with SPILL_TERM among the terms at the reached knot that fits best, with
 * SERIAL_TERM at the queued share that fits best (a share below 1 by MIN_SHARE_GAIN; ties to the earlier
 * candidate: no knot, share 1).
 */
export function fitBaseline(side: SideName, rows: readonly TrainingRow[], p: BaselineParams = DEFAULT_BASELINE): ModelFile {
  // The baseline and both residual ensembles of a fold fit it on the same rows array (evaluate.ts sideRowsOf):
  // fitted once, it is most of derive's and the confirmation list's time.
  const key = `${side}|${rows.length}|${p.lambda}|${p.sweeps}`;
  const memo = baselineFits.get(rows);
  const known = memo?.get(key);
  if (known) return known;
  const model = fitBaselineOnce(side, rows, p);
  (memo ?? baselineFits.set(rows, new Map()).get(rows)!).set(key, model);
  return model;
}

/** Baselines fitted so far, by rows array, then side, row count and params. */
const baselineFits = new WeakMap<readonly TrainingRow[], Map<string, ModelFile>>();

function fitBaselineOnce(side: SideName, rows: readonly TrainingRow[], p: BaselineParams): ModelFile {
  const terms = BASELINE_TERMS[side].filter((t) => (!KERNEL_SPECIFIC_TERMS.includes(t) || rows.some((r) => termValue(t, r.features, 0) !== 0))
    && (t !== SPILL_TERM || rows.some((r) => spillBytes(r.features) > 0)));
  const groups = [...new Set(rows.map((r) => r.features.group))].sort();
  const knots = [0, ...(terms.includes(SPILL_TERM) ? CACHE_KNOTS.filter((k) => knotReached(rows, k)) : [])];
  const shares = terms.includes(SERIAL_TERM) ? QUEUED_SHARES : [1];
  const score = (fit: BaselineFit): number => (fit.queuedShare < 1 ? fit.sse / (1 - MIN_SHARE_GAIN) : fit.sse);
  let best: BaselineFit | undefined;
  for (const knot of knots) {
    for (const queuedShare of shares) {
      const fit = fitWithParams(side, rows, terms, groups, { knot, queuedShare }, p);
      if (!best || score(fit) < score(best)) best = fit;
    }
  }
  best = best!;
  const names = [...featureNames(side)];
  return {
    schemaVersion: MODEL_SCHEMA_VERSION, family: 'baseline', side, featureNames: names, groups,
    params: {
      lambda: p.lambda, sweeps: p.sweeps,
      ...(terms.includes(SPILL_TERM) ? { cacheKnotBytes: best.knot } : {}),
      ...(terms.includes(SERIAL_TERM) ? { queuedShare: best.queuedShare } : {}),
    },
    trainingDataSha256: trainingDataSha256(rows, names), nTrain: rows.length,
    terms: [...terms], perGroup: best.perGroup, pooled: best.pooled,
  };
}

function predictWith(c: LinearCoefficients, terms: readonly string[], tp: TermParams, f: SideFeatures): number {
  let t = 0;
  terms.forEach((term, j) => { t += c.coef[j]! * termValue(term, f, tp.knot, tp.queuedShare); });
  return Math.max(1, t);
}

/** Baseline prediction in ns (never below 1 ns, so relative errors stay defined). */
export function predictBaseline(model: ModelFile, f: SideFeatures): number {
  const tp = { knot: model.params.cacheKnotBytes ?? 0, queuedShare: model.params.queuedShare ?? 1 };
  return predictWith(model.perGroup?.[f.group] ?? model.pooled!, model.terms!, tp, f);
}
