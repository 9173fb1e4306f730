/**
 * The composed prediction of a whole strategy:
 *   CPU only:  cpu + offset(cpu-only)
 *   GPU only:  host(m, bytes) + kernel + sync(m) + offset(gpu-only:m)
 *   both:      E[max(kc * cpu, kg * (host(m, bytes) + kernel))] + share * E[min(...)] + sync(m) + offset(m)
 * host(m, bytes) is the GPU side's host-observed cost beyond the kernel (host-cost.ts: copies over PCIe on a
 * discrete GPU, fixed otherwise), stored as the fixed `dispatchNs` plus `dispatchPerByteNs`. sync(m) is the
 * bare round-trip cost of mechanism m. E[max] is the expected max of the two sides with the relative spreads
 * their predictions had on co-executed training jobs (the plain max when that did not help). kc and kg are each
 * side's slowdown while the other runs on the same memory (coexecSlowdown, per split dimension: a height
 * slice reads its own input rows plus a halo, an F slice all of the input), or kc = alpha (cpuContention) and
 * kg = 1 where the slowdowns did not help. They are fitted on co-executed and GPU-only grid jobs of TRAINING
 * shapes, and each is kept only if it lowers the training error. `share` (overlapShare) is how much of the shorter
 * side adds to the longer: 0 for sides with resources of their own, 1 for sides that take turns on the same
 * cores (PoCL's CPU device beside the CPU slice on a 2-core machine; tried only for such a device,
 * DeviceInfo.sharesCpuCores), kept only if it selects better on the training shapes' grids. The offsets are what those jobs' latency
 * holds beyond their own measured sides (offsetsOutsideSides), not what the predicted sides miss. GPU-only
 * strategies have their own offset: their host-observed side already ends with the wait, so adding sync(m)
 * counts the round trip twice, and their offset takes it back out.
 * With gpuStreams k > 1 the GPU side (before any of the above) is the chunks' copy / kernel pipeline
 * (streams.ts) plus a per-chunk cost fitted on the training shapes' k > 1 grid jobs (Composition.streams).
 */
import { createHash } from 'node:crypto';
import { Ajv } from 'ajv';
import { inPhase, layerId, sideSlice, sidesOf } from '../analysis/layers.js';
import { median, predictionErrors } from '../analysis/metrics.js';
import type { DeviceInfo, JobStats, Layer, Strategy } from '../analysis/types.js';
import { hostCostSamples, syncByMechanism, type HostCostSample, type LayerJob } from './dataset.js';
import { cpuFeatures, gpuFeatures, gpuGeometry, gpuHelperFloats, runsResident, transferBytes, type TransferBytes } from './features.js';
import { copyFloorNsPerByte, hostCostByMechanism, hostCostNs, type HostCost } from './host-cost.js';
import type { ModelFile } from './model.js';
import { predictSide } from './side-model.js';
import { streamChunks, streamedGpuNs, type StreamChunk } from './streams.js';

/** The composition's fitted constants (times in ns). */
export interface Composition {
  /** Fixed part of the GPU side's host cost beyond the kernel, per mechanism ('*' for any). */
  dispatchNs: Record<string, number>;
  /** Its per-byte parts, ns per byte of input copied in and of GPU output copied back (same keys as dispatchNs). */
  dispatchPerByteNs: Record<string, { input: number; output: number; outputRow?: number }>;
  syncNs: Record<string, number>;
  /**
   * Per GPU variant, what its host cost differs from its mechanism's (median residual of its samples; absent
   * for variants with too few): a variant of two launches (im2col then GEMM) waits for two.
   */
  dispatchByVariantNs?: Record<string, number>;
  /**
   * Per GPU variant with helper launches, ns per float they write (features.ts gpuHelperFloats), fitted with
   * that variant's shift on its samples' residuals; absent where the slope is not clear of noise. The im2col
   * before conv_im2col_gemm's GEMM writes C*R*S floats per output position, so a constant shift priced the 3x3
   * and 7x7 layers' host-observed rest 10-25% short and the 1x1 layers' long (gpu-host conv 2026-12-04T2050Z).
   */
  dispatchPerHelperFloatNs?: Record<string, number>;
  /** Multiplicative CPU slowdown when both sides run; 1 when fitting it did not help (unused with coexecSlowdown). */
  cpuContention: number;
  /**
   * Each side's multiplicative slowdown when both run, per split dimension (SLOWDOWN_DEFAULT_DIM for the
   * output-channel / feature split, else the strategy's splitDim; '*' pooled over every dimension, for a
   * dimension training did not co-execute): exp(median log(measured side / predicted side)) over the
   * training shapes' co-executed grid jobs. PoCL's GPU side shares the host's cores and memory with the CPU
   * slice and slows by up to 1.5x (pocl-split 2026-12-03T1620Z), which the GPU-only training rows never
   * see; a CPU-only alpha alone moved the sides' balance point the wrong way. Absent where it did not lower
   * the training error (then cpuContention applies).
   */
  coexecSlowdown?: Record<string, { cpu: number; gpu: number }>;
  /**
   * Relative spread (sigma of log measured / predicted) of each side's prediction when both sides run, from
   * the training shapes' co-executed grid jobs: a co-executed strategy is then priced as the expected max of
   * two uncertain sides rather than the max of two point predictions (expectedMax). Absent where it did not
   * lower the training error.
   */
  sideSpread?: { cpu: number; gpu: number };
  /**
   * The fraction of the shorter side's time that adds to the longer side's when both run (0-1): the sides'
   * overlap is E[max] + overlapShare * E[min]. Where the "GPU" is an OpenCL CPU device on the CPU slice's own
   * cores, the two sides take turns on those cores and a split costs about the sum of its sides, which a
   * max with per-side slowdowns prices right only near one balance point (local conv 2026-12-04T2344Z: a 70%
   * split of C320 7x7 1x1 predicted 149.5 us against 150.2 for CPU-only measured 238 against 125). Fitted on
   * the training shapes' grids (OVERLAP_SHARES); absent (0) where it did not select better there.
   */
  overlapShare?: number;
  /**
   * gpuStreams k > 1 (streams.ts): the GPU side is then the chunks' copy / kernel pipeline plus perChunkNs
   * for each chunk beyond the first (may be negative), later chunks' kernels paid one after another or, with
   * `occupancy`, as far as they fill the compute units; whichever of the two prices the training shapes'
   * k > 1 grid jobs better, with its perChunkNs fitted on them. Absent (no such
   * jobs, or it did not help): every k is priced as k = 1.
   */
  streams?: { perChunkNs: number; occupancy?: boolean };
  /** Per offset key (offsetKey), the latency beyond the sides' overlap and sync cost (offsetsOutsideSides). */
  offsetNs: Record<string, number>;
}

