/**
 * Test-retest agreement of two runs of one experiment on one platform: every job that both runs measured
 * VALID, with run A's median taken as the "prediction" of run B's. The result is scored exactly as the
 * predictors are (predictionErrors: MAPE, RMSPE, share within +-10%), so it reads as the error a perfect
 * predictor trained on run A would make on run B: a floor under any predictor's accuracy on that machine.
 * Jobs are matched by job id (the readable strategy id: same layer, same strategy); confirmation replicates
 * are pooled into one row per id already (run/jobs.ts), so a confirmed job is matched once.
 */
import { gridSpaces } from '../select/space.js';
import { confirmLatencies } from './layer-rows.js';
import { decisionQuality, geomean, median, predictionErrors, type ErrorSummary } from './metrics.js';
import type { JobStats } from './types.js';

/** What a job measures, for the groups of the comparison (the predictors' sides and the composed layer). */
export type RepeatGroup = 'cpu-slice' | 'gpu-slice' | 'coexec' | 'roundtrip';

/** One group's agreement; `all` pools every matched job. */
export interface RepeatabilityRow extends ErrorSummary {
  group: RepeatGroup | 'all';
  /** Median of the absolute percentage differences (percent): robust to the few jobs that stalled once. */
  medianApePct: number;
  /**
   * Median of run B's median over run A's (files written since 2026-12-06): near 1 where the runs differ by
   * noise alone; away from 1, with medianApePct near |medianRatio - 1|, every job moved together, i.e. the
   * machine ran faster or slower as a whole (pocl-split linear 2201Z's same-call retest: 1.30, every group).
   */
  medianRatio?: number;
}

/** The group of a job: its plan role where the run recorded one, else CPU-only / GPU-only / split by ratio. */
export function repeatGroup(j: JobStats): RepeatGroup {
  if (j.kind === 'roundtrip') return 'roundtrip';
  if (j.role === 'cpu-slice' || j.role === 'gpu-slice' || j.role === 'coexec') return j.role;
  const r = j.strategy.splitRatio;
  return r === 1 ? 'cpu-slice' : r === 0 ? 'gpu-slice' : 'coexec';
}

function row(group: RepeatabilityRow['group'], pairs: { predicted: number; measured: number }[]): RepeatabilityRow {
  const apes = pairs.map((p) => (100 * Math.abs(p.predicted - p.measured)) / p.measured);
  return { group, ...predictionErrors(pairs), medianApePct: median(apes), medianRatio: median(pairs.map((p) => p.measured / p.predicted)) };
}

/**
 * Agreement of run A with run B per group, then `all`; groups with no matched job are left out.
 * Only VALID jobs with a median count; `only` narrows the jobs (e.g. to held-out layer shapes).
 */
export function compareRuns(a: readonly JobStats[], b: readonly JobStats[], only: (j: JobStats) => boolean = () => true): RepeatabilityRow[] {
  const usable = (j: JobStats): boolean => j.verdict === 'VALID' && j.stats !== undefined && j.stats.medianNs > 0 && only(j);
  const medianA = new Map(a.filter(usable).map((j) => [j.jobId, j.stats!.medianNs]));
  const byGroup = new Map<RepeatGroup, { predicted: number; measured: number }[]>();
  for (const j of b) {
    const predicted = medianA.get(j.jobId);
    if (predicted === undefined || !usable(j)) continue;
    const g = repeatGroup(j);
    const pairs = byGroup.get(g) ?? byGroup.set(g, []).get(g)!;
    pairs.push({ predicted, measured: j.stats!.medianNs });
  }
  const order: RepeatGroup[] = ['cpu-slice', 'gpu-slice', 'coexec', 'roundtrip'];
  const rows = order.filter((g) => byGroup.has(g)).map((g) => row(g, byGroup.get(g)!));
  const all = [...byGroup.values()].flat();
  return all.length > 0 ? [...rows, row('all', all)] : [];
}

/** One layer's retest decision quality (retestDecisionQuality). */
export interface RetestLayerQ {
  layerId: string;
  /** Strategies both runs' grids measured VALID for the layer: the choice is made among these. */
  candidates: number;
  /** Run A's fastest grid strategy (its grid-search choice). */
  choiceInA: string;
  /** Run B's fastest grid strategy. */
  bestInB: string;
  /** B's grid latency of its fastest over B's grid latency of A's choice (1 when both runs agree). */
  q: number;
  /**
   * The same in derive's measure, where run B's confirmation pass re-measured A's choice: the fastest strategy
   * that pass measured for the layer over its latency of A's choice. Absent when the pass did not measure it.
   */
  qConfirmed?: number;
}

/** Retest decision quality of a pair of runs: per layer, then geomean and worst over layers. */
export interface RetestDecisionQuality {
  layers: RetestLayerQ[];
  geomean: number;
  worst: number;
  /** Over the layers with qConfirmed (absent: none): a partial floor in the measure derive's q takes. */
  confirmed?: { layers: number; geomean: number; worst: number };
}

/**
 * The floor under grid-sourced decision quality that the machine's noise sets: run A's grid-search choice
 * (its fastest grid strategy per layer) scored in run B as a selection is (B's grid minimum over B's grid
 * latency of that choice). It is the q of a perfect predictor trained on run A, as compareRuns' MAPE is its
 * error, and it compares with a selection's grid q in run B (scripts/q-over-runs.mjs `grid q`), which takes
 * the same latencies; derive's q re-measures its roles in the confirmation pass and is not the same measure.
 * Only strategies both grids measured VALID count, so a retest that measured part of the grid (the same-call
 * retest, bounded) chooses among fewer; a layer with fewer than two such strategies has no row. Where run B's
 * confirmation pass also re-measured A's choice, the row adds the q in that pass's latencies (qConfirmed).
 */
export function retestDecisionQuality(a: readonly JobStats[], b: readonly JobStats[]): RetestDecisionQuality | undefined {
  const gridA = gridSpaces(a), gridB = gridSpaces(b), confirmB = confirmLatencies(b);
  const layers: RetestLayerQ[] = [];
  for (const [lid, spaceB] of [...gridB].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const inA = gridA.get(lid)?.measuredNs, inB = spaceB.measuredNs;
    if (!inA) continue;
    const common = [...inB.keys()].filter((id) => inA.has(id)).sort();
    if (common.length < 2) continue;
    const fastest = (m: Map<string, number>): string => common.reduce((x, id) => (m.get(id)! < m.get(x)! ? id : x));
    const choiceInA = fastest(inA), bestInB = fastest(inB);
    const pass = confirmB.get(lid), confirmedNs = pass?.get(choiceInA);
    layers.push({
      layerId: lid, candidates: common.length, choiceInA, bestInB, q: decisionQuality(inB.get(bestInB)!, inB.get(choiceInA)!),
      ...(pass && confirmedNs !== undefined ? { qConfirmed: decisionQuality(Math.min(...pass.values()), confirmedNs) } : {}),
    });
  }
  if (layers.length === 0) return undefined;
  const qs = layers.map((l) => l.q);
  const confirmed = layers.map((l) => l.qConfirmed).filter((q): q is number => q !== undefined);
  return {
    layers, geomean: geomean(qs), worst: Math.min(...qs),
    ...(confirmed.length > 0 ? { confirmed: { layers: confirmed.length, geomean: geomean(confirmed), worst: Math.min(...confirmed) } } : {}),
  };
}
