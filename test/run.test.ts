// Runs with the fake engine (exact numbers), resume after an interrupted run, environment drift, and, when
// the real engine is built, a real run killed with SIGKILL mid-way and resumed: every job exactly once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { loadConfigs } from '../src/config/load.js';
import type { ProfileConfig } from '../src/config/schemas.js';
import { FakeDriver } from '../src/engine/fake.js';
import { LocalDriver } from '../src/engine/local.js';
import { killAfterLines } from './fixtures/kill-after-lines.js';
import type { EngineDriver, RunRequest } from '../src/engine/driver.js';
import { readResultLines } from '../src/engine/lines.js';
import { runExperiment } from '../src/run/execute.js';
import type { JobsDoc } from '../src/run/jobs.js';
import { Progress, progressText } from '../src/run/progress.js';
import { verifyManifest } from '../src/manifest/manifest.js';
import { UserError } from '../src/messages.js';

const ROOT = resolve(process.cwd());
const configs = loadConfigs(ROOT);
// A frozen copy of the first quick profile, so the exact numbers below do not follow the shipped profiles.
configs.profiles.set('tiny', JSON.parse(readFileSync(join(ROOT, 'test/fixtures/profiles/tiny.json'), 'utf8')));
const NOW = () => new Date('2026-11-26T06:00:00Z');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'coexec-run-'));
}

const base = (resultsRoot: string, driver: EngineDriver) => ({
  configs, repoRoot: ROOT, resultsRoot, experiment: 'linear-coexec', profile: 'tiny', platform: 'local',
  driver, phases: ['grid' as const], progress: false as const, now: NOW, envRoot: join(resultsRoot, 'no-sys'),
});