/** Both side models and the composition: everything needed to predict any strategy. */
export interface Predictor {
  family: string;
  cpu: ModelFile;
  gpu: ModelFile;
  composition: Composition;
  device: DeviceInfo;
  /**
   * The CPU kernel set (e.g. "avx512", "avx2") the engine resolved for the training jobs, so that ranking
   * prices a CPU slice with the same register tiling it was trained on; undefined when no training job said
   * (features then assume the widest, DEFAULT_CPU_ISA).
   */
  cpuIsa?: string;
  /** The training jobs' resolved.cpuLinearPacking (features.ts linearPackedWork); undefined for older runs. */
  cpuLinearPacking?: string;
  /** The training jobs' resolved.cpuConvLayout (features.ts cpuPaddedWork, cpuCopyBytes); undefined for older runs. */
  cpuConvLayout?: string;
  /** The training jobs' resolved.poolChunking (pool-split.ts); undefined for runs before it (static). */
  cpuPoolChunking?: string;
}

export interface StrategyPrediction {
  cpuNs: number;
  /** host cost + kernel: the GPU side as the host observes it. */
  gpuNs: number;
  composedNs: number;
}

/** Offset key of CPU-only strategies (no mechanism is involved; what remains is the layer call's own cost). */
const CPU_ONLY = 'cpu-only';

/** Offset key of GPU-only strategies of mechanism m (kept apart from co-executed ones: see the header). */
export function gpuOnlyOffsetKey(mechanism: string): string {
  return `gpu-only:${mechanism}`;
}

/** Offset key of a strategy by which sides it uses. */
function offsetKey(sync: string, cpu: boolean, gpu: boolean): string {
  if (!gpu) return CPU_ONLY;
  return cpu ? sync : gpuOnlyOffsetKey(sync);
}

function lookup(table: Record<string, number>, key: string): number {
  return table[key] ?? table['*'] ?? 0;
}

/**
 * Side and composed predictions of one strategy. `cache` (one per layer) lets strategies that share a
 * side (the same slice under four sync mechanisms) evaluate the side model once.
 */
export function predictStrategy(p: Predictor, layer: Layer, s: Strategy, cache?: Map<string, number>): StrategyPrediction {
  const { cpu, gpu, rowsCpu, rowsGpu } = sidesOf(layer, s);
  // Each side priced as the layer it computes alone: along F or N a slice of rows, along M or the output
  // height a layer of fewer rows m or p (sideSlice), so the features see the split dimension.
  const cpuSide = sideSlice(layer, s, rowsCpu), gpuSide = sideSlice(layer, s, rowsGpu);
  const dimKey = s.splitDim ?? '';
  const cached = (key: string, f: () => number): number => {
    if (!cache) return f();
    let v = cache.get(key);
    if (v === undefined) { v = f(); cache.set(key, v); }
    return v;
  };
  const cpuNs = cpu
    ? cached(`c/${dimKey}/${rowsCpu}/${s.cpuThreads}/${s.cpuImpl}`,
      () => predictSide(p.cpu, cpuFeatures(cpuSide.layer, cpuSide.rows, s.cpuThreads, s.cpuImpl, p.cpuIsa, p.cpuLinearPacking, p.cpuConvLayout, p.cpuPoolChunking,
        cpuSide.layer === layer ? undefined : layer)))
    : 0;
  const streams = s.gpuStreams ?? 1;
  const helperFloats = gpu ? gpuHelperFloats(gpuSide.layer, s.gpuVariant, gpuSide.rows) : 0;
  const gpuNs = gpu && streams > 1 && p.composition.streams
    ? streamedSideNs(p, layer, s, rowsCpu, streams, p.composition.streams, helperFloats, cached)
    : gpu
    ? gpuHostNs(p.composition, s.sync, transferBytes(gpuSide.layer, gpuSide.rows), s.gpuVariant, helperFloats) + cached(`g/${dimKey}/${rowsGpu}/${s.gpuVariant}/${s.gpuWorkGroup}/${runsResident(s.sync) ? 'r' : 'l'}`,
      () => predictSide(p.gpu, gpuFeatures(gpuSide.layer, gpuSide.rows, s.gpuVariant, s.gpuWorkGroup, p.device, s.sync)))
    : 0;
  return { cpuNs, gpuNs, composedNs: composeNs(p.composition, s.sync, cpuNs, gpuNs, cpu, gpu, s.splitDim, s.cpuThreads) };
}

