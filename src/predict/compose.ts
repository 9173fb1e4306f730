/**
 * The composed prediction of a whole strategy:
 *   CPU only:  cpu + offset(cpu-only)
 *   GPU only:  dispatch(m) + kernel + sync(m) + offset(m)
 *   both:      max(alpha * cpu, dispatch(m) + kernel) + sync(m) + offset(m)
 * sync(m) is the bare round-trip cost of mechanism m. alpha (CPU slowdown while the GPU runs on the same
 * memory) and offset(m) (what a mechanism costs beyond the bare round trip: copies, maps) are fitted on
 * co-executed and GPU-only grid jobs of TRAINING shapes, and each is kept only if it lowers the training error.
 */
import { inPhase, layerId, sidesOf } from '../analysis/layers.js';
import { median, predictionErrors } from '../analysis/metrics.js';
import type { DeviceInfo, Layer, Strategy } from '../analysis/types.js';
import { dispatchByMechanism, syncByMechanism, type LayerJob } from './dataset.js';
import { cpuFeatures, gpuFeatures } from './features.js';
import type { ModelFile } from './model.js';
import { predictSide } from './side-model.js';

/** The composition's fitted constants (times in ns). */
export interface Composition {
  dispatchNs: Record<string, number>;
  syncNs: Record<string, number>;
  /** Multiplicative CPU slowdown when both sides run; 1 when fitting it did not help. */
  cpuContention: number;
  offsetNs: Record<string, number>;
}

/** Both side models and the composition: everything needed to predict any strategy. */
export interface Predictor {
  family: string;
  cpu: ModelFile;
  gpu: ModelFile;
  composition: Composition;
  device: DeviceInfo;
}

export interface StrategyPrediction {
  cpuNs: number;
  /** dispatch + kernel. */
  gpuNs: number;
  composedNs: number;
}

/** Offset key of CPU-only strategies (no mechanism is involved; what remains is the layer call's own cost). */
const CPU_ONLY = 'cpu-only';

function lookup(table: Record<string, number>, key: string): number {
  return table[key] ?? table['*'] ?? 0;
}

/**
 * Side and composed predictions of one strategy. `cache` (one per layer) lets strategies that share a
 * side (the same slice under four sync mechanisms) evaluate the side model once.
 */
export function predictStrategy(p: Predictor, layer: Layer, s: Strategy, cache?: Map<string, number>): StrategyPrediction {
  const { cpu, gpu, rowsCpu, rowsGpu } = sidesOf(layer, s);
  const cached = (key: string, f: () => number): number => {
    if (!cache) return f();
    let v = cache.get(key);
    if (v === undefined) { v = f(); cache.set(key, v); }
    return v;
  };
  const cpuNs = cpu
    ? cached(`c/${rowsCpu}/${s.cpuThreads}/${s.cpuImpl}`, () => predictSide(p.cpu, cpuFeatures(layer, rowsCpu, s.cpuThreads, s.cpuImpl)))
    : 0;
  const gpuNs = gpu
    ? lookup(p.composition.dispatchNs, s.sync) + cached(`g/${rowsGpu}/${s.gpuVariant}/${s.gpuWorkGroup}`,
      () => predictSide(p.gpu, gpuFeatures(layer, rowsGpu, s.gpuVariant, s.gpuWorkGroup, p.device)))
    : 0;
  return { cpuNs, gpuNs, composedNs: compose(p.composition, s.sync, cpuNs, gpuNs, cpu, gpu) };
}

function compose(c: Composition, sync: string, cpuNs: number, gpuNs: number, cpu: boolean, gpu: boolean): number {
  if (!gpu) return cpuNs + (c.offsetNs[CPU_ONLY] ?? 0);
  const overlap = cpu ? Math.max(c.cpuContention * cpuNs, gpuNs) : gpuNs;
  return overlap + lookup(c.syncNs, sync) + (c.offsetNs[sync] ?? 0);
}

/**
 * Fits dispatch, sync, contention and offsets. `grid` are VALID grid jobs of training shapes, whose side
 * predictions come from `sides` (models that did not see their shapes either).
 */
export function fitComposition(
  training: readonly LayerJob[], roundTrips: Parameters<typeof syncByMechanism>[0], sides: Omit<Predictor, 'composition'>,
): Composition {
  const base: Composition = {
    dispatchNs: dispatchByMechanism(training), syncNs: syncByMechanism(roundTrips), cpuContention: 1, offsetNs: {},
  };
  const grid = training.filter((j) => inPhase(j, 'grid'));
  if (grid.length === 0) return base;
  const caches = new Map<string, Map<string, number>>(); // side predictions shared by a layer's strategies
  const cacheOf = (id: string): Map<string, number> => caches.get(id) ?? caches.set(id, new Map()).get(id)!;
  const preds = grid.map((j) => predictStrategy({ ...sides, composition: base }, j.layer, j.strategy, cacheOf(layerId(j.layer))));
  const both = (i: number): boolean => preds[i]!.cpuNs > 0 && preds[i]!.gpuNs > 0;
  const composeAt = (c: Composition, i: number): number =>
    compose(c, grid[i]!.strategy.sync, preds[i]!.cpuNs, preds[i]!.gpuNs, preds[i]!.cpuNs > 0, preds[i]!.gpuNs > 0);
  const errorWith = (c: Composition, only?: (i: number) => boolean): number =>
    predictionErrors(grid.flatMap((j, i) => (only && !only(i) ? [] : [{ predicted: composeAt(c, i), measured: j.stats!.medianNs }]))).mape;
  // Contention: a one-parameter search over a plausible range (a CPU never gets faster by sharing memory),
  // judged on the co-executed jobs, the only ones it touches.
  let best = { ...base };
  let bestErr = errorWith(base, both);
  for (let a = 1.02; a <= 2.0001; a += 0.02) {
    const c = { ...base, cpuContention: Number(a.toFixed(2)) };
    const e = errorWith(c, both);
    if (e < bestErr - 1e-9) { best = c; bestErr = e; }
  }
  // Offsets: the median residual per mechanism (and for CPU-only); robust to the few strategies the side models get badly wrong.
  const residuals = new Map<string, number[]>();
  grid.forEach((j, i) => {
    const key = preds[i]!.gpuNs > 0 ? j.strategy.sync : CPU_ONLY;
    residuals.set(key, [...(residuals.get(key) ?? []), j.stats!.medianNs - composeAt(best, i)]);
  });
  const withOffsets = { ...best, offsetNs: Object.fromEntries([...residuals].map(([k, v]) => [k, median(v)])) };
  return errorWith(withOffsets) < errorWith(best) - 1e-9 ? withOffsets : best;
}
