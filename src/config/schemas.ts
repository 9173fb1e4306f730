/**
 * The one source of every config file's shape: each TypeBox value below is both the JSON Schema 2020-12
 * document (written to configs/schemas/ by write-schemas.ts) and, through Static<>, the TypeScript type,
 * so the two cannot drift. Field meanings follow docs/contract.md sections 1, 2, 10 and 11.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;
const Int = (min: number, extra: object = {}) => Type.Integer({ minimum: min, ...extra });
const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9._/-]*$', description: 'lower-case id: letters, digits, . _ / -' });

/**
 * Sync mechanism names (contract section 2). svm-resident is svm-fine with the layer kernel launched once per
 * job and kept resident (its work-groups poll an epoch counter in fine-grained SVM): no OpenCL call per
 * execution. It is planned only where the device has cores of its own (expand.ts, residentGate).
 */
export const SyncName = Type.Union(
  [Type.Literal('finish'), Type.Literal('event-poll'), Type.Literal('svm-coarse'), Type.Literal('svm-fine'), Type.Literal('svm-resident')],
  { description: 'sync mechanism' },
);
export type SyncName = Static<typeof SyncName>;
export const SYNC_NAMES: SyncName[] = ['finish', 'event-poll', 'svm-coarse', 'svm-fine', 'svm-resident'];

/**
 * The output dimension a strategy splits (contract section 2, strategy.splitDim): conv2d "channels" (F, the
 * default) or "height" (output rows P); linear "n" (features N, the default) or "m" (rows M, M > 1).
 */
export const SplitDim = Type.Union(
  [Type.Literal('channels'), Type.Literal('height'), Type.Literal('n'), Type.Literal('m')],
  { description: 'split dimension: conv2d channels | height, linear n | m' },
);
export type SplitDim = Static<typeof SplitDim>;
/** The split dimensions of each layer type, the default (what a missing splitDim means) first. */
export const SPLIT_DIMS: Record<'linear' | 'conv2d', SplitDim[]> = { linear: ['n', 'm'], conv2d: ['channels', 'height'] };

export const PlatformClass = Type.Union([
  Type.Literal('unified-memory-gpu'), Type.Literal('pocl-cpu'), Type.Literal('discrete-gpu'),
]);
export type PlatformClass = Static<typeof PlatformClass>;

export const LinearLayer = Type.Object({
  type: Type.Literal('linear'), M: Int(1), N: Int(1), K: Int(1),
}, strict);
export const Conv2dLayer = Type.Object({
  type: Type.Literal('conv2d'), batch: Int(1), C: Int(1), H: Int(1), W: Int(1), F: Int(1), R: Int(1), S: Int(1),
  strideH: Int(1), strideW: Int(1), padH: Int(0), padW: Int(0),
}, strict);
export const Layer = Type.Union([LinearLayer, Conv2dLayer]);
export type LinearLayer = Static<typeof LinearLayer>;
export type Conv2dLayer = Static<typeof Conv2dLayer>;
export type Layer = Static<typeof Layer>;