/**
 * The host-observed GPU side of a strategy with gpuStreams > 1: its chunks (streams.ts) each copied with the
 * mechanism's per-byte terms and computed as the GPU side model prices the chunk's layer, pipelined, plus
 * the mechanism's fixed host cost once and `perChunkNs` per extra chunk.
 */
function streamedSideNs(
  p: Predictor, layer: Layer, s: Strategy, rowsCpu: number, streams: number, fit: NonNullable<Composition['streams']>,
  helperFloats: number, cached: (key: string, f: () => number) => number,
): number {
  const c = p.composition;
  const perByte = c.dispatchPerByteNs[s.sync in c.dispatchNs ? s.sync : '*'];
  return streamedGpuNs(streamChunks(layer, s, rowsCpu, streams), {
    // The helper launches (an im2col before the GEMM) run once per chunk over its rows: together the side's.
    fixedNs: gpuHostNs(c, s.sync, { inputBytes: 0, outputBytes: 0, outputRows: 0 }, s.gpuVariant, helperFloats),
    perExtraChunkNs: fit.perChunkNs,
    ...(fit.occupancy
      ? { occupancy: (chunk: StreamChunk) => gpuGeometry(chunk.layer, chunk.rows, s.gpuVariant, s.gpuWorkGroup).workGroups / Math.max(1, p.device.computeUnits) }
      : {}),
    copyNs: (t) => ({
      inNs: perByte ? perByte.input * t.inputBytes : 0,
      outNs: perByte ? perByte.output * t.outputBytes + (perByte.outputRow ?? 0) * (t.outputRows ?? 0) : 0,
    }),
    kernelNs: (chunk) => cached(`g/chunk/${layerId(chunk.layer)}/${chunk.rows}/${s.gpuVariant}/${s.gpuWorkGroup}`,
      () => predictSide(p.gpu, gpuFeatures(chunk.layer, chunk.rows, s.gpuVariant, s.gpuWorkGroup, p.device))),
  });
}

/**
 * The GPU side's host cost beyond the kernel under mechanism `sync` for a slice moving `bytes`, whose variant's
 * helper launches write `helperFloats` (gpuHelperFloats).
 */
export function gpuHostNs(
  c: Pick<Composition, 'dispatchNs' | 'dispatchPerByteNs' | 'dispatchByVariantNs' | 'dispatchPerHelperFloatNs'>, sync: string,
  bytes: TransferBytes, variant?: string, helperFloats = 0,
): number {
  const key = sync in c.dispatchNs ? sync : '*';
  const perByte = c.dispatchPerByteNs[key];
  const byMechanism = (c.dispatchNs[key] ?? 0)
    + (perByte ? perByte.input * bytes.inputBytes + perByte.output * bytes.outputBytes + (perByte.outputRow ?? 0) * (bytes.outputRows ?? 0) : 0);
  if (variant === undefined) return Math.max(0, byMechanism);
  const byVariant = (c.dispatchByVariantNs?.[variant] ?? 0) + (c.dispatchPerHelperFloatNs?.[variant] ?? 0) * helperFloats;
  return Math.max(0, byMechanism + byVariant);
}

/** Fewer samples or workloads than these cannot tell a variant's own host cost from noise. */
export const MIN_VARIANT_SAMPLES = 6;
export const MIN_VARIANT_GROUPS = 3;
/** A variant's shift is kept only when at least this many standard errors from zero (as the per-byte terms in host-cost.ts). */
export const MIN_VARIANT_T = 2;

/** A variant's host cost beyond its mechanism's: a shift, and a cost per float its helper launches write. */
export type VariantHostCost = Pick<Composition, 'dispatchByVariantNs' | 'dispatchPerHelperFloatNs'>;

/**
 * Per variant, its host cost samples' residuals against the mechanism's fit (see Composition): where they have
 * helper floats of at least two sizes, first the least-squares slope on them, kept when positive and
 * MIN_VARIANT_T standard errors clear of zero; then the median of what is left as the shift, kept when that
 * many standard errors from zero.
 */
export function hostCostByVariant(c: Pick<Composition, 'dispatchNs' | 'dispatchPerByteNs'>, samples: readonly HostCostSample[]): VariantHostCost {
  const by = new Map<string, HostCostSample[]>();
  for (const s of samples) if (s.variant !== undefined) by.set(s.variant, [...(by.get(s.variant) ?? []), s]);
  const shifts: Record<string, number> = {}, slopes: Record<string, number> = {};
  for (const [v, mine] of [...by].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (mine.length < MIN_VARIANT_SAMPLES || new Set(mine.map((s) => s.group)).size < MIN_VARIANT_GROUPS) continue;
    const residuals = mine.map((s) => s.costNs - gpuHostNs(c, s.mechanism, s));
    const slope = helperSlope(mine.map((s) => s.helperFloats ?? 0), residuals);
    if (slope !== undefined) slopes[v] = slope;
    const rest = residuals.map((r, i) => r - (slope ?? 0) * (mine[i]!.helperFloats ?? 0));
    const shift = median(rest);
    // The median's standard error is 1.2533 sigma / sqrt(n): a shift within MIN_VARIANT_T of them is host noise.
    const se = (1.2533 * robustSigma(rest, shift)) / Math.sqrt(rest.length);
    if (Math.abs(shift) >= MIN_VARIANT_T * se) shifts[v] = shift;
  }
  return {
    ...(Object.keys(shifts).length > 0 ? { dispatchByVariantNs: shifts } : {}),
    ...(Object.keys(slopes).length > 0 ? { dispatchPerHelperFloatNs: slopes } : {}),
  };
}

