/**
 * Checks each claim of a run against its accepted range (docs/contract.md section 11): the measured
 * value is read again from derived/summary.json through the claim's metric path, and passes when it
 * lies in [min, max] of the platform class's entry (either bound optional). This is the fallback for run
 * folders whose experiment definitions are not at hand: the range is the tolerance recorded in
 * claims.json. With the definitions, run-validate uses the analysis' evaluateClaims instead.
 */
import { metricAt } from '../analysis/claims.js';
import type { ClaimRow, Summary } from '../results-schema/index.js';

/** Accepted range; a missing bound is open. */
export interface Range { min?: number; max?: number }

/** One claim's verdict with everything a reader needs to judge it. */
export interface ClaimVerdict {
  /** The platform class cannot show the claim: printed N/A and never a failure. */
  notApplicable?: boolean;
  /** The claim was made for other platform classes: its value is printed with this reason and never judged. */
  notThisClass?: string;
  id: string;
  pass: boolean;
  measured: number | null;
  paperValue: number | null;
  unit: string;
  range: Range;
  rangeSource: string;
  dataUsed: string;
  problem?: string;
  /** The claim's 95% interval straddles a bound: not decided for measurement reasons (counted under validity). */
  undecided?: string;
  interval?: [number, number];
  /** The metric's reason in words from derived/summary.json (`<metric>Why`: which layer, what bounded it). */
  why?: string;
}

/** Follows a dotted path like `linear.geomeanSpeedupSelected` into an object. */
export function readMetric(doc: unknown, metric: string): number | null {
  const v = metricAt(doc, metric);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** True when `value` lies in the closed range; an empty range accepts everything but null. */
export function inRange(value: number | null, range: Range): boolean {
  if (value === null) return false;
  if (range.min !== undefined && value < range.min) return false;
  if (range.max !== undefined && value > range.max) return false;
  return true;
}

/** Formats a range as `[min, max]` with '-' for an open bound. */
export function formatRange(range: Range): string {
  return `[${range.min ?? '-'}, ${range.max ?? '-'}]`;
}

/** Evaluates every claim row against its recorded tolerance. */
export function checkClaims(claims: ClaimRow[], summary: Summary | undefined, platformClass: string | undefined): ClaimVerdict[] {
  return claims.map((c) => {
    const fromSummary = summary ? readMetric(summary, c.metric) : null;
    const measured = fromSummary ?? c.measured;
    const dataUsed = fromSummary !== null ? `derived/summary.json#${c.metric}` : `derived/claims.json#${c.id}.measured`;
    const cls = platformClass ?? c.platformClass;
    const range: Range = { min: c.tolerance.min, max: c.tolerance.max };
    const rangeSource = `claims.json tolerance${cls ? ` (${cls})` : ''}`;
    // The reason a summary gives for the metric in words (`<metric>Why`), if any.
    const why = summary ? metricAt(summary, `${c.metric}Why`) : undefined;
    const verdict: ClaimVerdict = {
      id: c.id, pass: inRange(measured, range), measured, paperValue: c.paperValue, unit: c.unit,
      range, rangeSource, dataUsed, ...(typeof why === 'string' ? { why } : {}),
    };
    if (c.applicable === false) {
      // Not judged on this class (expected.<class>.notApplicable, or a claim made for other classes).
      verdict.pass = true;
      verdict.notApplicable = true;
      if (c.notThisClass) verdict.notThisClass = c.notThisClass;
    } else if (range.min === undefined && range.max === undefined) {
      verdict.pass = false;
      verdict.problem = 'no accepted range recorded for this claim';
    } else if (measured === null) verdict.problem = `metric ${c.metric} not found in derived/summary.json`;
    else if (fromSummary !== null && c.measured !== null && Math.abs(c.measured - fromSummary) > 1e-9 * Math.max(1, Math.abs(fromSummary))) {
      verdict.pass = false;
      verdict.problem = `claims.json says ${c.measured} but summary.json says ${fromSummary}`;
    }
    return verdict;
  });
}
