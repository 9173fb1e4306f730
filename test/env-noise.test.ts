// Noise calibration (src/env/noise.ts): the plan it runs, the statistics and verdict it derives, the one
// line it prints, and that a run records it in env-before.json and derived/summary.json's `measurement`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { loadConfigs } from '../src/config/load.js';
import type { EngineDriver } from '../src/engine/driver.js';
import { FakeDriver } from '../src/engine/fake.js';
import { calibrationPlan, judgeNoise, measureNoise, noiseLine, REPETITIONS, SAMPLES_PER_REPETITION, seriesOf } from '../src/env/noise.js';
import { measurementSummary } from '../src/analysis/measurement.js';
import type { EngineJob } from '../src/plan/expand.js';
import { runExperiment } from '../src/run/execute.js';

const ROOT = resolve(process.cwd());
const RULE = { maxCvPct: 10, minSamples: 20, maxFreqDriftPct: 10, maxTempRiseC: 15, dispersion: 'median-ci' as const };
const HEADER = {
  planId: 'p', device: { platformContains: '', deviceContains: '', deviceType: 'gpu-or-cpu' as const }, cpuAffinity: [],
  jobs: [{ kind: 'layer', strategy: { cpuThreads: 2 } }, { kind: 'roundtrip', strategy: { sync: 'finish' } }] as unknown as EngineJob[],
};

test('the calibration plan: 5 x (CPU workload, round trip), interleaved, 40 samples each, threads as the run uses', () => {
  const plan = calibrationPlan(HEADER);
  assert.is(plan.jobs.length, 2 * REPETITIONS);
  assert.equal(plan.jobs.slice(0, 2).map((j) => j.id), ['calibration/cpu/rep:1', 'calibration/roundtrip/rep:1']);
  assert.ok(plan.jobs.every((j) => j.minSamples === SAMPLES_PER_REPETITION && j.maxSamples === SAMPLES_PER_REPETITION && j.targetMedianCiPct === undefined));
  assert.equal(plan.jobs[0]!.strategy, { splitRatio: 1, granularity: 1, cpuThreads: 2, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64, sync: 'finish' });
  assert.is((calibrationPlan({ ...HEADER, jobs: [] }).jobs[0]!.strategy as { cpuThreads: number }).cpuThreads, 1);
});

test('series statistics and the verdict against the profile rule', () => {
  // 40 samples 100..139 ns: median 119.5; the median CI runs between ranks floor(20 - 6.2) = 13 and ceil(20 + 6.2 + 1) = 28 -> (127 - 112) / (2 * 119.5)
  const ramp = Array.from({ length: 40 }, (_, i) => 100 + i);
  const s = seriesOf('ramp', [ramp, ramp.map((x) => x * 1.1)])!;
  assert.is(s.repetitions.length, 2);
  assert.ok(Math.abs(s.repetitions[0]!.medianCi95HalfPct - (100 * 15) / (2 * 119.5)) < 1e-9);
  // run-to-run: medians 119.5 and 131.45: sd / mean
  const m = [119.5, 131.45];
  const mean = (m[0]! + m[1]!) / 2;
  assert.ok(Math.abs(s.runToRunCvPct - (100 * Math.sqrt(((m[0]! - mean) ** 2 + (m[1]! - mean) ** 2) / 1)) / mean) < 1e-9);
  const quiet = judgeNoise(s, undefined, RULE, 'T');
  assert.equal([quiet.tooNoisy, quiet.dispersion, quiet.limitPct], [false, 'median-ci', 10]);
  const loud = judgeNoise(s, undefined, { ...RULE, maxCvPct: 5 }, 'T');
  assert.is(loud.tooNoisy, true);
  assert.is(seriesOf('none', [[], []]), undefined);
});

test('one line: the numbers when quiet, the way out when too noisy', () => {
  const s = seriesOf('ramp', [Array.from({ length: 40 }, (_, i) => 100 + i)])!;
  const quiet = noiseLine(judgeNoise(s, s, RULE, 'T'), 'quick');
  assert.match(quiet, /^noise: CPU workload median CI \+-6\.3% per 40-sample job, run-to-run 0\.0%; GPU round trip median CI \+-6\.3%, run-to-run 0\.0% \(profile quick allows 10\.0%\)$/);
  const loud = noiseLine(judgeNoise(s, s, { ...RULE, maxCvPct: 5 }, 'T'), 'quick');
  assert.is(loud.split('\n').length, 1);
  assert.match(loud, /^noise: this machine is too noisy for profile quick \(CPU workload median CI \+-6\.3% > 5\.0% allowed\): close other programs, use a profile with a looser validity\.maxCvPct, or give noisy jobs more time/);
});

test('through a driver: a failed calibration is a problem in words, never a crash', async () => {
  const ok = await measureNoise(new FakeDriver(), HEADER, RULE, () => new Date('2026-11-26T06:00:00Z'));
  assert.equal([ok.problem, ok.cpu?.repetitions.length, ok.gpuRoundTrip?.repetitions.length, ok.tooNoisy], [undefined, 5, 5, false]);
  const broken: EngineDriver = { name: 'broken', prepare: async () => {}, info: async () => ({}), run: async () => ({ exitCode: 1, stderrTail: 'device lost\n' }) };
  const bad = await measureNoise(broken, HEADER, RULE);
  assert.match(bad.problem!, /^calibration run ended with exit 1, no CPU sample: device lost$/);
  assert.match(noiseLine(bad, 'quick'), /^noise: not estimated \(calibration run ended with exit 1/);
});

test('a run records the estimate in env-before.json and prints its line; summary gets a digest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-noise-'));
  try {
    const out: string[] = [];
    const configs = loadConfigs(ROOT);
    configs.profiles.set('tiny', JSON.parse(readFileSync(join(ROOT, 'test/fixtures/profiles/tiny.json'), 'utf8')));
    const r = await runExperiment({
      configs, repoRoot: ROOT, resultsRoot: dir, experiment: 'linear-coexec', profile: 'tiny', platform: 'local', driver: new FakeDriver(),
      phases: ['grid'], envRoot: join(dir, 'no-sys'), progress: { stream: { write: (s: string) => { out.push(s); return true; }, isTTY: false } },
    });
    const env = JSON.parse(readFileSync(join(r.runDir, 'env-before.json'), 'utf8'));
    assert.is(env.noise.cpu.repetitions.length, 5);
    assert.is(env.noise.cpu.repetitions[0].samplesNs.length, 40, 'the calibration samples are kept');
    assert.is(env.noise.tooNoisy, false);
    assert.ok(out.some((l) => l.startsWith('noise: CPU workload CV ')), out.join(''));
    const m = measurementSummary(r.runDir, r.jobs) as { noise: { cpu: Record<string, unknown>; tooNoisy: boolean }; validShare: number };
    assert.equal([m.noise.tooNoisy, m.noise.cpu.repetitions, m.noise.cpu.samplesNs, m.validShare], [false, 5, undefined, 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
