/**
 * summary.json: per layer kind (linear, conv) the geometric-mean and maximum speedups (oracle and selected,
 * over the best single device and over GPU-only with finish), mean/geometric-mean/worst decision quality and
 * co-execution efficiency; per platform the predictor accuracy, selection time and the sync summary.
 */
import { geomean, mean } from './metrics.js';
import type { AccuracyRow, LayerRow, Side } from './types.js';

export interface KindSummary {
  layers: number;
  geomeanSpeedupOracle: number;
  maxSpeedupOracle: number;
  geomeanSpeedupSelected: number;
  maxSpeedupSelected: number;
  geomeanSpeedupOracleVsGpuFinish: number;
  maxSpeedupOracleVsGpuFinish: number;
  geomeanSpeedupSelectedVsGpuFinish: number;
  maxSpeedupSelectedVsGpuFinish: number;
  meanQ: number;
  geomeanQ: number;
  worstQ: number;
  meanEfficiency: number;
  meanIdealSpeedup: number;
  /** Rows whose latencies (all of them: a row never mixes sources) came from the grid because the confirmation pass lacked one. */
  layersFromGrid: number;
}

/** Aggregates layer rows of one kind; undefined when there are none. */
export function kindSummary(rows: readonly LayerRow[]): KindSummary | undefined {
  if (rows.length === 0) return undefined;
  const col = (f: (r: LayerRow) => number): number[] => rows.map(f);
  const q = col((r) => r.decisionQuality);
  return {
    layers: rows.length,
    geomeanSpeedupOracle: geomean(col((r) => r.speedupOracle)),
    maxSpeedupOracle: Math.max(...col((r) => r.speedupOracle)),
    geomeanSpeedupSelected: geomean(col((r) => r.speedupSelected)),
    maxSpeedupSelected: Math.max(...col((r) => r.speedupSelected)),
    geomeanSpeedupOracleVsGpuFinish: geomean(col((r) => r.speedupOracleVsGpuFinish)),
    maxSpeedupOracleVsGpuFinish: Math.max(...col((r) => r.speedupOracleVsGpuFinish)),
    geomeanSpeedupSelectedVsGpuFinish: geomean(col((r) => r.speedupSelectedVsGpuFinish)),
    maxSpeedupSelectedVsGpuFinish: Math.max(...col((r) => r.speedupSelectedVsGpuFinish)),
    meanQ: mean(q),
    geomeanQ: geomean(q),
    worstQ: Math.min(...q),
    meanEfficiency: mean(col((r) => r.efficiency)),
    meanIdealSpeedup: mean(col((r) => r.idealSpeedup)),
    layersFromGrid: rows.filter((r) => r.latencySource === 'grid').length,
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
