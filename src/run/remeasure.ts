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
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement } from '../config/schemas.js';
import { readResultLines } from '../engine/lines.js';
import type { EngineJob, EnginePlan } from '../plan/expand.js';
import { fnv1a, mulberry32, shuffled } from '../plan/prng.js';
import { fixableWithMoreTime, type ValidityRule } from '../stats/verdict.js';
import { buildJobs, type PartLines, type RunJobMeta } from './jobs.js';

/** The profile's re-measurement bounds. */
export type RemeasureRule = NonNullable<Measurement['remeasure']>;

/** One re-measurement round of a plan part, as recorded in run.json (`parts[].rounds`). */
export interface RemeasureRound {
  round: number;
  planFile: string;
  rawFile: string;
  planId: string;
  jobs: number;
  /** Per-job maxTimeMs of the round's jobs (the part's times timeFactor^round). */
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

/** Why no further round is planned, in words (for the progress output). */
export type NoRound = { stop: string };

/** The next round of a part: its plan and record, or why there is none. */
export function planNextRound(
  runDir: string, part: PartRef, opts: { rule: RemeasureRule | undefined; validity: ValidityRule; orderSeed: number; experiment: string; meta: Record<string, RunJobMeta> },
): { plan: EnginePlan; round: RemeasureRound; candidates: number } | NoRound {
  const { rule, validity } = opts;
  const k = (part.rounds?.length ?? 0) + 1;
  if (!rule || rule.maxRounds === 0) return { stop: 'the profile asks for no re-measurement' };
  if (k > rule.maxRounds) return { stop: `all ${rule.maxRounds} re-measurement rounds done` };
  const lines = partLines(runDir, part);
  // Drift is left out on purpose: it marks every job of the run alike and no second look can clear it.
  const rows = buildJobs('', '', opts.experiment, [lines], opts.meta, validity, {}).doc.rows;
  const noisy = rows.filter((r) => fixableWithMoreTime(r.status, r.stats, validity));
  if (noisy.length === 0) return { stop: 'no job is INVALID only for want of time (dispersion, too few samples)' };
  const plan = JSON.parse(readFileSync(join(runDir, part.planFile), 'utf8')) as EnginePlan;
  const jobsById = new Map(plan.jobs.map((j) => [j.id, j]));
  const factor = rule.timeFactor ** k;
  let leftMs = rule.maxExtraS * 1000 - spentMs(lines);
  const random = mulberry32((opts.orderSeed ^ fnv1a(`${opts.experiment}/${part.name}/remeasure-${k}`)) >>> 0);
  const taken: EngineJob[] = [];
  let budgetMs = 0;
  for (const row of shuffled(noisy, random)) {
    const job = jobsById.get(row.jobId);
    if (!job) continue;
    // Sampling stops at maxTimeMs or after maxSamples samples (at the median so far), whichever comes first;
    // warm-up runs and the result check take about a sample each.
    const sampleMs = (row.stats?.medianNs ?? 0) / 1e6;
    const costMs = Math.min(job.maxTimeMs * factor, job.maxSamples * factor * sampleMs) + (job.warmup + 1) * sampleMs;
    if (costMs > leftMs) continue;
    leftMs -= costMs;
    budgetMs += costMs;
    taken.push({ ...job, maxTimeMs: job.maxTimeMs * factor, maxSamples: Math.round(job.maxSamples * factor) });
  }
  if (taken.length === 0) return { stop: `the extra time of ${rule.maxExtraS} s is spent (${noisy.length} jobs still INVALID for want of time)` };
  const files = roundFiles(part.name, k);
  const planId = `${plan.planId}-remeasure-${k}`;
  return {
    plan: { ...plan, planId, jobs: taken },
    round: { round: k, ...files, planId, jobs: taken.length, maxTimeMs: taken[0]!.maxTimeMs, budgetS: Math.round(budgetMs) / 1000 },
    candidates: noisy.length,
  };
}

/** VALID and total rows among the given job ids after the part's latest lines (for the round's last line). */
export function validAmong(runDir: string, part: PartRef, ids: readonly string[], validity: ValidityRule, experiment: string, meta: Record<string, RunJobMeta>): { valid: number; total: number } {
  const wanted = new Set(ids);
  const rows = buildJobs('', '', experiment, [partLines(runDir, part)], meta, validity, {}).doc.rows.filter((r) => wanted.has(r.jobId));
  return { valid: rows.filter((r) => r.verdict === 'VALID').length, total: rows.length };
}
