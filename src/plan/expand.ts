/**
 * Plan expansion: experiment + profile + platform (+ the engine's info) -> the jobs of one measurement
 * phase, as a plan for the engine plus what the harness needs to know about each job.
 *
 * Steps: resolve the profile; build the phase's candidate jobs per layer; drop what the device or a
 * variant's restrictions rule out (recorded as skipped, with the reason); normalize GPU-only and CPU-only
 * strategies and drop duplicates; order the jobs by a seeded shuffle (the order seed is separate from the
 * input data seed).
 */
import type { Configs } from '../config/load.js';
import type { ExperimentConfig, GpuVariant, Layer, Phase, PlatformConfig, ProfileConfig, SpaceConfig, SyncName } from '../config/schemas.js';
import { msg, UserError } from '../messages.js';
import {
  type Strategy, IDLE_SIDE, cpuRows, layerId, normalizeStrategy, parseStrategyId, roundtripId, sideLayer, splitDimProblem,
  splitExtent, splitsOuter, strategyId, withOutputSize,
} from './ids.js';
import { SPLIT_DIMS, type SplitDim } from '../config/schemas.js';
import { outDim } from '../analysis/layers.js';
import type { Layer as AnalysisLayer } from '../analysis/types.js';
import { gpuGeometry } from '../predict/features.js';
import { regTileWaste } from './gpu-variants.js';
import { fnv1a, mulberry32, shuffled } from './prng.js';
import { type ResolvedProfile, resolveProfile, workloadsOf } from './resolve.js';
import {
  type DeviceSummary, listDevices, pickLocalDevice, selectDevice, supportedSyncs, syncsOfVariant, unavailableCpuImpls, variantSyncs,
} from '../engine/device-info.js';

/** One job as the engine reads it (contract section 3); no other field may appear. */
export interface EngineJob {
  id: string;
  kind: 'layer' | 'roundtrip';
  layer?: Layer;
  strategy: Strategy | { sync: SyncName };
  warmup: number;
  minSamples: number;
  minTimeMs: number;
  maxSamples: number;
  maxTimeMs: number;
  /** When present: sample on past the minimum until the median's 95% CI half-width is this % of the median. */
  targetMedianCiPct?: number;
  seed: number;
}

/** plan.json as sent to the engine (contract section 3). */
export interface EnginePlan {
  schemaVersion: 1;
  planId: string;
  device: { platformContains: string; deviceContains: string; deviceType: 'gpu' | 'cpu' | 'gpu-or-cpu' };
  cpuAffinity: number[];
  /** Core of the GPU-driver thread (contract section 3); absent = unpinned. */
  driverCore?: number;
  /** Cores a CPU OpenCL device computes on (contract section 3); absent = any core. */
  deviceCores?: number[];
  /** Idle-priority spinners on deviceCores (not driverCore) in jobs that use the device (contract section 3). */
  keepDeviceCoresAwake?: boolean;
  jobs: EngineJob[];
}

/** What the harness keeps about a job beyond the engine's view. */
export interface JobMeta {
  phase: Phase;
  /** "coexec" (both sides or one side of the whole layer), "cpu-slice"/"gpu-slice" (profiling), "roundtrip". */
  role: 'coexec' | 'cpu-slice' | 'gpu-slice' | 'roundtrip';
  /** Workload ids whose layer this job measures (several when two workloads share a shape). */
  workloads: string[];
  /** The workload's full layer id, for slices of it. */
  parentLayerId?: string;
  /** A slice of a training-only workload (the profile's trainingWorkloads): predictor training data, never tested. */
  trainingOnly?: true;
}

/** A phase's plan: what the engine runs and what the harness records with it. */
export interface Plan {
  schemaVersion: 1;
  experiment: string;
  phase: Phase;
  platform: string;
  engine: EnginePlan;
  meta: Record<string, JobMeta>;
  skipped: { id: string; reason: string }[];
  /** Candidates dropped because normalization made them equal to another job. */
  duplicates: number;
  profile: { requested: ProfileConfig; resolved: ResolvedProfile };
  /** How the device was chosen (local auto-pick), in words. */
  deviceNote?: string;
  /** The platform class that applies to the chosen device (auto-pick may differ from the config's class). */
  platformClass: PlatformConfig['class'];
}

/** Class for an auto-picked device: PoCL's CPU device, a GPU sharing memory (fine-grained SVM), or a discrete one. */
export function classOfPick(device: DeviceSummary): PlatformConfig['class'] {
  if (device.type !== 'gpu') return 'pocl-cpu';
  return device.svm.includes('fine-buffer') || device.svm.includes('fine-system') ? 'unified-memory-gpu' : 'discrete-gpu';
}

