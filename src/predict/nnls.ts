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
  const n = kept.length;
  // Each row divided by its scale: the problem becomes plain least squares on (a, b). Flat typed arrays, row
  // by row: derive fits thousands of these per run (cross-validation folds x families x groups), and nested
  // arrays with per-element closures made this function 40% of a confirmation list's planning time. Every sum
  // below adds the same terms in the same order as the plain formulas, so the result is bit for bit the same.
  const a = new Float64Array(n * m);
  const b = new Float64Array(n);
  kept.forEach((i, r) => {
    const s = scale(i);
    for (let j = 0; j < m; j++) a[r * m + j] = x[i]![j]! / s;
    b[r] = y[i]! / s;
  });
  const norms = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let sum = 0;
    for (let r = 0; r < n; r++) sum += a[r * m + j]! * a[r * m + j]!;
    norms[j] = Math.sqrt(sum);
  }
  // The columns scaled to unit norm in place (a zero column stays zero).
  const unit = a;
  for (let r = 0; r < n; r++) for (let j = 0; j < m; j++) unit[r * m + j] = norms[j]! > 0 ? a[r * m + j]! / norms[j]! : 0;
  const g = new Float64Array(m * m);
  const h = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    for (let k = 0; k < m; k++) {
      let sum = 0;
      for (let r = 0; r < n; r++) sum += unit[r * m + j]! * unit[r * m + k]!;
      g[j * m + k] = sum;
    }
    let sum = 0;
    for (let r = 0; r < n; r++) sum += unit[r * m + j]! * b[r]!;
    h[j] = sum;
  }
  const z = new Float64Array(m);
  const lambda = opts.lambda;
  const sweeps = opts.sweeps;
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let change = 0;
    for (let j = 0; j < m; j++) {
      const row = j * m;
      const diagonal = g[row + j]! + lambda;
      if (!(diagonal > 0)) continue; // an all-zero column without ridge: nothing to fit, stays 0
      let r = h[j]!;
      // Every other coordinate in ascending order, as one loop with `k !== j` would.
      for (let k = 0; k < j; k++) r -= g[row + k]! * z[k]!;
      for (let k = j + 1; k < m; k++) r -= g[row + k]! * z[k]!;
      const next = r > 0 ? r / diagonal : 0;
      const step = next > z[j]! ? next - z[j]! : z[j]! - next;
      if (step > change) change = step;
      z[j] = next;
    }
    if (change < 1e-15) break;
  }
  return Array.from(z, (v, j) => (norms[j]! > 0 ? v / norms[j]! : 0));
}

/** A row can be fitted when every number is finite and its scale positive. */
function isUsableRow(row: readonly number[], y: number, scale: number): boolean {
  return Number.isFinite(y) && Number.isFinite(scale) && scale > 0 && row.every(Number.isFinite);
}
