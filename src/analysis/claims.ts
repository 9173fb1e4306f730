/**
 * Claims: each experiment's claims checked against summary.json. A claim PASSES when its metric (a dotted
 * path into the summary) is a finite number inside [min, max] of the run's platform class; a missing
 * metric or a class without a range FAILS, and `data` says why.
 */
import type { ClaimRow, ExperimentDefinition } from './types.js';

/** The value at a dotted path ("linear.geomeanSpeedupSelected"), or undefined. */
export function metricAt(summary: unknown, path: string): unknown {
  let v: unknown = summary;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Evaluates every claim of `experiments` for `platformClass`. */
export function evaluateClaims(summary: unknown, experiments: readonly ExperimentDefinition[], platformClass: string): ClaimRow[] {
  const rows: ClaimRow[] = [];
  for (const exp of experiments) {
    for (const claim of exp.claims ?? []) {
      const raw = metricAt(summary, claim.metric);
      const measured = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
      const bound = claim.expected[platformClass];
      const data = [`derived/summary.json#${claim.metric}`];
      if (bound?.notApplicable) {
        rows.push({
          id: claim.id, text: claim.text, experiment: exp.id, metric: claim.metric, paperValue: claim.paperValue ?? null,
          measured, tolerance: {}, platformClass, unit: claim.unit ?? '', pass: true, applicable: false,
          data: [...data, `not applicable on ${platformClass}: ${bound.notApplicable}`],
        });
        continue;
      }
      if (measured === null) data.push('metric missing from summary (the run lacks the data it needs)');
      if (!bound) data.push(`no expected range for platform class ${platformClass}`);
      const inRange = measured !== null && bound !== undefined &&
        (bound.min === undefined || measured >= bound.min) && (bound.max === undefined || measured <= bound.max);
      rows.push({
        id: claim.id, text: claim.text, experiment: exp.id, metric: claim.metric,
        paperValue: claim.paperValue ?? null, measured,
        tolerance: bound ? { ...(bound.min !== undefined ? { min: bound.min } : {}), ...(bound.max !== undefined ? { max: bound.max } : {}) } : {},
        platformClass, unit: claim.unit ?? '', pass: inRange, data,
      });
    }
  }
  return rows;
}
