/**
 * The minimal shapes the analysis reads and writes, typed exactly after docs/contract.md: layers and
 * strategies (sections 1-2), per-job statistics (section 8, jobs.json), experiment definitions (section 11)
 * and the derived rows (section 7). Other stages may hold fuller types; these are only what analysis needs.
 */

import type { AffineBound } from './affine-bound.js';

/** linear: Y[M,N] = X[M,K] * W[N,K]^T + b[N]; the output dimension split between CPU and GPU is N. */
export interface LinearLayer {
  type: 'linear';
  M: number;
  N: number;
  K: number;
}

/** conv2d NCHW, weights [F,C,R,S], groups = 1; the split output dimension is F. */
export interface Conv2dLayer {
  type: 'conv2d';
  batch: number;
  C: number;
  H: number;
  W: number;
  F: number;
  R: number;
  S: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

export type Layer = LinearLayer | Conv2dLayer;

export type SyncMechanism = 'finish' | 'event-poll' | 'svm-coarse' | 'svm-fine' | 'svm-resident';

/** One point of the search space (contract section 2). */
export interface Strategy {
  /** Requested CPU share of the output dimension, 0..1 (0 = GPU only, 1 = CPU only). */
  splitRatio: number;
  granularity: number;
  cpuThreads: number;
  cpuImpl: string;
  gpuVariant: string;
  gpuWorkGroup: number;
  sync: SyncMechanism | string;
  /** The split dimension (contract section 2); absent: channels (conv2d) or n (linear). */
  splitDim?: string;
  /** GPU streams (contract section 2); absent: 1. */
  gpuStreams?: number;
}

/** What the engine resolved for a job (contract section 4); every field optional for analysis. */
export interface Resolved {
  cpuRows?: number;
  gpuRows?: number;
  cpuImpl?: string;
  gpuGlobal?: number[];
  gpuLocal?: number[];
  buildOptions?: string;
  cpuCores?: number[];
  /** The queues the GPU's share ran on (0 without GPU rows; absent before issue 14). */
  gpuStreams?: number;
  /** How the exchanged tensors moved: pinned-copy, zero-copy, svm-coarse-map, svm-fine-shared, host (CPU-only). */
  hostMemory?: string;
  /** How the timed executions issued their commands: command-buffer, calls, resident (svm-resident: none per execution), none. */
  gpuSubmit?: string;
  /**
   * Linear CPU slices: "weights-per-job" when the packed path packs W^T once per job (absent before), with
   * ",few-rows-panels" (run 2052Z's engine) or ",rows-2-panels" (since) when few rows of X read panels too
   * (features.ts LINEAR_FEW_ROWS_PANELS, LINEAR_ROWS_2_PANELS).
   */
  cpuLinearPacking?: string;
  /** Conv CPU slices: "narrow-panels,unpadded-in-place" when the simd kernels compute a narrow last column
   * panel or row tile with only the registers it needs and simd-direct/flat read an unpadded (direct: and
   * column-stride-1) input in place (absent before: whole panels and tiles, every input copied); since s33
   * "narrow-panels,unpadded-in-place,im2col-unit-cost": the same, simd-im2col's channel chunk counting a
   * quarter tile per unit (features.ts CONV_UNIT_COST_LAYOUT); since s34 "...,im2col-unit-cost,flat-pad-affine": and
   * simd-flat on a padded plane copies and computes under the pool's affine rule (CONV_FLAT_AFFINE_LAYOUT); since s35
   * "...,flat-pad-affine,1x1-column-runs": and simd-im2col gives each thread one run of a plain 1x1 plane's columns
   * (CONV_COLUMN_RUNS_LAYOUT). */
  cpuConvLayout?: string;
  /** How the CPU pool handed out its units: "dynamic" (2026-12-03 12:04 on), "balanced" (commit 8e50b77 on) or "affine" (2026-12-05 s24 on);
   * absent before, when every thread took one contiguous run (src/predict/pool-split.ts). */
  poolChunking?: string;
  /** Co-executed svm-fine and svm-resident jobs (engines since s32): true when the GPU side (gpuSideNs) was timed by
   * the driver thread's watch on its own core, false when the CPU-slice thread saw it only after its slice (a GPU
   * share that finished first then reads as the CPU side's end); absent for other jobs and earlier engines. */
  gpuDoneWatched?: boolean;
}

/** Statistics over samplesNs (contract section 8). */
export interface SampleStats {
  n: number;
  medianNs: number;
  q1Ns: number;
  q3Ns: number;
  iqrNs: number;
  meanNs: number;
  ci95LowNs: number;
  ci95HighNs: number;
  sdNs: number;
  cvPct: number;
  outliers: number;
}

export type Phase = 'profile' | 'grid' | 'confirm' | 'sync';

/** One row of jobs.json (contract section 8). */
export interface JobStats {
  jobId: string;
  experiment: string;
  /** The first phase that asked for the job. */
  phase: Phase | 'unknown';
  /** Every phase that asked for it (a job common to profile and grid is measured once); optional for older files. */
  phases?: string[];
  /** What the job is for in its plan, e.g. "cpu-slice", "gpu-slice", "coexec", "roundtrip". */
  role?: string;
  /** Workload ids the job serves; a profile slice serves the workload whose layer it was cut from. */
  workloads?: string[];
  /** A profile slice of a training-only workload (a profile's trainingWorkloads): predictor training data, never tested. */
  trainingOnly?: boolean;
  kind: 'layer' | 'roundtrip';
  layer?: Layer;
  strategy: Strategy;
  resolved?: Resolved;
  status: 'ok' | 'invalid' | 'error' | 'skipped';
  verdict: 'VALID' | 'INVALID';
  reasons?: string[];
  stats?: SampleStats;
  cpuSideMedianNs?: number;
  gpuSideMedianNs?: number;
  gpuKernelMedianNs?: number;
  gpuDispatchMedianNs?: number;
  /** The engine's execution breakdown in ns (results.jsonl breakdownMedianNs; engines from issue 12 on). */
  breakdownMedianNs?: Partial<Record<'cpuStartDelay' | 'driverStartDelay' | 'enqueue' | 'cpuSlice' | 'waitAfterCpu', number>>;
  /** Engine time spent on the job (results.jsonl wallNs); the harness may copy it here. */
  wallNs?: number;
  /** The engine's steal share while the job ran, % (jobs.json). */
  stealPct?: number;
  /** Co-executed jobs: median and 95% CI of the per-iteration overhead (src/run/jobs.ts pairedOverhead). */
  pairedOverheadNs?: { n: number; medianNs: number; ci95LowNs: number; ci95HighNs: number };
}

/** jobs.json (contract section 8). */
export interface JobsFile {
  schemaVersion: number;
  runId: string;
  platform: string;
  rows: JobStats[];
}

/** A platform class bound of a claim (contract section 11); either bound optional. */
export interface ClaimBound {
  min?: number;
  max?: number;
  /** Why the platform class cannot show this claim (e.g. no fine-grained SVM): reported N/A, not judged. */
  notApplicable?: string;
}

export interface ClaimDefinition {
  id: string;
  text: string;
  /** A dotted path into derived/summary.json, e.g. "linear.geomeanSpeedupSelected". */
  metric: string;
  paperValue?: number;
  unit?: string;
  expected: Record<string, ClaimBound>;
  /**
   * The platform classes the claim was made for (the paper's claims: unified-memory-gpu). On any other class
   * the row shows the measured value as "not this class": no verdict, never a failure.
   */
  judgedOn?: string[];
  /**
   * The claim compares co-execution with a bound of two independent sides (the efficiency claims): N/A on a
   * run whose GPU side ran on the CPU side's cores (claims.ts ClaimRunFacts), judged as usual elsewhere.
   */
  needsSeparateCores?: boolean;
  /**
   * A dotted path to the metric's 95% interval [low, high] in summary.json. With it the claim is decided only
   * when the whole interval lies inside the range (PASS) or outside it (FAIL); an interval that straddles a
   * bound leaves it undecided, a measurement problem reported under validity, never a verdict by chance.
   */
  interval?: string;
}

/** experiments/<id>.json (contract section 11), the fields analysis reads. */
export interface ExperimentDefinition {
  schemaVersion: number;
  id: string;
  title?: string;
  layerType: 'linear' | 'conv2d' | 'any';
  workloads?: string[];
  space?: string;
  phases?: Phase[];
  derive?: string[];
  figures?: string[];
  claims?: ClaimDefinition[];
  /** Workload ids held out from training as a fixed split (predictor-accuracy). */
  heldOut?: string[];
}

/** What the GPU device offers, for features; compute units from the engine's `info`. */
export interface DeviceInfo {
  computeUnits: number;
  name?: string;
  /** The OpenCL device type the engine reported ('gpu', 'cpu' for PoCL, ...); absent where nothing said. */
  type?: string;
  /**
   * Peak copy bandwidth (GB/s, each way) of the link between host memory and the device's own memory, from
   * the platform config's hostLink (readDevice); absent where the device shares host memory or the platform
   * does not say. The host cost fit bounds its per-byte copy terms by it (host-cost.ts copyFloorNsPerByte).
   */
  hostLinkGBps?: number;
  /**
   * True where the "GPU" is an OpenCL CPU device that may run on the CPU side's cores (gpuSideSharesCpuCores:
   * PoCL on local): the two sides of a split then take turns on the same cores, and the composition may
   * price a split as more than the max of its sides (Composition.overlapShare).
   */
  sharesCpuCores?: boolean;
}

// ---- derived rows (contract section 7) ----

/**
 * Where a layer row's latencies come from, all of them: the confirmation pass when it has a VALID job for
 * every role, else the grid (with the grid's choices of every role).
 */
export type LatencySource = 'confirm' | 'grid';

/** A layers.json row; only layers where every role and speedup is known are written (others are listed in summary.skippedLayers). */
export interface LayerRow {
  experiment: string;
  layerId: string;
  layer: Layer;
  bestSingle: { strategyId: string; side: 'cpu' | 'gpu'; latencyMs: number };
  /** GPU-only with finish (the framework user's baseline); absent where its source has no VALID latency for it. */
  gpuFinish?: { strategyId: string; latencyMs: number };
  oracle: { strategyId: string; splitRatio: number; latencyMs: number };
  selected: { strategyId: string; splitRatio: number; latencyMs: number };
  speedupOracle: number;
  speedupSelected: number;
  /** Over gpuFinish; absent with it. */
  speedupOracleVsGpuFinish?: number;
  speedupSelectedVsGpuFinish?: number;
  decisionQuality: number;
  /** Ideal speedup (a + b) / max(a, b) from the single sides' throughputs: each side's time linear in its share. */
  idealSpeedupLinear: number;
  /** speedupOracle / idealSpeedupLinear. */
  efficiencyLinear: number;
  /** Ideal speedup with a fixed cost per side (affine-bound.ts): T(best single) / T(bound); absent when a side has fewer than two measured shares. */
  idealSpeedupAffine?: number;
  /** speedupOracle / idealSpeedupAffine = T(bound) / T(oracle). */
  efficiencyAffine?: number;
  /** The bound's split, latency and both sides' fits (fixed us + us per whole output). */
  affineBound?: AffineBound;
  /** Extension: 'confirm' when every latency above came from the confirmation pass, 'grid' when every one came from the grid (never mixed). */
  latencySource: LatencySource;
  /**
   * Selection with a measurement budget of three: the fastest, by its grid measurement, of the predictor's top 3
   * (its choice and its two runners-up, each measured once as a deployed selector would), with its latency from
   * the row's source; absent when the source lacks it. Its q is decisionQualityTop3.
   */
  selectedTop3?: { strategyId: string; splitRatio: number; latencyMs: number };
  decisionQualityTop3?: number;
  /**
   * The selected strategy's q on the grid's single measurements: the grid's fastest VALID median over the
   * selected strategy's grid median, whatever the row's source; absent when the grid has no VALID latency for
   * it. It is the measure a test-retest floor of q is taken in (scripts/repeatability.mjs).
   */
  gridDecisionQuality?: number;
}

export interface SplitCurveRow {
  layerId: string;
  splitRatio: number;
  latencyMs: number;
  strategyId: string;
  isOracle: boolean;
  /** True on the row whose ratio is the selected strategy's ratio. */
  isSelected: boolean;
}

export type Side = 'cpu' | 'gpu' | 'composed';

export interface PredictionRow {
  side: Side;
  model: string;
  layerId: string;
  strategyId: string;
  predictedMs: number;
  measuredMs: number;
}

export interface AccuracyRow {
  side: Side;
  model: string;
  mape: number;
  rmspe: number;
  within10: number;
  /** Extension: number of held-out predictions behind the numbers. */
  n: number;
}

export interface SyncOverheadRow {
  mechanism: string;
  layerId: string;
  outputSize: number;
  /** Bare round trip of the mechanism; null when no round-trip job of it was VALID (the overhead still stands). */
  roundTripUs: number | null;
  coexecMs: number;
  slowerSideMs: number;
  overheadUs: number;
  /** Extension: 'single-side-jobs' when the slower side was measured alone, 'in-run' when taken from the co-executed job's side times. */
  slowerSideSource: 'single-side-jobs' | 'in-run';
  /**
   * The co-executed job's breakdown in us (engines from issue 12 on): t0 -> CPU slice start, t0 -> the driver
   * thread's first OpenCL call, its enqueue calls, the CPU slice, and the wait after the slice.
   */
  /**
   * Extension: the overhead measured iteration by iteration (each sample minus the slower side of the same
   * iteration; median and its 95% CI, us). The claim svm-fine-overhead-vs-finish reads these; absent in older runs.
   */
  pairedOverheadUs?: number;
  pairedOverheadCi95Us?: [number, number];
  breakdownUs?: Partial<Record<'cpuStartDelay' | 'driverStartDelay' | 'enqueue' | 'cpuSlice' | 'waitAfterCpu', number>>;
}

export interface ClaimRow {
  id: string;
  text: string;
  experiment: string;
  metric: string;
  paperValue: number | null;
  measured: number | null;
  /** The accepted range of the platform class ({} when the claim names no range for it). */
  tolerance: ClaimBound;
  /** Extension: the platform class the tolerance belongs to. */
  platformClass: string;
  unit: string;
  pass: boolean;
  /** The metric's 95% interval when the claim defines one (ClaimDefinition.interval). */
  interval?: [number, number];
  /** Why the claim is not decided (its interval straddles a bound); pass is then false and validity fails. */
  undecided?: string;
  /**
   * false when the claim is not judged on this platform class: the class cannot show it
   * (expected.<class>.notApplicable), or the claim was made for other classes (notThisClass); pass is then true.
   */
  applicable?: boolean;
  /** Set when the claim was made for other classes (ClaimDefinition.judgedOn): why the value is shown without a verdict. */
  notThisClass?: string;
  /** Where the measured value comes from, e.g. "derived/summary.json#linear.geomeanSpeedupSelected", and why it fails. */
  data: string[];
}