// ---- platforms (contract section 10)
export const PlatformConfig = Type.Object({
  $schema: Type.Optional(Type.String()),
  schemaVersion: Type.Literal(1),
  name: Id,
  kind: Type.Union([Type.Literal('local'), Type.Literal('ssh'), Type.Literal('adb'), Type.Literal('bundle')]),
  class: PlatformClass,
  description: Type.String({ minLength: 1 }),
  tested: Type.Boolean(),
  opencl: Type.Object({
    platformContains: Type.String(),
    deviceContains: Type.String(),
    deviceType: Type.Union([Type.Literal('gpu'), Type.Literal('cpu'), Type.Literal('gpu-or-cpu')]),
    /** local only: let the harness pick the device from the engine's info (fine-grained SVM GPU > GPU > CPU). */
    autoPick: Type.Optional(Type.Boolean()),
    deviceCores: Type.Optional(Type.Array(Int(0), {
      minItems: 1, uniqueItems: true,
      description: 'CPU device only (PoCL): the cores its workers are pinned to (e.g. by POCL_AFFINITY). When they are disjoint from cpu.cores the CPU pool keeps spinning between executions; absent = the device may use any core, so idle pool workers block after each slice',
    })),
    keepDeviceCoresAwake: Type.Optional(Type.Boolean({
      description: 'needs deviceCores: jobs that use the device keep deviceCores (not cpu.driverCore) out of idle with idle-priority spinners (contract section 3), so a parked device worker does not wait for a halted vCPU to wake; default false',
    })),
  }, strict),
  cpu: Type.Object({
    cores: Type.Array(Int(0), { uniqueItems: true, description: 'cores the engine CPU threads are pinned to ([] = no pinning)' }),
    driverCore: Type.Optional(Int(0, {
      description: 'core reserved for the GPU-driver thread (every OpenCL call) and the driver\'s own threads; not one of cores; absent = unpinned',
    })),
    clusters: Type.Optional(Type.Array(Type.Object({
      name: Type.String({ minLength: 1 }), cores: Type.Array(Int(0), { minItems: 1, uniqueItems: true }),
      maxFreqMHz: Type.Optional(Int(1)), core: Type.Optional(Type.String()),
    }, strict))),
  }, strict),
  env: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), strict)),
  ssh: Type.Optional(Type.Object({
    host: Type.String({ minLength: 1 }), user: Type.String({ minLength: 1 }), port: Int(1, { maximum: 65535 }),
    identityFile: Type.Optional(Type.String()), remoteDir: Type.String({ minLength: 1 }),
    knownHostsFile: Type.Optional(Type.String()), connectTimeoutS: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  }, strict)),
  adb: Type.Optional(Type.Object({
    serial: Type.String(), remoteDir: Type.String({ minLength: 1 }),
    abi: Type.Union([Type.Literal('arm64-v8a'), Type.Literal('armeabi-v7a'), Type.Literal('x86_64')]),
    enginePath: Type.Optional(Type.String({ description: 'local engine binary cross-built for the phone' })),
  }, strict)),
  /** OpenCL vendor libraries a bundle's run.sh registers in its private ./icd folder (OCL_ICD_VENDORS points there). */
  icd: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.+/-]+$' }), { minItems: 1 })),
  bundle: Type.Optional(Type.Object({ notes: Type.Optional(Type.String()) }, strict)),
  expected: Type.Optional(Type.Object({
    svm: Type.Array(Type.String()), notes: Type.Optional(Type.String()),
  }, strict)),
  hostLink: Type.Optional(Type.Object({
    peakGBps: Type.Number({
      exclusiveMinimum: 0,
      description: 'peak copy bandwidth of the link each way in GB/s (1e9 bytes/s): no copy between host memory and the device can be faster, so the predictors price a copied byte at no less than 1 / peakGBps ns',
    }),
    source: Type.String({ minLength: 1, description: 'where the value comes from (the link and its specification)' }),
  }, {
    ...strict,
    description: 'discrete-memory devices only: the link their copies cross (e.g. PCIe). Absent where the device shares host memory (PoCL, phones): no copy floor',
  })),
}, strict);
export type PlatformConfig = Static<typeof PlatformConfig>;

// ---- workloads: one file per model
export const WorkloadFile = Type.Object({
  $schema: Type.Optional(Type.String()),
  schemaVersion: Type.Literal(1),
  model: Id,
  title: Type.String({ minLength: 1 }),
  source: Type.String({ minLength: 1, description: 'the publication the shapes come from' }),
  workloads: Type.Array(Type.Object({
    id: Id,
    layerName: Type.String({ minLength: 1, description: 'the layer in the model' }),
    notes: Type.Optional(Type.String()),
    layer: Layer,
  }, strict), { minItems: 1 }),
}, strict);
export type WorkloadFile = Static<typeof WorkloadFile>;
export type Workload = WorkloadFile['workloads'][number] & { model: string; file: string };

