// Re-measure before judging (src/run/remeasure.ts): with the fake engine, exact rounds, budgets and pooled
// rows; an engine killed in the middle of a round, then resumed, loses no earlier sample (fake, and the
// real engine through the shared kill-after-N-lines driver when it is built).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { loadConfigs } from '../src/config/load.js';
import type { ProfileConfig } from '../src/config/schemas.js';
import type { EngineDriver } from '../src/engine/driver.js';
import { FakeDriver } from '../src/engine/fake.js';
import { readResultLines } from '../src/engine/lines.js';
import { LocalDriver } from '../src/engine/local.js';
import type { EngineJob, EnginePlan } from '../src/plan/expand.js';
import { runExperiment, type RunRecord } from '../src/run/execute.js';
import type { JobsDoc } from '../src/run/jobs.js';
import { killAfterLines } from './fixtures/kill-after-lines.js';

const ROOT = resolve(process.cwd());
const NOW = () => new Date('2026-11-26T06:00:00Z');
const tiny = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/profiles/tiny.json'), 'utf8')) as ProfileConfig;

/** tiny (18 grid jobs, maxTimeMs 250) judged on the median's CI at 10%, with re-measurement rounds. */
function profile(remeasure: NonNullable<ProfileConfig['measurement']['remeasure']>, validity: Partial<ProfileConfig['validity']> = {}): ProfileConfig {
  return {
    ...tiny, name: 'tiny-remeasure', measurement: { ...tiny.measurement, remeasure },
    validity: { ...tiny.validity, dispersion: 'median-ci', maxCvPct: 10, ...validity },
  };
}

