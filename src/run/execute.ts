/**
 * A measured run: experiment + profile + platform -> results/<platform>/<run-id>/ (contract section 6).
 *
 * Steps: 1. ask the engine for its info and expand the phases into one interleaved plan (confirm, which
 * re-measures chosen strategies, gets its own plan part); 2. capture the environment and estimate this
 * machine's noise (src/env/noise.ts); 3. run every job not already in raw/ (so --resume after a kill or
 * Ctrl-C measures each job exactly once); 3b. measure again, in bounded rounds, the jobs INVALID only on
 * their dispersion (src/run/remeasure.ts; a killed round resumes where it stopped); 4. capture the
 * environment again and flag drift; 5. per-job statistics and verdicts into jobs.json, every attempt
 * pooled; 6. manifest.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Configs } from '../config/load.js';
import type { Phase, PlatformConfig } from '../config/schemas.js';
import type { EngineDriver } from '../engine/driver.js';
import { dropPartialLine, readResultLines } from '../engine/lines.js';
import { restoreRawFile } from '../engine/raw-files.js';
import { captureEnv, driftOf, type EnvSnapshot } from '../env/capture.js';
import { writeManifest } from '../manifest/manifest.js';
import { msg, UserError } from '../messages.js';
import { type EngineJob, type EnginePlan, type Plan, planPhase, stamp } from '../plan/expand.js';
import { fnv1a, mulberry32, shuffled } from '../plan/prng.js';
import { buildJobs, type JobsDoc, type RunJobMeta } from './jobs.js';
import { formatDuration, Progress, type ProgressOptions } from './progress.js';
import { claimContextOf, partLines, planNextRound, type RemeasureRound, validAmong } from './remeasure.js';
import { measureNoise, noiseLine, type NoiseEstimate } from '../env/noise.js';

/** One engine plan of a run folder and the raw file its lines go to, with its re-measurement rounds. */
export interface RunPart { name: string; phases: Phase[]; planFile: string; rawFile: string; planId: string; jobs: number; rounds?: RemeasureRound[] }

/** run.json: what was asked and what it resolved to. */
export interface RunRecord {
  schemaVersion: 1;
  runId: string;
  platform: string;
  platformConfig: PlatformConfig;
  experiment: string;
  profile: Plan['profile'];
  seeds: { order: number; data: number };
  createdAt: string;
  driver: string;
  deviceNote?: string;
  /** The class the claims are judged by: the config's, or the auto-picked device's (see classOfPick). */
  platformClass: PlatformConfig['class'];
  parts: RunPart[];
  jobs: Record<string, RunJobMeta>;
  skipped: { id: string; reason: string; phase: Phase }[];
  duplicates: number;
}

/** Options of runExperiment. */
export interface RunOptions {
  configs: Configs;
  repoRoot: string;
  /** Folder holding results/<platform>/ (usually repoRoot/results). */
  resultsRoot: string;
  experiment: string;
  profile: string;
  platform: string;
  driver: EngineDriver;
  /** Phases to run; default: the experiment's phases except confirm. */
  phases?: Phase[];
  resumeDir?: string;
  /** Phase confirm: strategy ids to re-measure. */
  strategyIds?: string[];
  signal?: AbortSignal;
  progress?: ProgressOptions | false;
  now?: () => Date;
  /** Root of /sys and /proc for the environment capture (tests). */
  envRoot?: string;
  engineBinary?: string;
  /**
   * The noise estimate to record in env-before.json (reproduce measures it once for all experiments);
   * absent: measured here. `false`: not measured (tests of other steps).
   */
  noise?: NoiseEstimate | false;
}

/** What happened. */
export interface RunResult {
  runDir: string;
  runId: string;
  total: number;
  /** Jobs finished by this invocation (lines written now into the parts' own raw files). */
  measuredNow: number;
  /** Lines written now by re-measurement rounds. */
  remeasuredNow: number;
  /** Jobs with a line, over all invocations. */
  finished: number;
  complete: boolean;
  exitCode: number;
  stderrTail: string;
  deviceNote?: string;
  jobs: JobsDoc;
  drift: ReturnType<typeof driftOf>;
}

