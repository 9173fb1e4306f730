/**
 * Re-measurement rounds for runs measured through offline bundles (`coexec export --resume RUN --remeasure S`).
 *
 * A local run re-measures its noisy jobs itself (src/run/remeasure.ts): after a part, the jobs INVALID only
 * for want of time, or because the hypervisor stole time while they ran, are measured again in rounds. A
 * bundle's device cannot do that (it has no Node), so its jobs were judged on one attempt: a GPU-host call
 * of 2026-12-05 with 1-10% steal time left 315 of 984 linear and 477 of 1290 conv grid jobs INVALID.
 *
 * Here home plans the next round of every part of an imported run with the same planNextRound a local run
 * uses, writes its plan into the run folder and records it in run.json (parts[].rounds), exactly as a local
 * round is recorded; the bundle carries the round's plans under the names `<part>.remeasure-<k>`, so that
 * `coexec import` appends the device's lines to raw/<part>.remeasure-<k>.jsonl, the round's raw file, and
 * jobs.json pools every attempt (a stolen attempt is left out once a clean one exists: jobs.ts poolReplicates).
 *
 * The rule: the profile's `measurement.remeasure` when it has one, else BUNDLE_RULE; in both, the extra engine
 * time per part is the `--remeasure` seconds given (a device call's time is what bounds a bundle, not a
 * profile). A round exported and not wholly imported is exported again (its missing jobs), never planned
 * anew: the next round depends on its results.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResultLines } from '../engine/lines.js';
import type { EnginePlan } from '../plan/expand.js';
import type { Configs } from '../config/load.js';
import { PlatformError } from '../platforms/errors.js';
import type { RunRecord } from './execute.js';
import { claimContextOf, planNextRound, type RemeasureRound, type RemeasureRule } from './remeasure.js';

/** Rounds and time factor for a profile without `measurement.remeasure` (the host profiles). */
export const BUNDLE_RULE: Omit<RemeasureRule, 'maxExtraS'> = { maxRounds: 3, timeFactor: 1.5 };

/** One planned round, ready to export. */
export interface BundleRound {
  /** The bundle's plan name: `<part>.remeasure-<k>`, so that import writes the round's raw file. */
  name: string;
  planPath: string;
  part: string;
  round: number;
  jobs: number;
  /** Worst-case engine time planned, in s. */
  budgetS: number;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Job ids with a line in a raw file, plain or compacted (none when it is absent). */
const doneIn = (runDir: string, rawFile: string): Set<string> => new Set(readResultLines(join(runDir, rawFile)).lines.map((l) => l.jobId));

/**
 * A round exported earlier that came back short (the device call ended mid-round) or not at all: its jobs
 * without a line yet, as a plan of the same planId in a scratch folder, so import appends the rest.
 */
function unfinished(runDir: string, round: BundleRound, record: RemeasureRound): BundleRound {
  const done = doneIn(runDir, record.rawFile);
  if (done.size === 0) return round;
  const plan = readJson<EnginePlan>(join(runDir, record.planFile));
  const rest = { ...plan, jobs: plan.jobs.filter((j) => !done.has(j.id)) };
  const planPath = join(mkdtempSync(join(tmpdir(), 'coexec-remeasure-')), `${round.name}.json`);
  writeFileSync(planPath, `${JSON.stringify(rest)}\n`);
  return { ...round, planPath, jobs: rest.jobs.length };
}

/**
 * The round of every part of the run in `runDir` to measure on the device: a round exported earlier whose
 * results did not all come back (the bundle was lost, did not run or was stopped) again, its jobs without a
 * line only, else the next
 * round planned from every attempt so far, written to the run folder and recorded in its run.json.
 * `stopped` says, per part, why it has none.
 */
export function planBundleRemeasure(runDir: string, opts: { extraS: number; configs: Configs }): { rounds: BundleRound[]; stopped: string[] } {
  if (!(opts.extraS > 0)) throw new PlatformError(`export --remeasure: expected a positive number of seconds (extra engine time per part), got ${opts.extraS}.`);
  const runFile = join(runDir, 'run.json');
  if (!existsSync(runFile)) throw new PlatformError(`export --remeasure: ${runFile} not found: give the folder of an imported run.`);
  const record = readJson<RunRecord>(runFile);
  for (const part of record.parts) {
    if (doneIn(runDir, part.rawFile).size === 0) {
      throw new PlatformError(`export --remeasure: part ${part.name} of ${runDir} has no results (${part.rawFile}): import its bundle first.`);
    }
  }
  const own = record.profile.resolved.measurement.remeasure;
  const rule: RemeasureRule = { ...(own ?? BUNDLE_RULE), maxExtraS: opts.extraS };
  const claims = claimContextOf(opts.configs, record);
  const rounds: BundleRound[] = [];
  const stopped: string[] = [];
  let recorded = false;
  for (const part of record.parts) {
    const toRound = (r: RemeasureRound): BundleRound => ({
      name: `${part.name}.remeasure-${r.round}`, planPath: join(runDir, r.planFile), part: part.name, round: r.round, jobs: r.jobs, budgetS: r.budgetS,
    });
    const pending = (part.rounds ?? []).find((r) => doneIn(runDir, r.rawFile).size < r.jobs);
    if (pending) { rounds.push(unfinished(runDir, toRound(pending), pending)); continue; }
    const next = planNextRound(runDir, part, {
      rule, validity: record.profile.resolved.validity, orderSeed: record.seeds.order, experiment: record.experiment, meta: record.jobs, claims,
    });
    if ('stop' in next) { stopped.push(`${part.name}: ${next.stop}`); continue; }
    writeFileSync(join(runDir, next.round.planFile), `${JSON.stringify(next.plan, null, 2)}\n`);
    part.rounds = [...(part.rounds ?? []), next.round];
    recorded = true;
    rounds.push(toRound(next.round));
  }
  if (recorded) writeFileSync(runFile, `${JSON.stringify(record, null, 2)}\n`);
  return { rounds, stopped };
}