function configsWith(p: ProfileConfig) {
  const configs = loadConfigs(ROOT);
  configs.profiles.set(p.name, p);
  return configs;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const GPU_ONLY = 'linear/M:1/N:768/K:768/r:0.00/t:0/cpu:none/gpu:gemv_row-wg64/sync:finish';
const HALF_FINISH = 'linear/M:1/N:768/K:768/r:0.50/t:1/cpu:simd/gpu:gemv_row-wg64/sync:finish';
const HALF_SVM = 'linear/M:1/N:768/K:768/r:0.50/t:1/cpu:simd/gpu:gemv_row-wg64/sync:svm-fine';

/**
 * GPU_ONLY is noisy (+-50%) until given more time (then 40 samples at +-1%); HALF_FINISH is noisy whatever
 * it gets; HALF_SVM computes a wrong result. Everything else is quiet.
 */
function shapeOf(job: EngineJob): { spreadPct?: number; samples?: number } {
  if (job.id === GPU_ONLY) return job.maxTimeMs > 250 ? { samples: 40 } : { spreadPct: 50 };
  if (job.id === HALF_FINISH) return { spreadPct: 50 };
  return {};
}

function options(dir: string, p: ProfileConfig, driver: EngineDriver, out: string[] = []) {
  return {
    configs: configsWith(p), repoRoot: ROOT, resultsRoot: dir, experiment: 'linear-coexec', profile: p.name, platform: 'local', driver,
    phases: ['grid' as const], now: NOW, envRoot: join(dir, 'no-sys'), noise: false as const,
    progress: { stream: { write: (s: string) => { out.push(s); return true; }, isTTY: false }, intervalMs: 1e9 },
  };
}

test('rounds re-measure only jobs INVALID on their dispersion, with more time, and pool every attempt', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-remeasure-'));
  try {
    const out: string[] = [];
    const fake = new FakeDriver({ shapeOf, invalid: new Set([HALF_SVM]) });
    const r = await runExperiment(options(dir, profile({ maxRounds: 2, maxExtraS: 10, timeFactor: 2 }), fake, out));
    assert.equal([r.complete, r.total, r.measuredNow, r.remeasuredNow], [true, 18, 18, 2 + 1]);
    // Three engine runs: the grid, round 1 (both noisy jobs, 2 x 250 ms), round 2 (the one still noisy, 4 x 250 ms).
    assert.equal([fake.runs.length, fake.runs[0]!.length], [3, 18]);
    assert.equal([[...fake.runs[1]!].sort(), fake.runs[2]], [[HALF_FINISH, GPU_ONLY].sort(), [HALF_FINISH]]);
    const record = readJson<RunRecord>(join(r.runDir, 'run.json'));
    const rounds = record.parts[0]!.rounds!;
    assert.equal(rounds.map((x) => [x.round, x.jobs, x.maxTimeMs, x.planFile, x.rawFile]), [
      [1, 2, 500, 'plan-main-remeasure-1.json', 'raw/main.remeasure-1.jsonl'],
      [2, 1, 1000, 'plan-main-remeasure-2.json', 'raw/main.remeasure-2.jsonl'],
    ]);
    const round1 = readJson<EnginePlan>(join(r.runDir, rounds[0]!.planFile));
    assert.equal(round1.jobs.map((j) => [j.maxTimeMs, j.maxSamples, j.minSamples]), [[500, 100, 5], [500, 100, 5]]);
    // Nothing overwritten: the grid's file keeps its 18 lines, each round has its own.
    assert.is(readResultLines(join(r.runDir, 'raw/main.jsonl')).lines.length, 18);
    assert.is(readResultLines(join(r.runDir, 'raw/main.remeasure-1.jsonl')).lines.length, 2);
    assert.is(readResultLines(join(r.runDir, 'raw/main.remeasure-2.jsonl')).lines.length, 1);

    const rows = readJson<JobsDoc>(join(r.runDir, 'jobs.json')).rows;
    assert.is(rows.length, 18, 'one row per job, attempts pooled');
    const quiet = rows.find((x) => x.jobId === GPU_ONLY)!;
    assert.equal([quiet.verdict, quiet.attempts, quiet.stats!.n], ['VALID', 2, 5 + 40]);
    const noisy = rows.find((x) => x.jobId === HALF_FINISH)!;
    assert.equal([noisy.verdict, noisy.attempts, noisy.stats!.n], ['INVALID', 3, 15]);
    assert.match(noisy.reasons.join(' '), /95% CI half-width of the median 50\.0% > 10% with 15 samples/);
    const wrong = rows.find((x) => x.jobId === HALF_SVM)!;
    assert.equal([wrong.verdict, wrong.attempts], ['INVALID', undefined], 'a wrong result is never measured again');
    assert.ok(rows.filter((x) => ![GPU_ONLY, HALF_FINISH].includes(x.jobId)).every((x) => x.attempts === undefined));

    const text = out.join('');
    assert.match(text, /re-measure main, round 1\/2: 2 of 2 jobs INVALID only for want of time \(dispersion > 10% or < 5 samples\), up to 0\.5 s each/);
    assert.match(text, /re-measure main, round 1: 1 of 2 re-measured jobs VALID now/);
    assert.match(text, /re-measure main, round 2: 0 of 1 re-measured jobs VALID now/);
    assert.match(text, /re-measure main: stopped after round 2: all 2 re-measurement rounds done/);

    // Resuming a finished run measures nothing more.
    const again = new FakeDriver({ shapeOf, invalid: new Set([HALF_SVM]) });
    const resumed = await runExperiment({ ...options(dir, profile({ maxRounds: 2, maxExtraS: 10, timeFactor: 2 }), again), resumeDir: r.runDir });
    assert.equal([resumed.measuredNow, resumed.remeasuredNow, again.runs.length], [0, 0, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the extra time bounds a round: jobs whose worst case does not fit stay INVALID', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-remeasure-'));
  try {
    const out: string[] = [];
    // 0.05 s: round 1's expected worst case is 100 samples (maxSamples 50 x 2; before maxTimeMs 500 ms) of
    // about 0.35 ms plus warm-up and check, about 36 ms a job, so one of the two fits.
    const fake = new FakeDriver({ shapeOf: (job) => (job.id === GPU_ONLY || job.id === HALF_FINISH ? { spreadPct: 50 } : {}) });
    const r = await runExperiment(options(dir, profile({ maxRounds: 3, maxExtraS: 0.05, timeFactor: 2 }), fake, out));
    assert.is(fake.runs.length, 2);
    assert.is(fake.runs[1]!.length, 1);
    assert.match(out.join(''), /re-measure main: stopped after round 1: the extra time of 0\.05 s is spent \(2 jobs still INVALID for want of time\)/);
    const noisy = r.jobs.rows.filter((x) => x.verdict === 'INVALID');
    assert.equal(noisy.map((x) => x.jobId).sort(), [GPU_ONLY, HALF_FINISH].sort());
    // None: no rounds at all.
    const none = new FakeDriver({ shapeOf });
    const r2 = await runExperiment({ ...options(dir, { ...profile({ maxRounds: 0, maxExtraS: 10, timeFactor: 2 }), name: 'tiny-none' }, none) });
    assert.is(none.runs.length, 1);
    assert.is(readJson<RunRecord>(join(r2.runDir, 'run.json')).parts[0]!.rounds, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a job the time limit left short of the minimum samples is measured again too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-remeasure-'));
  try {
    const fake = new FakeDriver({ shapeOf: (job) => (job.id === GPU_ONLY ? { samples: job.maxTimeMs > 250 ? 10 : 3 } : {}) });
    const r = await runExperiment(options(dir, profile({ maxRounds: 1, maxExtraS: 10, timeFactor: 2 }), fake));
    assert.equal(fake.runs[1], [GPU_ONLY]);
    const row = r.jobs.rows.find((x) => x.jobId === GPU_ONLY)!;
    assert.equal([row.verdict, row.attempts, row.stats!.n], ['VALID', 2, 13]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the confirmation pass: replicates and rounds pool into one row under the plain id', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-remeasure-'));
  try {
    const p = profile({ maxRounds: 1, maxExtraS: 10, timeFactor: 2 });
    p.measurement.confirmReplicates = 2;
    const grid = await runExperiment(options(dir, p, new FakeDriver()));
    // HALF_SVM is noisy in both replicates of the pass until given more time.
    const fake = new FakeDriver({ shapeOf: (job) => (job.id.startsWith(HALF_SVM) ? (job.maxTimeMs > 250 ? { samples: 40 } : { spreadPct: 50 }) : {}) });
    const c = await runExperiment({ ...options(dir, p, fake), phases: ['confirm'], strategyIds: [HALF_SVM, GPU_ONLY], resumeDir: grid.runDir });
    assert.equal(fake.runs.map((r) => r.length), [4, 1], 'two strategies x two replicates, then the noisy one once');
    assert.equal(fake.runs[1], [HALF_SVM], 'the round measures the plain id');
    const record = readJson<RunRecord>(join(grid.runDir, 'run.json'));
    assert.equal(record.parts.map((x) => [x.name, x.rounds?.map((r) => r.rawFile)]), [['main', undefined], ['confirm', ['raw/confirm.remeasure-1.jsonl']]]);
    const row = c.jobs.rows.find((x) => x.phase === 'confirm' && x.jobId === HALF_SVM)!;
    assert.equal([row.verdict, row.replicates, row.attempts, row.stats!.n], ['VALID', 2, 2, 5 + 5 + 40]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fake engine that is stopped (signal aborted) after `lines` result lines over all its runs. */
function fakeKilledAfter(lines: number, controller: AbortController): FakeDriver {
  const fake = new FakeDriver({ shapeOf: () => ({ spreadPct: 50 }) });
  const run = fake.run.bind(fake);
  let seen = 0;
  fake.run = (req) => run({ ...req, onLine: (l) => { req.onLine?.(l); if (++seen === lines) controller.abort(); } });
  return fake;
}

/** Every complete line of a raw file as text. */
const rawLines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.endsWith('}')) : []);

test('fake engine killed mid-round: resume keeps every earlier line and finishes the round', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-remeasure-'));
  try {
    const p = profile({ maxRounds: 1, maxExtraS: 100, timeFactor: 2 });
    const controller = new AbortController();
    // Every job is noisy, so round 1 re-measures all 18; the kill comes after 18 + 5 lines.
    const first = await runExperiment({ ...options(dir, p, fakeKilledAfter(23, controller)), signal: controller.signal });
    assert.equal([first.complete, first.exitCode], [false, 130]);
    const main = rawLines(join(first.runDir, 'raw/main.jsonl'));
    const round = rawLines(join(first.runDir, 'raw/main.remeasure-1.jsonl'));
    assert.equal([main.length, round.length], [18, 5]);
    const again = new FakeDriver({ shapeOf: () => ({ spreadPct: 50 }) });
    const second = await runExperiment({ ...options(dir, p, again), resumeDir: first.runDir });
    assert.is(second.complete, true);
    assert.equal(again.runs.map((r) => r.length), [13], 'only the rest of the round ran');
    assert.equal(rawLines(join(first.runDir, 'raw/main.jsonl')), main, 'the grid\'s lines are untouched');
    const after = rawLines(join(first.runDir, 'raw/main.remeasure-1.jsonl'));
    assert.equal(after.slice(0, 5), round, 'the round\'s earlier lines are kept as they were');
    assert.is(new Set(after.map((l) => (JSON.parse(l) as { jobId: string }).jobId)).size, 18);
    const rows = second.jobs.rows;
    assert.ok(rows.every((x) => x.attempts === 2 && x.stats!.n === 10), rows.map((x) => `${x.attempts} ${x.stats?.n}`).join(','));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const engine = join(ROOT, 'native/build/coexec-engine');
test('real engine killed (SIGKILL) mid-round, then resumed: no job loses a sample of an earlier attempt', async () => {
  if (!existsSync(engine)) { console.log('  (skipped: native/build/coexec-engine not built)'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'coexec-remeasure-'));
  // A CI limit no job can meet and a validity minimum above maxSamples, so every job goes to round 1; short jobs
  // so the test stays quick. The CI limit alone was not enough: on an idle machine a short CPU-only job can take
  // its 1000 samples with a median CI of 0 and be VALID at once (2026-12-05, 3 of 7 runs).
  const real: ProfileConfig = {
    schemaVersion: 1, name: 'tiny-real', description: 'test',
    measurement: { warmup: 0, minSamples: 3, minTimeMs: 20, maxSamples: 1000, maxTimeMs: 40, remeasure: { maxRounds: 1, maxExtraS: 60, timeFactor: 1 } },
    seeds: { order: 3, data: 4 }, validity: { maxCvPct: 0.0001, dispersion: 'median-ci', minSamples: 1001, maxFreqDriftPct: 100, maxTempRiseC: 100 },
    experiments: { 'linear-coexec': { workloads: ['whisper-tiny/dec-q-m1'], space: { splitRatios: [0, 0.3, 0.5, 0.7, 1], cpuThreads: [1], cpuImpls: ['simd'], gpuVariants: ['gemv_row'], workGroups: [64], syncs: ['finish', 'svm-fine'] } } },
  };
  const platform = loadConfigs(ROOT).platforms.get('local')!;
  const controller = new AbortController();
  try {
    const base = { ...options(dir, real, killAfterLines(platform, ROOT, engine, 0, controller)), envRoot: undefined, progress: false as const };
    const planned = await runExperiment({ ...base, driver: new FakeDriver(), resultsRoot: join(dir, 'count') });
    const jobs = planned.total;
    // Killed after the grid and two lines of round 1.
    const first = await runExperiment({ ...base, driver: killAfterLines(platform, ROOT, engine, jobs + 2, controller), signal: controller.signal });
    assert.is(first.complete, false);
    const main = rawLines(join(first.runDir, 'raw/main.jsonl'));
    const round = rawLines(join(first.runDir, 'raw/main.remeasure-1.jsonl'));
    assert.is(readJson<EnginePlan>(join(first.runDir, 'plan.json')).jobs.length, jobs);
    assert.is(main.length, jobs);
    assert.ok(round.length >= 2 && round.length < jobs, `${round.length} of ${jobs} round lines`);
    const second = await runExperiment({ ...base, driver: new LocalDriver(platform, ROOT, engine), resumeDir: first.runDir });
    assert.is(second.complete, true);
    assert.equal(rawLines(join(first.runDir, 'raw/main.jsonl')), main);
    const after = rawLines(join(first.runDir, 'raw/main.remeasure-1.jsonl'));
    assert.equal(after.slice(0, round.length), round);
    // On a mismatch, say which jobs the round left out and what their first lines said (a rare flake under load).
    const inRound = new Set(after.map((l) => (JSON.parse(l) as { jobId: string }).jobId));
    const left = main.map((l) => JSON.parse(l) as { jobId: string; status: string; reason?: string; samplesNs?: number[]; stealPct?: number })
      .filter((o) => !inRound.has(o.jobId)).map((o) => `${o.jobId}: ${o.status}${o.reason ? ` (${o.reason})` : ''}, n ${o.samplesNs?.length ?? 0}, steal ${o.stealPct ?? '-'}`);
    assert.is(after.length, jobs, `each job of the round measured exactly once; not in the round: ${left.join('; ')}`);
    // Every row pools both attempts: its n is the sum of the two lines' sample counts.
    const count = (lines: string[]) => new Map(lines.map((l) => { const o = JSON.parse(l) as { jobId: string; samplesNs?: number[] }; return [o.jobId, o.samplesNs?.length ?? 0]; }));
    const a = count(main);
    const b = count(after);
    for (const row of second.jobs.rows) {
      assert.is(row.attempts, 2, row.jobId);
      assert.is(row.stats!.n, a.get(row.jobId)! + b.get(row.jobId)!, row.jobId);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
