/**
 * The analysis of one run: jobs.json (+ experiment definitions) -> derived/*.json (contract section 7).
 * deriveFromJobs is the whole computation without file I/O; deriveRun reads a run folder, calls it and
 * writes the files. confirmListForRun gives the lead the confirmation pass's strategies before it runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compositionTrainingSha256, type Predictor } from '../predict/compose.js';
import { crossValidate, trainPredictor, type CvOptions, type CvResult } from '../predict/evaluate.js';
import { trainingJobs } from '../predict/dataset.js';
import type { ModelFile } from '../predict/model.js';
import { MODEL_KINDS, type ModelKind } from '../predict/side-model.js';
import { buildConfirmList, chooseRoles, type ConfirmJob } from '../select/confirm.js';
import { familyConfirmedQ } from './family-confirmed.js';
import { predictorGuided } from '../select/predicted.js';
import { gridSpaces, predictedRunner } from '../select/space.js';
import { timeSelection } from '../select/timing.js';
import { sidePointsByLayer } from './affine-bound.js';
import { evaluateClaims } from './claims.js';
import { inPhase } from './layers.js';
import { confirmLatencies, layerRow, splitCurve, type SkippedLayer } from './layer-rows.js';
import { mean } from './metrics.js';
import { gpuSideSharesCpuCores, readDevice, readExperiments, readJobs, readPlatformClass, readWallNs, writeDerived } from './run-files.js';
import { bestPerSide, kindSummary } from './summary.js';
import { measurementSummary } from './measurement.js';
import { syncOverheadRows, syncSummary } from './sync-overhead.js';
import type {
  AccuracyRow, ClaimRow, DeviceInfo, ExperimentDefinition, JobsFile, LayerRow, PredictionRow, SplitCurveRow, SyncOverheadRow,
} from './types.js';

/** Inputs of the analysis beyond jobs.json; every field optional. */
export interface DeriveOptions {
  /** Experiment definitions; deriveRun reads experimentsDir (default "experiments") when absent. */
  experiments?: ExperimentDefinition[];
  experimentsDir?: string;
  /** Compute units of the OpenCL device; deriveRun reads env-before.json when absent. */
  device?: DeviceInfo;
  /** Platform class for claims; deriveRun reads run.json when absent. */
  platformClass?: string;
  /** The GPU side ran on the CPU side's cores (claims needing separate cores are N/A); deriveRun reads the run when absent. */
  gpuSideSharesCpuCores?: boolean;
  /** Folds of the held-out evaluation (whole shapes), seed of folds and forests. */
  folds?: number;
  seed?: number;
  /** Families compared (all three by default). */
  families?: readonly ModelKind[];
  /** The family whose predictions select; 'auto' = pickFamily's rule (AUTO_FAMILY where evaluated). */
  selectionFamily?: ModelKind | 'auto';
  /**
   * Composed rows of predictions.json: 'selection' (default) keeps only the selection family's (a grid has
   * thousands of jobs per model), 'all' keeps every family's. Side rows and accuracy always cover every family.
   */
  predictionRows?: 'selection' | 'all';
  /** tinybench time budget per layer for the selection timing (ms); 0 skips timing. */
  selectionBudgetMs?: number;
}

/** Everything the analysis derives, as written to derived/. */
export interface Derived {
  layers: LayerRow[];
  /** Layers with no row and why (also in summary.skippedLayers). */
  skippedLayers: SkippedLayer[];
  splitCurves: SplitCurveRow[];
  predictions: PredictionRow[];
  predictorAccuracy: AccuracyRow[];
  syncOverhead: SyncOverheadRow[];
  summary: Record<string, unknown>;
  claims: ClaimRow[];
  /** Side models of the selection family trained on every shape (for new layers), with the composition. */
  models: { cpu: ModelFile; gpu: ModelFile; composition: Predictor['composition']; compositionTrainingSha256: string } | null;
}