// ---- spaces (contract section 11)
export const GpuVariant = Type.Object({
  id: Type.String({ pattern: '^[a-z0-9_]+$' }),
  workGroups: Type.Array(Int(1), { minItems: 1, uniqueItems: true }),
  granularity: Int(1, { description: 'CPU rows are a multiple of this (the variant tile)' }),
  requires: Type.Optional(Type.Object({
    maxM: Type.Optional(Int(1)), minM: Type.Optional(Int(1)),
    kernel1x1: Type.Optional(Type.Boolean({ description: 'only 1x1 convolutions (R = S = 1)' })),
    maxStride: Type.Optional(Int(1)),
    maxPad: Type.Optional(Int(0, { description: 'only convolutions padded by at most this much on every side' })),
    splitDims: Type.Optional(Type.Array(SplitDim, { minItems: 1, uniqueItems: true, description: 'the split dimensions the variant can compute a share of (absent: every one)' })),
  }, strict)),
  knobs: Type.Optional(Type.Object({
    vectorWidths: Type.Array(Type.Union([Type.Literal(4), Type.Literal(8), Type.Literal(16)]), { minItems: 1, uniqueItems: true, description: 'VW: floats per vector' }),
    vectors: Type.Optional(Type.Array(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(4)]), { minItems: 1, uniqueItems: true, description: 'VN: vectors per work-item along the split dimension (gemv_reg: along K; conv_pq_1x1: along output positions; conv_pq: output rows; default [1])' })),
    tiles: Type.Array(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(4), Type.Literal(8), Type.Literal(16)]), { minItems: 1, uniqueItems: true, description: 'RM (linear_reg rows), RN (gemv_reg features), RQ (conv_reg* output positions) or RF (conv_pq_1x1, conv_pq channels) per work-item' }),
  }, { ...strict, description: 'A register-tiled family (id linear_reg, gemv_reg, conv_reg, conv_reg_1x1, conv_pq_1x1 or conv_pq): expands to one variant per knob combination, id <kernel>_v<VW>[x<VN>]_<m|n|q|f><tile> (docs/contract.md section 2)' })),
  localTiles: Type.Optional(Type.Array(Type.String({ pattern: '^\\d+x\\d+x\\d+_\\d+x\\d+(_s\\d+)?$' }), {
    minItems: 1, uniqueItems: true,
    description: 'A local-memory tiled family (id gemm_local, gemm_splitk, conv_local, conv_local_im2col or conv_splitk): one variant per tile <MWG>x<NWG>x<KWG>_<MWI>x<NWI> (gemm_splitk, conv_splitk: then _s<parts>), id <kernel>_<tile> (docs/contract.md section 2)',
  })),
}, strict);
export type GpuVariant = Static<typeof GpuVariant>;

const Ratio = Type.Number({ minimum: 0, maximum: 1 });
/**
 * strategy.gpuStreams levels (contract section 2): each strategy with GPU rows on finish / event-poll (not
 * clblast) at a split ratio of at most gpuStreamsMaxSplitRatio is measured once per level; CPU-only
 * strategies and the others keep 1.
 */
const GpuStreamsFields = {
  gpuStreams: Type.Optional(Type.Array(Int(1, { maximum: 64 }), { minItems: 1, uniqueItems: true, description: 'GPU stream counts (strategy.gpuStreams) for strategies with GPU rows on finish / event-poll, clblast excepted (absent: [1])' })),
  gpuStreamsMaxSplitRatio: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'gpuStreams > 1 only at split ratios up to this (absent: every ratio below 1)' })),
};
/**
 * CPU implementations measured alone (split ratio 1: in the grid, and sliced in the profile phase) beside
 * cpuImpls, never co-executed. The best single side is then the best over them too, so a co-execution grid
 * narrowed to a few implementations cannot report a speedup over a CPU side slower than the engine's best.
 */
const BaselineCpuImplsField = {
  baselineCpuImpls: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true, description: 'CPU implementations measured CPU-only (split ratio 1, grid and profile phase) but never co-executed, so that the best single side covers them; those also in cpuImpls add nothing' })),
};
export const SpaceConfig = Type.Object({
  $schema: Type.Optional(Type.String()),
  schemaVersion: Type.Literal(1),
  name: Id,
  layerType: Type.Union([Type.Literal('linear'), Type.Literal('conv2d')]),
  splitRatios: Type.Array(Ratio, { minItems: 1, uniqueItems: true }),
  cpuThreads: Type.Array(Int(1), { minItems: 1, uniqueItems: true }),
  cpuImpls: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true }),
  gpuVariants: Type.Array(GpuVariant, { minItems: 1 }),
  syncs: Type.Array(SyncName, { minItems: 1, uniqueItems: true }),
  splitDims: Type.Optional(Type.Array(SplitDim, { minItems: 1, uniqueItems: true, description: "split dimensions of the layer type (absent: the default only, channels or n)" })),
  ...BaselineCpuImplsField,
  ...GpuStreamsFields,
}, strict);
export type SpaceConfig = Static<typeof SpaceConfig>;