/** Inputs beyond the three configs. */
export interface PlanOptions {
  configs: Configs;
  /** The engine's info document; without it nothing is skipped for lack of a mechanism. */
  engineInfo?: unknown;
  /** Phase "confirm": the strategy ids to re-measure. */
  strategyIds?: string[];
  /** Clock for the plan id (tests pass a fixed date). */
  now?: Date;
}

interface Candidate { layer?: Layer; strategy: Strategy | { sync: SyncName }; kind: 'layer' | 'roundtrip'; meta: JobMeta; id: string }

/** `20261126T0600Z` from a date. */
export function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace(/(\d{4})\d{2}Z$/, '$1Z');
}

/**
 * True when a register-tiled variant only adds padding on this layer (regTileWaste): such a knob
 * combination is left out of the grid silently, since the same family's smaller tile covers it.
 */
export function variantWasteful(v: GpuVariant, layer: Layer): boolean {
  return regTileWaste(v.id, layer.type === 'linear' ? layer : {
    type: 'conv2d',
    Q: Math.floor((layer.W + 2 * layer.padW - layer.S) / layer.strideW) + 1,
    PQ: layer.H * layer.W,  // conv_reg_1x1 runs only on stride-1 unpadded 1x1 layers, where P*Q = H*W
  }) !== undefined;
}

/** Why a GPU variant cannot run a layer, or undefined when it can. */
export function variantRestriction(v: GpuVariant, layer: Layer): string | undefined {
  const r = v.requires;
  if (!r) return undefined;
  if (layer.type === 'linear') {
    if (r.maxM !== undefined && layer.M > r.maxM) return `gpu variant ${v.id} requires M <= ${r.maxM} (layer has M=${layer.M})`;
    if (r.minM !== undefined && layer.M < r.minM) return `gpu variant ${v.id} requires M >= ${r.minM} (layer has M=${layer.M})`;
  } else {
    if (r.kernel1x1 && (layer.R !== 1 || layer.S !== 1)) return `gpu variant ${v.id} requires a 1x1 kernel (layer has ${layer.R}x${layer.S})`;
    if (r.maxStride !== undefined && Math.max(layer.strideH, layer.strideW) > r.maxStride) {
      return `gpu variant ${v.id} requires stride <= ${r.maxStride} (layer has ${layer.strideH}x${layer.strideW})`;
    }
    if (r.maxPad !== undefined && Math.max(layer.padH, layer.padW) > r.maxPad) {
      return `gpu variant ${v.id} requires padding <= ${r.maxPad} (layer has ${layer.padH}x${layer.padW})`;
    }
  }
  return undefined;
}

/**
 * Why a GPU variant at work-group size `wg` would starve a CPU device of `workers` pinned workers on this layer,
 * or undefined. On PoCL's CPU device a work-group is one worker's unit, and a launch of fewer work-groups than
 * half its workers for the WHOLE layer (a co-executed slice launches fewer still) leaves most of them idle:
 * conv_pq_1x1_v16x2_f4 on C320 7x7 F1280 launches 2 for pocl-split's 7 and ran 1.3-2.5 ms per execution against
 * about 70 us for the other variants. On the five pocl-split conv runs of 2026-12-04/05 such jobs took 19.7-38.3 s
 * of 36.6-92.3 s of grid time and none was a layer's grid-search oracle (scripts/thin-launch-probe.mjs).
 */
export function variantStarves(v: GpuVariant, wg: number, layer: Layer, workers: number | undefined): string | undefined {
  if (!workers || workers < 2) return undefined;
  const asLayer = layer as AnalysisLayer;
  const groups = gpuGeometry(asLayer, outDim(asLayer), v.id, wg).workGroups;
  if (groups >= workers / 2) return undefined;
  return `gpu variant ${v.id}-wg${wg} launches ${groups} work-group(s) for the whole layer on a CPU device of ${workers} workers (fewer than half of them; every split launches fewer still)`;
}

/** Pinned workers of a CPU OpenCL device (the platform's opencl.deviceCores), or undefined for a GPU or an unpinned device. */
export function cpuDeviceWorkers(platform: PlatformConfig): number | undefined {
  if (platform.opencl.deviceType !== 'cpu') return undefined;
  return platform.opencl.deviceCores?.length || undefined;
}