const writeJson = (path: string, doc: unknown) => writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Merges phase plans into one engine plan: one job per id, reshuffled so that phases interleave. */
export function mergePlans(plans: Plan[], planId: string, orderSeed: number, salt: string): { engine: EnginePlan; meta: Record<string, RunJobMeta> } {
  const jobs = new Map<string, EngineJob>();
  const meta: Record<string, RunJobMeta> = {};
  for (const p of plans) {
    for (const job of p.engine.jobs) {
      const m = p.meta[job.id]!;
      const have = meta[job.id];
      if (have) {
        if (!have.phases.includes(p.phase)) have.phases.push(p.phase);
        for (const w of m.workloads) if (!have.workloads.includes(w)) have.workloads.push(w);
        if (!m.trainingOnly) delete have.trainingOnly;  // another phase measures it for a measured workload
        continue;
      }
      jobs.set(job.id, job);
      meta[job.id] = { ...m, workloads: [...m.workloads], phases: [p.phase], kind: job.kind };
    }
  }
  const first = plans[0]!.engine;
  const ordered = shuffled([...jobs.values()], mulberry32((orderSeed ^ fnv1a(salt)) >>> 0));
  return { engine: { schemaVersion: 1, planId, device: first.device, cpuAffinity: first.cpuAffinity,
    ...(first.driverCore !== undefined ? { driverCore: first.driverCore } : {}),
    ...(first.deviceCores !== undefined ? { deviceCores: first.deviceCores } : {}),
    ...(first.keepDeviceCoresAwake === true ? { keepDeviceCoresAwake: true } : {}), jobs: ordered }, meta };
}

function newRunDir(resultsRoot: string, platform: string, base: string): { dir: string; runId: string } {
  for (let i = 1; ; i++) {
    const runId = i === 1 ? base : `${base}-${i}`;
    const dir = join(resultsRoot, platform, runId);
    if (!existsSync(dir)) return { dir, runId };
  }
}

/** What createRun needs: the run options without the execution-only fields. */
export type CreateOptions = Omit<RunOptions, 'driver' | 'signal' | 'progress' | 'envRoot' | 'engineBinary'> & { driverName: string };

/**
 * Step 1: plans the run (or extends a resumed one with a confirm part) and writes run.json and the plan
 * files; returns the folder and its record. `info` may be undefined (offline bundle: device unknown here).
 */