test('a fake run writes the run folder with exact statistics', async () => {
  const dir = tmp();
  try {
    const r = await runExperiment(base(dir, new FakeDriver()));
    assert.is(r.runDir, join(dir, 'local', 'linear-coexec-tiny-20261126T0600Z'));
    assert.equal([r.total, r.finished, r.measuredNow, r.complete], [18, 18, 18, true]);
    for (const f of ['plan.json', 'run.json', 'raw/main.jsonl', 'env-before.json', 'env-after.json', 'jobs.json', 'manifest.json']) {
      assert.ok(existsSync(join(r.runDir, f)), f);
    }
    const jobs = JSON.parse(readFileSync(join(r.runDir, 'jobs.json'), 'utf8')) as JobsDoc;
    assert.is(jobs.rows.length, 18);
    assert.ok(jobs.rows.every((row) => row.verdict === 'VALID' && row.phase === 'grid'));
    // GPU-only with finish on 768x768: gpu = 20000 + 768 * 768 / 2 = 314912 ns, + 40000 sync = 354912;
    // samples x (0.99, 1, 1.01, 0.99, 1) -> 351363, 354912, 358461, 351363, 354912
    const row = jobs.rows.find((x) => x.jobId === 'linear/M:1/N:768/K:768/r:0.00/t:0/cpu:none/gpu:gemv_row-wg64/sync:finish')!;
    assert.equal(row.stats!.n, 5);
    assert.is(row.stats!.medianNs, 354912);
    assert.is(row.stats!.meanNs, 354202.2);
    assert.is(row.stats!.q1Ns, 351363);
    assert.is(row.stats!.q3Ns, 354912);
    assert.is(row.gpuKernelMedianNs, 294912);
    assert.is(row.gpuDispatchMedianNs, 5000);
    assert.is(row.wallNs, 7 * 354912);
    assert.equal(row.workloads, ['bert-base/attn-q-m1']);
    const run = JSON.parse(readFileSync(join(r.runDir, 'run.json'), 'utf8'));
    assert.is(run.profile.requested.name, 'tiny');
    assert.equal(run.profile.resolved.measurement, { warmup: 2, minSamples: 5, minTimeMs: 20, maxSamples: 50, maxTimeMs: 250 });
    assert.equal(run.seeds, { order: 1, data: 2 });
    assert.is(run.platformClass, 'pocl-cpu');
    assert.match(run.deviceNote, /^picked "cpu-fake"/);
    assert.ok(verifyManifest(r.runDir).ok);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume after a killed engine (half-written last line): every job exactly once', async () => {
  const dir = tmp();
  try {
    const first = await runExperiment(base(dir, new FakeDriver({ stopAfter: 7, halfLineOnStop: true })));
    assert.equal([first.finished, first.complete, first.exitCode], [7, false, 137]);
    const again = new FakeDriver();
    const second = await runExperiment({ ...base(dir, again), resumeDir: first.runDir });
    assert.is(second.runDir, first.runDir);
    assert.equal([second.finished, second.measuredNow, second.complete], [18, 11, true]);
    assert.is(again.runs[0]!.length, 11, 'the resumed engine got only the missing jobs');
    const { lines, bad } = readResultLines(join(first.runDir, 'raw/main.jsonl'));
    assert.is(bad, 0, 'the half line was cut off');
    assert.is(lines.length, 18);
    assert.is(new Set(lines.map((l) => l.jobId)).size, 18);
    const plan = JSON.parse(readFileSync(join(first.runDir, 'plan.json'), 'utf8'));
    assert.equal(new Set(lines.map((l) => l.jobId)), new Set(plan.jobs.map((j: { id: string }) => j.id)));
    const third = await runExperiment({ ...base(dir, new FakeDriver()), resumeDir: first.runDir });
    assert.equal([third.measuredNow, third.finished], [0, 18], 'nothing left to run');
    assert.ok(verifyManifest(first.runDir).ok);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid and error lines get INVALID verdicts with reasons; a bad plan is a user error', async () => {
  const dir = tmp();
  try {
    const id = 'linear/M:1/N:768/K:768/r:0.50/t:1/cpu:simd/gpu:gemv_row-wg64/sync:finish';
    const r = await runExperiment(base(dir, new FakeDriver({ invalid: new Set([id]) })));
    const row = r.jobs.rows.find((x) => x.jobId === id)!;
    assert.is(row.verdict, 'INVALID');
    assert.match(row.reasons[0]!, /^wrong result \(maxRelErr 0\.5/);
    const badPlan: EngineDriver = { name: 'bad', prepare: async () => {}, info: async () => ({}), run: async () => ({ exitCode: 2, stderrTail: 'plan.json: jobs[0].strategy.cpuImpl: unknown value "x"\n' }) };
    try {
      await runExperiment(base(dir, badPlan));
      assert.unreachable();
    } catch (err) {
      assert.instance(err, UserError);
      assert.is((err as Error).message, 'engine (bad) rejected the plan: plan.json: jobs[0].strategy.cpuImpl: unknown value "x"');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('frequency drift between the environment captures marks jobs INVALID', async () => {
  const dir = tmp();
  const sys = join(dir, 'fake-root');
  const freq = join(sys, 'sys/devices/system/cpu/cpu0/cpufreq');
  mkdirSync(freq, { recursive: true });
  mkdirSync(join(sys, 'proc'), { recursive: true });
  writeFileSync(join(freq, 'scaling_governor'), 'performance\n');
  writeFileSync(join(freq, 'scaling_cur_freq'), '2000000\n');
  writeFileSync(join(sys, 'proc/loadavg'), '0.50 0.40 0.30 1/100 42\n');
  const inner = new FakeDriver();
  const throttling: EngineDriver = {
    name: 'throttling', prepare: () => inner.prepare(), info: () => inner.info(),
    run: async (req: RunRequest) => { writeFileSync(join(freq, 'scaling_cur_freq'), '1500000\n'); return inner.run(req); },
  };
  try {
    const r = await runExperiment({ ...base(dir, throttling), envRoot: sys });
    assert.is(r.drift.freqDriftPct, 25);
    assert.ok(r.jobs.rows.every((row) => row.verdict === 'INVALID'));
    assert.match(r.jobs.rows[0]!.reasons.join(' '), /CPU frequency drifted 25\.0% > 10%/);
    const env = JSON.parse(readFileSync(join(r.runDir, 'env-before.json'), 'utf8'));
    assert.equal(env.cpus, [{ cpu: 0, governor: 'performance', curFreqKHz: 2000000 }]);
    assert.equal(env.loadavg, [0.5, 0.4, 0.3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('confirm pass added to an existing run folder', async () => {
  const dir = tmp();
  try {
    const r = await runExperiment(base(dir, new FakeDriver()));
    const ids = ['linear/M:1/N:768/K:768/r:0.50/t:1/cpu:simd/gpu:gemv_row-wg64/sync:svm-fine'];
    const c = await runExperiment({ ...base(dir, new FakeDriver()), phases: ['confirm'], strategyIds: ids, resumeDir: r.runDir });
    assert.equal([c.total, c.finished, c.measuredNow], [19, 19, 1]);
    const confirm = c.jobs.rows.filter((row) => row.phase === 'confirm');
    assert.equal(confirm.map((row) => row.jobId), ids);
    assert.ok(existsSync(join(r.runDir, 'plan-confirm.json')) && existsSync(join(r.runDir, 'raw/confirm.jsonl')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('progress: text, and plain lines at most every interval off a terminal', () => {
  assert.is(progressText(5, 20, 10, 'job-a'), '[5/20] 10s elapsed, ETA 30s job-a');
  assert.is(progressText(0, 20, 0, ''), '[0/20] 0s elapsed, ETA ? ');
  const out: string[] = [];
  let t = 0;
  const p = new Progress(3, 0, { stream: { write: (s: string) => { out.push(s); return true; }, isTTY: false }, intervalMs: 5000, now: () => t });
  t = 1000; p.jobDone('a');
  t = 2000; p.jobDone('b');
  t = 7000; p.jobDone('c');
  p.finish();
  assert.equal(out, ['[1/3] 1s elapsed, ETA 2s a\n', '[3/3] 7s elapsed, ETA 0s c\n', '[3/3] 7s elapsed, ETA 0s c\n']);
});

const engine = join(ROOT, 'native/build/coexec-engine');
test('real engine: SIGKILL mid-way, then resume: every job exactly once', async () => {
  if (!existsSync(engine)) { console.log('  (skipped: native/build/coexec-engine not built)'); return; }
  const dir = tmp();
  const tiny: ProfileConfig = {
    schemaVersion: 1, name: 'tiny', description: 'test', measurement: { warmup: 0, minSamples: 3, minTimeMs: 150, maxSamples: 1000, maxTimeMs: 300 },
    seeds: { order: 3, data: 4 }, validity: { maxCvPct: 1000, minSamples: 1, maxFreqDriftPct: 100, maxTempRiseC: 100 },
    experiments: { 'linear-coexec': { workloads: ['whisper-tiny/dec-q-m1'], space: { splitRatios: [0, 0.3, 0.5, 0.7, 1], cpuThreads: [1], cpuImpls: ['simd'], gpuVariants: ['gemv_row'], workGroups: [64], syncs: ['finish', 'svm-fine'] } } },
  };
  const withTiny = { ...configs, profiles: new Map([...configs.profiles, ['tiny', tiny]]) };
  const platform = configs.platforms.get('local')!;
  const controller = new AbortController();
  const watching = killAfterLines(platform, ROOT, engine, 2, controller);
  try {
    // noise: false: the calibration's lines would count towards the kill.
    const opts = { ...base(dir, watching), configs: withTiny, profile: 'tiny', signal: controller.signal, envRoot: undefined, noise: false as const };
    const first = await runExperiment(opts);
    assert.is(first.complete, false);
    assert.ok(first.finished >= 2 && first.finished < first.total, `${first.finished} of ${first.total}`);
    const second = await runExperiment({ ...opts, driver: new LocalDriver(platform, ROOT, engine), signal: undefined, resumeDir: first.runDir });
    assert.is(second.complete, true);
    const { lines, bad } = readResultLines(join(first.runDir, 'raw/main.jsonl'));
    const plan = JSON.parse(readFileSync(join(first.runDir, 'plan.json'), 'utf8'));
    assert.is(bad, 0);
    assert.is(lines.length, plan.jobs.length);
    assert.equal(new Set(lines.map((l) => l.jobId)), new Set(plan.jobs.map((j: { id: string }) => j.id)));
    assert.ok(lines.every((l) => l.status === 'ok'), lines.map((l) => `${l.status} ${l.reason ?? ''}`).join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
