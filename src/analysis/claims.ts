/**
 * Claims: each experiment's claims checked against summary.json. A claim PASSES when its metric (a dotted
 * path into the summary) is a finite number inside [min, max] of the run's platform class; a missing
 * metric or a class without a range FAILS, and `data` says why. A claim with an interval (its metric's 95%
 * interval in the summary) is decided by the whole interval: inside the range PASS, wholly outside FAIL,
 * across a bound undecided (`undecided` says why; validate counts it under measurement validity). A claim
 * made for other platform classes (`judgedOn`: the paper's claims are about phones) shows its measured value
 * with `notThisClass` and no verdict, as a class that cannot show a claim shows N/A: neither counts as a failure.
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

/** A [low, high] pair of numbers at a dotted path (low <= high; a null end unbounded), or undefined. */
export function intervalAt(summary: unknown, path: string): [number, number] | undefined {
  const v = metricAt(summary, path);
  if (!Array.isArray(v) || v.length !== 2) return undefined;
  const [rawLow, rawHigh] = v as unknown[];
  // A null end is unbounded (JSON has no Infinity): e.g. a statistic with no usable data behind it.
  const low = rawLow === null ? -Infinity : rawLow;
  const high = rawHigh === null ? Infinity : rawHigh;
  if (typeof low !== 'number' || Number.isNaN(low) || low === Infinity || typeof high !== 'number' || Number.isNaN(high) || !(low <= high)) return undefined;
  return [low, high];
}

const round3 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)) : v);

/** What a run says about its hardware beyond its class. */
export interface ClaimRunFacts {
  /** The GPU side ran on the CPU side's cores (run-files.ts gpuSideSharesCpuCores): claims needing separate cores are N/A. */
  gpuSideSharesCpuCores?: boolean;
}

/** Why a claim that needs separate cores cannot be judged where the GPU side shares them. */
export const SHARED_CORES_WHY = 'the GPU side is an OpenCL CPU device on the CPU side\'s cores: co-execution adds no hardware, '
  + 'so no split can beat the faster side using every core, and a bound built from two independent sides says nothing here';

/** Evaluates every claim of `experiments` for `platformClass`. */
export function evaluateClaims(summary: unknown, experiments: readonly ExperimentDefinition[], platformClass: string,
  facts: ClaimRunFacts = {}): ClaimRow[] {
  const rows: ClaimRow[] = [];
  for (const exp of experiments) {
    for (const claim of exp.claims ?? []) {
      const raw = metricAt(summary, claim.metric);
      const measured = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
      const bound = claim.expected[platformClass];
      const data = [`derived/summary.json#${claim.metric}`];
      // A metric may come with its reason in words (`<metric>Why`, e.g. which layer and what bounded it).
      const why = metricAt(summary, `${claim.metric}Why`);
      if (typeof why === 'string') data.push(why);
      if (claim.judgedOn && !claim.judgedOn.includes(platformClass)) {
        rows.push({
          id: claim.id, text: claim.text, experiment: exp.id, metric: claim.metric, paperValue: claim.paperValue ?? null,
          measured, tolerance: {}, platformClass, unit: claim.unit ?? '', pass: true, applicable: false,
          notThisClass: `judged on ${claim.judgedOn.join(', ')} only`,
          data: measured === null ? [...data, 'metric missing from summary (the run lacks the data it needs)'] : data,
        });
        continue;
      }
      const notApplicable = bound?.notApplicable !== undefined ? `not applicable on ${platformClass}: ${bound.notApplicable}`
        : claim.needsSeparateCores && facts.gpuSideSharesCpuCores ? `not applicable on this run: ${SHARED_CORES_WHY}` : undefined;
      if (notApplicable) {
        rows.push({
          id: claim.id, text: claim.text, experiment: exp.id, metric: claim.metric, paperValue: claim.paperValue ?? null,
          measured, tolerance: {}, platformClass, unit: claim.unit ?? '', pass: true, applicable: false,
          data: [...data, notApplicable],
        });
        continue;
      }
      if (measured === null) data.push('metric missing from summary (the run lacks the data it needs)');
      if (!bound) data.push(`no expected range for platform class ${platformClass}`);
      const inside = (v: number) => bound !== undefined && (bound.min === undefined || v >= bound.min) && (bound.max === undefined || v <= bound.max);
      const interval = claim.interval !== undefined ? intervalAt(summary, claim.interval) : undefined;
      if (claim.interval !== undefined && measured !== null && !interval) data.push(`no interval at derived/summary.json#${claim.interval}: judged on the value alone`);
      let pass = measured !== null && inside(measured);
      let undecided: string | undefined;
      if (interval && bound && measured === null) {
        // An interval without a value: the statistic had no finite estimate (e.g. a denominator not above zero).
        data.pop();
        data.push(`95% interval derived/summary.json#${claim.interval}`);
        undecided = `no finite estimate, 95% interval [${round3(interval[0])}, ${round3(interval[1])}]: the measurement cannot decide the claim (measure more)`;
      } else if (interval && bound) {
        data.push(`95% interval derived/summary.json#${claim.interval}`);
        const [low, high] = interval;
        const below = bound.min !== undefined && high < bound.min;
        const above = bound.max !== undefined && low > bound.max;
        pass = inside(low) && inside(high);
        if (!pass && !below && !above) {
          undecided = `95% interval [${round3(low)}, ${round3(high)}] crosses the range's bound: too wide to decide the claim (measure more)`;
        }
      }
      rows.push({
        id: claim.id, text: claim.text, experiment: exp.id, metric: claim.metric,
        paperValue: claim.paperValue ?? null, measured,
        tolerance: bound ? { ...(bound.min !== undefined ? { min: bound.min } : {}), ...(bound.max !== undefined ? { max: bound.max } : {}) } : {},
        platformClass, unit: claim.unit ?? '', pass, ...(interval ? { interval } : {}), ...(undecided ? { undecided } : {}), data,
      });
    }
  }
  return rows;
}
