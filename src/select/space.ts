/**
 * One layer's search space as the grid phase measured it, and the runners the strategies read: measured
 * latencies (VALID grid jobs only) or composed predictions. The space is every distinct strategy id the grid
 * phase has for the layer, VALID or not: the predictor does not know which will fail, the grid does.
 */
import { inPhase, layerId, sidesOf, strategyId } from '../analysis/layers.js';
import type { JobStats, Layer } from '../analysis/types.js';
import { predictStrategy, type Predictor } from '../predict/compose.js';
import { isValidLayerJob } from '../predict/dataset.js';
import type { Candidate, Runner } from './types.js';

export interface LayerSpace {
  layerId: string;
  layer: Layer;
  experiment: string;
  /** Sorted by strategy id so every selection sees the same order. */
  candidates: Candidate[];
  /** Median latency (ns) of VALID grid jobs by strategy id (the fastest when a strategy was measured twice). */
  measuredNs: Map<string, number>;
  /** Sum of the grid jobs' engine wall time (ns): what the exhaustive search cost. */
  gridWallNs: number;
}

/** Search spaces of every layer with grid-phase jobs, keyed by layer id. */
export function gridSpaces(jobs: readonly JobStats[]): Map<string, LayerSpace> {
  const spaces = new Map<string, LayerSpace>();
  for (const j of jobs) {
    if (!inPhase(j, 'grid') || j.kind !== 'layer' || !j.layer) continue;
    const id = layerId(j.layer);
    let s = spaces.get(id);
    if (!s) {
      s = { layerId: id, layer: j.layer, experiment: j.experiment, candidates: [], measuredNs: new Map(), gridWallNs: 0 };
      spaces.set(id, s);
    }
    const sid = strategyId(j.layer, j.strategy);
    s.gridWallNs += j.wallNs ?? 0;
    // Only strategies the engine ran with a correct result are candidates: one the device refused (an
    // unsupported sync mechanism, a failed build) or one whose output was wrong must never be selected,
    // however fast a predictor thinks it would be.
    if (j.status !== 'ok') continue;
    if (!s.candidates.some((c) => c.strategyId === sid)) s.candidates.push({ strategyId: sid, layer: j.layer, strategy: j.strategy });
    if (isValidLayerJob(j)) {
      const prev = s.measuredNs.get(sid);
      s.measuredNs.set(sid, prev === undefined ? j.stats!.medianNs : Math.min(prev, j.stats!.medianNs));
    }
  }
  for (const s of spaces.values()) s.candidates.sort((a, b) => (a.strategyId < b.strategyId ? -1 : a.strategyId > b.strategyId ? 1 : 0));
  return spaces;
}

/** A runner over the grid's measurements. */
export function measuredRunner(space: LayerSpace): Runner {
  return { measuredNs: (c) => space.measuredNs.get(c.strategyId) };
}

/** A runner over a predictor's composed predictions; create one per selection (it caches side predictions). */
export function predictedRunner(p: Predictor): Runner {
  const cache = new Map<string, number>();
  return { predictedNs: (c) => predictStrategy(p, c.layer, c.strategy, cache).composedNs };
}

/**
 * The candidates predictor-guided selection chooses among: every strategy but the CPU-only ones of an
 * implementation the layer's grid never co-executes. Those are baselines measured alone (baselineCpuImpls)
 * so that the best single side, and the oracle, cover them; they are the reference, not a choice of the
 * method, and the profile slices them too thinly to rank them (gpu-host linear 2026-12-04T2050Z selected
 * openblas CPU-only on three M = 1 layers on predictions within 1% of simd's, q 0.75-0.92). A space that
 * co-executes nothing keeps every candidate.
 */
export function selectableCandidates(space: readonly Candidate[]): Candidate[] {
  const coexecuted = new Set(space.filter((c) => { const s = sidesOf(c.layer, c.strategy); return s.cpu && s.gpu; }).map((c) => c.strategy.cpuImpl));
  if (coexecuted.size === 0) return [...space];
  return space.filter((c) => sidesOf(c.layer, c.strategy).gpu || coexecuted.has(c.strategy.cpuImpl));
}

/** Candidates that run on one side only. */
export function singleSide(space: readonly Candidate[], side: 'cpu' | 'gpu'): Candidate[] {
  return space.filter((c) => {
    const s = sidesOf(c.layer, c.strategy);
    return side === 'cpu' ? !s.gpu : !s.cpu;
  });
}