function spaceFor(resolved: ResolvedProfile, layer: Layer): SpaceConfig | undefined {
  return resolved.spaces[layer.type];
}

/**
 * The split dimensions of a space that fit a layer (the default when the space names none). One that does
 * not (M = 1 along M, a one-row output height: splitDimProblem) is left out without a skip record, as a
 * wasteful tile is: there is nothing to split, and every M = 1 layer would otherwise carry the same record.
 */
export function splitDimsFor(space: SpaceConfig, layer: Layer): SplitDim[] {
  const dims = space.splitDims ?? [SPLIT_DIMS[layer.type][0]!];
  return dims.filter((dim) => splitDimProblem(layer, dim) === undefined);
}

/**
 * The gpuStreams levels of one grid point: the space's levels where the GPU has rows on a buffer mechanism
 * (finish, event-poll: copies to overlap), not clblast (one queue inside the library), not a GEMV kernel, at
 * a ratio up to gpuStreamsMaxSplitRatio; else [1]. Levels above the share's outer rows collapse in
 * normalizeStrategy. Streams cut the share along M, and every chunk of a GEMV kernel reads all of its W, the
 * traffic that bounds it: on the H200 host gemv_rows' best time with 2 or 4 streams was 1.2-2.4x its best
 * with one, on M8 and M64 in both linear runs that measured it (gpu-host 20261204T1041Z and T1247Z).
 */
export function streamLevels(space: SpaceConfig, gpuVariant: string, splitRatio: number, sync: SyncName): number[] {
  const levels = space.gpuStreams ?? [1];
  const applies = splitRatio < 1 && (sync === 'finish' || sync === 'event-poll') && gpuVariant !== 'clblast' &&
    !gpuVariant.startsWith('gemv_') && splitRatio <= (space.gpuStreamsMaxSplitRatio ?? 1);
  return applies ? levels : [1];
}

/**
 * Every strategy of a space on one layer (before normalization). On a CPU device of `deviceWorkers` pinned
 * workers, a variant and work-group size that starves it (variantStarves) is left out with a skip record, unless
 * no other variant of the space could run the layer's GPU side.
 */
function gridStrategies(space: SpaceConfig, layer: Layer, skip: (id: string, reason: string) => void, deviceWorkers?: number): Strategy[] {
  const out: Strategy[] = [];
  const dims = splitDimsFor(space, layer);
  const runnable = space.gpuVariants.filter((v) => !variantWasteful(v, layer) && !variantRestriction(v, layer));
  const starved = new Map(runnable.flatMap((v) => v.workGroups.map((wg) => [`${v.id}-wg${wg}`, variantStarves(v, wg, layer, deviceWorkers)] as const)));
  // Every runnable launch starving the device: keep them all, a GPU side must stay possible.
  const dropStarved = [...starved.values()].some((why) => why === undefined);
  for (const v of space.gpuVariants) {
    if (variantWasteful(v, layer)) continue;
    const why = variantRestriction(v, layer);
    if (why) { skip(`${layerId(layer)}/gpu:${v.id}`, why); continue; }
    const workGroups = v.workGroups.filter((wg) => {
      const starvedWhy = dropStarved ? starved.get(`${v.id}-wg${wg}`) : undefined;
      if (starvedWhy) skip(`${layerId(layer)}/gpu:${v.id}-wg${wg}`, starvedWhy);
      return !starvedWhy;
    });
    for (const splitDim of dims) {
      if (v.requires?.splitDims && !v.requires.splitDims.includes(splitDim)) {
        skip(`${layerId(layer)}/split:${splitDim}/gpu:${v.id}`, `gpu variant ${v.id} cannot compute a split along ${splitDim} (requires.splitDims: ${v.requires.splitDims.join(', ')})`);
        continue;
      }
      // The variant's granularity is its tile along channels / features; output rows (P or M) need none.
      const granularity = splitsOuter(splitDim) ? 1 : v.granularity;
      const named = splitDim === SPLIT_DIMS[layer.type][0] ? {} : { splitDim };
      for (const splitRatio of space.splitRatios)
        for (const cpuThreads of space.cpuThreads)
          for (const cpuImpl of space.cpuImpls)
            for (const gpuWorkGroup of workGroups)
              for (const sync of space.syncs)
                for (const gpuStreams of streamLevels(space, v.id, splitRatio, sync)) {
                  out.push({ splitRatio, granularity, cpuThreads, cpuImpl, gpuVariant: v.id, gpuWorkGroup, sync, ...named, ...(gpuStreams > 1 ? { gpuStreams } : {}) });
                }
    }
  }
  const cpuOnly = (cpuImpls: string[]): void => {
    for (const cpuThreads of space.cpuThreads)
      for (const cpuImpl of cpuImpls) {
        out.push({ splitRatio: 1, granularity: 1, cpuThreads, cpuImpl, gpuVariant: IDLE_SIDE[layer.type].gpuVariant, gpuWorkGroup: IDLE_SIDE[layer.type].gpuWorkGroup, sync: 'finish' });
      }
  };
  if (!space.splitRatios.includes(1)) return out;
  // A CPU-only strategy needs no GPU variant: keep it even when every variant is ruled out.
  if (out.length === 0) cpuOnly(space.cpuImpls);
  // Baseline implementations run alone only, so that the best single side covers them (schemas.ts).
  cpuOnly(space.baselineCpuImpls ?? []);
  return out;
}

