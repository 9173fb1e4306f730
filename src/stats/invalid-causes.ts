/**
 * Why a run's layer jobs were INVALID, grouped by cause, with the way out that fits the main one. A share of
 * VALID jobs below the threshold says only that the measurement failed; what to do next depends on why. On a
 * shared cloud host most INVALID jobs can be refused for the hypervisor's steal time (s28: 1 job in 3 VALID on an
 * H200 host whose median job lost 4.9% of the CPUs' time), where closing programs on the machine itself does
 * nothing; a noisy desktop fails on dispersion instead, and a wrong result is not noise at all.
 */

/** The causes, in the order they are listed; `match` recognizes a reason line of src/stats/verdict.ts. */
const CAUSES = [
  { id: 'steal', label: 'steal time', match: /^the hypervisor took/,
    wayOut: "another guest's load on the shared host (hypervisor steal): closing programs here does not help; rerun later or on another host (re-measurement rounds retry these jobs: profile measurement.remeasure, or coexec export --resume RUN_DIR --remeasure S)" },
  { id: 'dispersion', label: 'dispersion', match: /^(CV|robust CV|95% CI half-width of the median) /,
    wayOut: 'samples spread too widely: close other programs, pin the clock, or give noisy jobs more time (profile measurement.remeasure)' },
  { id: 'samples', label: 'too few samples', match: /^\d+ samples < /,
    wayOut: "the time limit came before minSamples: raise the profile's maxTimeMs or maxSamples" },
  { id: 'wrong', label: 'wrong result', match: /^wrong result/,
    wayOut: 'a result that failed its check against the reference: a correctness problem, not noise (the jobs\' reasons in jobs.json name the check)' },
  { id: 'error', label: 'engine error', match: /^engine error/,
    wayOut: "the engine failed these jobs: see the reasons in jobs.json" },
  { id: 'drift', label: 'frequency or temperature drift', match: /^(CPU frequency drifted|temperature rose|a CPU frequency governor changed)/,
    wayOut: 'the clock or the temperature moved during the run: keep the governor fixed, let the device cool, and rerun with --resume' },
] as const;

export type InvalidCause = (typeof CAUSES)[number]['id'] | 'other';

export interface InvalidCauses {
  /** INVALID layer jobs. */
  invalid: number;
  /** Jobs per cause (a job with two causes counts under both), causes with no job left out, largest first. */
  counts: { cause: InvalidCause; label: string; jobs: number }[];
  /** The way out of the cause that refused the most jobs; undefined when none was INVALID. */
  wayOut?: string;
}

/** Groups the reasons of INVALID rows (jobs.json rows: `verdict`, `reasons`) by cause. */
export function invalidCauses(rows: readonly { verdict?: string; reasons?: readonly string[] }[]): InvalidCauses {
  const invalidRows = rows.filter((r) => r.verdict === 'INVALID');
  const counts = new Map<InvalidCause, number>();
  for (const row of invalidRows) {
    const causes = new Set<InvalidCause>((row.reasons ?? []).map((reason) => CAUSES.find((c) => c.match.test(reason))?.id ?? 'other'));
    if (causes.size === 0) causes.add('other');
    for (const c of causes) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const labelOf = (c: InvalidCause): string => CAUSES.find((x) => x.id === c)?.label ?? 'other';
  const order = (c: InvalidCause): number => { const i = CAUSES.findIndex((x) => x.id === c); return i < 0 ? CAUSES.length : i; };
  const list = [...counts].map(([cause, jobs]) => ({ cause, label: labelOf(cause), jobs }))
    .sort((a, b) => b.jobs - a.jobs || order(a.cause) - order(b.cause));
  const top = list[0];
  const wayOut = top ? CAUSES.find((c) => c.id === top.cause)?.wayOut ?? 'see the reasons of the INVALID jobs in jobs.json' : undefined;
  return { invalid: invalidRows.length, counts: list, ...(wayOut ? { wayOut } : {}) };
}

/** "INVALID jobs by cause: steal time 650, dispersion 40 of 704; the most: ..." (undefined when none was INVALID). */
export function invalidCausesLine(c: InvalidCauses): string | undefined {
  if (c.invalid === 0 || !c.wayOut) return undefined;
  return `INVALID jobs by cause: ${c.counts.map((x) => `${x.label} ${x.jobs}`).join(', ')} (of ${c.invalid}; a job may have two); ` +
    `the most: ${c.wayOut}`;
}

/** A round's VALID share and INVALID causes, and whether the host was too busy to go on measuring on it. */
export interface RoundHealth {
  layerJobs: number;
  valid: number;
  share: number;
  causes: InvalidCauses;
  /**
   * Fewer than `minValidShare` of the layer jobs VALID, most INVALID ones refused for steal time: the host's
   * other guests, not this call, decide the measurement, so the call's remaining time would buy INVALID jobs.
   */
  stolenHost: boolean;
}

/**
 * The health of the rounds measured so far (jobs.json rows; skipped jobs not counted): `validate`'s VALID share and
 * causes, and what scripts/device-round.sh asks after round 1: s28's first call measured its second spec and both confirmation
 * passes on a host where 32% and 46% of round 1's jobs were VALID, 400 s of a 1800 s session budget for
 * nothing that could be shipped.
 */
export function roundHealth(
  rows: readonly { kind?: string; status?: string; verdict?: string; reasons?: readonly string[] }[], minValidShare: number,
): RoundHealth {
  const layerJobs = rows.filter((r) => r.kind === 'layer' && r.status !== 'skipped');
  const valid = layerJobs.filter((r) => r.verdict === 'VALID').length;
  const share = layerJobs.length > 0 ? valid / layerJobs.length : 0;
  const causes = invalidCauses(layerJobs);
  const stolenHost = layerJobs.length > 0 && share < minValidShare && causes.counts[0]?.cause === 'steal';
  return { layerJobs: layerJobs.length, valid, share, causes, stolenHost };
}