export function createRun(opts: CreateOptions, info: unknown): { runDir: string; record: RunRecord } {
  const now = opts.now ?? (() => new Date());
  const { configs } = opts;
  const platform = configs.platforms.get(opts.platform);
  if (!platform) throw new UserError(msg.unknownPlatform(opts.platform, [...configs.platforms.keys()]));
  const experiment = configs.experiments.get(opts.experiment);
  if (!experiment) throw new UserError(msg.unknownExperiment(opts.experiment, [...configs.experiments.keys()]));
  const profile = configs.profiles.get(opts.profile);
  if (!profile) throw new UserError(msg.unknownProfile(opts.profile, [...configs.profiles.keys()]));
  const phases = opts.phases ?? experiment.phases.filter((p) => p !== 'confirm');
  for (const p of phases) if (!experiment.phases.includes(p)) throw new UserError(msg.phaseNotInExperiment(p, experiment.id, experiment.phases));

  let runDir: string;
  let record: RunRecord;
  const planOpts = { configs, engineInfo: info, strategyIds: opts.strategyIds, now: now() };
  const makePart = (name: string, partPhases: Phase[], planFile: string, rawFile: string, plans: Plan[]) => {
    const planId = `${profile.name}-${experiment.id}-${name}-${stamp(planOpts.now)}`;
    const merged = mergePlans(plans, planId, profile.seeds.order, `${experiment.id}/${name}`);
    return { part: { name, phases: partPhases, planFile, rawFile, planId, jobs: merged.engine.jobs.length } as RunPart, ...merged };
  };
  const addSkips = (rec: { skipped: RunRecord['skipped'] }, plans: Plan[]) => {
    for (const p of plans) for (const s of p.skipped) rec.skipped.push({ ...s, phase: p.phase });
  };
  if (opts.resumeDir) {
    runDir = opts.resumeDir;
    if (!existsSync(join(runDir, 'run.json'))) throw new UserError(msg.resumeMissing(runDir));
    record = readJson<RunRecord>(join(runDir, 'run.json'));
    if (record.platform !== platform.name) throw new UserError(msg.resumeOtherPlatform(runDir, record.platform, platform.name));
    if (phases.includes('confirm') && !record.parts.some((p) => p.name === 'confirm')) {
      const plans = [planPhase(experiment, profile, platform, 'confirm', planOpts)];
      const made = makePart('confirm', ['confirm'], 'plan-confirm.json', 'raw/confirm.jsonl', plans);
      writeJson(join(runDir, made.part.planFile), made.engine);
      record.parts.push(made.part);
      for (const [id, m] of Object.entries(made.meta)) if (!record.jobs[id]) record.jobs[id] = m;
      addSkips(record, plans);
      writeJson(join(runDir, 'run.json'), record);
    }
    return { runDir, record };
  }
  const mainPhases = phases.filter((p) => p !== 'confirm');
  const parts: ReturnType<typeof makePart>[] = [];
  const plans: Plan[] = [];
  if (mainPhases.length > 0) {
    const mainPlans = mainPhases.map((p) => planPhase(experiment, profile, platform, p, planOpts));
    plans.push(...mainPlans);
    parts.push(makePart('main', mainPhases, 'plan.json', 'raw/main.jsonl', mainPlans));
  }
  if (phases.includes('confirm')) {
    const confirmPlans = [planPhase(experiment, profile, platform, 'confirm', planOpts)];
    plans.push(...confirmPlans);
    parts.push(makePart('confirm', ['confirm'], mainPhases.length > 0 ? 'plan-confirm.json' : 'plan.json', 'raw/confirm.jsonl', confirmPlans));
  }
  if (parts.every((p) => p.engine.jobs.length === 0)) throw new UserError(msg.emptyPlan(experiment.id, phases.join('+')));
  const created = newRunDir(opts.resultsRoot, platform.name, `${experiment.id}-${profile.name}-${stamp(planOpts.now)}`);
  runDir = created.dir;
  mkdirSync(join(runDir, 'raw'), { recursive: true });
  record = {
    schemaVersion: 1, runId: created.runId, platform: platform.name, platformConfig: platform, experiment: experiment.id,
    profile: plans[0]!.profile, seeds: { ...profile.seeds }, createdAt: planOpts.now.toISOString(), driver: opts.driverName,
    ...(plans[0]!.deviceNote ? { deviceNote: plans[0]!.deviceNote } : {}), platformClass: plans[0]!.platformClass,
    parts: parts.map((p) => p.part), jobs: {}, skipped: [], duplicates: plans.reduce((s, p) => s + p.duplicates, 0),
  };
  for (const p of parts) {
    writeJson(join(runDir, p.part.planFile), p.engine);
    for (const [id, m] of Object.entries(p.meta)) if (!record.jobs[id]) record.jobs[id] = m;
  }
  addSkips(record, plans);
  writeJson(join(runDir, 'run.json'), record);
  return { runDir, record };
}

/** Job ids with a complete line in a part's raw file (raw/X.jsonl, or raw/X.jsonl.gz once compacted). */
export function doneIds(runDir: string, part: RunPart): Set<string> {
  return new Set(readResultLines(join(runDir, part.rawFile)).lines.map((l) => l.jobId));
}

/**
 * Steps 4-6: environment after (when the run was local), statistics and verdicts into jobs.json, and the
 * manifest. Also used after `import` of an offline bundle's results.
 */
export function finalizeRun(
  runDir: string, opts: { repoRoot: string; configs: Configs; engineBinary?: string; envAfter?: EnvSnapshot; now?: () => Date },
): { jobs: JobsDoc; drift: ReturnType<typeof driftOf>; finished: number; total: number } {
  const now = opts.now ?? (() => new Date());
  const record = readJson<RunRecord>(join(runDir, 'run.json'));
  const envBeforePath = join(runDir, 'env-before.json');
  let drift: ReturnType<typeof driftOf> = { governorChanged: false };
  if (opts.envAfter) {
    writeJson(join(runDir, 'env-after.json'), opts.envAfter);
    if (existsSync(envBeforePath)) drift = driftOf(readJson<EnvSnapshot>(envBeforePath), opts.envAfter);
  }
  const parts = record.parts.map((p) => partLines(runDir, p));
  const finished = record.parts.reduce((s, p) => s + doneIds(runDir, p).size, 0);
  const total = record.parts.reduce((s, p) => s + p.jobs, 0);
  const { doc } = buildJobs(record.runId, record.platform, record.experiment, parts, record.jobs, record.profile.resolved.validity, drift);
  writeJson(join(runDir, 'jobs.json'), doc);
  writeManifest(runDir, {
    runId: record.runId, platform: record.platform, createdAt: record.createdAt, finishedAt: now().toISOString(),
    repoRoot: opts.repoRoot, engineBinary: opts.engineBinary, configs: opts.configs.hashes, seeds: record.seeds,
  });
  return { jobs: doc, drift, finished, total };
}