// ---- profiles
export const Measurement = Type.Object({
  warmup: Int(0),
  minSamples: Int(1), minTimeMs: Type.Number({ minimum: 0 }),
  maxSamples: Int(1), maxTimeMs: Type.Number({ exclusiveMinimum: 0 }),
  targetMedianCiPct: Type.Optional(Type.Number({
    exclusiveMinimum: 0,
    description: 'After the minimum, the engine samples on until the 95% CI half-width of the median is at most this many % of the median (or a maximum is reached). Default with validity.dispersion "median-ci": 0.8 * validity.maxCvPct; otherwise none.',
  })),
  confirmReplicates: Type.Optional(Int(1, {
    maximum: 10,
    description: 'Times each strategy of the confirmation pass is measured, at seeded places spread over the pass; jobs.json pools the replicates into one row. Default 1.',
  })),
  remeasure: Type.Optional(Type.Object({
    maxRounds: Int(0, { maximum: 10, description: 'Re-measurement rounds after a plan part: each measures again, in a seeded shuffled order, the jobs that are INVALID only for want of time: dispersion above validity.maxCvPct, or fewer than validity.minSamples samples, with a correct result. 0: none.' }),
    maxExtraS: Type.Number({ minimum: 0, description: 'Engine time in seconds that the re-measurement rounds of one plan part may spend in all (sum of the rounds\' wallNs); a round takes only the jobs whose expected worst case (time or sample limit at the median so far) still fits.' }),
    timeFactor: Type.Number({ minimum: 1, maximum: 10, description: 'Round k gives each job maxTimeMs and maxSamples times timeFactor^k.' }),
    claimMaxRelWidth: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'A claim decided by its 95% interval (an experiment claim with "interval") whose interval, measured so far, is wider than this many times the claim\'s bound: the jobs behind it are measured again in the same rounds (within the same extra time), sampling to their time and sample limits rather than stopping at the median-CI target, so that their pooled samples narrow the interval. Absent: only INVALID jobs are measured again.' })),
  }, { ...strict, description: 'Re-measure before judging (docs/contract.md section 12). Absent: no re-measurement.' })),
}, strict);
export type Measurement = Static<typeof Measurement>;

export const SpaceNarrowing = Type.Object({
  splitRatios: Type.Optional(Type.Array(Ratio, { minItems: 1, uniqueItems: true })),
  cpuThreads: Type.Optional(Type.Array(Int(1), { minItems: 1, uniqueItems: true })),
  cpuImpls: Type.Optional(Type.Array(Type.String(), { minItems: 1, uniqueItems: true })),
  ...BaselineCpuImplsField,
  gpuVariants: Type.Optional(Type.Array(Type.String(), { minItems: 1, uniqueItems: true })),
  workGroups: Type.Optional(Type.Array(Int(1), { minItems: 1, uniqueItems: true })),
  syncs: Type.Optional(Type.Array(SyncName, { minItems: 1, uniqueItems: true })),
  splitDims: Type.Optional(Type.Array(SplitDim, { minItems: 1, uniqueItems: true })),
  /** Unlike the lists above, these set the space's gpuStreams levels (the spaces leave them out: [1]). */
  ...GpuStreamsFields,
}, strict);
export type SpaceNarrowing = Static<typeof SpaceNarrowing>;

export const ProfileConfig = Type.Object({
  $schema: Type.Optional(Type.String()),
  schemaVersion: Type.Literal(1),
  name: Id,
  description: Type.String({ minLength: 1 }),
  measurement: Measurement,
  seeds: Type.Object({ order: Int(0, { maximum: 4294967295 }), data: Int(0, { maximum: 4294967295 }) }, strict),
  validity: Type.Object({
    maxCvPct: Type.Number({ exclusiveMinimum: 0 }),
    /**
     * What maxCvPct bounds, in %: "cv" (sd/mean, the default), "robust-cv" (IQR / (1.349 median)) or
     * "median-ci" (half-width of the 95% CI of the median, relative to the median).
     */
    dispersion: Type.Optional(Type.Union([Type.Literal('cv'), Type.Literal('robust-cv'), Type.Literal('median-ci')])),
    minSamples: Int(1),
    maxFreqDriftPct: Type.Number({ minimum: 0 }),
    maxTempRiseC: Type.Number({ minimum: 0 }),
    /** Largest steal share (the engine's stealPct: CPU time a hypervisor gave other guests) a VALID job may have, % (default 1). */
    maxStealPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  }, strict),
  experiments: Type.Record(Type.String(), Type.Object({
    workloads: Type.Optional(Type.Array(Type.String(), { minItems: 1, uniqueItems: true })),
    space: Type.Optional(SpaceNarrowing),
    /** profile phase: at most this many single-side slice jobs per layer and side. */
    profileJobsPerLayer: Type.Optional(Int(1)),
    /** profile phase: fractions of the output dimension given to the single-side slices. */
    profileRowFractions: Type.Optional(Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 1 }), { minItems: 1, uniqueItems: true })),
    /**
     * profile phase: more of the experiment's workloads, profiled (single-side slices) only to train the
     * predictors: they get no grid or confirmation jobs, are never held out or selected for, and must not
     * share a layer shape with the measured workloads (src/plan/expand.ts, src/predict/evaluate.ts).
     */
    trainingWorkloads: Type.Optional(Type.Array(Type.String(), { uniqueItems: true })),
    /**
     * profile phase: split dimensions along output rows ("m", "height") whose side layers are sliced too (each
     * side computing M rows or output rows of the layer alone), besides the output dimension (N, F).
     */
    profileSplitDims: Type.Optional(Type.Array(Type.Union([Type.Literal('m'), Type.Literal('height')]), { uniqueItems: true })),
    measurement: Type.Optional(Type.Partial(Measurement)),
  }, strict)),
}, strict);
export type ProfileConfig = Static<typeof ProfileConfig>;

