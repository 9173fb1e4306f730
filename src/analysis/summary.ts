/**
 * summary.json: per layer kind (linear, conv) the geometric-mean and maximum speedups (oracle and selected,
 * over the best single device and over GPU-only with finish), mean/geometric-mean/worst decision quality and
 * co-execution efficiency against both ideal bounds (linear and with a fixed cost per side, affine-bound.ts),
 * and the worst oracle speedup among layers the linear bound gives room (>= ROOM_IDEAL); per platform the predictor accuracy, selection time and the sync summary.
 */
import { geomean, mean } from './metrics.js';
import type { AccuracyRow, LayerRow, Side } from './types.js';

export interface KindSummary {
  layers: number;
  geomeanSpeedupOracle: number;
  maxSpeedupOracle: number;
  geomeanSpeedupSelected: number;
  maxSpeedupSelected: number;
  /** Over the layers with a GPU-only finish latency (layerRow); absent when none has one. */
  geomeanSpeedupOracleVsGpuFinish?: number;
  maxSpeedupOracleVsGpuFinish?: number;
  geomeanSpeedupSelectedVsGpuFinish?: number;
  maxSpeedupSelectedVsGpuFinish?: number;
  /** How many layers those four cover, where fewer than `layers`. */
  layersWithGpuFinish?: number;
  meanQ: number;
  geomeanQ: number;
  worstQ: number;
  /** Mean of efficiencyLinear / idealSpeedupLinear over the layers. */
  meanEfficiencyLinear: number;
  meanIdealSpeedupLinear: number;
  /** Mean of efficiencyAffine / idealSpeedupAffine over the layers that have the affine bound (NaN: none). */
  meanEfficiencyAffine: number;
  meanIdealSpeedupAffine: number;
  layersWithAffineBound: number;
  /** Layers whose linear ideal bound is at least ROOM_IDEAL, and the lowest oracle speedup among them (absent: none). */
  layersWithRoom: number;
  worstSpeedupOracleWithRoom?: number;
  /** Which layer that is and what bounded it, in words (a claim on the value shows it beside its verdict). */
  worstSpeedupOracleWithRoomWhy?: string;
  /** Rows whose latencies (all of them: a row never mixes sources) came from the grid because the confirmation pass lacked one. */
  layersFromGrid: number;
  /** q of the fastest of the predictor's top 3 by their grid measurements (layer-rows.ts, top3Pick), over the rows that have it. */
  layersWithTop3?: number;
  meanQTop3?: number;
  geomeanQTop3?: number;
  worstQTop3?: number;
  /** q on the grid's single measurements (rows' gridDecisionQuality) over the rows that have it: what a test-retest floor compares with. */
  layersWithGridQ?: number;
  geomeanGridQ?: number;
  worstGridQ?: number;
}

/** A linear ideal bound at least this large says co-execution has room to pay (issue 14's gpu-host target). */
export const ROOM_IDEAL = 1.3;

/** Aggregates layer rows of one kind; undefined when there are none. */
export function kindSummary(rows: readonly LayerRow[]): KindSummary | undefined {
  if (rows.length === 0) return undefined;
  const col = (f: (r: LayerRow) => number): number[] => rows.map(f);
  const q = col((r) => r.decisionQuality);
  const affine = rows.filter((r) => r.efficiencyAffine !== undefined && r.idealSpeedupAffine !== undefined);
  const room = rows.filter((r) => r.idealSpeedupLinear >= ROOM_IDEAL);
  const finish = rows.filter((r) => r.speedupOracleVsGpuFinish !== undefined && r.speedupSelectedVsGpuFinish !== undefined);
  return {
    layers: rows.length,
    geomeanSpeedupOracle: geomean(col((r) => r.speedupOracle)),
    maxSpeedupOracle: Math.max(...col((r) => r.speedupOracle)),
    geomeanSpeedupSelected: geomean(col((r) => r.speedupSelected)),
    maxSpeedupSelected: Math.max(...col((r) => r.speedupSelected)),
    ...(finish.length > 0 ? {
      geomeanSpeedupOracleVsGpuFinish: geomean(finish.map((r) => r.speedupOracleVsGpuFinish!)),
      maxSpeedupOracleVsGpuFinish: Math.max(...finish.map((r) => r.speedupOracleVsGpuFinish!)),
      geomeanSpeedupSelectedVsGpuFinish: geomean(finish.map((r) => r.speedupSelectedVsGpuFinish!)),
      maxSpeedupSelectedVsGpuFinish: Math.max(...finish.map((r) => r.speedupSelectedVsGpuFinish!)),
    } : {}),
    ...(finish.length < rows.length ? { layersWithGpuFinish: finish.length } : {}),
    meanQ: mean(q),
    geomeanQ: geomean(q),
    worstQ: Math.min(...q),
    meanEfficiencyLinear: mean(col((r) => r.efficiencyLinear)),
    meanIdealSpeedupLinear: mean(col((r) => r.idealSpeedupLinear)),
    meanEfficiencyAffine: mean(affine.map((r) => r.efficiencyAffine!)),
    meanIdealSpeedupAffine: mean(affine.map((r) => r.idealSpeedupAffine!)),
    layersWithAffineBound: affine.length,
    layersWithRoom: room.length,
    ...(room.length > 0 ? worstWithRoom(room) : {}),
    layersFromGrid: rows.filter((r) => r.latencySource === 'grid').length,
    ...top3Summary(rows),
    ...gridQSummary(rows),
  };
}

