/**
 * Held-out evaluation of the predictors: group k-fold over WHOLE layer shapes (every job of a shape is in
 * the same fold, so no shape is ever both trained on and tested), per family: side models and composition
 * fitted on the training shapes, predictions of the held-out shapes' single-side and grid jobs, then MAPE,
 * RMSPE and share within +-10% per side and composed. Also keeps, per held-out layer, the predictor that
 * did not see it: selection on a layer uses that one.
 */
import { inPhase, layerId, strategyId } from '../analysis/layers.js';
import { predictionErrors } from '../analysis/metrics.js';
import type { AccuracyRow, DeviceInfo, JobStats, PredictionRow, Side } from '../analysis/types.js';
import { fitComposition, predictStrategy, type Predictor } from './compose.js';
import { cpuRowsOf, gpuKernelNs, gpuRowsOf, jobCpuRows, jobGpuRows, trainingCpuConvLayout, trainingCpuIsa, trainingCpuLinearPacking, trainingJobs, trainingPoolChunking, type LayerJob } from './dataset.js';
import { createRng, shuffled } from './rng.js';
import { MODEL_KINDS, fitSide, type ModelKind } from './side-model.js';
import type { TrainingRow } from './model.js';

export interface CvOptions {
  device: DeviceInfo;
  /** Number of folds (capped by the number of groups). */
  folds?: number;
  seed?: number;
  families?: readonly ModelKind[];
  /**
   * A fixed split instead of k folds: the group keys (workload ids) tested, everything else trained on
   * (an experiment's `heldOut` list). Ignored when none of them occurs in the jobs.
   */
  fixedTestGroups?: readonly string[];
  /** What is held out together: the keys of a job, its primary key first (default: groupKeys). */
  groupKeys?: (j: LayerJob) => string[];
  /**
   * How a family's predictor is trained on a fold (default: trainPredictor). For offline studies of families
   * the product does not ship (scripts/hybrid-family.mjs trains each side with another family), on exactly the
   * folds derive uses.
   */
  train?: (family: ModelKind, training: readonly LayerJob[], roundTrips: readonly JobStats[], device: DeviceInfo, seed: number) => Predictor;
}

export interface Fold {
  testGroups: string[];
  trainLayerIds: string[];
  testLayerIds: string[];
}

export interface CvResult {
  folds: Fold[];
  predictions: PredictionRow[];
  accuracy: AccuracyRow[];
  /** Folds x kinds that could not be trained, in words. */
  failures: string[];
  /** family -> layerId -> the predictor of the fold that held that layer out. */
  heldOut: Map<ModelKind, Map<string, Predictor>>;
}

/**
 * Default grouping: a job's workloads (a profile slice belongs to the workload whose layer it was cut from,
 * so a held-out layer takes its slices with it), else its layer id.
 */
export function groupKeys(j: LayerJob): string[] {
  return j.workloads && j.workloads.length > 0 ? [...j.workloads] : [layerId(j.layer)];
}

/** Splits groups into k folds of near-equal size after a seeded shuffle (groups sorted first, so input order does not matter). */
export function groupFolds(groups: readonly string[], k: number, seed: number): string[][] {
  const unique = shuffled([...new Set(groups)].sort(), createRng(seed));
  const n = Math.min(k, unique.length);
  const folds: string[][] = Array.from({ length: n }, () => []);
  unique.forEach((g, i) => folds[i % n]!.push(g));
  return folds.map((f) => f.sort());
}

/**
 * Each side's training rows of one training set, built once for every family trained on it (a fold trains
 * five): the same rows array also lets fitBaseline reuse the baseline that the residual families fit again.
 */
const sideRows = new WeakMap<readonly LayerJob[], { device: DeviceInfo; cpu: TrainingRow[]; gpu: TrainingRow[] }>();
function sideRowsOf(training: readonly LayerJob[], device: DeviceInfo): { cpu: TrainingRow[]; gpu: TrainingRow[] } {
  const known = sideRows.get(training);
  if (known && known.device === device) return known;
  const rows = { device, cpu: cpuRowsOf(training), gpu: gpuRowsOf(training, device) };
  sideRows.set(training, rows);
  return rows;
}

/** Trains one family's predictor on the given training jobs. */
export function trainPredictor(family: ModelKind, training: readonly LayerJob[], roundTrips: readonly JobStats[], device: DeviceInfo, seed = 1): Predictor {
  const rows = sideRowsOf(training, device);
  const cpu = fitSide(family, 'cpu', rows.cpu, seed);
  const gpu = fitSide(family, 'gpu', rows.gpu, seed);
  const cpuIsa = trainingCpuIsa(training), cpuLinearPacking = trainingCpuLinearPacking(training), cpuConvLayout = trainingCpuConvLayout(training);
  const cpuPoolChunking = trainingPoolChunking(training);
  const sides = {
    family, cpu, gpu, device, ...(cpuIsa ? { cpuIsa } : {}), ...(cpuLinearPacking ? { cpuLinearPacking } : {}), ...(cpuConvLayout ? { cpuConvLayout } : {}),
    ...(cpuPoolChunking ? { cpuPoolChunking } : {}),
  };
  return { ...sides, composition: fitComposition(training, roundTrips, sides) };
}

/**
 * The measured GPU side of a GPU-only job: the host-observed time from the first enqueue to the slice being
 * complete (input copy, kernel, output copy, wait), which is what the composition puts under its max. Runs
 * whose engine did not report it fall back to kernel plus queued-to-start.
 */