/** Indices of `take` levels out of `levels`, spread evenly and rotated by the combination index. */
export function spreadLevels(levels: number, take: number, rotation: number): number[] {
  if (take >= levels) return [...Array(levels).keys()];
  const out = new Set<number>();
  for (let j = 0; j < take; j++) out.add((Math.floor((j * levels) / take) + rotation) % levels);
  return [...out].sort((a, b) => a - b);
}

/** A profiling job: one side computing a slice (a layer of fewer rows) alone. */
interface ProfileSlice {
  layer: Layer;
  strategy: Strategy;
  role: 'cpu-slice' | 'gpu-slice';
}

/**
 * Profiling slices of one layer: the CPU computing `rows` outputs alone (threads x impl) and the GPU
 * computing `rows` alone (variant x work-group), where each slice is the layer with its output dimension
 * set to `rows`. Within `perSide` jobs per side, every combination appears and row levels are spread over
 * combinations so that all levels are covered. For each of the profile's `profileSplitDims` along output
 * rows (M, the output height) the same again with the side layers a split along it gives (sideLayer: M rows,
 * or the output rows with their input halo), so the side models see the shapes they price for that split.
 */
function profileSlices(
  space: SpaceConfig, layer: Layer, resolved: ResolvedProfile, gpuSync: SyncName, random: () => number,
  skip: (id: string, reason: string) => void,
): ProfileSlice[] {
  const result: ProfileSlice[] = [];
  const extraDims = resolved.profileSplitDims.filter((d) => splitsOuter(d) && (space.splitDims ?? []).includes(d) && !splitDimProblem(layer, d));
  for (const dim of [undefined, ...extraDims]) {
    const extent = splitExtent(layer, dim);
    const sliceOf = (rows: number): Layer => (dim ? sideLayer(layer, dim, rows) : withOutputSize(layer, rows));
    // Along F or N a GPU slice keeps its variant's granularity; along M or P any row count is a split's.
    const levelsFor = (gran: number) => [...new Set(resolved.profileRowFractions.map((f) => {
      const g = dim ? 1 : gran;
      const rows = Math.ceil((f * extent) / g) * g;
      return Math.min(Math.max(rows, g), extent);
    }))].sort((a, b) => a - b);
    result.push(...sideSlices(space, layer, resolved.profileJobsPerLayer, levelsFor, sliceOf, gpuSync, random, skip));
  }
  return result;
}

