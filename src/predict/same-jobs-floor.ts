/**
 * The predictors' held-out error beside the test-retest floor ON THE SAME JOBS (issue 14: "beside the test-retest
 * floor measured in the same session on the same jobs"). scripts/repeatability.mjs groups jobs by their plan role,
 * so its GPU floor covers the profile's GPU slices, while the GPU predictor is also scored on the grid's GPU-only
 * jobs under every mechanism and stream count. Those differ in noise: on gpu-host conv 2026-12-06T2204Z a GPU-only
 * job under finish moved 4.0% between its two same-call measurements, one under finish with 4 streams 12.7%, and
 * the predictor's MAPE over its own jobs (7.9%) stood beside a floor of 4.3% taken on other jobs. Here both
 * numbers come from one set of jobs: every held-out prediction whose job the same-call retest measured again,
 * scored against the run's measurement, beside the retest's measurement of that job scored against the same one.
 */
import { isValidLayerJob } from './dataset.js';
import { sideMeasuredNs } from './evaluate.js';
import { inPhase, strategyId } from '../analysis/layers.js';
import type { JobStats, PredictionRow, Side } from '../analysis/types.js';

/** One side and family: its held-out error and the retest's, over the same jobs. */
export interface SameJobsFloorRow {
  side: Side;
  model: string;
  /** Held-out predictions whose job both measurements have. */
  n: number;
  /** The family's MAPE over those predictions, percent. */
  predictorMapePct: number;
  /** The retest's measurement of each of those jobs as a prediction of the run's: MAPE, percent. */
  floorMapePct: number;
}

/**
 * A side's measurement of every job the side scores, by strategy id: VALID layer jobs outside the confirmation
 * pass (which re-measures a few strategies under the same ids and trains nothing). An id measured twice outside it
 * is ambiguous and left out.
 */
function measuredBySide(jobs: readonly JobStats[], side: Side): Map<string, number> {
  const out = new Map<string, number>();
  const seen = new Set<string>();
  for (const j of jobs) {
    if (!isValidLayerJob(j) || inPhase(j, 'confirm')) continue;
    const ns = sideMeasuredNs(j, side);
    if (ns === undefined || !(ns > 0)) continue;
    const id = strategyId(j.layer, j.strategy);
    if (seen.has(id)) out.delete(id);
    else out.set(id, ns);
    seen.add(id);
  }
  return out;
}

/**
 * Per side and family, the held-out predictions of `predictions` (derived/predictions.json) whose job `retest`
 * measured again, with the family's MAPE and the retest's over them. Predictions whose measured value is not the
 * run's measurement of that job (another run's predictions) are left out, so the two numbers share their targets.
 */
export function sameJobsFloor(predictions: readonly PredictionRow[], run: readonly JobStats[], retest: readonly JobStats[]): SameJobsFloorRow[] {
  const rows: SameJobsFloorRow[] = [];
  for (const side of ['cpu', 'gpu', 'composed'] as const) {
    const inRun = measuredBySide(run, side), inRetest = measuredBySide(retest, side);
    const byModel = new Map<string, { predictor: number; floor: number; n: number }>();
    for (const p of predictions) {
      if (p.side !== side) continue;
      const runNs = inRun.get(p.strategyId), retestNs = inRetest.get(p.strategyId);
      if (runNs === undefined || retestNs === undefined || Math.abs(p.measuredMs * 1e6 / runNs - 1) > 1e-4) continue;
      const acc = byModel.get(p.model) ?? byModel.set(p.model, { predictor: 0, floor: 0, n: 0 }).get(p.model)!;
      acc.predictor += Math.abs(p.predictedMs * 1e6 / runNs - 1);
      acc.floor += Math.abs(retestNs / runNs - 1);
      acc.n++;
    }
    for (const [model, a] of [...byModel].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
      rows.push({ side, model, n: a.n, predictorMapePct: (100 * a.predictor) / a.n, floorMapePct: (100 * a.floor) / a.n });
    }
  }
  return rows;
}

/** Per side, the family with the lowest MAPE over the shared jobs (the one the 1.5x target is read on). */
export function bestPerSide(rows: readonly SameJobsFloorRow[]): SameJobsFloorRow[] {
  const best = new Map<Side, SameJobsFloorRow>();
  for (const r of rows) {
    const b = best.get(r.side);
    if (!b || r.predictorMapePct < b.predictorMapePct) best.set(r.side, r);
  }
  return [...best.values()];
}