/** The grid-measured q over the rows that have it (nothing when none does). */
function gridQSummary(rows: readonly LayerRow[]): Pick<KindSummary, 'layersWithGridQ' | 'geomeanGridQ' | 'worstGridQ'> {
  const q = rows.map((r) => r.gridDecisionQuality).filter((v): v is number => v !== undefined);
  if (q.length === 0) return {};
  return { layersWithGridQ: q.length, geomeanGridQ: geomean(q), worstGridQ: Math.min(...q) };
}

/** The top-3 selection's q over the rows that have one (nothing when none does, e.g. a run without a predictor). */
function top3Summary(rows: readonly LayerRow[]): Pick<KindSummary, 'layersWithTop3' | 'meanQTop3' | 'geomeanQTop3' | 'worstQTop3'> {
  const q = rows.map((r) => r.decisionQualityTop3).filter((v): v is number => v !== undefined);
  if (q.length === 0) return {};
  return { layersWithTop3: q.length, meanQTop3: mean(q), geomeanQTop3: geomean(q), worstQTop3: Math.min(...q) };
}

/**
 * The lowest oracle speedup among the layers with room, and why, from the same row: its linear bound and, where
 * the profile measured it, its fixed-cost bound (a bound near 1 says each side's fixed cost per execution, not the
 * selection, left no room).
 */
function worstWithRoom(room: readonly LayerRow[]): Pick<KindSummary, 'worstSpeedupOracleWithRoom' | 'worstSpeedupOracleWithRoomWhy'> {
  const worst = room.reduce((a, b) => (b.speedupOracle < a.speedupOracle ? b : a));
  const fixed = worst.idealSpeedupAffine !== undefined ? ` and a fixed-cost bound of ${worst.idealSpeedupAffine.toFixed(2)}` : '';
  return {
    worstSpeedupOracleWithRoom: worst.speedupOracle,
    worstSpeedupOracleWithRoomWhy: `worst: ${worst.layerId}, oracle ${worst.speedupOracle.toFixed(2)}x against a linear bound of ` +
      `${worst.idealSpeedupLinear.toFixed(2)}${fixed} (${room.length} layer${room.length === 1 ? '' : 's'} with room)`,
  };
}

/** Per side, the family with the lowest held-out MAPE (ties: first by name). */
export function bestPerSide(accuracy: readonly AccuracyRow[]): Partial<Record<Side, { model: string; mape: number; rmspe: number; within10: number; n: number }>> {
  const out: Partial<Record<Side, { model: string; mape: number; rmspe: number; within10: number; n: number }>> = {};
  for (const side of ['cpu', 'gpu', 'composed'] as const) {
    const best = accuracy.filter((a) => a.side === side && a.n > 0).sort((a, b) => a.mape - b.mape || a.model.localeCompare(b.model))[0];
    if (best) out[side] = { model: best.model, mape: best.mape, rmspe: best.rmspe, within10: best.within10, n: best.n };
  }
  return out;
}
