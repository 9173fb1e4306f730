/**
 * Re-measure before judging: after a plan part of a run is measured, the jobs that are INVALID only
 * because their dispersion is above the profile's limit, or because the time limit left them short of the
 * minimum samples (src/stats/verdict.ts fixableWithMoreTime), are measured again, in rounds, each round a
 * plan of its own with more time per job, in a seeded shuffled order. A noisy spell of a shared machine
 * then costs a job a second look instead of its verdict.
 *
 * Bounds (profile `measurement.remeasure`): at most `maxRounds` rounds per part; round k gives a job
 * `maxTimeMs` and `maxSamples` times `timeFactor`^k; all rounds of a part together may spend `maxExtraS` of
 * engine time (the rounds' wallNs, read back from their raw files, so a resumed run counts what it spent).
 * A round takes only the jobs whose expected worst case still fits: sampling stops at maxTimeMs or at
 * maxSamples samples of the job's median so far, whichever comes first, plus warm-up and check. Nothing is overwritten: round k's lines go to
 * `raw/<part>.remeasure-<k>.jsonl` and its plan to `plan-<part>-remeasure-<k>.json`; jobs.json pools every
 * attempt (src/run/jobs.ts buildJobs). A job still INVALID after the last round stays INVALID.
 *
 * Claims too wide to judge (`claimMaxRelWidth`): a claim decided by its 95% interval (today
 * svm-fine-overhead-vs-finish, from the co-executed finish and svm-fine jobs of the sync experiment) is
 * computed from the part's jobs so far, exactly as derive computes it. The jobs behind it (every layer's:
 * the claim's statistic is a median over layers) join the round while any of them was measured in one
 * spell of the machine only (its interval cannot yet show how the overhead moves between spells:
 * src/run/jobs.ts withAttemptSpread), or
 * while the interval is wider than `claimMaxRelWidth` times the claim's bound. They sample to their time and
 * sample limits (no median-CI target: the target bounds the latency's CI, which is tight long before a
 * difference of a few us is). What is still too wide after the last round stays undecided, a validity
 * failure and never a verdict by chance.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Configs } from '../config/load.js';
import type { Measurement } from '../config/schemas.js';
import { readResultLines } from '../engine/lines.js';
import type { EngineJob, EnginePlan } from '../plan/expand.js';
import { fnv1a, mulberry32, shuffled } from '../plan/prng.js';
import { fixableWithMoreTime, type ValidityRule } from '../stats/verdict.js';
import { buildJobs, type JobStats, type PartLines, type RunJobMeta } from './jobs.js';
import { evaluateClaims } from '../analysis/claims.js';
import { syncOverheadRows, syncSummary } from '../analysis/sync-overhead.js';
import type { ExperimentDefinition, JobStats as DerivedJobStats } from '../analysis/types.js';

/** The profile's re-measurement bounds. */
export type RemeasureRule = NonNullable<Measurement['remeasure']>;

/** One re-measurement round of a plan part, as recorded in run.json (`parts[].rounds`). */
export interface RemeasureRound {
  round: number;
  planFile: string;
  rawFile: string;
  planId: string;
  jobs: number;
  /** The longest per-job maxTimeMs of the round (INVALID jobs: the part's times timeFactor^round; a claim's jobs: times timeFactor). */
  maxTimeMs: number;
  /** Worst-case engine time the round was planned with, in s. */
  budgetS: number;
}

/** The part fields this module reads (a RunPart of run.json). */
export interface PartRef { name: string; phases: string[]; planFile: string; rawFile: string; rounds?: RemeasureRound[] }

/** File names of round k of a part. */
export function roundFiles(partName: string, round: number): { planFile: string; rawFile: string } {
  return { planFile: `plan-${partName}-remeasure-${round}.json`, rawFile: `raw/${partName}.remeasure-${round}.jsonl` };
}

/** The phase buildJobs groups a part's lines by: confirm pools replicates, every other part does not. */
export function partPhase(part: Pick<PartRef, 'name' | 'phases'>): string {
  return part.name === 'confirm' ? 'confirm' : part.phases[0] ?? 'unknown';
}

/** A part's lines with every round's lines, as buildJobs reads them. */
export function partLines(runDir: string, part: PartRef): PartLines {
  return {
    phase: partPhase(part),
    lines: readResultLines(join(runDir, part.rawFile)).lines,
    rounds: (part.rounds ?? []).map((r) => readResultLines(join(runDir, r.rawFile)).lines),
  };
}

/** Engine time the part's rounds have spent so far, in ms (sum of their lines' wallNs). */
export function spentMs(lines: PartLines): number {
  return (lines.rounds ?? []).flat().reduce((s, l) => s + (l.wallNs ?? 0), 0) / 1e6;
}