/** Ordinary least-squares slope of `y` on `x` with an intercept, if positive and MIN_VARIANT_T standard errors from 0. */
function helperSlope(x: readonly number[], y: readonly number[]): number | undefined {
  const n = x.length;
  if (new Set(x).size < 2) return undefined;
  const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += (x[i]! - mx) ** 2; sxy += (x[i]! - mx) * (y[i]! - my); }
  const slope = sxy / sxx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i]! - my - slope * (x[i]! - mx)) ** 2;
  const se = Math.sqrt(sse / Math.max(1, n - 2) / sxx);
  return slope > 0 && slope >= MIN_VARIANT_T * se ? slope : undefined;
}

/**
 * The composed latency: the overlap of the sides plus the sync cost and the key's offset, never below 1 ns.
 * The offsets are median residuals of the training jobs and may be negative; on a small held-out slice they
 * can outweigh the sides (a quick VM run of 2026-12-03 predicted -0.02 ms and its derive wrote a file its own
 * schema refused), and a latency below zero is no prediction at all.
 */
export function composeNs(c: Composition, sync: string, cpuNs: number, gpuNs: number, cpu: boolean, gpu: boolean, splitDim?: string,
  cpuThreads?: number): number {
  const offset = c.offsetNs[offsetKey(sync, cpu, gpu)] ?? 0;
  if (!gpu) return Math.max(1, cpuNs + offset);
  let overlap = gpuNs;
  if (cpu) {
    const k = slowdownOf(c, splitDim, cpuThreads);
    overlap = overlapNs(c, k.cpu * cpuNs, k.gpu * gpuNs);
  }
  return Math.max(1, overlap + lookup(c.syncNs, sync) + offset);
}

/** Key of the default split (F channels or N features) in coexecSlowdown. */
export const SLOWDOWN_DEFAULT_DIM = 'outer';

/** The key of a strategy's split dimension in coexecSlowdown. */
export function slowdownKey(splitDim: string | undefined): string {
  return splitDim === undefined || splitDim === '' || splitDim === 'channels' || splitDim === 'n' ? SLOWDOWN_DEFAULT_DIM : splitDim;
}

/** The key of a split dimension at a CPU thread count in coexecSlowdown (see coexecSlowdowns' byThreads). */
export function threadsSlowdownKey(splitDim: string | undefined, cpuThreads: number): string {
  return `${slowdownKey(splitDim)}@t${cpuThreads}`;
}

/**
 * Both sides' co-execution slowdowns for a split dimension (at a CPU thread count, where the table has that
 * entry): coexecSlowdown's entry (else the dimension's, else its pooled '*'), else alpha and 1.
 */
export function slowdownOf(c: Composition, splitDim: string | undefined, cpuThreads?: number): { cpu: number; gpu: number } {
  const table = c.coexecSlowdown;
  if (table) {
    const k = (cpuThreads !== undefined ? table[threadsSlowdownKey(splitDim, cpuThreads)] : undefined) ?? table[slowdownKey(splitDim)] ?? table['*'];
    if (k) return k;
  }
  return { cpu: c.cpuContention, gpu: 1 };
}

/** Fewer co-executed jobs of a split dimension than this get no entry of their own (the pooled one applies). */
export const MIN_SLOWDOWN_SAMPLES = 12;

/**
 * Each side's slowdown when both run (see Composition.coexecSlowdown), pooled ('*') and per split
 * dimension with at least MIN_SLOWDOWN_SAMPLES co-executed jobs whose sides were both measured and
 * predicted; the median of the log ratio, so the few jobs whose side stalled do not move it. Undefined with
 * fewer than MIN_SLOWDOWN_SAMPLES such jobs in all. With `byThreads`, also per split dimension at each CPU
 * thread count (threadsSlowdownKey): where the "GPU" is an OpenCL CPU device on the CPU slice's own cores, a
 * CPU side on every core and the device's workers take turns on them, while a thinner CPU side leaves the
 * device cores of its own (local linear 2026-12-05T2237Z, 2 cores: co-executed M = 1 layers took 1.3-2.8x the
 * sum of their sides alone with 2 CPU threads, 0.3-1.0x with 1).
 */
export function coexecSlowdowns(jobs: readonly JobStats[], preds: readonly StrategyPrediction[], byThreads = false,
): Record<string, { cpu: number; gpu: number }> | undefined {
  const by = new Map<string, { cpu: number[]; gpu: number[] }>();
  const add = (key: string, cpu: number, gpu: number): void => {
    const e = by.get(key) ?? by.set(key, { cpu: [], gpu: [] }).get(key)!;
    e.cpu.push(cpu); e.gpu.push(gpu);
  };
  jobs.forEach((j, i) => {
    const p = preds[i]!;
    if (!(p.cpuNs > 0) || !(p.gpuNs > 0) || !(j.cpuSideMedianNs! > 0) || !(j.gpuSideMedianNs! > 0)) return;
    const cpu = Math.log(j.cpuSideMedianNs! / p.cpuNs), gpu = Math.log(j.gpuSideMedianNs! / p.gpuNs);
    add('*', cpu, gpu);
    add(slowdownKey(j.strategy?.splitDim), cpu, gpu);
    if (byThreads && j.strategy?.cpuThreads !== undefined) add(threadsSlowdownKey(j.strategy.splitDim, j.strategy.cpuThreads), cpu, gpu);
  });
  if ((by.get('*')?.cpu.length ?? 0) < MIN_SLOWDOWN_SAMPLES) return undefined;
  const out: Record<string, { cpu: number; gpu: number }> = {};
  for (const [k, v] of [...by].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (v.cpu.length >= MIN_SLOWDOWN_SAMPLES) out[k] = { cpu: Math.exp(median(v.cpu)), gpu: Math.exp(median(v.gpu)) };
  }
  // With one split dimension its entry is the pooled one: keep that alone (and any entries per thread count).
  const dims = [...by.keys()].filter((k) => k !== '*' && !k.includes('@'));
  if (dims.length === 1) delete out[dims[0]!];
  return out;
}