function measuredGpuSideNs(j: LayerJob): number | undefined {
  if (j.gpuSideMedianNs && j.gpuSideMedianNs > 0) return j.gpuSideMedianNs;
  const kernel = gpuKernelNs(j);
  return kernel === undefined ? undefined : kernel + (j.gpuKernelMedianNs ? j.gpuDispatchMedianNs ?? 0 : 0);
}

/** Held-out predictions of one fold's test jobs. */
function predictHeldOut(p: Predictor, test: readonly LayerJob[]): PredictionRow[] {
  const rows: PredictionRow[] = [];
  const push = (side: Side, j: LayerJob, predictedNs: number, measuredNs: number): void => {
    rows.push({
      side, model: p.family, layerId: layerId(j.layer), strategyId: stratId(j),
      predictedMs: predictedNs / 1e6, measuredMs: measuredNs / 1e6,
    });
  };
  const caches = new Map<string, Map<string, number>>();
  for (const j of test) {
    const id = layerId(j.layer);
    const cache = caches.get(id) ?? caches.set(id, new Map()).get(id)!;
    const pred = predictStrategy(p, j.layer, j.strategy, cache);
    for (const side of ['cpu', 'gpu', 'composed'] as const) {
      const measured = sideMeasuredNs(j, side);
      if (measured !== undefined) push(side, j, side === 'cpu' ? pred.cpuNs : side === 'gpu' ? pred.gpuNs : pred.composedNs, measured);
    }
  }
  return rows;
}

/**
 * What a side's held-out prediction of job `j` is scored against, or undefined where that side does not score the
 * job: the CPU slice of a CPU-only job, the GPU side of a GPU-only job (measuredGpuSideNs), the layer latency of a
 * grid job (composed). Exported so that a test-retest floor takes the same quantity of the same jobs
 * (same-jobs-floor.ts).
 */
export function sideMeasuredNs(j: LayerJob, side: Side): number | undefined {
  if (side === 'cpu') return jobGpuRows(j) === 0 ? j.cpuSideMedianNs || j.stats!.medianNs : undefined;
  if (side === 'gpu') return jobCpuRows(j) === 0 ? measuredGpuSideNs(j) : undefined;
  return inPhase(j, 'grid') ? j.stats!.medianNs : undefined;
}

function stratId(j: LayerJob): string {
  return strategyId(j.layer, j.strategy);
}

/**
 * Runs the group k-fold evaluation over every VALID profile and grid job. A fold tests the jobs whose
 * primary key it holds and trains on the jobs that have no key in the fold and whose layer shape is not
 * tested, so a shape shared by two workloads never sits on both sides. Slices of training-only workloads
 * (JobStats.trainingOnly) are in every fold's training set and in no test set.
 */
export function crossValidate(jobs: readonly JobStats[], opts: CvOptions): CvResult {
  const keysOf = opts.groupKeys ?? groupKeys;
  const all = trainingJobs(jobs);
  const roundTrips = jobs.filter((j) => j.kind === 'roundtrip');
  // Training-only workloads (a profile's trainingWorkloads) are never a fold's test group: always trained on.
  const trainingOnly = new Set(all.filter((j) => j.trainingOnly).map((j) => keysOf(j)[0]!));
  const present = new Set(all.flatMap((j) => keysOf(j)).filter((k) => !trainingOnly.has(k)));
  const fixed = (opts.fixedTestGroups ?? []).filter((g) => present.has(g));
  const folds = fixed.length > 0 ? [[...fixed].sort()] : groupFolds([...present], opts.folds ?? 5, opts.seed ?? 1);
  const result: CvResult = { folds: [], predictions: [], accuracy: [], heldOut: new Map(), failures: [] };
  if (folds.length < 2 && fixed.length === 0) return result;
  for (const testGroups of folds) {
    const inFold = new Set(testGroups);
    const test = all.filter((j) => inFold.has(keysOf(j)[0]!));
    const testLayerIds = [...new Set(test.map((j) => layerId(j.layer)))].sort();
    const tested = new Set(testLayerIds);
    const train = all.filter((j) => !keysOf(j).some((k) => inFold.has(k)) && !tested.has(layerId(j.layer)));
    result.folds.push({ testGroups, trainLayerIds: [...new Set(train.map((j) => layerId(j.layer)))].sort(), testLayerIds });
    for (const family of opts.families ?? MODEL_KINDS) {
      let p: Predictor;
      try {
        p = (opts.train ?? trainPredictor)(family, train, roundTrips, opts.device, opts.seed ?? 1);
      } catch (e) {
        // A fold whose training shapes lack one side entirely cannot predict its held-out shapes; say so and go on.
        result.failures.push(`${family}, fold holding out ${testGroups.join(' ')}: ${(e as Error).message}`);
        continue;
      }
      result.predictions.push(...predictHeldOut(p, test));
      const map = result.heldOut.get(family) ?? new Map<string, Predictor>();
      for (const id of testLayerIds) map.set(id, p);
      result.heldOut.set(family, map);
    }
  }
  result.accuracy = accuracyOf(result.predictions);
  return result;
}

/** Accuracy rows per (side, model) from prediction rows. */
export function accuracyOf(predictions: readonly PredictionRow[]): AccuracyRow[] {
  const groups = new Map<string, PredictionRow[]>();
  for (const r of predictions) {
    const k = `${r.side}\u0000${r.model}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups].map(([k, rows]) => {
    const [side, model] = k.split('\u0000') as [Side, string];
    const e = predictionErrors(rows.map((r) => ({ predicted: r.predictedMs, measured: r.measuredMs })));
    return { side, model, mape: e.mape, rmspe: e.rmspe, within10: e.within10, n: e.n };
  }).sort((a, b) => a.side.localeCompare(b.side) || a.model.localeCompare(b.model));
}