/** Workloads the run's experiments hold out by name (`heldOut`, e.g. predictor-accuracy), for a fixed split. */
function heldOutWorkloads(jobs: JobsFile['rows'], experiments: readonly ExperimentDefinition[]): string[] {
  const inRun = new Set(jobs.map((j) => j.experiment));
  return experiments.filter((e) => inRun.has(e.id)).flatMap((e) => e.heldOut ?? []);
}

/**
 * The family 'auto' selects with when the run evaluated it and its device type is unknown: the physical baseline
 * with a random forest fitted on its residuals. Chosen by what it selects, not by its MAPE: over 25 co-execution
 * runs shipped by 2026-12-05 (pocl-split, local-split, gpu-host, local), each layer's held-out selection scored
 * in its own grid (geomean grid q; scripts/family-selection.mjs, results/benchmarks/family-selection-20261205-s22/)
 * reached 0.893 with it against 0.867 with the baseline alone, which the rule before picked on all but five of
 * them (the baseline unless a learned family's composed MAPE was 30% lower). The families' composed MAPEs lie
 * within 1-2 points of each other, so the lowest MAPE did not pick the better selector.
 */
export const AUTO_FAMILY: ModelKind = 'forest-residual';

/**
 * The family 'auto' selects with by the run's OpenCL device type (AUTO_FAMILY for any other). Scored again over
 * the 99 co-execution runs shipped by 2026-12-06 with the analysis of the day (results/benchmarks/
 * family-selection-20261206-s26/): on a discrete GPU (gpu-host, 31 runs) the baseline's held-out choices reach a
 * geomean grid q of 0.910 against forest-residual's 0.889 (better in 19 runs, worse in 11; mean log ratio
 * 0.025, standard error 0.012), where the physical terms price both sides to 8-20% and a forest fitted on a
 * few dozen residuals adds its own noise; on PoCL's CPU device (pocl-split, local-split, local: 68 runs)
 * forest-residual's are ahead by about 1% (0.873 / 0.864, 0.956 / 0.942, 0.845 / 0.841), where it corrects
 * the cache effects the terms miss. Choosing each run's family from the other runs of its platform and layer
 * kind gives 0.904 over all 99 against 0.894 for forest-residual everywhere.
 */
export const AUTO_FAMILY_BY_DEVICE_TYPE: Readonly<Record<string, ModelKind>> = { gpu: 'baseline', cpu: 'forest-residual' };

/** The family 'auto' selects with on a device of this type (AUTO_FAMILY_BY_DEVICE_TYPE, else AUTO_FAMILY). */
export function autoFamily(deviceType: string | undefined): ModelKind {
  return (deviceType !== undefined ? AUTO_FAMILY_BY_DEVICE_TYPE[deviceType] : undefined) ?? AUTO_FAMILY;
}

/**
 * The family that selects: the requested one, or for 'auto' autoFamily(deviceType) where the run evaluated it,
 * else the family with the lowest held-out composed MAPE (the baseline on a tie).
 */
export function pickFamily(
  cv: Pick<CvResult, 'heldOut' | 'accuracy'>, requested: ModelKind | 'auto' | undefined, deviceType?: string,
): ModelKind | undefined {
  const available = [...cv.heldOut.keys()];
  if (requested && requested !== 'auto') return available.includes(requested) ? requested : undefined;
  const auto = autoFamily(deviceType);
  if (available.includes(auto)) return auto;
  const composed = cv.accuracy.filter((a) => a.side === 'composed' && available.includes(a.model as ModelKind));
  composed.sort((a, b) => a.mape - b.mape || (a.model === 'baseline' ? -1 : b.model === 'baseline' ? 1 : a.model.localeCompare(b.model)));
  return (composed[0]?.model as ModelKind | undefined) ?? available[0];
}

/** Every family evaluated on whole held-out shapes, as derive and the confirmation list do it, and the family that selects. */
function heldOutEvaluation(
  jobs: JobsFile['rows'], experiments: readonly ExperimentDefinition[],
  opts: Pick<DeriveOptions, 'device' | 'folds' | 'seed' | 'families' | 'selectionFamily'> & Pick<CvOptions, 'train'>,
): { cv: CvResult; family: ModelKind | undefined } {
  const cv = crossValidate(jobs, {
    device: opts.device ?? { computeUnits: 1 }, folds: opts.folds ?? 5, seed: opts.seed ?? 1, families: opts.families ?? MODEL_KINDS,
    fixedTestGroups: heldOutWorkloads(jobs, experiments), ...(opts.train ? { train: opts.train } : {}),
  });
  return { cv, family: pickFamily(cv, opts.selectionFamily, opts.device?.type) };
}