/**
 * The two sides' overlap: their expected max under the composition's side spreads (else the plain max), plus
 * overlapShare of the expected min (E[min] = a + b - E[max]).
 */
function overlapNs(c: Composition, cpuNs: number, gpuNs: number): number {
  const longer = c.sideSpread ? expectedMax(cpuNs, c.sideSpread.cpu * cpuNs, gpuNs, c.sideSpread.gpu * gpuNs) : Math.max(cpuNs, gpuNs);
  const share = c.overlapShare ?? 0;
  return share > 0 ? longer + share * Math.max(0, cpuNs + gpuNs - longer) : longer;
}

/** The overlap shares the fit tries (Composition.overlapShare); 0, the plain overlap, is the default. */
export const OVERLAP_SHARES = [0.25, 0.5, 0.75, 1] as const;

/**
 * E[max(X, Y)] of independent normals X ~ N(a, sa^2) and Y ~ N(b, sb^2) (Clark's formula). With uncertain
 * sides the max of the two point predictions is below the expected latency, by the most where the sides
 * are balanced, which is where a split's predicted optimum lies: ranked by the point max, the co-executed
 * strategies whose sides happen to be under-predicted win (gpu-host conv 2026-12-03T2118Z: a height split
 * predicted 1.5% faster than GPU-only measured 1.9x slower, its CPU slice under-predicted 2.3x).
 */