/** One split dimension's profiling slices (see profileSlices): `sliceOf(rows)` is the layer a side computes alone. */
function sideSlices(
  space: SpaceConfig, layer: Layer, perSide: number, levelsFor: (granularity: number) => number[], sliceOf: (rows: number) => Layer,
  gpuSync: SyncName, random: () => number, skip: (id: string, reason: string) => void,
): ProfileSlice[] {
  const result: ProfileSlice[] = [];
  // Baseline implementations are sliced too: the CPU model prices their CPU-only strategies like any other.
  const cpuImpls = [...space.cpuImpls, ...(space.baselineCpuImpls ?? [])];
  const cpuCombos = space.cpuThreads.flatMap((t) => cpuImpls.map((impl) => ({ t, impl })));
  const cpuLevels = levelsFor(1);
  const cpuPicked = cpuCombos.length > perSide ? shuffled(cpuCombos, random).slice(0, perSide) : cpuCombos;
  const cpuTake = Math.max(1, Math.floor(perSide / cpuPicked.length));
  cpuPicked.forEach((c, ci) => {
    for (const li of spreadLevels(cpuLevels.length, cpuTake, ci)) {
      const slice = sliceOf(cpuLevels[li]!);
      result.push({ layer: slice, role: 'cpu-slice', strategy: { splitRatio: 1, granularity: 1, cpuThreads: c.t, cpuImpl: c.impl, gpuVariant: 'none', gpuWorkGroup: 0, sync: 'finish' } });
    }
  });

  const gpuCombos = space.gpuVariants.flatMap((v) => {
    if (variantWasteful(v, layer)) return [];
    const why = variantRestriction(v, layer);
    if (why) { skip(`${layerId(layer)}/gpu:${v.id}`, why); return []; }
    return v.workGroups.map((wg) => ({ v, wg }));
  });
  if (gpuCombos.length === 0) return result;
  const gpuPicked = gpuCombos.length > perSide ? shuffled(gpuCombos, random).slice(0, perSide) : gpuCombos;
  const gpuTake = Math.max(1, Math.floor(perSide / gpuPicked.length));
  gpuPicked.forEach((c, ci) => {
    const levels = levelsFor(c.v.granularity);
    for (const li of spreadLevels(levels.length, gpuTake, ci)) {
      const slice = sliceOf(levels[li]!);
      const why = variantRestriction(c.v, slice);
      if (why) { skip(`${layerId(slice)}/gpu:${c.v.id}`, why); continue; }
      result.push({ layer: slice, role: 'gpu-slice', strategy: { splitRatio: 0, granularity: c.v.granularity, cpuThreads: 1, cpuImpl: 'none', gpuVariant: c.v.id, gpuWorkGroup: c.wg, sync: gpuSync } });
    }
  });
  return result;
}

/**
 * Every GPU slice of `slices` thinner than `layer` once more under svm-resident. A resident kernel has its own
 * model group (predict/features.ts, runsResident) and runs a slice unlike the same variant launched: no launch,
 * and each device worker keeps its chunk of the weights in its own cache, so its cost turns where a worker's
 * chunk leaves that cache. Without these twins its only rows were whole layers (the grid's GPU-only jobs, a
 * training-only layer's otherMechanisms), never the slices a split gives it: pocl-split linear
 * 2026-12-05T0416Z trained it on 18 whole layers against 119 launched slices, and priced M1 N3072 K768's
 * resident side at 80% of the layer from whole layers that sit past the turn (86 us measured whole, 14 us at
 * 80%); conv's resident groups had 2-7 rows per fold, too few for a fit of their own. The whole layer is left
 * out: the grid measures it under every mechanism, and a training-only layer gets it from otherMechanisms.
 * Planned only for an experiment with a grid (predictor-accuracy's held-out test keeps its launched slices)
 * and where the platform runs svm-resident: elsewhere the grid's resident jobs already leave the plan's one
 * skip record.
 */
function residentTwins(slices: readonly ProfileSlice[], layer: Layer): ProfileSlice[] {
  const whole = layerId(layer);
  return slices.filter((sl) => sl.role === 'gpu-slice' && layerId(sl.layer) !== whole)
    .map((sl) => ({ ...sl, strategy: { ...sl.strategy, sync: 'svm-resident' as const } }));
}

/** The whole-layer GPU-only slice of `slices` (its first), once per mechanism in `mechanisms`. */
function otherMechanisms(
  slices: readonly ProfileSlice[], layer: Layer, mechanisms: readonly SyncName[],
): ProfileSlice[] {
  const whole = slices.find((sl) => sl.role === 'gpu-slice' && layerId(sl.layer) === layerId(layer));
  return whole ? mechanisms.map((sync) => ({ layer, role: 'gpu-slice', strategy: { ...whole.strategy, sync } })) : [];
}

/**
 * Why a platform cannot run svm-resident, or undefined when it can. The resident kernel's work-items spin on
 * an epoch counter between executions, so the mechanism is only sensible on a device with cores of its own:
 * the platform pins the device (opencl.deviceCores) and the CPU side (cpu.cores) to disjoint cores, as
 * local-split and pocl-split do. On a device that shares the CPU side's cores the spinners hold them, and
 * every execution waits a scheduler tick (about 4 ms). A GPU platform sets no deviceCores (the field is for
 * CPU devices), so the same rule leaves it out: whether a resident kernel pays on a phone's GPU is unmeasured.
 */