/** Runs (or resumes) an experiment; see the file comment for the steps. */
export async function runExperiment(opts: RunOptions): Promise<RunResult> {
  const now = opts.now ?? (() => new Date());
  // 1. plan (or reload the plan of the run being resumed)
  if (!opts.configs.platforms.has(opts.platform)) throw new UserError(msg.unknownPlatform(opts.platform, [...opts.configs.platforms.keys()]));
  await opts.driver.prepare();
  const info = await opts.driver.info();
  const { runDir, record } = createRun({ ...opts, driverName: opts.driver.name }, info);
  mkdirSync(join(runDir, 'raw'), { recursive: true });

  // 2. environment before and the noise estimate (both kept from the first invocation of a resumed run)
  const envBeforePath = join(runDir, 'env-before.json');
  const note = (text: string) => { if (opts.progress !== false) (opts.progress?.stream ?? process.stderr).write(`${text}\n`); };
  if (!existsSync(envBeforePath)) {
    const env: EnvSnapshot = captureEnv(info, opts.envRoot, now());
    const firstPlan = readJson<EnginePlan>(join(runDir, record.parts[0]!.planFile));
    const noise = opts.noise === false ? undefined : opts.noise ?? await measureNoise(opts.driver, firstPlan, record.profile.resolved.validity, record.profile.resolved.measurement, now);
    if (noise) {
      env.noise = noise;
      if (opts.noise === undefined) note(noiseLine(noise, record.profile.resolved.name));
    }
    writeJson(envBeforePath, env);
  }

  // 3. run what is not yet in raw/, then 3b. the re-measurement rounds
  const total = record.parts.reduce((s, p) => s + p.jobs, 0);
  const alreadyDone = record.parts.reduce((s, p) => s + doneIds(runDir, p).size, 0);
  const progress = opts.progress === false ? undefined : new Progress(total, alreadyDone, opts.progress);
  let measuredNow = 0;
  let remeasuredNow = 0;
  let exitCode = 0;
  let stderrTail = '';
  // The experiment's claims, so that a claim too wide to judge gets its jobs measured again (remeasure.ts).
  const claimContext = claimContextOf(opts.configs, record);

  const scratch = mkdtempSync(join(tmpdir(), 'coexec-plan-'));
  /** Runs the jobs of planFile that rawFile has no line for; false when the run must stop (abort, crash). */
  const runRemaining = async (name: string, planFile: string, rawFile: string, bar: Progress | undefined, isRound = false): Promise<boolean> => {
    const rawPath = join(runDir, rawFile);
    dropPartialLine(rawPath);
    const done = new Set(readResultLines(rawPath).lines.map((l) => l.jobId));
    const plan = readJson<EnginePlan>(join(runDir, planFile));
    const remaining = plan.jobs.filter((j) => !done.has(j.id));
    if (remaining.length === 0) return true;
    // The engine appends to the plain file: a part compacted to raw/X.jsonl.gz is unpacked first (and,
    // like any raw file, cut back to its last complete line).
    if (restoreRawFile(rawPath)) dropPartialLine(rawPath);
    if (!existsSync(rawPath)) writeFileSync(rawPath, '');
    const planPath = join(scratch, `${name}.json`);
    writeJson(planPath, { ...plan, jobs: remaining });
    const outcome = await opts.driver.run({
      planPath, resultsPath: rawPath, signal: opts.signal,
      onLine: (line) => {
        if (isRound) remeasuredNow++; else measuredNow++;
        try { bar?.jobDone((JSON.parse(line) as { jobId: string }).jobId); } catch { bar?.jobDone('?'); }
      },
    });
    if (outcome.exitCode === 2) throw new UserError(msg.badPlanForEngine(opts.driver.name, outcome.stderrTail));
    if (opts.signal?.aborted) { exitCode = 130; return false; }
    if (outcome.exitCode !== 0) { exitCode = outcome.exitCode; stderrTail = outcome.stderrTail; return false; }
    return true;
  };
  try {
    let going = true;
    for (const part of record.parts) {
      going = await runRemaining(part.name, part.planFile, part.rawFile, progress);
      if (!going) break;
    }
    progress?.finish();
    for (const part of going ? record.parts : []) {
      going = await remeasurePart(part);
      if (!going) break;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  /** 3b for one part: finish a round a kill interrupted, then plan and run rounds until a bound stops them. */
  async function remeasurePart(part: RunPart): Promise<boolean> {
    const validity = record.profile.resolved.validity;
    // Say why the rounds stopped only when this invocation measured (a resumed run stays quiet about old ones).
    let measuredHere = false;
    for (const round of part.rounds ?? []) {
      const before = remeasuredNow;
      if (!await runRound(part, round, round.jobs)) return false;
      measuredHere ||= remeasuredNow > before;
    }
    for (;;) {
      const next = planNextRound(runDir, part, {
        rule: record.profile.resolved.measurement.remeasure, validity, orderSeed: record.seeds.order, experiment: record.experiment, meta: record.jobs,
        claims: claimContext,
      });
      if ('stop' in next) {
        if (measuredHere) note(`re-measure ${part.name}: stopped after round ${part.rounds!.length}: ${next.stop}`);
        return true;
      }
      writeJson(join(runDir, next.round.planFile), next.plan);
      part.rounds = [...(part.rounds ?? []), next.round];
      writeJson(join(runDir, 'run.json'), record);
      const limit = record.profile.resolved.measurement.remeasure!;
      // A claim too wide to judge names its interval: the reader sees why jobs that were VALID are measured again.
      const wide = next.wide.map((w) => `; ${next.claimJobs} of the ${w.jobIds.length} jobs behind ${w.id} (95% interval [${w.interval[0].toPrecision(3)}, ` +
        `${w.interval[1] === null ? '-' : w.interval[1].toPrecision(3)}]${w.why === 'wide' ? ` is ${w.relWidth.toFixed(1)}x its bound wide, more than ${limit.claimMaxRelWidth}x`
          : ' from one spell of the machine; a second shows how far it moves'})`).join('');
      const invalid = next.round.jobs - next.claimJobs;
      const what = next.wide.length === 0 ? `${next.round.jobs} of ${next.candidates} jobs` : `${next.round.jobs} jobs: ${invalid} of ${next.candidates}`;
      note(`re-measure ${part.name}, round ${next.round.round}/${limit.maxRounds}: ${what} INVALID only for want ` +
        `of time (dispersion > ${validity.maxCvPct}% or < ${validity.minSamples} samples)${wide}, up to ${(next.round.maxTimeMs / 1000).toFixed(1)} s each, ` +
        `at most ${formatDuration(next.round.budgetS)} of the ${formatDuration(limit.maxExtraS)} extra time`);
      if (!await runRound(part, next.round, next.round.jobs)) return false;
      measuredHere = true;
    }
  }

  /** Runs what a round has left and prints how many of its jobs are VALID now. */
  async function runRound(part: RunPart, round: RemeasureRound, jobs: number): Promise<boolean> {
    const done = readResultLines(join(runDir, round.rawFile)).lines.length;
    if (done >= jobs) return true;
    const bar = opts.progress === false ? undefined : new Progress(jobs, done, opts.progress);
    const ok = await runRemaining(`${part.name}-remeasure-${round.round}`, round.planFile, round.rawFile, bar, true);
    bar?.finish();
    if (!ok) return false;
    const ids = readJson<EnginePlan>(join(runDir, round.planFile)).jobs.map((j) => j.id);
    const { valid, total: n } = validAmong(runDir, part, ids, record.profile.resolved.validity, record.experiment, record.jobs);
    note(`re-measure ${part.name}, round ${round.round}: ${valid} of ${n} re-measured jobs VALID now (every attempt's samples pooled)`);
    return true;
  }

  // 4-6. environment after, statistics, provenance
  const fin = finalizeRun(runDir, { repoRoot: opts.repoRoot, configs: opts.configs, engineBinary: opts.engineBinary, envAfter: captureEnv(info, opts.envRoot, now()), now });
  return {
    runDir, runId: record.runId, total, measuredNow, remeasuredNow, finished: fin.finished, complete: fin.finished >= total && exitCode === 0,
    exitCode, stderrTail, jobs: fin.jobs, drift: fin.drift, ...(record.deviceNote ? { deviceNote: record.deviceNote } : {}),
  };
}