// ---- experiments (contract section 11)
const Bound = Type.Object({ min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()),
  placeholder: Type.Optional(Type.Boolean({ description: 'true: a loose bound not yet set from measurements' })),
  notApplicable: Type.Optional(Type.String({ minLength: 1, description: 'why this class cannot show the claim (reported N/A, not FAIL)' })) }, strict);
export const Phase = Type.Union([Type.Literal('sync'), Type.Literal('profile'), Type.Literal('grid'), Type.Literal('confirm')]);
export type Phase = Static<typeof Phase>;
export const PHASES: Phase[] = ['sync', 'profile', 'grid', 'confirm'];

export const ExperimentConfig = Type.Object({
  $schema: Type.Optional(Type.String()),
  schemaVersion: Type.Literal(1),
  id: Id,
  title: Type.String({ minLength: 1 }),
  layerType: Type.Union([Type.Literal('linear'), Type.Literal('conv2d'), Type.Literal('any')]),
  workloads: Type.Array(Type.String(), { minItems: 1, uniqueItems: true }),
  /** Workloads whose whole shape is held out of predictor training (predictor-accuracy). */
  heldOut: Type.Optional(Type.Array(Type.String(), { uniqueItems: true })),
  space: Type.String({ minLength: 1 }),
  /** Per layer type, when layerType is "any": the space for the other type. */
  spaces: Type.Optional(Type.Object({ linear: Type.Optional(Type.String()), conv2d: Type.Optional(Type.String()) }, strict)),
  phases: Type.Array(Phase, { minItems: 1, uniqueItems: true }),
  derive: Type.Array(Type.String(), { uniqueItems: true }),
  figures: Type.Array(Type.String(), { uniqueItems: true }),
  claims: Type.Array(Type.Object({
    id: Id, text: Type.String({ minLength: 1 }), metric: Type.String({ minLength: 1 }),
    paperValue: Type.Optional(Type.Number()), unit: Type.String(),
    interval: Type.Optional(Type.String({ minLength: 1, description: 'dotted path to the metric\'s 95% interval [low, high] in summary.json: decided only when the whole interval is inside or outside the range' })),
    judgedOn: Type.Optional(Type.Array(PlatformClass, { minItems: 1, uniqueItems: true, description: 'the platform classes the claim was made for (the paper\'s claims: unified-memory-gpu); on any other class the measured value is shown as "not this class", without a verdict' })),
    needsSeparateCores: Type.Optional(Type.Boolean({ description: 'the claim compares co-execution with a bound of two independent sides: N/A on a run whose GPU side is an OpenCL CPU device on the CPU side\'s cores (local with PoCL), judged as usual elsewhere (pocl-split gives PoCL cores of its own)' })),
    expected: Type.Object({
      'unified-memory-gpu': Type.Optional(Bound), 'pocl-cpu': Type.Optional(Bound), 'discrete-gpu': Type.Optional(Bound),
    }, strict),
  }, strict)),
}, strict);
export type ExperimentConfig = Static<typeof ExperimentConfig>;

/** Every schema written to configs/schemas/<name>.schema.json. */
export const SCHEMAS: Record<string, TSchema> = {
  platform: PlatformConfig, workload: WorkloadFile, space: SpaceConfig, profile: ProfileConfig, experiment: ExperimentConfig,
};

/** The schema as a JSON Schema 2020-12 document (TypeBox's symbols dropped). */
export function schemaDocument(name: string): object {
  const schema = SCHEMAS[name];
  if (!schema) throw new Error(`no schema ${name}`);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://coexec.invalid/schemas/${name}.schema.json`,
    title: `coexec ${name} config`,
    ...JSON.parse(JSON.stringify(schema)),
  };
}
