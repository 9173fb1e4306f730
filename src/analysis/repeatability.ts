/**
 * Test-retest agreement of two runs of one experiment on one platform: every job that both runs measured
 * VALID, with run A's median taken as the "prediction" of run B's. The result is scored exactly as the
 * predictors are (predictionErrors: MAPE, RMSPE, share within +-10%), so it reads as the error a perfect
 * predictor trained on run A would make on run B: a floor under any predictor's accuracy on that machine.
 * Jobs are matched by job id (the readable strategy id: same layer, same strategy); confirmation replicates
 * are pooled into one row per id already (run/jobs.ts), so a confirmed job is matched once.
 */
import { median, predictionErrors, type ErrorSummary } from './metrics.js';
import type { JobStats } from './types.js';

/** What a job measures, for the groups of the comparison (the predictors' sides and the composed layer). */
export type RepeatGroup = 'cpu-slice' | 'gpu-slice' | 'coexec' | 'roundtrip';

/** One group's agreement; `all` pools every matched job. */
export interface RepeatabilityRow extends ErrorSummary {
  group: RepeatGroup | 'all';
  /** Median of the absolute percentage differences (percent): robust to the few jobs that stalled once. */
  medianApePct: number;
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
  return { group, ...predictionErrors(pairs), medianApePct: median(apes) };
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