export function expectedMax(a: number, sa: number, b: number, sb: number): number {
  const theta = Math.sqrt(sa * sa + sb * sb);
  if (!(theta > 0)) return Math.max(a, b);
  const z = (a - b) / theta;
  return a * normalCdf(z) + b * normalCdf(-z) + (theta * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
}

/** Standard normal CDF, from erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Fewer co-executed jobs than this cannot give a side's spread: none is fitted. */
export const MIN_SPREAD_SAMPLES = 6;

/**
 * Each side's relative spread when both sides run: 1.4826 x the median absolute deviation of
 * log(measured side / predicted side) over co-executed jobs (robust to the few jobs whose side stalled).
 * Undefined with fewer than MIN_SPREAD_SAMPLES jobs with both sides measured.
 */
export function sideSpreads(jobs: readonly JobStats[], preds: readonly StrategyPrediction[]): { cpu: number; gpu: number } | undefined {
  const cpu: number[] = [], gpu: number[] = [];
  jobs.forEach((j, i) => {
    const p = preds[i]!;
    if (!(p.cpuNs > 0) || !(p.gpuNs > 0) || !(j.cpuSideMedianNs! > 0) || !(j.gpuSideMedianNs! > 0)) return;
    cpu.push(Math.log(j.cpuSideMedianNs! / p.cpuNs));
    gpu.push(Math.log(j.gpuSideMedianNs! / p.gpuNs));
  });
  if (cpu.length < MIN_SPREAD_SAMPLES) return undefined;
  return { cpu: robustSigma(cpu, median(cpu)), gpu: robustSigma(gpu, median(gpu)) };
}

/** Sigma estimated from the median absolute deviation around `center` (1.4826 MAD), robust to a few outliers. */
function robustSigma(values: readonly number[], center: number): number {
  return 1.4826 * median(values.map((x) => Math.abs(x - center)));
}

/** The host cost table in the composition's serializable form. */
function hostCostTables(costs: Record<string, HostCost>): Pick<Composition, 'dispatchNs' | 'dispatchPerByteNs'> {
  const entries = Object.entries(costs);
  return {
    dispatchNs: Object.fromEntries(entries.map(([k, c]) => [k, c.fixedNs])),
    dispatchPerByteNs: Object.fromEntries(entries.map(([k, c]) => [k, {
      input: c.perInputByteNs, output: c.perOutputByteNs, ...(c.perOutputRowNs ? { outputRow: c.perOutputRowNs } : {}),
    }])),
  };
}

/**
 * Fits the host cost, sync, contention and offsets. `grid` are VALID grid jobs of training shapes, whose side
 * predictions come from `sides` (models that did not see their shapes either).
 */
export function fitComposition(
  training: readonly LayerJob[], roundTrips: Parameters<typeof syncByMechanism>[0], sides: Omit<Predictor, 'composition'>,
): Composition {
  const samples = hostCostSamples(training);
  const tables = hostCostTables(hostCostByMechanism(samples, copyFloorNsPerByte(sides.device.hostLinkGBps)));
  const base: Composition = {
    ...tables, ...hostCostByVariant(tables, samples),
    syncNs: syncByMechanism(roundTrips), cpuContention: 1, offsetNs: {},
  };
  const grid = training.filter((j) => inPhase(j, 'grid'));
  if (grid.length === 0) return base;
  const caches = new Map<string, Map<string, number>>(); // side predictions shared by a layer's strategies
  const cacheOf = (id: string): Map<string, number> => caches.get(id) ?? caches.set(id, new Map()).get(id)!;
  const fitted = fitCorrections(base, grid, sides, cacheOf);
  // gpuStreams k > 1: the streamed GPU side's per-chunk cost, added on top of the corrections as fitted
  // above (k > 1 jobs priced as k = 1 there), so that every k = 1 strategy keeps its price and only the k > 1
  // ones move. Refitting the corrections with streamed sides moved k = 1 co-executed choices instead: on
  // the gpu-host conv 2326Z run (noisy CPU side) geomean q over fold seeds 1-3 fell from 0.70 to 0.58
  // (corrections refitted on every grid job) or 0.56 (on the k = 1 jobs), where this way it is 0.71.
  // Kept only where it selects better on the training shapes' grids or prices their k > 1 jobs better.
  const streams = fitStreams({ ...sides, composition: base }, grid, cacheOf);
  if (!streams) return fitted;
  const withStreams: Composition = { ...fitted, streams };
  const composed = (c: Composition): number[] =>
    grid.map((j) => predictStrategy({ ...sides, composition: c }, j.layer, j.strategy, cacheOf(layerId(j.layer))).composedNs);
  const streamed = (i: number): boolean => (grid[i]!.strategy.gpuStreams ?? 1) > 1;
  const streamedError = (ns: readonly number[]): number =>
    predictionErrors(grid.flatMap((j, i) => (streamed(i) ? [{ predicted: ns[i]!, measured: j.stats!.medianNs }] : []))).mape;
  const before = composed(fitted), after = composed(withStreams);
  const better = selectionLoss(grid, after) < selectionLoss(grid, before) - 1e-9 || streamedError(after) < streamedError(before) - 1e-9;
  return better ? withStreams : fitted;
}

/**
 * What selecting by predicted latencies `predictedNs` (one per grid job) loses on the jobs' own grids: the
 * mean over layers of log(measured latency of the strategy ranked first / the layer's fastest measured).
 */
export function selectionLoss(grid: readonly LayerJob[], predictedNs: readonly number[]): number {
  const layers = new Map<string, number[]>();
  grid.forEach((j, i) => { const id = layerId(j.layer); layers.set(id, [...(layers.get(id) ?? []), i]); });
  let loss = 0;
  for (const idx of layers.values()) {
    let pick = idx[0]!, pickNs = Infinity, bestNs = Infinity;
    for (const i of idx) {
      if (predictedNs[i]! < pickNs) { pick = i; pickNs = predictedNs[i]!; }
      bestNs = Math.min(bestNs, grid[i]!.stats!.medianNs);
    }
    loss += Math.log(grid[pick]!.stats!.medianNs / bestNs);
  }
  return loss / Math.max(1, layers.size);
}

/** Fewer k > 1 jobs with a measured GPU side than this fit no streamed GPU side. */
export const MIN_STREAM_SAMPLES = 6;

/**
 * Composition.streams from the grid jobs with gpuStreams > 1 and a measured GPU side (GPU-only ones where
 * there are MIN_STREAM_SAMPLES of them: their side has no CPU slice contending; else every one): for kernels
 * one after another and for kernels by occupancy, perChunkNs is the median over jobs of (measured side -
 * side priced with no per-chunk cost) / (chunks - 1); the one whose sides then have the smaller MAPE wins.
 * On the H200 (2326Z runs) linear's thin chunk kernels (latency-bound, about 25 us at any M) hide under one
 * another by a near-constant amount, which one after another with a negative perChunkNs fits (about -10 to
 * -17 us, MAPE 6-9% against 12-22% by occupancy); conv's by how little of the GPU they fill (occupancy: MAPE
 * 11% against 21%, perChunkNs about +14 us). Undefined with fewer than MIN_STREAM_SAMPLES jobs.
 */
export function fitStreams(
  p: Predictor, grid: readonly LayerJob[], cacheOf: (layerId: string) => Map<string, number>,
): Composition['streams'] {
  const chunksOf = (j: LayerJob): number => streamChunks(j.layer, j.strategy, sidesOf(j.layer, j.strategy).rowsCpu, j.strategy.gpuStreams ?? 1).length;
  const streamed = grid.filter((j) => chunksOf(j) > 1 && j.gpuSideMedianNs! > 0);
  const gpuOnly = streamed.filter((j) => !sidesOf(j.layer, j.strategy).cpu);
  const jobs = gpuOnly.length >= MIN_STREAM_SAMPLES ? gpuOnly : streamed;
  if (jobs.length < MIN_STREAM_SAMPLES) return undefined;
  const sideNs = (streams: NonNullable<Composition['streams']>, j: LayerJob): number =>
    predictStrategy({ ...p, composition: { ...p.composition, streams } }, j.layer, j.strategy, cacheOf(layerId(j.layer))).gpuNs;
  let best: Composition['streams'], bestErr = Infinity;
  for (const kernels of [{}, { occupancy: true }]) {
    const bare = jobs.map((j) => sideNs({ perChunkNs: 0, ...kernels }, j));
    const fit = { perChunkNs: median(jobs.map((j, i) => (j.gpuSideMedianNs! - bare[i]!) / (chunksOf(j) - 1))), ...kernels };
    const err = predictionErrors(jobs.map((j) => ({ predicted: sideNs(fit, j), measured: j.gpuSideMedianNs! }))).mape;
    if (err < bestErr - 1e-9) { best = fit; bestErr = err; }
  }
  return best;
}

/**
 * The corrections on top of `base` (host cost, sync and streams): side spreads, contention or per-dimension
 * slowdowns, offsets, fitted on the training shapes' grid jobs.
 */
function fitCorrections(
  base: Composition, grid: readonly LayerJob[], sides: Omit<Predictor, 'composition'>, cacheOf: (layerId: string) => Map<string, number>,
): Composition {
  const preds = grid.map((j) => predictStrategy({ ...sides, composition: base }, j.layer, j.strategy, cacheOf(layerId(j.layer))));
  const both = (i: number): boolean => preds[i]!.cpuNs > 0 && preds[i]!.gpuNs > 0;
  const composeAt = (c: Composition, i: number): number =>
    composeNs(c, grid[i]!.strategy.sync, preds[i]!.cpuNs, preds[i]!.gpuNs, preds[i]!.cpuNs > 0, preds[i]!.gpuNs > 0, grid[i]!.strategy.splitDim,
      grid[i]!.strategy.cpuThreads);
  const errorWith = (c: Composition, only?: (i: number) => boolean): number =>
    predictionErrors(grid.flatMap((j, i) => (only && !only(i) ? [] : [{ predicted: composeAt(c, i), measured: j.stats!.medianNs }]))).mape;
  // What selecting by `c` loses on the training shapes' own grids (selectionLoss).
  const trainingSelectionLoss = (c: Composition): number => selectionLoss(grid, grid.map((_, i) => composeAt(c, i)));
  // Side spreads (expected max of the sides), kept only if they lower the co-executed jobs' error.
  const withSpreadIfBetter = (c: Composition, spread: Composition['sideSpread']): Composition => {
    if (!spread) return c;
    const withSpread = { ...c, sideSpread: spread };
    return errorWith(withSpread, both) < errorWith(c, both) - 1e-9 ? withSpread : c;
  };
  const start = withSpreadIfBetter(base, sideSpreads(grid, preds));
  // Contention: a one-parameter search over a plausible range (a CPU never gets faster by sharing memory),
  // judged on the co-executed jobs, the only ones it touches.
  let best = { ...start };
  let bestErr = errorWith(start, both);
  for (let a = 1.02; a <= 2.0001; a += 0.02) {
    const c = { ...start, cpuContention: Number(a.toFixed(2)) };
    const e = errorWith(c, both);
    if (e < bestErr - 1e-9) { best = c; bestErr = e; }
  }
  // Both sides' slowdowns per split dimension instead, with spreads of what they leave unexplained; kept
  // when selecting with them loses less on the training shapes' grids than alpha alone. Judged by selection,
  // not by composed error: they move where the sides balance, which is what ranking needs (over the 29
  // shipped co-execution runs they raise mean q while the held-out composed MAPE rises by about 1 point).
  const slowdown = coexecSlowdowns(grid, preds);
  // The per-dimension table and its pooled entry alone (fewer numbers, for when the dimensions' own
  // entries fit noise), each with the spreads of the sides it scales; and, where the sides share cores,
  // the table per thread count too (coexecSlowdowns' byThreads).
  const byThreads = sides.device.sharesCpuCores ? coexecSlowdowns(grid, preds, true) : undefined;
  const slowdownTables = slowdown ? [slowdown, ...(Object.keys(slowdown).length > 1 ? [{ '*': slowdown['*']! }] : []),
    ...(byThreads && Object.keys(byThreads).some((k) => k.includes('@')) ? [byThreads] : [])] : [];
  let bestLoss = trainingSelectionLoss(best);
  for (const table of slowdownTables) {
    const slowed = { ...base, coexecSlowdown: table };
    const scaled = preds.map((p, i) => {
      const k = slowdownOf(slowed, grid[i]!.strategy.splitDim, grid[i]!.strategy.cpuThreads);
      return { ...p, cpuNs: k.cpu * p.cpuNs, gpuNs: k.gpu * p.gpuNs };
    });
    const candidate = withSpreadIfBetter(slowed, sideSpreads(grid, scaled));
    const loss = trainingSelectionLoss(candidate);
    if (loss < bestLoss - 1e-9) { best = candidate; bestLoss = loss; }
  }
  // The overlap share on top of whichever won (alpha or a slowdown table), judged the same way; tried only
  // where the sides share cores. Tried on every run, it moved q both ways on the GPU host and pocl-split (60
  // shipped runs: gpu-host mean geomean q 0.923 -> 0.927, pocl-split 0.923 -> 0.920, single runs -0.06 to +0.11):
  // the training shapes' selection loss then picks a share by noise.
  const unshared = best;
  for (const share of sides.device.sharesCpuCores ? OVERLAP_SHARES : []) {
    const candidate = { ...unshared, overlapShare: share };
    const loss = trainingSelectionLoss(candidate);
    if (loss < bestLoss - 1e-9) { best = candidate; bestLoss = loss; }
  }
  // Offsets: per key (mechanism co-executed, mechanism GPU-only, CPU-only) what the latency holds beyond its
  // measured sides (offsetsOutsideSides), so that they price the layer call and not the side models' bias.
  const measured = offsetsOutsideSides(grid, (i) => preds[i]!.cpuNs > 0, (i) => preds[i]!.gpuNs > 0, base.syncNs);
  // A key without measured sides (runs of an engine that did not report them) keeps the median residual of
  // its jobs, kept only where it lowers the training error.
  const residuals = new Map<string, number[]>();
  grid.forEach((j, i) => {
    const key = offsetKey(j.strategy.sync, preds[i]!.cpuNs > 0, preds[i]!.gpuNs > 0);
    if (key in measured) return;
    residuals.set(key, [...(residuals.get(key) ?? []), j.stats!.medianNs - composeAt(best, i)]);
  });
  const withMeasured = { ...best, offsetNs: measured };
  if (residuals.size === 0) return withMeasured;
  const withResiduals = { ...best, offsetNs: { ...measured, ...Object.fromEntries([...residuals].map(([k, v]) => [k, median(v)])) } };
  return errorWith(withResiduals) < errorWith(withMeasured) - 1e-9 ? withResiduals : withMeasured;
}

/**
 * The offset per key (see offsetKey) from what each grid job's latency holds beyond its own measured sides:
 * the median of (latency - CPU side) over CPU-only jobs, (latency - GPU side) over GPU-only ones, (latency -
 * the slower side) over co-executed ones, less the mechanism's sync cost where composeNs adds it. Only jobs
 * with every side they ran measured count; a key with none gets no entry.
 * The offsets used to be the median residual of the composed prediction over the training jobs: in-sample
 * bias of side models fitted on those very jobs, in absolute ns over jobs of 10 us to 1 ms. On gpu-host conv
 * 2026-12-04T1747Z that made the CPU-only key -4 to -8 us per fold (its CPU-only jobs' latency is their CPU
 * side + 0.1 us), which priced a 35 us CPU-only layer 23% below its side and selected it over a split
 * measured 22% faster; on PoCL a GPU-only key of 7 jobs came out at +83 to +130 us.
 */
export function offsetsOutsideSides(
  grid: readonly LayerJob[], cpuOf: (i: number) => boolean, gpuOf: (i: number) => boolean, syncNs: Record<string, number>,
): Record<string, number> {
  const by = new Map<string, number[]>();
  grid.forEach((j, i) => {
    const cpu = cpuOf(i), gpu = gpuOf(i);
    const cpuSide = j.cpuSideMedianNs ?? 0, gpuSide = j.gpuSideMedianNs ?? 0;
    if ((cpu && !(cpuSide > 0)) || (gpu && !(gpuSide > 0)) || (!cpu && !gpu)) return;
    const key = offsetKey(j.strategy.sync, cpu, gpu);
    const outside = j.stats!.medianNs - Math.max(cpu ? cpuSide : 0, gpu ? gpuSide : 0) - (gpu ? lookup(syncNs, j.strategy.sync) : 0);
    by.set(key, [...(by.get(key) ?? []), outside]);
  });
  return Object.fromEntries([...by].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => [k, median(v)]));
}