/**
 * A run folder's held-out evaluation exactly as `coexec derive` runs it (its device, same folds and fixed split),
 * with the selection family (pickFamily of `selectionFamily`): for the scripts that look into a run's selections.
 */
export function heldOutEvaluationOfRunDir(
  runDir: string, experimentsDir = 'experiments', selectionFamily: ModelKind | 'auto' = 'auto',
  study: Pick<CvOptions, 'families' | 'train'> = {},
): { jobs: JobsFile; cv: CvResult; family: ModelKind | undefined } {
  const jobs = readJobs(runDir);
  return { jobs, ...heldOutEvaluation(jobs.rows, readExperiments(experimentsDir), { device: readDevice(runDir), selectionFamily, ...study }) };
}

/** The whole analysis of one run's jobs, without file I/O. */
export async function deriveFromJobs(jobsFile: JobsFile, experiments: readonly ExperimentDefinition[], opts: DeriveOptions = {}): Promise<Derived> {
  const jobs = jobsFile.rows;
  const device = opts.device ?? { computeUnits: 1 };
  const platform = jobsFile.platform;
  // 1. Predictors of every family evaluated on whole held-out shapes; keep each layer's held-out predictor.
  const { cv, family } = heldOutEvaluation(jobs, experiments, { ...opts, device });
  const predictorFor = (id: string): Predictor | undefined => (family ? cv.heldOut.get(family)?.get(id) : undefined);
  // 2. Grid spaces of the co-execution experiments and the choices per layer.
  const layerTypeOf = new Map(experiments.map((e) => [e.id, e.layerType]));
  const spaces = [...gridSpaces(jobs).values()]
    .filter((s) => layerTypeOf.get(s.experiment) !== 'any')
    .sort((a, b) => a.layerId.localeCompare(b.layerId));
  const confirm = confirmLatencies(jobs);
  const sidePoints = sidePointsByLayer(jobs, spaces.map((s) => s.layer));
  const layers: LayerRow[] = [];
  const splitCurves: SplitCurveRow[] = [];
  const skipped: SkippedLayer[] = [];
  const selectionMs: number[] = [];
  const gridWallMs: number[] = [];
  for (const space of spaces) {
    const predictor = predictorFor(space.layerId);
    const choices = chooseRoles(space, predictor);
    // 3. Latencies from the confirmation pass (all from the grid when it lacks one), speedups, q, efficiency.
    const row = layerRow(space, choices, confirm.get(space.layerId), sidePoints.get(space.layerId));
    splitCurves.push(...splitCurve(space, choices));
    if (!('speedupOracle' in row)) { skipped.push(row); continue; }
    // 4. Selection time on this layer: predictions of the whole space plus the ranking.
    if (predictor && (opts.selectionBudgetMs ?? 50) > 0) {
      const t = await timeSelection(() => predictorGuided.select(space.candidates, predictedRunner(predictor)), opts.selectionBudgetMs ?? 50);
      selectionMs.push(t.meanMs);
      gridWallMs.push(space.gridWallNs / 1e6);
      layers.push({ ...row, selectionMs: t.meanMs, gridWallMs: space.gridWallNs / 1e6 } as LayerRow);
    } else {
      layers.push(row);
    }
  }
  // 5. Sync overhead of the experiments that run the sync phase.
  const syncExperiments = new Set(jobs.filter((j) => inPhase(j, 'sync')).map((j) => j.experiment));
  const sync = syncOverheadRows(jobs, syncExperiments);
  // 6. The selection family trained on every shape, kept for layers this run did not see.
  const training = trainingJobs(jobs);
  let models: Derived['models'] = null;
  if (family && training.length > 0) {
    const roundTrips = jobs.filter((j) => j.kind === 'roundtrip');
    try {
      const p = trainPredictor(family, training, roundTrips, device, opts.seed ?? 1);
      models = { cpu: p.cpu, gpu: p.gpu, composition: p.composition, compositionTrainingSha256: compositionTrainingSha256(training, roundTrips) };
    } catch {
      models = null; // one side has no single-side jobs at all: nothing to save
    }
  }
  // 7. Summary and claims.
  const familyQ = familyConfirmedQ(spaces, cv.heldOut, confirm);
  const gridWallTotal = gridWallMs.reduce((s, v) => s + v, 0);
  const summary: Record<string, unknown> = {
    schemaVersion: 1, platform, device: device.name ?? `${device.computeUnits} compute units`,
    linear: kindSummary(layers.filter((r) => r.layer.type === 'linear')),
    conv: kindSummary(layers.filter((r) => r.layer.type === 'conv2d')),
    ...(selectionMs.length > 0 ? { selectionMsPerLayer: mean(selectionMs) } : {}),
    ...(gridWallTotal > 0 ? { selectionOverGridWall: selectionMs.reduce((s, v) => s + v, 0) / gridWallTotal } : {}),
    selectionFamily: family ?? null,
    ...(familyQ ? { familyConfirmedQ: familyQ } : {}),
    predictor: bestPerSide(cv.accuracy),
    ...(models ? { composition: compositionSummary(models.composition) } : {}),
    sync: syncSummary(sync.rows),
    heldOutFolds: cv.folds.length,
    ...(cv.failures.length > 0 ? { predictorFailures: cv.failures } : {}),
    skippedLayers: skipped,
    ...(sync.noRoundTrip.length > 0 ? { syncMechanismsWithoutRoundTrip: sync.noRoundTrip } : {}),
  };
  for (const k of ['linear', 'conv']) if (summary[k] === undefined) delete summary[k];
  // A run folder holds one experiment's jobs: only the claims of experiments with jobs here are checked.
  const inRun = new Set(jobs.map((j) => j.experiment));
  const claims = evaluateClaims(summary, experiments.filter((e) => inRun.has(e.id)), opts.platformClass ?? 'unknown',
    { gpuSideSharesCpuCores: opts.gpuSideSharesCpuCores });
  return {
    layers, skippedLayers: skipped, splitCurves,
    predictions: opts.predictionRows === 'all' ? cv.predictions : cv.predictions.filter((p) => p.side !== 'composed' || p.model === family),
    predictorAccuracy: cv.accuracy, syncOverhead: sync.rows,
    summary, claims, models,
  };
}

