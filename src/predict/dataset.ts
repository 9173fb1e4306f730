/**
 * Turns jobs.json rows into training data. Training data are SINGLE-SIDE jobs (CPU-only: the CPU slice
 * time; GPU-only: the kernel time, with the host-observed cost beyond the kernel kept apart) from the profile and
 * grid phases, and the bare synchronization cost per mechanism from the sync phase's round trips.
 * Co-executed grid jobs are not side training data (their sides contend); they fit the composition's
 * correction. Confirm-phase jobs are never used, so predictions made before and after the confirmation pass agree.
 */
import { inPhase, layerId, sidesOf, strategyId } from '../analysis/layers.js';
import { median } from '../analysis/metrics.js';
import type { DeviceInfo, JobStats, Layer } from '../analysis/types.js';
import { cpuFeatures, cpuIsaOf, gpuFeatures, gpuHelperFloats, transferBytes, type TransferBytes } from './features.js';
import type { TrainingRow } from './model.js';

/** A VALID layer job with a layer (the only kind whose timings analysis uses). */
export type LayerJob = JobStats & { layer: Layer };

/** Whether a job's timings may be used: engine status ok, harness verdict VALID, a layer and statistics. */
export function isValidLayerJob(j: JobStats): j is LayerJob {
  return j.kind === 'layer' && j.layer !== undefined && j.status === 'ok' && j.verdict === 'VALID' && j.stats !== undefined;
}

/** Rows of the CPU slice computed by a job (resolved when the engine said, else from the contract's rule). */
export function jobCpuRows(j: LayerJob): number {
  return j.resolved?.cpuRows ?? sidesOf(j.layer, j.strategy).rowsCpu;
}

/** Rows of the GPU slice computed by a job. */
export function jobGpuRows(j: LayerJob): number {
  return j.resolved?.gpuRows ?? sidesOf(j.layer, j.strategy).rowsGpu;
}

/** Jobs usable as training data: VALID layer jobs of the profile and grid phases. */
export function trainingJobs(jobs: readonly JobStats[]): LayerJob[] {
  return jobs.filter(isValidLayerJob).filter((j) => inPhase(j, 'profile') || inPhase(j, 'grid'));
}

/** CPU training rows: CPU-only jobs, target the CPU side's median time. */
export function cpuRowsOf(jobs: readonly LayerJob[]): TrainingRow[] {
  const out: TrainingRow[] = [];
  for (const j of jobs) {
    const rowsGpu = jobGpuRows(j);
    const rowsCpu = jobCpuRows(j);
    if (rowsCpu === 0 || rowsGpu > 0) continue;
    const timeNs = j.cpuSideMedianNs || j.stats!.medianNs;
    if (!(timeNs > 0)) continue;
    out.push({
      features: cpuFeatures(j.layer, rowsCpu, j.strategy.cpuThreads, j.strategy.cpuImpl, cpuIsaOf(j.resolved?.cpuImpl),
        j.resolved?.cpuLinearPacking, j.resolved?.cpuConvLayout, j.resolved?.poolChunking),
      timeNs, layerId: layerId(j.layer), strategyId: strategyId(j.layer, j.strategy),
    });
  }
  return out;
}

/**
 * The CPU kernel set the engine resolved for most of the training jobs (from resolved.cpuImpl, e.g.
 * "simd-im2col-avx512" -> "avx512"): one machine resolves one ISA, and ranking must price slices with it.
 */