export function residentProblem(platform: PlatformConfig): string | undefined {
  const why = (what: string) => `sync svm-resident requires a device with cores of its own (opencl.deviceCores disjoint from cpu.cores): ${what}; its spinning work-items would hold the CPU side's cores`;
  const device = platform.opencl.deviceCores;
  if (!device || device.length === 0) return why(`platform "${platform.name}" sets no opencl.deviceCores`);
  if (platform.cpu.cores.length === 0) return why(`platform "${platform.name}" pins the CPU side to no cores (cpu.cores is empty)`);
  const shared = device.filter((c) => platform.cpu.cores.includes(c));
  if (shared.length > 0) return why(`platform "${platform.name}" has core(s) ${shared.join(', ')} in both`);
  return undefined;
}

/** Skip id of every job a mechanism-wide rule rules out (one record per plan rather than one per job). */
export function syncSkipId(sync: SyncName): string {
  return `sync:${sync}`;
}

/** The device a plan targets and the mechanisms it supports. */
function deviceFor(platform: PlatformConfig, info: unknown): { sel: EnginePlan['device']; device?: DeviceSummary; note?: string; cls: PlatformConfig['class'] } {
  const devices = listDevices(info);
  if (platform.opencl.autoPick && devices.length > 0) {
    const pick = pickLocalDevice(devices);
    if (pick) return { sel: pick.selector, device: pick.device, note: `picked "${pick.device.name}" (${pick.device.platform}): ${pick.why}`, cls: classOfPick(pick.device) };
  }
  const sel = { platformContains: platform.opencl.platformContains, deviceContains: platform.opencl.deviceContains, deviceType: platform.opencl.deviceType };
  return { sel, device: selectDevice(devices, sel), cls: platform.class };
}

/** The most CPU threads worth measuring: the platform's pinned cores, else the engine's online cores. */
export function threadLimit(platform: PlatformConfig, info: unknown): { n: number; what: string } | undefined {
  if (platform.cpu.cores.length > 0) return { n: platform.cpu.cores.length, what: "cores in the platform's cpu.cores" };
  const cpu = (info as { cpu?: { onlineCores?: unknown } } | undefined)?.cpu;
  const online = typeof cpu?.onlineCores === 'number' ? cpu.onlineCores : undefined;
  return online && online > 0 ? { n: online, what: 'online cores (engine info)' } : undefined;
}

/** Job id of the k-th replicate (k >= 2) of a job; the first keeps the plain id. */
export function replicateId(id: string, k: number): string {
  return k <= 1 ? id : `${id}~r${k}`;
}

/** The job id a replicate id stands for (the id itself when it is not a replicate). */
export function replicateBaseId(id: string): string {
  return id.replace(/~r\d+$/, '');
}

/**
 * Each candidate `n` times under replicate ids. The shuffle that follows scatters the copies over the pass,
 * so a slow spell of the machine hits one replicate of a strategy rather than all of its samples.
 */
function withReplicates(candidates: Candidate[], n: number): Candidate[] {
  return candidates.flatMap((c) => Array.from({ length: n }, (_, i) => ({ ...c, id: replicateId(c.id, i + 1) })));
}

/**
 * Expands one phase of an experiment into a plan. Throws UserError for a phase the experiment does not have
 * or a confirm phase without strategy ids.
 */