function compositionSummary(c: Predictor['composition']): Record<string, unknown> {
  const us = (t: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v / 1e3]));
  // Per-byte host costs read more easily per KiB (ns/KiB; 1e6 / value = MB/s of the copy).
  const perKiB = Object.fromEntries(Object.entries(c.dispatchPerByteNs).map(([k, v]) => [k, {
    input: v.input * 1024, output: v.output * 1024, ...(v.outputRow ? { perOutputRowNs: v.outputRow } : {}),
  }]));
  return {
    cpuContention: c.cpuContention, ...(c.coexecSlowdown ? { coexecSlowdown: c.coexecSlowdown } : {}),
    ...(c.sideSpread ? { sideSpread: c.sideSpread } : {}), ...(c.overlapShare !== undefined ? { overlapShare: c.overlapShare } : {}),
    dispatchUs: us(c.dispatchNs), dispatchNsPerKiB: perKiB,
    ...(c.dispatchByVariantNs ? { dispatchByVariantUs: us(c.dispatchByVariantNs) } : {}), syncUs: us(c.syncNs), offsetUs: us(c.offsetNs),
  };
}

/** Attaches engine wall times from raw/*.jsonl to jobs that lack them. */
function withWallNs(jobsFile: JobsFile, wall: Map<string, number>): JobsFile {
  return { ...jobsFile, rows: jobsFile.rows.map((j) => (j.wallNs === undefined && wall.has(j.jobId) ? { ...j, wallNs: wall.get(j.jobId)! } : j)) };
}

