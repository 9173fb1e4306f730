/**
 * Non-negative least squares, small and defensive: the baseline's side models and the composition's GPU
 * host cost both fit a few cost terms that must never be negative (a negative cost per byte would predict
 * that moving more data is faster). Solved by cyclic coordinate descent on the Gram matrix of unit-norm
 * columns, exact per coordinate. Rows whose scale is not a positive finite number are dropped, a column that
 * is zero on every kept row gets coefficient 0, and no input makes it return NaN.
 */

export interface NnlsOptions {
  /** Ridge penalty on the column-normalized coefficients (0 = none). */
  lambda: number;
  /** Coordinate-descent sweeps at most. */
  sweeps: number;
  /**
   * Per-row scale s_i of the residual (a . x_i - y_i) / s_i: y itself minimizes RELATIVE error, so small
   * targets count as much as large ones; absent, plain residuals.
   */
  scale?: readonly number[];
}

/**
 * Solves min sum_i ((a . x_i - y_i) / s_i)^2 + lambda |D a|^2 subject to a >= 0, with s the given scale
 * (1 when absent) and D the column norms.
 */
export function nnls(x: readonly (readonly number[])[], y: readonly number[], opts: NnlsOptions): number[] {
  const m = x[0]?.length ?? 0;
  const scale = (i: number): number => opts.scale?.[i] ?? 1;
  const kept = x.flatMap((row, i) => (isUsableRow(row, y[i]!, scale(i)) ? [i] : []));
  // Each row divided by its scale: the problem becomes plain least squares on (a, b).
  const a = kept.map((i) => x[i]!.map((v) => v / scale(i)));
  const b = kept.map((i) => y[i]! / scale(i));
  const norms = Array.from({ length: m }, (_, j) => Math.sqrt(a.reduce((s, r) => s + r[j]! * r[j]!, 0)));
  const unit = (r: readonly number[], j: number): number => (norms[j]! > 0 ? r[j]! / norms[j]! : 0);
  const g = Array.from({ length: m }, (_, j) => Array.from({ length: m }, (_, k) => a.reduce((s, r) => s + unit(r, j) * unit(r, k), 0)));
  const h = Array.from({ length: m }, (_, j) => a.reduce((s, r, i) => s + unit(r, j) * b[i]!, 0));
  const z = new Array<number>(m).fill(0);
  for (let sweep = 0; sweep < opts.sweeps; sweep++) {
    let change = 0;
    for (let j = 0; j < m; j++) {
      const diagonal = g[j]![j]! + opts.lambda;
      if (!(diagonal > 0)) continue; // an all-zero column without ridge: nothing to fit, stays 0
      let r = h[j]!;
      for (let k = 0; k < m; k++) if (k !== j) r -= g[j]![k]! * z[k]!;
      const next = Math.max(0, r / diagonal);
      change = Math.max(change, Math.abs(next - z[j]!));
      z[j] = next;
    }
    if (change < 1e-15) break;
  }
  return z.map((v, j) => (norms[j]! > 0 ? v / norms[j]! : 0));
}

/** A row can be fitted when every number is finite and its scale positive. */
function isUsableRow(row: readonly number[], y: number, scale: number): boolean {
  return Number.isFinite(y) && Number.isFinite(scale) && scale > 0 && row.every(Number.isFinite);
}
