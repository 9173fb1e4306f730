/**
 * Resolves a profile for one experiment: the measurement rule, seeds and validity thresholds merged with the
 * experiment's overrides, the workloads (narrowed or all of the experiment's), and each layer type's search
 * space narrowed to the values the profile asks for. The result goes into plan and run records next to
 * the profile as requested.
 */
import type { Configs } from '../config/load.js';
import { resolveVectorWidth } from './gpu-variants.js';
import type { ExperimentConfig, Measurement, ProfileConfig, SpaceConfig, SpaceNarrowing, SplitDim, Workload } from '../config/schemas.js';

/** Everything a phase needs from the profile, with no optional left. */
export interface ResolvedProfile {
  name: string;
  experiment: string;
  measurement: Measurement;
  seeds: { order: number; data: number };
  validity: ProfileConfig['validity'];
  workloads: string[];
  /** Workloads profiled only to train the predictors (profile phase only; see the profile schema). */
  trainingWorkloads: string[];
  spaces: { linear?: SpaceConfig; conv2d?: SpaceConfig };
  profileJobsPerLayer: number;
  profileRowFractions: number[];
  /** Split dimensions along output rows (m, height) whose side layers the profile phase also slices. */
  profileSplitDims: SplitDim[];
}

export const DEFAULT_PROFILE_JOBS_PER_LAYER = 16;
/**
 * The engine's default median-CI target as a share of validity.maxCvPct: the engine stops on the same
 * samples the verdict later judges, and the margin keeps a job that just met its target clear of the bound.
 */
export const MEDIAN_CI_TARGET_SHARE = 0.8;
export const DEFAULT_ROW_FRACTIONS = [0.125, 0.25, 0.5, 0.75, 1];

/** The narrowing's baseline CPU implementations the space offers and the co-executed ones do not already cover. */
function baselineImpls(space: SpaceConfig, n: SpaceNarrowing, coexecuted: string[]): Pick<SpaceConfig, 'baselineCpuImpls'> {
  const wanted = n.baselineCpuImpls ?? space.baselineCpuImpls ?? [];
  const extra = wanted.filter((impl) => space.cpuImpls.includes(impl) && !coexecuted.includes(impl));
  return extra.length > 0 ? { baselineCpuImpls: extra } : {};
}

/**
 * A space with every list intersected with the narrowing (a list that would become empty is kept whole). A
 * narrowing's "v*" variant names take the device's native float vector width (gpu-variants.ts
 * resolveVectorWidth; every width when it is unknown).
 */
export function narrowSpace(space: SpaceConfig, n: SpaceNarrowing | undefined, nativeVectorWidth?: number): SpaceConfig {
  if (!n) return space;
  const keep = <T>(all: T[], wanted: T[] | undefined): T[] => {
    if (!wanted) return all;
    const kept = all.filter((v) => wanted.includes(v));
    return kept.length ? kept : all;
  };
  const ids = space.gpuVariants.map((v) => v.id);
  const wanted = n.gpuVariants?.flatMap((id) => resolveVectorWidth(id, ids, nativeVectorWidth));
  let variants = space.gpuVariants.filter((v) => !wanted || wanted.includes(v.id));
  if (variants.length === 0) variants = space.gpuVariants;
  variants = variants.map((v) => ({ ...v, workGroups: keep(v.workGroups, n.workGroups) }));
  const cpuImpls = keep(space.cpuImpls, n.cpuImpls);
  return {
    ...space,
    splitRatios: keep(space.splitRatios, n.splitRatios),
    cpuThreads: keep(space.cpuThreads, n.cpuThreads),
    cpuImpls,
    ...baselineImpls(space, n, cpuImpls),
    gpuVariants: variants,
    syncs: keep(space.syncs, n.syncs),
    ...(space.splitDims ? { splitDims: keep(space.splitDims, n.splitDims) } : {}),
    // gpuStreams: a profile sets the levels (intersected with the space's when it lists some).
    ...(n.gpuStreams ? { gpuStreams: space.gpuStreams ? keep(space.gpuStreams, n.gpuStreams) : n.gpuStreams } : {}),
    ...(n.gpuStreamsMaxSplitRatio !== undefined ? { gpuStreamsMaxSplitRatio: n.gpuStreamsMaxSplitRatio } : {}),
  };
}

/** The space an experiment uses for a layer type, if any. */
export function spaceNameFor(exp: ExperimentConfig, type: 'linear' | 'conv2d', configs: Configs): string | undefined {
  const named = exp.spaces?.[type];
  if (named) return named;
  return configs.spaces.get(exp.space)?.layerType === type ? exp.space : undefined;
}

/**
 * The measurement with its CI stopping target: an explicit targetMedianCiPct stays; otherwise, when the
 * verdict bounds the median's CI (dispersion "median-ci"), the engine samples until that CI is within
 * MEDIAN_CI_TARGET_SHARE of the bound, so noisy jobs take more samples instead of ending INVALID. Other
 * dispersions get no target: the engine's CI says nothing about them.
 */
export function withMedianCiTarget(measurement: Measurement, validity: ProfileConfig['validity']): Measurement {
  if (measurement.targetMedianCiPct !== undefined || validity.dispersion !== 'median-ci') return measurement;
  return { ...measurement, targetMedianCiPct: MEDIAN_CI_TARGET_SHARE * validity.maxCvPct };
}

/** The profile resolved for one experiment (for a device of `nativeVectorWidth` floats per vector, when known). */
export function resolveProfile(profile: ProfileConfig, exp: ExperimentConfig, configs: Configs, nativeVectorWidth?: number): ResolvedProfile {
  const over = profile.experiments[exp.id] ?? {};
  const spaces: ResolvedProfile['spaces'] = {};
  for (const type of ['linear', 'conv2d'] as const) {
    const name = spaceNameFor(exp, type, configs);
    const space = name ? configs.spaces.get(name) : undefined;
    if (space) spaces[type] = narrowSpace(space, over.space, nativeVectorWidth);
  }
  return {
    name: profile.name,
    experiment: exp.id,
    measurement: withMedianCiTarget({ ...profile.measurement, ...over.measurement }, profile.validity),
    seeds: { ...profile.seeds },
    validity: { ...profile.validity },
    workloads: over.workloads ?? exp.workloads,
    trainingWorkloads: over.trainingWorkloads ?? [],
    spaces,
    profileJobsPerLayer: over.profileJobsPerLayer ?? DEFAULT_PROFILE_JOBS_PER_LAYER,
    profileRowFractions: over.profileRowFractions ?? DEFAULT_ROW_FRACTIONS,
    profileSplitDims: over.profileSplitDims ?? [],
  };
}

/** Workload objects for ids (the loader already checked that they exist). */
export function workloadsOf(ids: string[], configs: Configs): Workload[] {
  return ids.map((id) => {
    const w = configs.workloads.get(id);
    if (!w) throw new Error(`workload ${id} missing after config validation`);
    return w;
  });
}