/** The experiment's claims and the class that judges them, for the claims' own re-measurement. */
export interface ClaimContext { definitions: readonly ExperimentDefinition[]; platformClass: string }

/** The claims of a run's experiment, from the loaded configs (none when the experiment is not among them). */
export function claimContextOf(configs: Configs, run: { experiment: string; platformClass: string }): ClaimContext | undefined {
  const experiment = configs.experiments.get(run.experiment);
  return experiment ? { definitions: [experiment as unknown as ExperimentDefinition], platformClass: run.platformClass } : undefined;
}

/** A claim whose interval is too wide, and the jobs its measurement comes from. */
export interface WideClaim { id: string; interval: [number, number | null]; relWidth: number; jobIds: string[]; why: 'wide' | 'one-spell' }

/** The co-executed (both sides non-empty) jobs of the given sync mechanisms with a correct result. */
function coexecJobs(rows: readonly JobStats[], mechanisms: readonly string[]): JobStats[] {
  return rows.filter((r) => {
    const st = r.strategy as { splitRatio?: number; sync?: string } | undefined;
    return r.kind === 'layer' && r.status === 'ok' && st !== undefined && mechanisms.includes(st.sync ?? '')
      && (st.splitRatio ?? 0) > 0 && (st.splitRatio ?? 1) < 1;
  });
}

/**
 * Claims whose value can be computed from a part's jobs alone, with the jobs it rests on: the summary
 * fragment derive would write (src/analysis/sync-overhead.ts) and the jobs to measure again.
 */
const CLAIM_SOURCES: { metricPrefix: string; summary: (rows: readonly JobStats[], experiment: string) => object; jobs: (rows: readonly JobStats[], summary: object) => JobStats[] }[] = [{
  metricPrefix: 'sync.svmFineMinusFinish',
  summary: (rows, experiment) => ({ sync: syncSummary(syncOverheadRows(rows as unknown as DerivedJobStats[], new Set([experiment])).rows) }),
  // Every layer counts alike in a median over layers: the finish and svm-fine jobs of every co-executed
  // layer, those left out for an impossible overhead included (a second spell may make them usable).
  jobs: (rows) => coexecJobs(rows, ['finish', 'svm-fine']),
}];

/**
 * Claims of the experiment decided by a 95% interval that is wider than `maxRelWidth` times the claim's
 * bound (an interval without an upper end is infinitely wide), computed from `rows` as derive would.
 */
export function wideClaims(rows: readonly JobStats[], experiment: string, claims: ClaimContext, maxRelWidth: number): WideClaim[] {
  const out: WideClaim[] = [];
  const own = claims.definitions.filter((d) => d.id === experiment);
  for (const source of CLAIM_SOURCES) {
    const defs = own.map((d) => ({ ...d, claims: (d.claims ?? []).filter((c) => c.interval !== undefined && c.metric.startsWith(source.metricPrefix)) }));
    if (defs.every((d) => d.claims.length === 0)) continue;
    const summary = source.summary(rows, experiment);
    for (const row of evaluateClaims(summary, defs, claims.platformClass)) {
      if (row.applicable === false) continue;
      const bound = row.tolerance.max ?? row.tolerance.min;
      if (bound === undefined || bound === 0) continue;
      const [low, high] = row.interval ?? [0, Infinity];
      const relWidth = (high - low) / Math.abs(bound);
      const jobs = source.jobs(rows, summary);
      const oneSpell = jobs.some((j) => (j.attempts ?? 1) < 2);
      if (jobs.length === 0 || !(relWidth > maxRelWidth || oneSpell)) continue;
      out.push({ id: row.id, interval: [low, Number.isFinite(high) ? high : null], relWidth, jobIds: jobs.map((j) => j.jobId), why: relWidth > maxRelWidth ? 'wide' : 'one-spell' });
    }
  }
  return out;
}

/** Why no further round is planned, in words (for the progress output). */
export type NoRound = { stop: string };