/** Reads runDir/jobs.json and derives everything as `coexec derive` does, writing nothing (with the jobs it read). */
export async function deriveRunInMemory(runDir: string, opts: DeriveOptions = {}): Promise<{ jobsFile: JobsFile; derived: Derived }> {
  const jobsFile = withWallNs(readJobs(runDir), readWallNs(runDir));
  const experiments = opts.experiments ?? readExperiments(opts.experimentsDir ?? 'experiments');
  const device = opts.device ?? readDevice(runDir);
  const derived = await deriveFromJobs(jobsFile, experiments, {
    ...opts, device, platformClass: opts.platformClass ?? readPlatformClass(runDir),
    gpuSideSharesCpuCores: opts.gpuSideSharesCpuCores ?? (opts.device ? gpuSideSharesCpuCores(runDir) : device.sharesCpuCores === true),
  });
  return { jobsFile, derived };
}

/** Reads runDir/jobs.json, derives everything, writes runDir/derived/*.json and returns it. */
export async function deriveRun(runDir: string, opts: DeriveOptions = {}): Promise<Derived> {
  const { jobsFile, derived: d } = await deriveRunInMemory(runDir, opts);
  const measurement = measurementSummary(runDir, jobsFile);
  if (measurement) d.summary.measurement = measurement;
  const envelope = <T>(rows: T[]): { schemaVersion: 1; platform: string; rows: T[] } => ({ schemaVersion: 1, platform: jobsFile.platform, rows });
  writeDerived(runDir, {
    layers: envelope(d.layers),
    'split-curves': envelope(d.splitCurves),
    predictions: envelope(d.predictions),
    'predictor-accuracy': envelope(d.predictorAccuracy),
    'sync-overhead': envelope(d.syncOverhead),
    summary: d.summary,
    claims: envelope(d.claims),
    ...(d.models ? {
      'models/cpu': d.models.cpu, 'models/gpu': d.models.gpu,
      'models/composition': {
        schemaVersion: 1, family: d.models.cpu.family, trainingDataSha256: d.models.compositionTrainingSha256, ...d.models.composition,
      },
    } : {}),
  });
  return d;
}

/**
 * Claims only: derived/claims.json evaluated again from the run's own derived/summary.json with the current
 * experiment definitions, nothing else recomputed. For shipped runs when only the claims changed (their
 * wording, ranges, classes): a full derive would also retrain the predictors with today's code and move
 * numbers the claims do not touch.
 */
export function rederiveClaims(runDir: string, opts: Pick<DeriveOptions, 'experimentsDir' | 'platformClass'> = {}): ClaimRow[] {
  const jobsFile = readJobs(runDir);
  const summary = JSON.parse(readFileSync(join(runDir, 'derived', 'summary.json'), 'utf8')) as unknown;
  const experiments = readExperiments(opts.experimentsDir ?? 'experiments');
  const inRun = new Set(jobsFile.rows.map((j) => j.experiment));
  const claims = evaluateClaims(summary, experiments.filter((e) => inRun.has(e.id)), opts.platformClass ?? readPlatformClass(runDir) ?? 'unknown',
    { gpuSideSharesCpuCores: gpuSideSharesCpuCores(runDir) });
  writeDerived(runDir, { claims: { schemaVersion: 1, platform: jobsFile.platform, rows: claims } });
  return claims;
}

/**
 * Layer rows only: derived/layers.json, the summary's per-kind sections (linear, conv, skippedLayers) and
 * claims.json again with today's analysis, every other derived file (predictions, models, the summary's
 * predictor and sync sections) kept as it is. For shipped runs when the layer analysis changed (e.g. a new
 * ideal bound) but the predictors of today's code would move numbers the change does not touch. Refuses
 * (returns the reason) when today's rows choose other strategies than the shipped ones: then the run needs
 * a full derive, because the layer rows depend on the predictors' choices.
 */
