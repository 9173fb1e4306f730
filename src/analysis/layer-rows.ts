/**
 * layers.json and split-curves.json. The choices (oracle, selected, best CPU-only, best GPU-only, GPU-only
 * with finish) are made on the grid and re-measured together in the confirmation pass. The pass then has
 * the last word: the oracle is the fastest strategy it measured, the best single sides the fastest CPU-only
 * and GPU-only ones (a lucky grid minimum that the pass measures slower than the selected strategy would
 * otherwise give q > 1). Latencies come from the pass when it has a VALID job for the strategy, else from
 * the grid (and the row says so). Speedups use VALID jobs only.
 */
import { isValidLayerJob } from '../predict/dataset.js';
import type { LayerChoices } from '../select/confirm.js';
import { singleSide, type LayerSpace } from '../select/space.js';
import { inPhase, layerId, strategyId } from './layers.js';
import { decisionQuality, efficiency, idealSpeedup, speedup } from './metrics.js';
import type { JobStats, LatencySource, LayerRow, SplitCurveRow } from './types.js';

/** Median latency (ns) of VALID confirm-phase jobs by layer id then strategy id. */
export function confirmLatencies(jobs: readonly JobStats[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const j of jobs) {
    if (!inPhase(j, 'confirm') || !isValidLayerJob(j)) continue;
    const lid = layerId(j.layer);
    const m = out.get(lid) ?? new Map<string, number>();
    m.set(strategyId(j.layer, j.strategy), j.stats!.medianNs);
    out.set(lid, m);
  }
  return out;
}

/** A layer the table could not include, and why. */
export interface SkippedLayer {
  layerId: string;
  reason: string;
}

type Roles = LayerChoices['roles'];

/** The fastest of `candidates` that the confirmation pass measured, or `fallback` when it measured none. */
function fastestConfirmed(candidates: LayerSpace['candidates'], confirm: Map<string, number>, fallback: string | null): string | null {
  let best: { id: string; ns: number } | undefined;
  for (const c of candidates) {
    const ns = confirm.get(c.strategyId);
    if (ns !== undefined && (!best || ns < best.ns)) best = { id: c.strategyId, ns };
  }
  return best?.id ?? fallback;
}

/**
 * The roles as the confirmation pass decides them: oracle, best CPU-only, best GPU-only and GPU-only with
 * finish become the fastest confirmed strategy of their kind; `selected` is the predictor's and never moves.
 */
export function confirmedRoles(space: LayerSpace, roles: Roles, confirm: Map<string, number> | undefined): Roles {
  if (!confirm || confirm.size === 0) return roles;
  const gpuOnly = singleSide(space.candidates, 'gpu');
  return {
    ...roles,
    oracle: fastestConfirmed(space.candidates, confirm, roles.oracle),
    bestCpu: fastestConfirmed(singleSide(space.candidates, 'cpu'), confirm, roles.bestCpu),
    bestGpu: fastestConfirmed(gpuOnly, confirm, roles.bestGpu),
    gpuFinish: fastestConfirmed(gpuOnly.filter((c) => c.strategy.sync === 'finish'), confirm, roles.gpuFinish),
  };
}

/** One layers.json row, or the reason there is none. */
export function layerRow(space: LayerSpace, choices: LayerChoices, confirm: Map<string, number> | undefined): LayerRow | SkippedLayer {
  let source: LatencySource = 'confirm';
  const latencyMs = (id: string): number => {
    const c = confirm?.get(id);
    if (c !== undefined) return c / 1e6;
    source = 'grid';
    return space.measuredNs.get(id)! / 1e6;
  };
  const r = confirmedRoles(space, choices.roles, confirm);
  const missing = (Object.keys(r) as (keyof typeof r)[]).filter((k) => r[k] === null);
  if (missing.length > 0) return { layerId: space.layerId, reason: `no ${missing.join(', ')} strategy (no VALID grid job or no predictor)` };
  const ratio = (id: string): number => space.candidates.find((c) => c.strategyId === id)!.strategy.splitRatio;
  const oracle = { strategyId: r.oracle!, splitRatio: ratio(r.oracle!), latencyMs: latencyMs(r.oracle!) };
  const selected = { strategyId: r.selected!, splitRatio: ratio(r.selected!), latencyMs: latencyMs(r.selected!) };
  const cpuMs = latencyMs(r.bestCpu!);
  const gpuMs = latencyMs(r.bestGpu!);
  const bestSingle = cpuMs <= gpuMs
    ? { strategyId: r.bestCpu!, side: 'cpu' as const, latencyMs: cpuMs }
    : { strategyId: r.bestGpu!, side: 'gpu' as const, latencyMs: gpuMs };
  const gpuFinish = { strategyId: r.gpuFinish!, latencyMs: latencyMs(r.gpuFinish!) };
  const speedupOracle = speedup(bestSingle.latencyMs, oracle.latencyMs);
  const ideal = idealSpeedup(cpuMs, gpuMs);
  return {
    experiment: space.experiment, layerId: space.layerId, layer: space.layer,
    bestSingle, gpuFinish, oracle, selected,
    speedupOracle,
    speedupSelected: speedup(bestSingle.latencyMs, selected.latencyMs),
    speedupOracleVsGpuFinish: speedup(gpuFinish.latencyMs, oracle.latencyMs),
    speedupSelectedVsGpuFinish: speedup(gpuFinish.latencyMs, selected.latencyMs),
    decisionQuality: decisionQuality(oracle.latencyMs, selected.latencyMs),
    idealSpeedup: ideal,
    efficiency: efficiency(speedupOracle, ideal),
    latencySource: source,
  };
}

/** Best VALID grid latency per split ratio of one layer, flagged with the oracle and the selected ratio. */
export function splitCurve(space: LayerSpace, choices: LayerChoices): SplitCurveRow[] {
  const best = new Map<number, { id: string; ns: number }>();
  for (const c of space.candidates) {
    const ns = space.measuredNs.get(c.strategyId);
    if (ns === undefined) continue;
    const prev = best.get(c.strategy.splitRatio);
    if (!prev || ns < prev.ns) best.set(c.strategy.splitRatio, { id: c.strategyId, ns });
  }
  const selRatio = space.candidates.find((c) => c.strategyId === choices.roles.selected)?.strategy.splitRatio;
  return [...best].sort((a, b) => a[0] - b[0]).map(([ratio, b]) => ({
    layerId: space.layerId, splitRatio: ratio, latencyMs: b.ns / 1e6, strategyId: b.id,
    isOracle: b.id === choices.roles.oracle, isSelected: selRatio === ratio,
  }));
}