export function planPhase(
  experiment: ExperimentConfig, profile: ProfileConfig, platform: PlatformConfig, phase: Phase, opts: PlanOptions,
): Plan {
  // 1. resolve the profile and the device
  if (!experiment.phases.includes(phase)) throw new UserError(msg.phaseNotInExperiment(phase, experiment.id, experiment.phases));
  const { sel, device, note, cls } = deviceFor(platform, opts.engineInfo);
  const resolved = resolveProfile(profile, experiment, opts.configs, device?.nativeVectorWidthFloat);
  // Without engine info (an offline bundle is planned before its device is seen) the platform config's
  // expected SVM capabilities decide, so a discrete GPU is not sent svm-fine jobs it can only refuse.
  const engineSyncs = supportedSyncs(device);
  const expectedSvm = platform.expected?.svm;
  const syncs = engineSyncs ?? (expectedSvm ? supportedSyncs({ name: platform.name, svm: expectedSvm } as DeviceSummary) : undefined);
  const syncSource = engineSyncs ? 'engine info' : 'expected.svm of the platform config';
  // Mechanism-wide rules of the platform (svm-resident: cores of its own) and the engine's per-variant ones.
  const platformBars = new Map<SyncName, string>();
  const resident = residentProblem(platform);
  if (resident) platformBars.set('svm-resident', resident);
  const byVariant = variantSyncs(opts.engineInfo);
  const runnable = (sync: SyncName) => !platformBars.has(sync) && (!syncs || syncs.has(sync));
  const missingImpls = unavailableCpuImpls(opts.engineInfo);
  const maxThreads = threadLimit(platform, opts.engineInfo);
  const random = mulberry32((resolved.seeds.order ^ fnv1a(`${experiment.id}/${phase}`)) >>> 0);
  const skipped: { id: string; reason: string }[] = [];
  const skippedIds = new Set<string>();
  const skip = (id: string, reason: string) => { if (!skippedIds.has(id)) { skippedIds.add(id); skipped.push({ id, reason }); } };

  // 2. candidates of the phase
  const candidates: Candidate[] = [];
  const addLayerJob = (layer: Layer, s: Strategy, meta: JobMeta) => {
    const strategy = normalizeStrategy(layer, s);
    candidates.push({ layer, strategy, kind: 'layer', meta, id: strategyId(layer, strategy) });
  };
  const workloads = workloadsOf(resolved.workloads, opts.configs);
  if (phase === 'sync') {
    for (const sync of resolved.spaces.linear?.syncs ?? resolved.spaces.conv2d?.syncs ?? []) {
      candidates.push({ kind: 'roundtrip', strategy: { sync }, id: roundtripId(sync), meta: { phase, role: 'roundtrip', workloads: [] } });
    }
  }
  if (phase === 'sync' || phase === 'grid') {
    for (const w of workloads) {
      const space = spaceFor(resolved, w.layer);
      if (!space) { skip(w.id, `experiment has no ${w.layer.type} space`); continue; }
      for (const s of gridStrategies(space, w.layer, skip, cpuDeviceWorkers(platform))) addLayerJob(w.layer, s, { phase, role: 'coexec', workloads: [w.id] });
    }
  } else if (phase === 'profile') {
    // The measured workloads, then the training-only ones (their slices marked, so evaluation never tests them).
    const training = workloadsOf(resolved.trainingWorkloads, opts.configs).map((w) => ({ w, trainingOnly: true as const }));
    // Resident twins price a split's resident GPU side: only an experiment that searches splits needs them.
    const twinsResident = experiment.phases.includes('grid') && runnable('svm-resident');
    for (const { w, trainingOnly } of [...workloads.map((w) => ({ w, trainingOnly: undefined })), ...training]) {
      const space = spaceFor(resolved, w.layer);
      if (!space) { skip(w.id, `experiment has no ${w.layer.type} space`); continue; }
      const gpuSync: SyncName = space.syncs.includes('finish') || !syncs ? 'finish' : space.syncs.find(runnable) ?? 'finish';
      const slices = profileSlices(space, w.layer, resolved, gpuSync, random, skip);
      // A measured layer's grid runs it GPU-only under every mechanism; a training-only layer has no grid, so
      // its whole layer runs GPU-only under each other mechanism here, which gives the host-cost fit copies of
      // every size per mechanism (held-out M256's svm-coarse side was predicted at 0.3x with none larger than M64's).
      if (trainingOnly) slices.push(...otherMechanisms(slices, w.layer, space.syncs.filter((m) => m !== gpuSync && runnable(m))));
      if (twinsResident && gpuSync !== 'svm-resident' && space.syncs.includes('svm-resident')) slices.push(...residentTwins(slices, w.layer));
      for (const slice of slices) {
        addLayerJob(slice.layer, slice.strategy, {
          phase, role: slice.role, workloads: [w.id], parentLayerId: layerId(w.layer), ...(trainingOnly ? { trainingOnly } : {}),
        });
      }
    }
  } else {
    if (!opts.strategyIds || opts.strategyIds.length === 0) throw new UserError(msg.confirmNeedsStrategies());
    for (const id of opts.strategyIds) {
      let parsed: ReturnType<typeof parseStrategyId>;
      try { parsed = parseStrategyId(id); } catch (err) { throw new UserError(msg.badStrategyId(id, (err as Error).message)); }
      const space = spaceFor(resolved, parsed.layer);
      const variant = (space ?? opts.configs.spaces.get(experiment.space))?.gpuVariants.find((v) => v.id === parsed.strategy.gpuVariant);
      if (parsed.strategy.gpuVariant !== 'none' && !variant) {
        throw new UserError(msg.badStrategyId(id, `gpu variant "${parsed.strategy.gpuVariant}" is not in the experiment's space`));
      }
      const lid = layerId(parsed.layer);
      const ws = workloads.filter((w) => layerId(w.layer) === lid).map((w) => w.id);
      const granularity = splitsOuter(parsed.strategy.splitDim) ? 1 : variant?.granularity ?? 1;
      addLayerJob(parsed.layer, { ...parsed.strategy, granularity }, { phase, role: 'coexec', workloads: ws });
    }
  }

  // 3. drop what the device cannot run; normalize and de-duplicate
  const byId = new Map<string, Candidate>();
  let duplicates = 0;
  for (const c of candidates) {
    const sync = c.strategy.sync;
    const usesGpu = c.kind === 'roundtrip' || (c.strategy as Strategy).splitRatio !== 1;
    const bar = usesGpu ? platformBars.get(sync) : undefined;
    if (bar) { skip(syncSkipId(sync), bar); continue; }
    if (usesGpu && syncs && !syncs.has(sync)) {
      // svm-resident is newer than the engines that may answer info: one record, not one per job.
      skip(sync === 'svm-resident' ? syncSkipId(sync) : c.id, `sync ${sync} is not supported by device "${device?.name ?? platform.name}" (${syncSource})`);
      continue;
    }
    const layerStrategy = c.kind === 'layer' && c.layer && usesGpu ? (c.strategy as Strategy) : undefined;
    const variantOnly = layerStrategy ? syncsOfVariant(byVariant, c.layer!.type, layerStrategy.gpuVariant) : undefined;
    if (layerStrategy && variantOnly && !variantOnly.includes(sync)) {
      skip(`${layerId(c.layer!)}/gpu:${layerStrategy.gpuVariant}/sync:${sync}`,
        `gpu variant ${layerStrategy.gpuVariant} requires sync ${variantOnly.join(' or ')} (engine info), not ${sync}`);
      continue;
    }
    const impl = c.kind === 'layer' ? (c.strategy as Strategy) : undefined;
    if (impl && impl.splitRatio !== 0 && missingImpls.has(impl.cpuImpl)) {
      skip(c.id, `cpu implementation ${impl.cpuImpl} cannot run here: ${missingImpls.get(impl.cpuImpl)}`);
      continue;
    }
    if (impl && impl.splitRatio !== 0 && maxThreads !== undefined && impl.cpuThreads > maxThreads.n) {
      skip(c.id, `${impl.cpuThreads} CPU threads > ${maxThreads.n} ${maxThreads.what}`);
      continue;
    }
    const seen = byId.get(c.id);
    if (seen) {
      duplicates++;
      for (const w of c.meta.workloads) if (!seen.meta.workloads.includes(w)) seen.meta.workloads.push(w);
      // A slice that a measured workload also asked for is that workload's: it may be tested.
      if (!c.meta.trainingOnly) delete seen.meta.trainingOnly;
      continue;
    }
    byId.set(c.id, { ...c, meta: { ...c.meta, workloads: [...c.meta.workloads] } });
  }

  // 4. replicates of the confirmation pass, seeded order and the engine's view
  const m = resolved.measurement;
  const replicas = phase === 'confirm' ? withReplicates([...byId.values()], m.confirmReplicates ?? 1) : [...byId.values()];
  const ordered = shuffled(replicas, random);
  const jobs: EngineJob[] = ordered.map((c) => ({
    id: c.id, kind: c.kind, ...(c.layer ? { layer: c.layer } : {}), strategy: c.strategy,
    warmup: m.warmup, minSamples: m.minSamples, minTimeMs: m.minTimeMs, maxSamples: m.maxSamples, maxTimeMs: m.maxTimeMs,
    ...(m.targetMedianCiPct !== undefined ? { targetMedianCiPct: m.targetMedianCiPct } : {}),
    seed: resolved.seeds.data,
  }));
  const meta: Record<string, JobMeta> = {};
  for (const c of ordered) meta[c.id] = c.meta;
  const planId = `${profile.name}-${experiment.id}-${phase}-${stamp(opts.now ?? new Date())}`;
  return {
    schemaVersion: 1, experiment: experiment.id, phase, platform: platform.name,
    engine: { schemaVersion: 1, planId, device: sel, cpuAffinity: [...platform.cpu.cores],
      ...(platform.cpu.driverCore !== undefined ? { driverCore: platform.cpu.driverCore } : {}),
      ...(platform.opencl.deviceCores !== undefined ? { deviceCores: [...platform.opencl.deviceCores] } : {}),
      ...(platform.opencl.keepDeviceCoresAwake === true ? { keepDeviceCoresAwake: true } : {}), jobs },
    meta, skipped, duplicates, profile: { requested: profile, resolved }, ...(note ? { deviceNote: note } : {}), platformClass: cls,
  };
}

export { cpuRows };