/**
 * SHA-256 of the data a composition is fitted on: every training job and round trip as (job id, median,
 * CPU side, GPU side, kernel and dispatch medians), in job-id order. Saved next to the composition, as the
 * side models save theirs, so a model file says which measurements made it.
 */
export function compositionTrainingSha256(training: readonly LayerJob[], roundTrips: readonly JobStats[]): string {
  const row = (j: JobStats): unknown[] => [j.jobId, j.stats?.medianNs ?? null, j.cpuSideMedianNs ?? null, j.gpuSideMedianNs ?? null,
    j.gpuKernelMedianNs ?? null, j.gpuDispatchMedianNs ?? null];
  const canonical = [...training, ...roundTrips].map(row).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

const numberTable = { type: 'object', additionalProperties: { type: 'number' } } as const;

/** JSON Schema of a saved composition (derive's models/composition.json adds schemaVersion and family). */
export const COMPOSITION_SCHEMA = {
  $id: 'coexec/composition.schema.json',
  type: 'object',
  required: ['dispatchNs', 'syncNs', 'cpuContention', 'offsetNs'],
  properties: {
    dispatchNs: numberTable,
    dispatchPerByteNs: {
      type: 'object',
      additionalProperties: {
        type: 'object', required: ['input', 'output'], additionalProperties: false,
        properties: { input: { type: 'number', minimum: 0 }, output: { type: 'number', minimum: 0 }, outputRow: { type: 'number', minimum: 0 } },
      },
    },
    syncNs: numberTable,
    dispatchByVariantNs: numberTable,
    dispatchPerHelperFloatNs: numberTable,
    cpuContention: { type: 'number', minimum: 0 },
    coexecSlowdown: {
      type: 'object',
      additionalProperties: {
        type: 'object', required: ['cpu', 'gpu'], additionalProperties: false,
        properties: { cpu: { type: 'number', exclusiveMinimum: 0 }, gpu: { type: 'number', exclusiveMinimum: 0 } },
      },
    },
    sideSpread: {
      type: 'object', required: ['cpu', 'gpu'], additionalProperties: false,
      properties: { cpu: { type: 'number', minimum: 0 }, gpu: { type: 'number', minimum: 0 } },
    },
    overlapShare: { type: 'number', minimum: 0, maximum: 1 },
    streams: {
      type: 'object', required: ['perChunkNs'], additionalProperties: false,
      properties: { perChunkNs: { type: 'number' }, occupancy: { type: 'boolean' } },
    },
    offsetNs: numberTable,
  },
} as const;

const validateComposition = new Ajv({ allErrors: true }).compile(COMPOSITION_SCHEMA);

/**
 * Reads a saved composition; throws one line naming the first problem. A file written before the host cost
 * had per-byte terms loads with none (its dispatch was a constant), so it predicts what it did then.
 */
export function loadComposition(text: string): Composition {
  const data: unknown = JSON.parse(text);
  if (!validateComposition(data)) {
    const e = validateComposition.errors?.[0];
    throw new Error(`composition file is invalid: ${e?.instancePath || '/'} ${e?.message ?? ''}`.trim());
  }
  const c = data as Partial<Composition> & Omit<Composition, 'dispatchPerByteNs'>;
  return {
    dispatchNs: c.dispatchNs, dispatchPerByteNs: c.dispatchPerByteNs ?? {}, syncNs: c.syncNs,
    ...(c.dispatchByVariantNs ? { dispatchByVariantNs: c.dispatchByVariantNs } : {}),
    ...(c.dispatchPerHelperFloatNs ? { dispatchPerHelperFloatNs: c.dispatchPerHelperFloatNs } : {}),
    cpuContention: c.cpuContention, ...(c.coexecSlowdown ? { coexecSlowdown: c.coexecSlowdown } : {}),
    ...(c.sideSpread ? { sideSpread: c.sideSpread } : {}), ...(c.overlapShare !== undefined ? { overlapShare: c.overlapShare } : {}),
    ...(c.streams ? { streams: c.streams } : {}), offsetNs: c.offsetNs,
  };
}