export async function rederiveLayers(runDir: string, opts: Pick<DeriveOptions, 'experimentsDir' | 'platformClass'> = {}): Promise<ClaimRow[] | string> {
  const jobsFile = withWallNs(readJobs(runDir), readWallNs(runDir));
  const experiments = readExperiments(opts.experimentsDir ?? 'experiments');
  const platformClass = opts.platformClass ?? readPlatformClass(runDir) ?? 'unknown';
  const read = (name: string): unknown => JSON.parse(readFileSync(join(runDir, 'derived', `${name}.json`), 'utf8'));
  // The predictor files are kept, so the family they were derived with keeps selecting (a run shipped before
  // AUTO_FAMILY selected with another), not today's 'auto'.
  const recorded = (read('summary') as { selectionFamily?: unknown }).selectionFamily;
  const selectionFamily = typeof recorded === 'string' && (MODEL_KINDS as readonly string[]).includes(recorded) ? recorded as ModelKind : 'auto';
  const d = await deriveFromJobs(jobsFile, experiments, { device: readDevice(runDir), platformClass, selectionBudgetMs: 0, selectionFamily });
  const old = read('layers') as { rows: LayerRow[] };
  const picks = (r: LayerRow): string => [r.layerId, r.oracle.strategyId, r.selected.strategyId, r.bestSingle.strategyId, r.gpuFinish?.strategyId ?? '-'].join(' ');
  const before = old.rows.map(picks).join('\n');
  const now = d.layers.map(picks).join('\n');
  if (before !== now) return 'today\'s analysis chooses other strategies than derived/layers.json has: derive the run in full';
  // Selection timing is measured, not derived: the shipped rows keep theirs.
  const rows = d.layers.map((r, i) => {
    const t = old.rows[i] as LayerRow & { selectionMs?: number; gridWallMs?: number };
    return { ...r, ...(t.selectionMs !== undefined ? { selectionMs: t.selectionMs, gridWallMs: t.gridWallMs } : {}) };
  });
  const summary = read('summary') as Record<string, unknown>;
  for (const k of ['linear', 'conv'] as const) {
    if (d.summary[k] === undefined) delete summary[k];
    else summary[k] = d.summary[k];
  }
  summary.skippedLayers = d.summary.skippedLayers;
  const inRun = new Set(jobsFile.rows.map((j) => j.experiment));
  const claims = evaluateClaims(summary, experiments.filter((e) => inRun.has(e.id)), platformClass,
    { gpuSideSharesCpuCores: gpuSideSharesCpuCores(runDir) });
  writeDerived(runDir, {
    layers: { schemaVersion: 1, platform: jobsFile.platform, rows },
    summary,
    claims: { schemaVersion: 1, platform: jobsFile.platform, rows: claims },
  });
  return claims;
}

/**
 * The confirmation pass's strategies for a run whose profile and grid phases are done: per layer the
 * oracle, the selected strategy (held-out predictor of the chosen family), best CPU-only, best GPU-only,
 * GPU-only with finish, the grid's two runners-up, the predictor's next two choices and every other
 * evaluated family's first choice, each once with its roles.
 */
export function confirmListForRun(
  jobsFile: JobsFile, opts: Pick<DeriveOptions, 'device' | 'folds' | 'seed' | 'families' | 'selectionFamily' | 'experiments'> = {},
): ConfirmJob[] {
  const { cv, family } = heldOutEvaluation(jobsFile.rows, opts.experiments ?? [], opts);
  const others = [...cv.heldOut.entries()].filter(([f]) => f !== family).map(([, byLayer]) => byLayer);
  return buildConfirmList(
    jobsFile.rows,
    (id) => (family ? cv.heldOut.get(family)?.get(id) : undefined),
    (id) => others.map((byLayer) => byLayer.get(id)).filter((p): p is Predictor => p !== undefined),
  );
}

/**
 * The confirmation list of a run folder, with the same inputs deriveRun uses (the run's device and the
 * experiment definitions), so the strategy confirmed as "selected" is the one derive later reports.
 */
export function confirmListForRunDir(runDir: string, experimentsDir = 'experiments'): ConfirmJob[] {
  return confirmListForRun(readJobs(runDir), { device: readDevice(runDir), experiments: readExperiments(experimentsDir) });
}
