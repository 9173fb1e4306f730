/**
 * layers.json and split-curves.json. The choices (oracle, selected, best CPU-only, best GPU-only, GPU-only
 * with finish, and the grid's runners-up) are made on the grid and re-measured together in the confirmation
 * pass. The pass then has the last word: the oracle is the fastest strategy it measured, the best single
 * sides the fastest CPU-only and GPU-only ones (a lucky grid minimum that the pass measures slower than the
 * selected strategy would otherwise give q > 1). A row takes every latency from one source: the pass when it
 * has a VALID latency for every role, else the grid with the grid's own choices (the row says so). Mixing
 * them (a re-measured oracle over a grid-only selected latency) gave q = 1.63 on a real run. Speedups use
 * VALID jobs only.
 */
import { isValidLayerJob } from '../predict/dataset.js';
import { ROW_ROLES, type LayerChoices, type RowRole } from '../select/confirm.js';
import { singleSide, type LayerSpace } from '../select/space.js';
import { affineBound, type SharePoint } from './affine-bound.js';
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
/**
 * Roles a row can do without: GPU-only with finish only gives the secondary speedup (the framework user's
 * baseline), so a layer without a VALID one keeps its row without that speedup. Required, one finish job
 * stolen by the hypervisor dropped the whole layer.
 */
const OPTIONAL_ROLES: ReadonlySet<RowRole> = new Set<RowRole>(['gpuFinish']);
/** Roles once every required one has a strategy (layerRow skips the layer otherwise). */
type FilledRoles = Omit<Record<RowRole, string>, 'gpuFinish'> & { gpuFinish: string | null };

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
 * finish become the fastest confirmed strategy of their kind (so a re-measured grid runner-up can become the
 * oracle); `selected` is the predictor's and never moves. A kind the pass measured none of keeps its grid role.
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

/** Each row role's strategy id and latency (ns), all from one source; an optional role may have none. */
interface SourcedRoles {
  source: LatencySource;
  ids: FilledRoles;
  ns: Partial<Record<RowRole, number>>;
}

/**
 * The roles with a latency in `latencyNs`, or the roles (with their ids) that have none: every role when
 * `complete`, else the required ones (an optional role without a latency is then left out).
 */
function sourced(
  source: LatencySource, roles: FilledRoles, latencyNs: (id: string) => number | undefined, complete: boolean,
): SourcedRoles | { gaps: [RowRole, string][] } {
  const ns: Partial<Record<RowRole, number>> = {};
  const gaps: [RowRole, string][] = [];
  for (const role of ROW_ROLES) {
    const id = roles[role];
    const v = id === null ? undefined : latencyNs(id);
    if (v !== undefined && Number.isFinite(v)) ns[role] = v;
    else if (complete || !OPTIONAL_ROLES.has(role)) gaps.push([role, id ?? '(none)']);
  }
  return gaps.length > 0 ? { gaps } : { source, ids: roles, ns };
}

/**
 * The row's latencies: from the confirmation pass when it has a VALID latency for every role as the pass
 * decides them, else from the grid for every role with the grid's choices (its oracle is the grid minimum, so
 * q <= 1 there too); failing both, the same again for the required roles only (the row then lacks GPU-only
 * finish); else the reason neither source has them.
 */
function rowLatencies(space: LayerSpace, roles: FilledRoles, confirm: Map<string, number> | undefined): SourcedRoles | string {
  // confirmedRoles falls back to the (filled) grid role for a kind the pass measured none of.
  const confirmed = confirmedRoles(space, roles, confirm) as FilledRoles;
  let fromConfirm: { gaps: [RowRole, string][] } | undefined;
  let fromGrid: { gaps: [RowRole, string][] } | undefined;
  for (const complete of [true, false]) {
    const pass = confirm && confirm.size > 0 ? sourced('confirm', confirmed, (id) => confirm.get(id), complete) : undefined;
    if (pass && 'source' in pass) return pass;
    const grid = sourced('grid', roles, (id) => space.measuredNs.get(id), complete);
    if ('source' in grid) return grid;
    fromConfirm = pass;
    fromGrid = grid;
  }
  // A role with a confirmed latency but no grid one still cannot be used: the rest of the row would be grid.
  const confirmGaps = fromConfirm ? fromConfirm.gaps.map(([role, id]) => `${role} strategy ${id}`).join(', ') : '';
  return fromGrid!.gaps.map(([role, id]) => (confirm?.has(id)
    ? `${role} strategy ${id} has no VALID grid measurement, and the confirmation pass has no VALID latency for ${confirmGaps}`
    : `${role} strategy ${id} has no VALID measurement in the confirmation pass or the grid`)).join('; ');
}

/**
 * One layers.json row, or the reason there is none. `sidePoints` are the layer's measured side times
 * (affine-bound.ts sidePointsByLayer) for the bound with a fixed cost per side; without them the row has
 * the linear bound only.
 */