/** The next round of a part: its plan and record, or why there is none. */
export function planNextRound(
  runDir: string, part: PartRef, opts: { rule: RemeasureRule | undefined; validity: ValidityRule; orderSeed: number; experiment: string; meta: Record<string, RunJobMeta>; claims?: ClaimContext },
): { plan: EnginePlan; round: RemeasureRound; candidates: number; wide: WideClaim[]; claimJobs: number } | NoRound {
  const { rule, validity } = opts;
  const k = (part.rounds?.length ?? 0) + 1;
  if (!rule || rule.maxRounds === 0) return { stop: 'the profile asks for no re-measurement' };
  if (k > rule.maxRounds) return { stop: `all ${rule.maxRounds} re-measurement rounds done` };
  const lines = partLines(runDir, part);
  // Drift is left out on purpose: it marks every job of the run alike and no second look can clear it.
  const rows = buildJobs('', '', opts.experiment, [lines], opts.meta, validity, {}).doc.rows;
  const noisy = rows.filter((r) => fixableWithMoreTime(r.status, r.stats, validity, r.stealPct, r.stealTicks));
  const wide = rule.claimMaxRelWidth !== undefined && opts.claims ? wideClaims(rows, opts.experiment, opts.claims, rule.claimMaxRelWidth) : [];
  const noisyIds = new Set(noisy.map((r) => r.jobId));
  const forClaims = new Set(wide.flatMap((w) => w.jobIds).filter((id) => !noisyIds.has(id)));
  if (noisy.length === 0 && forClaims.size === 0) {
    return { stop: `no job is INVALID only for want of time (dispersion, too few samples)${rule.claimMaxRelWidth !== undefined ? ', and no claim\'s 95% interval is too wide' : ''}` };
  }
  const plan = JSON.parse(readFileSync(join(runDir, part.planFile), 'utf8')) as EnginePlan;
  const jobsById = new Map(plan.jobs.map((j) => [j.id, j]));
  const factor = rule.timeFactor ** k;
  let leftMs = rule.maxExtraS * 1000 - spentMs(lines);
  const random = mulberry32((opts.orderSeed ^ fnv1a(`${opts.experiment}/${part.name}/remeasure-${k}`)) >>> 0);
  const taken: EngineJob[] = [];
  let budgetMs = 0;
  // The jobs of claims too wide to judge first, within half of what is left: their interval decides an
  // experiment's claim, where the long INVALID jobs (4-8 s each) would spend the extra time before the
  // claim got any; the other half keeps the INVALID jobs from
  // being starved in turn (a quick reproduce on the loaded VM lost 7 of them, and validity, that way). A
  // claim's job gets a further spell of round 1's length, not a longer one: the spread between spells is
  // what its interval lacks. Each group in a seeded order.
  const claimRows = rows.filter((r) => forClaims.has(r.jobId));
  let claimTaken = 0;
  let claimLeftMs = leftMs / 2;
  for (const row of [...shuffled(claimRows, random), ...shuffled(noisy, random)]) {
    const job = jobsById.get(row.jobId);
    if (!job) continue;
    const forClaim = forClaims.has(row.jobId);
    // Sampling stops at maxTimeMs or after maxSamples samples (at the median so far), whichever comes first;
    // warm-up runs and the result check take about a sample each.
    const sampleMs = (row.stats?.medianNs ?? 0) / 1e6;
    const f = forClaim ? rule.timeFactor : factor;
    const costMs = Math.min(job.maxTimeMs * f, job.maxSamples * f * sampleMs) + (job.warmup + 1) * sampleMs;
    if (costMs > leftMs || (forClaim && costMs > claimLeftMs)) continue;
    leftMs -= costMs;
    if (forClaim) claimLeftMs -= costMs;
    budgetMs += costMs;
    const again: EngineJob = { ...job, maxTimeMs: job.maxTimeMs * f, maxSamples: Math.round(job.maxSamples * f) };
    if (forClaim) { delete again.targetMedianCiPct; claimTaken++; }
    taken.push(again);
  }
  if (taken.length === 0) {
    const left = [noisy.length > 0 ? `${noisy.length} jobs still INVALID for want of time` : '', ...wide.map((w) => `${w.id} still too wide`)].filter(Boolean);
    return { stop: `the extra time of ${rule.maxExtraS} s is spent (${left.join('; ')})` };
  }
  const files = roundFiles(part.name, k);
  const planId = `${plan.planId}-remeasure-${k}`;
  return {
    plan: { ...plan, planId, jobs: taken },
    round: { round: k, ...files, planId, jobs: taken.length, maxTimeMs: Math.max(...taken.map((j) => j.maxTimeMs)), budgetS: Math.round(budgetMs) / 1000 },
    candidates: noisy.length,
    wide,
    claimJobs: claimTaken,
  };
}

/** VALID and total rows among the given job ids after the part's latest lines (for the round's last line). */
export function validAmong(runDir: string, part: PartRef, ids: readonly string[], validity: ValidityRule, experiment: string, meta: Record<string, RunJobMeta>): { valid: number; total: number } {
  const wanted = new Set(ids);
  const rows = buildJobs('', '', experiment, [partLines(runDir, part)], meta, validity, {}).doc.rows.filter((r) => wanted.has(r.jobId));
  return { valid: rows.filter((r) => r.verdict === 'VALID').length, total: rows.length };
}
