/**
 * The report's "Measurement" section: how good the measurement was, apart from what it shows. From
 * summary.json's `measurement` (src/analysis/measurement.ts): the noise calibration taken before measuring
 * (CPU workload and GPU round trip, against the profile's limit, and whether the start-of-run warning
 * fired), the share of VALID layer jobs and what re-measurement recovered; then the two verdicts
 * `validate` gives apart, validity (the VALID share against its minimum) and claims. Runs recorded before
 * the calibration existed have no `measurement`: no section, so their pages stay as they were.
 */
import type { ClaimRow } from '../results-schema/index.js';
import { DEFAULT_MIN_VALID_SHARE } from '../validate/outcome.js';
import { escapeHtml } from './html.js';
import type { RunData } from './render-run.js';
import type { ReportSection } from './sections.js';

/** One calibration series as summary.json keeps it (the digest: no samples). */
interface SeriesDigest { what?: string; repetitions?: number; medianCi95HalfPct?: number; robustCvPct?: number; cvPct?: number; runToRunCvPct?: number }

/** summary.json's `measurement`, every field optional: a digest written by an older harness may lack some. */
interface MeasurementDigest {
  noise?: {
    samplesPerRepetition?: number; dispersion?: 'cv' | 'robust-cv' | 'median-ci'; limitPct?: number; observedPct?: number;
    typicalSamples?: number; predictedPct?: number; samplesNeeded?: number; longestJobMs?: number;
    tooNoisy?: boolean; problem?: string; cpu?: SeriesDigest; gpuRoundTrip?: SeriesDigest;
  };
  remeasured?: { jobs?: number; validNow?: number; maxAttempts?: number };
  validShare?: number | null;
  /** INVALID layer jobs by cause, largest first, and the way out of the first (absent: none INVALID, or an older harness). */
  invalidCauses?: { cause: string; jobs: number }[];
  invalidWayOut?: string;
}

const STATISTIC = { 'median-ci': '95% CI half-width of the median', 'robust-cv': 'robust CV', cv: 'CV' } as const;
const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(1)}%`);
const NEEDS = `validate needs >= ${(100 * DEFAULT_MIN_VALID_SHARE).toFixed(0)}%`;
const verdict = (ok: boolean) => `<b>${ok ? 'PASS' : 'FAIL'}</b>`;

/** The claims' verdict as validate's claims section gives it: every applicable claim passes. */
function claimsVerdict(rows: readonly ClaimRow[] | undefined): { ok: boolean; text: string } {
  if (!rows) return { ok: false, text: 'no derived/claims.json' };
  const applicable = rows.filter((c) => c.applicable !== false);
  // Undecided claims (interval too wide) count under validity, as in validate; they neither hold nor fail.
  const undecided = applicable.filter((c) => (c as { undecided?: string }).undecided).length;
  const decided = applicable.length - undecided;
  const passed = applicable.filter((c) => c.pass).length;
  if (applicable.length === 0) return { ok: true, text: 'this run defines no applicable claim' };
  return { ok: passed === decided, text: `${passed} of ${decided} claims hold${undecided > 0 ? `; ${undecided} undecided (95% interval too wide)` : ''}` };
}

/** The CPU workload's row: its statistic per calibration job and, from newer runs, at the samples a job gets. */
function cpuText(n: NonNullable<MeasurementDigest['noise']>): string {
  const observed = `${pct(n.observedPct)} per ${n.samplesPerRepetition ?? '?'}-sample calibration job`;
  const predicted = n.predictedPct === undefined ? ''
    : `; ${pct(n.predictedPct)} expected at the ${n.typicalSamples} samples the profile gives a job of its length` +
      (n.samplesNeeded === undefined ? '; no sample count brings it within the limit'
        : `; a job needs ${n.samplesNeeded} samples${n.longestJobMs !== undefined ? ` (within the time limit up to ${Number(n.longestJobMs.toPrecision(2))} ms per sample)` : ", more than the profile's maxSamples"}`);
  return `${observed}${predicted}; run-to-run ${pct(n.cpu?.runToRunCvPct)}`;
}

/** The section, or undefined for a run without `measurement`. */
export function measurementSection(run: RunData): ReportSection | undefined {
  const m = (run.summary as { measurement?: MeasurementDigest } | undefined)?.measurement;
  if (!m || typeof m !== 'object') return undefined;
  const rows: [string, string][] = [];
  const n = m.noise;
  if (!n) rows.push(['Noise calibration', 'not recorded']);
  else if (n.problem) rows.push(['Noise calibration', `not estimated: ${n.problem}`]);
  else {
    const stat = STATISTIC[n.dispersion ?? 'cv'];
    rows.push([`CPU workload (${n.cpu?.what ?? 'not measured'}), ${stat}`, n.cpu ? cpuText(n) : 'not measured']);
    const rt = n.gpuRoundTrip?.what ?? '';
    if (n.gpuRoundTrip) rows.push([`${rt.startsWith('GPU round trip') ? rt : `GPU round trip (${rt})`}, 95% CI half-width of the median`, `${pct(n.gpuRoundTrip.medianCi95HalfPct)} per calibration job; run-to-run ${pct(n.gpuRoundTrip.runToRunCvPct)}`]);
    rows.push(['Profile limit', `${stat} <= ${pct(n.limitPct)} per job`]);
    rows.push(['Start-of-run noise warning', n.tooNoisy ? 'fired: the machine was judged too noisy for the profile' : 'not fired']);
  }
  const again = m.remeasured ?? {};
  rows.push(['Re-measured jobs', (again.jobs ?? 0) === 0 ? 'none' : `${again.jobs} (up to ${again.maxAttempts} attempts each, every sample pooled); ${again.validNow} of them VALID now`]);
  const share = typeof m.validShare === 'number' ? m.validShare : undefined;
  rows.push(['VALID layer jobs', share === undefined ? 'no layer job' : `${(100 * share).toFixed(1)}%`]);
  if (m.invalidCauses && m.invalidCauses.length > 0) {
    rows.push(['INVALID layer jobs by cause', `${m.invalidCauses.map((c) => `${c.cause} ${c.jobs}`).join(', ')} (a job may have two)` +
      `${m.invalidWayOut ? `; the most: ${m.invalidWayOut}` : ''}`]);
  }

  const validity = share !== undefined && share >= DEFAULT_MIN_VALID_SHARE;
  const claims = claimsVerdict(run.claims?.rows);
  const body = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  const html = `<p class="verdicts"><span class="${validity ? 'pass' : 'fail'}">Validity ${verdict(validity)}: ` +
    `${share === undefined ? 'no layer job' : `${(100 * share).toFixed(1)}% of layer jobs VALID`}, ${NEEDS}</span>; ` +
    `<span class="${claims.ok ? 'pass' : 'fail'}">claims ${verdict(claims.ok)}: ${escapeHtml(claims.text)}</span>. ` +
    'Judged apart, as <code>coexec validate</code> does: a validity FAIL says the machine was too noisy to judge, a claims FAIL on a valid measurement that the claim does not hold.</p>\n' +
    `<div class="scroll"><table class="measurement"><tbody>\n${body}\n</tbody></table></div>`;
  return { id: 'measurement', title: 'Measurement', html };
}