export function layerRow(
  space: LayerSpace, choices: LayerChoices, confirm: Map<string, number> | undefined,
  sidePoints?: { cpu: SharePoint[]; gpu: SharePoint[] },
): LayerRow | SkippedLayer {
  const missing = ROW_ROLES.filter((k) => choices.roles[k] === null && !OPTIONAL_ROLES.has(k));
  if (missing.length > 0) return { layerId: space.layerId, reason: `no ${missing.join(', ')} strategy (no VALID grid job or no predictor)` };
  const lat = rowLatencies(space, choices.roles as FilledRoles, confirm);
  if (typeof lat === 'string') return { layerId: space.layerId, reason: lat };
  const r = lat.ids;
  const ms = (role: RowRole): number => lat.ns[role]! / 1e6;
  const ratio = (id: string): number => space.candidates.find((c) => c.strategyId === id)!.strategy.splitRatio;
  const oracle = { strategyId: r.oracle, splitRatio: ratio(r.oracle), latencyMs: ms('oracle') };
  const selected = { strategyId: r.selected, splitRatio: ratio(r.selected), latencyMs: ms('selected') };
  const cpuMs = ms('bestCpu');
  const gpuMs = ms('bestGpu');
  const bestSingle = cpuMs <= gpuMs
    ? { strategyId: r.bestCpu, side: 'cpu' as const, latencyMs: cpuMs }
    : { strategyId: r.bestGpu, side: 'gpu' as const, latencyMs: gpuMs };
  const gpuFinish = r.gpuFinish !== null && lat.ns.gpuFinish !== undefined ? { strategyId: r.gpuFinish, latencyMs: ms('gpuFinish') } : undefined;
  const speedupOracle = speedup(bestSingle.latencyMs, oracle.latencyMs);
  const ideal = idealSpeedup(cpuMs, gpuMs);
  const bound = affineBound(sidePoints, cpuMs, gpuMs);
  const idealAffine = bound ? speedup(bestSingle.latencyMs, bound.latencyMs) : undefined;
  return {
    experiment: space.experiment, layerId: space.layerId, layer: space.layer,
    bestSingle, ...(gpuFinish ? { gpuFinish } : {}), oracle, selected,
    speedupOracle,
    speedupSelected: speedup(bestSingle.latencyMs, selected.latencyMs),
    ...(gpuFinish ? {
      speedupOracleVsGpuFinish: speedup(gpuFinish.latencyMs, oracle.latencyMs),
      speedupSelectedVsGpuFinish: speedup(gpuFinish.latencyMs, selected.latencyMs),
    } : {}),
    decisionQuality: decisionQuality(oracle.latencyMs, selected.latencyMs),
    idealSpeedupLinear: ideal,
    efficiencyLinear: efficiency(speedupOracle, ideal),
    ...(bound && idealAffine !== undefined
      ? { idealSpeedupAffine: idealAffine, efficiencyAffine: efficiency(speedupOracle, idealAffine), affineBound: bound }
      : {}),
    latencySource: lat.source,
    ...gridQ(space, r.selected),
    ...top3Pick(space, choices, lat.source, confirm, oracle.latencyMs),
  };
}

/**
 * The selected strategy's q on the grid's own single measurements (the grid's minimum over its grid latency), the
 * measure a test-retest floor is taken in (analysis/repeatability.ts retestDecisionQuality); absent when the
 * grid has no VALID latency for it.
 */
function gridQ(space: LayerSpace, selected: string): Pick<LayerRow, 'gridDecisionQuality'> {
  const ns = space.measuredNs.get(selected);
  return ns === undefined ? {} : { gridDecisionQuality: decisionQuality(Math.min(...space.measuredNs.values()), ns) };
}

/**
 * Predictor-guided selection with three measurements: of the predictor's choice and its two runners-up, the
 * one its grid job measured fastest, as a selector that measures its top 3 once each would pick. The grid's
 * measurement picks and the row's source scores it: for a confirm row that is a second, independent
 * measurement, as for the oracle, which the grid also picks and the pass scores. A row from the grid scores it
 * with the same measurement that picked it, like the grid's oracle there. Absent when the source has no VALID
 * latency for it.
 */
function top3Pick(
  space: LayerSpace, choices: LayerChoices, source: LatencySource, confirm: Map<string, number> | undefined, oracleMs: number,
): Pick<LayerRow, 'selectedTop3' | 'decisionQualityTop3'> {
  const top = [choices.roles.selected, ...choices.predictedRunnersUp].filter((id): id is string => id !== null);
  let pick: { id: string; ns: number } | undefined;
  for (const id of top) {
    const ns = space.measuredNs.get(id);
    if (ns !== undefined && (!pick || ns < pick.ns)) pick = { id, ns };
  }
  if (!pick) return {};
  const ns = source === 'confirm' ? confirm?.get(pick.id) : pick.ns;
  if (ns === undefined) return {};
  const latencyMs = ns / 1e6;
  const splitRatio = space.candidates.find((c) => c.strategyId === pick!.id)!.strategy.splitRatio;
  // The pass's oracle is the fastest strategy it measured, so this q is at most 1 like the predictor's.
  return { selectedTop3: { strategyId: pick.id, splitRatio, latencyMs }, decisionQualityTop3: decisionQuality(oracleMs, latencyMs) };
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