export function trainingCpuIsa(jobs: readonly LayerJob[]): string | undefined {
  const counts = new Map<string, number>();
  for (const j of jobs) {
    const isa = cpuIsaOf(j.resolved?.cpuImpl);
    if (isa) counts.set(isa, (counts.get(isa) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
}

/**
 * How the engine packed linear CPU slices in the training jobs (resolved.cpuLinearPacking), so ranking prices a
 * slice with the work layout it was trained on; undefined for runs of the engine before the field.
 */
export function trainingCpuLinearPacking(jobs: readonly LayerJob[]): string | undefined {
  return jobs.find((j) => j.resolved?.cpuLinearPacking)?.resolved?.cpuLinearPacking;
}

/**
 * How the engine laid out conv CPU slices in the training jobs (resolved.cpuConvLayout: narrow last panels and
 * tiles, unpadded inputs read in place), so ranking prices a slice as it was trained; undefined for older runs.
 */
export function trainingCpuConvLayout(jobs: readonly LayerJob[]): string | undefined {
  return jobs.find((j) => j.resolved?.cpuConvLayout)?.resolved?.cpuConvLayout;
}

/**
 * How the training jobs' CPU pool handed out its units (resolved.poolChunking: dynamic, balanced or affine), so ranking
 * splits a slice's work as the engine that will run it does; undefined for runs before the field (static). The
 * rule conv jobs recorded where the run has any: since 2026-12-05 (s24) the engine's rule depends on the layer kind
 * (affine for linear's calls, balanced for conv's), and only conv's CPU features read it (linear slices are priced
 * with static's split whatever the rule, features.ts), so a run mixing both kinds must not price conv with linear's.
 */
export function trainingPoolChunking(jobs: readonly LayerJob[]): string | undefined {
  const recorded = (j: LayerJob): boolean => j.resolved?.poolChunking !== undefined;
  return (jobs.find((j) => recorded(j) && j.layer.type === 'conv2d') ?? jobs.find(recorded))?.resolved?.poolChunking;
}

/** GPU kernel time of a GPU-only job: median(end - start), or the host-observed side time without timestamps. */
export function gpuKernelNs(j: JobStats): number | undefined {
  return j.gpuKernelMedianNs || j.gpuSideMedianNs || undefined;
}

/** GPU training rows: GPU-only jobs, target the kernel time. */
export function gpuRowsOf(jobs: readonly LayerJob[], device: DeviceInfo): TrainingRow[] {
  const out: TrainingRow[] = [];
  for (const j of jobs) {
    const rowsCpu = jobCpuRows(j);
    const rowsGpu = jobGpuRows(j);
    // gpuStreams > 1: the timestamps span every chunk's kernel with copies between (not one kernel's time);
    // the models learn the single-queue GPU side, and the composition prices a streamed share from its
    // chunks (streams.ts), fitting its per-chunk cost on these jobs.
    if (rowsGpu === 0 || rowsCpu > 0 || (j.strategy.gpuStreams ?? 1) > 1) continue;
    const timeNs = gpuKernelNs(j);
    if (timeNs === undefined || !(timeNs > 0)) continue;
    out.push({
      features: gpuFeatures(j.layer, rowsGpu, j.strategy.gpuVariant, j.strategy.gpuWorkGroup, device, j.strategy.sync),
      timeNs, layerId: layerId(j.layer), strategyId: strategyId(j.layer, j.strategy),
    });
  }
  return out;
}

/** One GPU-only job's host cost beyond the kernel, with the bytes its mechanism may have copied. */
export interface HostCostSample extends TransferBytes {
  mechanism: string;
  costNs: number;
  /** The host-observed GPU side the cost is part of (what a relative error is taken of). */
  sideNs: number;
  /** What is held out together when checking the fit: the job's first workload (its slices share the input), else its layer. */
  group: string;
  /** The GPU kernel variant (its launch count and launch geometry shape the host cost too). */
  variant?: string;
  /** Floats the variant's helper launches write (features.ts gpuHelperFloats): the im2col before a GEMM. */
  helperFloats?: number;
  /** How the job's tensors moved (resolved.hostMemory: pinned-copy, zero-copy, svm-coarse-map, ...); absent in runs from before the engine said. */
  hostMemory?: string;
}

/**
 * Host cost samples of GPU-only jobs: the host-observed GPU side (first enqueue to slice complete: input
 * copy, queueing, kernel, output copy, wait) minus the kernel's profiling time (end - start). Jobs without
 * profiling timestamps are left out: their GPU side model already learned the whole host-observed time.
 */
export function hostCostSamples(jobs: readonly LayerJob[]): HostCostSample[] {
  const out: HostCostSample[] = [];
  for (const j of jobs) {
    const rowsGpu = jobGpuRows(j);
    if (jobCpuRows(j) > 0 || rowsGpu === 0 || !(j.gpuKernelMedianNs! > 0) || !(j.gpuSideMedianNs! > 0)) continue;
    if ((j.strategy.gpuStreams ?? 1) > 1) continue;  // copies overlap the kernels: not the single-queue host cost
    out.push({
      mechanism: j.strategy.sync, variant: j.strategy.gpuVariant, costNs: j.gpuSideMedianNs! - j.gpuKernelMedianNs!, sideNs: j.gpuSideMedianNs!,
      group: j.workloads?.[0] ?? layerId(j.layer), ...transferBytes(j.layer, rowsGpu),
      helperFloats: gpuHelperFloats(j.layer, j.strategy.gpuVariant, rowsGpu),
      ...(j.resolved?.hostMemory ? { hostMemory: j.resolved.hostMemory } : {}),
    });
  }
  return out;
}

/**
 * Bare synchronization cost per mechanism from VALID round-trip jobs: the round trip minus its own
 * dispatch and kernel time when the engine reported them (so dispatch is not counted twice), else the
 * whole round trip.
 */
export function syncByMechanism(jobs: readonly JobStats[]): Record<string, number> {
  const by = new Map<string, number[]>();
  for (const j of jobs) {
    if (j.kind !== 'roundtrip' || j.verdict !== 'VALID' || j.status !== 'ok' || !j.stats) continue;
    const own = (j.gpuDispatchMedianNs ?? 0) + (j.gpuKernelMedianNs ?? 0);
    const cost = Math.max(0, j.stats.medianNs - own);
    by.set(j.strategy.sync, [...(by.get(j.strategy.sync) ?? []), cost]);
  }
  return Object.fromEntries([...by].map(([k, v]) => [k, median(v)]));
}

/** Median round-trip latency per mechanism (whole round trip, for sync-overhead.json). */
export function roundTripByMechanism(jobs: readonly JobStats[]): Record<string, number> {
  const by = new Map<string, number[]>();
  for (const j of jobs) {
    if (j.kind !== 'roundtrip' || j.verdict !== 'VALID' || j.status !== 'ok' || !j.stats) continue;
    by.set(j.strategy.sync, [...(by.get(j.strategy.sync) ?? []), j.stats.medianNs]);
  }
  return Object.fromEntries([...by].map(([k, v]) => [k, median(v)]));
}
