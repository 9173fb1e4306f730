/**
 * Where a predictor's held-out error comes from: its prediction rows grouped by a key (the layer, the
 * workload fold, the side's setting), each group with its MAPE, its mean signed error (a group whose errors
 * all share a sign is a regime the features miss, not noise) and its share of the side's total absolute
 * error. Used by scripts/predictor-breakdown.mjs on a run's held-out predictions.
 */
import type { PredictionRow } from '../analysis/types.js';

/** How rows are grouped: by layer shape, or by the strategy's settings of the side (threads and implementation; variant and sync). */
export type BreakdownKey = 'layer' | 'setting';

export interface BreakdownRow {
  group: string;
  n: number;
  mape: number;
  /** Mean of (predicted - measured) / measured, percent: negative when the group is predicted too fast. */
  meanSignedPct: number;
  /** This group's share of the summed absolute percentage error of all rows (0..1). */
  shareOfError: number;
}

/** The strategy's settings of a side from its id ("t:8/cpu:simd" for the CPU, "gpu:gemv_row-wg64 sync:finish" for the GPU). */
export function settingOf(row: Pick<PredictionRow, 'side' | 'strategyId'>): string {
  const parts = row.strategyId.split('/');
  const keep = row.side === 'cpu' ? ['t:', 'cpu:'] : row.side === 'gpu' ? ['gpu:', 'sync:'] : ['r:', 'sync:'];
  return parts.filter((p) => keep.some((k) => p.startsWith(k))).join(' ');
}

/** Groups `rows` by `key` and scores each group; largest share of the error first. */
export function errorBreakdown(rows: readonly PredictionRow[], key: BreakdownKey): BreakdownRow[] {
  const ape = (r: PredictionRow): number => (100 * Math.abs(r.predictedMs - r.measuredMs)) / r.measuredMs;
  const usable = rows.filter((r) => r.measuredMs > 0 && Number.isFinite(r.predictedMs));
  const total = usable.reduce((s, r) => s + ape(r), 0);
  const groups = new Map<string, PredictionRow[]>();
  for (const r of usable) {
    const g = key === 'layer' ? r.layerId : settingOf(r);
    groups.set(g, [...(groups.get(g) ?? []), r]);
  }
  return [...groups].map(([group, g]) => {
    const sum = g.reduce((s, r) => s + ape(r), 0);
    return {
      group, n: g.length, mape: sum / g.length,
      meanSignedPct: g.reduce((s, r) => s + (100 * (r.predictedMs - r.measuredMs)) / r.measuredMs, 0) / g.length,
      shareOfError: total > 0 ? sum / total : 0,
    };
  }).sort((a, b) => b.shareOfError - a.shareOfError || a.group.localeCompare(b.group));
}
