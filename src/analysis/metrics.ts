/**
 * The definitions of BRIEF section 4 as pure functions, so every table computes speedup, decision quality,
 * ideal co-execution speedup and predictor error the same way. Inputs are latencies (any one unit).
 */

/** Speedup of `latency` over `baseline`: T(baseline) / T(strategy). */
export function speedup(baseline: number, latency: number): number {
  return baseline / latency;
}

/** Decision quality q = T(oracle) / T(selected); 1 is perfect. */
export function decisionQuality(oracle: number, selected: number): number {
  return oracle / selected;
}

/**
 * Ideal co-execution speedup from single-device latencies of the whole layer: throughputs a = 1/Tcpu and
 * b = 1/Tgpu, ideal = (a + b) / max(a, b) (both devices busy until the same instant, no sync cost).
 */
export function idealSpeedup(cpuOnly: number, gpuOnly: number): number {
  const a = 1 / cpuOnly;
  const b = 1 / gpuOnly;
  return (a + b) / Math.max(a, b);
}

/** Co-execution efficiency = oracle speedup / ideal speedup. */
export function efficiency(oracleSpeedup: number, ideal: number): number {
  return oracleSpeedup / ideal;
}

/** Geometric mean of positive values; NaN for an empty list. */
export function geomean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

/** Arithmetic mean; NaN for an empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Median with linear interpolation between the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  const lo = s[Math.floor(mid)]!;
  const hi = s[Math.ceil(mid)]!;
  return (lo + hi) / 2;
}

/** Prediction error summary; percentages in percent (5 means 5%), within10 a share in 0..1. */
export interface ErrorSummary {
  mape: number;
  rmspe: number;
  within10: number;
  n: number;
}

/** MAPE, RMSPE and share of predictions within +-10% of the measurement. */
export function predictionErrors(pairs: readonly { predicted: number; measured: number }[]): ErrorSummary {
  if (pairs.length === 0) return { mape: NaN, rmspe: NaN, within10: NaN, n: 0 };
  let abs = 0;
  let sq = 0;
  let within = 0;
  for (const { predicted, measured } of pairs) {
    const rel = (predicted - measured) / measured;
    abs += Math.abs(rel);
    sq += rel * rel;
    if (Math.abs(rel) <= 0.1) within += 1;
  }
  const n = pairs.length;
  return { mape: (100 * abs) / n, rmspe: 100 * Math.sqrt(sq / n), within10: within / n, n };
}
