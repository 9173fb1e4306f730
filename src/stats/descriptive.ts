/**
 * Descriptive statistics of one job's samples, as pure functions. Conventions: quantiles interpolate
 * linearly between order statistics (Hyndman-Fan type 7, R's default); sd uses n - 1; the 95% CI of the
 * mean is mean +- t(0.975, n - 1) * sd / sqrt(n) from a t table; CV = sd / mean in percent; outliers are
 * outside Tukey's fences [q1 - 1.5 IQR, q3 + 1.5 IQR].
 */

/** Sorted copy, ascending. */
export function sortedCopy(xs: readonly number[]): number[] {
  return xs.slice().sort((a, b) => a - b);
}

/** Type-7 quantile of already sorted values, p in [0, 1]. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (h - lo) * (b - a);
}

/** Median (type-7 quantile at 0.5). */
export function median(xs: readonly number[]): number {
  return quantileSorted(sortedCopy(xs), 0.5);
}

/** Arithmetic mean; NaN for no values. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1); 0 for a single value, NaN for none. */
export function sd(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  if (xs.length === 1) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

// Two-sided 95% critical values t(0.975, df) for df = 1..30, then selected larger df.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
  2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042];
const T975_LARGE: [number, number][] = [[40, 2.021], [50, 2.009], [60, 2.000], [80, 1.990], [100, 1.984], [120, 1.980], [1000, 1.962]];

/** t(0.975, df): exact table to 30, then the next smaller tabulated df (conservative), 1.960 beyond 1000. */
export function t975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T975[df - 1]!;
  let value = T975[29]!;
  for (const [d, t] of T975_LARGE) if (df >= d) value = t;
  return df > 1000 ? 1.96 : value;
}

/** Job statistics in nanoseconds (contract section 8, `stats`). */
export interface SampleStats {
  n: number; medianNs: number; q1Ns: number; q3Ns: number; iqrNs: number; meanNs: number;
  ci95LowNs: number; ci95HighNs: number; sdNs: number; cvPct: number; outliers: number;
  /**
   * Robust coefficient of variation in %: IQR / (1.349 * median) * 100. The 1.349 factor makes it equal the
   * classic CV for normal samples; unlike the classic CV it is not inflated by the few preemption spikes a
   * shared machine adds, which do not move the median we report.
   */
  robustCvPct: number;
  /**
   * Half-width of the distribution-free 95% confidence interval of the median, in % of the median: the
   * interval runs between the order statistics of ranks n/2 -+ 0.98 sqrt(n) (normal approximation of the
   * binomial), so it narrows as samples accrue whatever the distribution's tails.
   */
  medianCi95HalfPct: number;
}

/** 1-based ranks of the order statistics bounding the distribution-free 95% CI of the median of n values. */
export function medianCiRanks(n: number): [low: number, high: number] {
  return [Math.max(1, Math.floor(n / 2 - 0.98 * Math.sqrt(n))), Math.min(n, Math.ceil(n / 2 + 0.98 * Math.sqrt(n) + 1))];
}

/** See SampleStats.medianCi95HalfPct; `s` sorted ascending, non-empty. */
export function medianCi95HalfPct(s: readonly number[]): number {
  const n = s.length;
  const med = quantileSorted(s, 0.5);
  if (med <= 0) return 0;
  const [lowRank, highRank] = medianCiRanks(n);
  return (100 * (s[highRank - 1]! - s[lowRank - 1]!)) / (2 * med);
}

/** All statistics of a job's samples; undefined when there are none. */
export function describe(samplesNs: readonly number[]): SampleStats | undefined {
  const n = samplesNs.length;
  if (n === 0) return undefined;
  const s = sortedCopy(samplesNs);
  const q1 = quantileSorted(s, 0.25);
  const q3 = quantileSorted(s, 0.75);
  const iqr = q3 - q1;
  const m = mean(s);
  const dev = sd(s);
  const half = n > 1 ? (t975(n - 1) * dev) / Math.sqrt(n) : 0;
  const lo = q1 - 1.5 * iqr;
  const hi = q3 + 1.5 * iqr;
  return {
    n, medianNs: quantileSorted(s, 0.5), q1Ns: q1, q3Ns: q3, iqrNs: iqr, meanNs: m,
    ci95LowNs: m - half, ci95HighNs: m + half, sdNs: dev, cvPct: m > 0 ? (100 * dev) / m : 0,
    outliers: s.filter((x) => x < lo || x > hi).length,
    medianCi95HalfPct: medianCi95HalfPct(s),
    robustCvPct: quantileSorted(s, 0.5) > 0 ? (100 * iqr) / (1.349 * quantileSorted(s, 0.5)) : 0,
  };
}
