/**
 * The same-call test-retest check of validity: a run whose device call also measured round 1's bundle a
 * second time (scripts/device-round.sh RETEST_S, scripts/repeatability.mjs) has a file
 * results/repeatability/<platform>-<experiment>-<run id>-same-call.json. Each job's VALID verdict only says
 * that its own samples agree; when the machine is disturbed for minutes (another tenant's load: steal time on
 * a shared host), whole stretches of jobs move together and every one of them still looks stable. The retest
 * sees that: on the quiet gpu-host and pocl-split calls of 2026-12-03/04 the median absolute change of a job
 * between the two measurements was 4.3-5.9%; on the two calls with steal time or a busy CPU side it was 28.8%
 * and 34.3%.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { JobStats } from '../analysis/types.js';

/** Largest median |change| between a job's two same-call measurements a quiet machine gives, in percent: 2.5x the worst quiet call (5.9%). */
export const DEFAULT_MAX_RETEST_MEDIAN_APE_PCT = 15;

export interface SameCallRetest {
  /** The repeatability file, as found. */
  file: string;
  /** Jobs both measurements have. */
  jobs: number;
  /** Median absolute percentage change over those jobs. */
  medianApePct: number;
  /** Median of the retest's median over the run's (files written since 2026-12-06; see RepeatabilityRow). */
  medianRatio?: number;
}

/** Default folder of repeatability files for a run folder results/<platform>/<run id>: results/repeatability. */
export function repeatabilityDirOf(runDir: string): string {
  return join(runDir, '..', '..', 'repeatability');
}

/**
 * The same-call retest of run folder `runDir` in `dir` (a *-same-call.json whose runA is the run's id and
 * whose runB is the same run measured again), or undefined when there is none. A file that is not JSON or
 * lacks the "all" row is an error, not silence: it would hide a disturbed run.
 */
export function findSameCallRetest(runDir: string, dir = repeatabilityDirOf(runDir)): SameCallRetest | undefined {
  if (!existsSync(dir)) return undefined;
  const runId = basename(runDir);
  for (const name of readdirSync(dir).filter((n) => n.endsWith('-same-call.json')).sort()) {
    const file = join(dir, name);
    let doc: { runA?: unknown; runB?: unknown; rows?: { group?: unknown; n?: unknown; medianApePct?: unknown; medianRatio?: unknown }[] };
    try { doc = JSON.parse(readFileSync(file, 'utf8')); } catch { throw new Error(`${file}: not JSON`); }
    if (doc.runA !== runId || doc.runB !== runId) continue;
    const all = doc.rows?.find((r) => r.group === 'all');
    if (!all || typeof all.medianApePct !== 'number' || typeof all.n !== 'number') throw new Error(`${file}: no "all" row with n and medianApePct`);
    return { file, jobs: all.n, medianApePct: all.medianApePct, ...(typeof all.medianRatio === 'number' ? { medianRatio: all.medianRatio } : {}) };
  }
  return undefined;
}

/**
 * The jobs the same-call retest measured (the retest's jobs.json, stored gzipped beside its repeatability file as
 * <same prefix>-retest-jobs.json.gz), or undefined where that file was not kept. A damaged file is an error.
 */
export function readSameCallRetestJobs(retest: SameCallRetest): JobStats[] | undefined {
  const file = sameCallRetestJobsFile(retest);
  if (file === retest.file || !existsSync(file)) return undefined;
  let doc: { rows?: unknown };
  try { doc = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')); } catch { throw new Error(`${file}: not a gzipped JSON jobs file`); }
  if (!Array.isArray(doc.rows)) throw new Error(`${file}: no "rows" array`);
  return doc.rows as JobStats[];
}

/** Where the same-call retest's own jobs are kept: beside its repeatability file, <same prefix>-retest-jobs.json.gz. */
export function sameCallRetestJobsFile(retest: SameCallRetest): string {
  return retest.file.replace(/-same-call\.json$/, '-retest-jobs.json.gz');
}
