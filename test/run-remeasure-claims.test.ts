// Claims too wide to judge (src/run/remeasure.ts wideClaims / planNextRound with claimMaxRelWidth): the
// svm-fine claim computed from a part's jobs as derive would, and its jobs measured again while its 95%
// interval is wider than the stated multiple of its bound; VALID jobs of other claims stay untouched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExperimentDefinition } from '../src/analysis/types.js';
import type { ResultLine } from '../src/engine/lines.js';
import type { EngineJob, EnginePlan } from '../src/plan/expand.js';
import type { JobStats, RunJobMeta } from '../src/run/jobs.js';
import { planNextRound, wideClaims } from '../src/run/remeasure.js';
import { pairedOverhead, withAttemptSpread } from '../src/run/jobs.js';

const SYNC: ExperimentDefinition = {
  schemaVersion: 1, id: 'sync-overhead', layerType: 'any', claims: [{
    id: 'svm-fine-overhead-vs-finish', text: 't', metric: 'sync.svmFineMinusFinishOverheadUs', unit: 'us',
    interval: 'sync.svmFineMinusFinishOverheadCi95Us', expected: { 'pocl-cpu': { max: 30 }, 'discrete-gpu': { notApplicable: 'no SVM' } },
  }],
};
const CLAIMS = { definitions: [SYNC], platformClass: 'pocl-cpu' };
const layer = (n: number) => ({ type: 'linear', M: 1, N: n, K: 768 });
const strategy = (r: number, sync: string) => ({ splitRatio: r, granularity: 1, cpuThreads: 1, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64, sync });
const idOf = (n: number, r: number, sync: string) => `linear/M:1/N:${n}/K:768/r:${r.toFixed(2)}/sync:${sync}`;

/** A VALID co-executed job (r = 0.5) whose per-iteration overhead is `us` +- `half` us (95% CI), measured in `attempts` spells. */
function coexec(n: number, sync: string, us: number, half: number, attempts = 2): JobStats {
  return {
    attempts,
    jobId: idOf(n, 0.5, sync), experiment: 'sync-overhead', phase: 'sync', phases: ['sync'], role: 'coexec', workloads: [], kind: 'layer',
    layer: layer(n), strategy: strategy(0.5, sync), status: 'ok', verdict: 'VALID', reasons: [],
    stats: { n: 200, medianNs: 500_000 } as JobStats['stats'], cpuSideMedianNs: 400_000, gpuKernelMedianNs: 300_000,
    pairedOverheadNs: { n: 200, medianNs: us * 1e3, ci95LowNs: (us - half) * 1e3, ci95HighNs: (us + half) * 1e3 },
  };
}

test('wideClaims: a narrow interval from two spells needs nothing; one spell, or a wide interval, names every layer\'s finish and svm-fine jobs', () => {
  const narrow = [coexec(768, 'finish', 40, 2), coexec(768, 'svm-fine', 8, 2), coexec(1536, 'finish', 50, 3), coexec(1536, 'svm-fine', 10, 2)];
  assert.equal(wideClaims(narrow, 'sync-overhead', CLAIMS, 0.5), []);
  // The same numbers from one spell of the machine: its interval cannot show how far the overhead moves between spells.
  const once = [coexec(768, 'finish', 40, 2), coexec(768, 'svm-fine', 8, 2, 1), coexec(1536, 'finish', 50, 3), coexec(1536, 'svm-fine', 10, 2)];
  const [spell] = wideClaims(once, 'sync-overhead', CLAIMS, 0.5);
  assert.equal([spell!.why, spell!.jobIds.length], ['one-spell', 4]);
  // A layer measured to +-2000 us counts in a median over layers like any other: its jobs are measured again too.
  const heavy = [...once, coexec(4096, 'finish', 300, 2000), coexec(4096, 'svm-fine', 200, 2000, 1)];
  assert.equal(wideClaims(heavy, 'sync-overhead', CLAIMS, 0.5)[0]!.jobIds.filter((id) => id.includes('N:4096')).length, 2);
  // svm-fine's overhead near finish's with CIs of +-40 us: the difference's interval spans far more than 0.5 x 30 us.
  const wide = [coexec(768, 'finish', 40, 40), coexec(768, 'svm-fine', 30, 40), coexec(1536, 'event-poll', 30, 40)];
  const [w] = wideClaims(wide, 'sync-overhead', CLAIMS, 0.5);
  assert.equal([w!.id, w!.why], ['svm-fine-overhead-vs-finish', 'wide']);
  assert.ok(w!.relWidth > 0.5, String(w!.relWidth));
  assert.equal(w!.jobIds.sort(), [idOf(768, 0.5, 'finish'), idOf(768, 0.5, 'svm-fine')]);
  // The same interval under a looser stated width is narrow enough.
  assert.equal(wideClaims(wide, 'sync-overhead', CLAIMS, w!.relWidth + 0.01), []);
  // A class that cannot show the claim, and another experiment, never ask for more.
  assert.equal(wideClaims(wide, 'sync-overhead', { ...CLAIMS, platformClass: 'discrete-gpu' }, 0.5), []);
  assert.equal(wideClaims(wide, 'linear-coexec', CLAIMS, 0.5), []);
});

test('planNextRound: the jobs of a too-wide claim join the round with more time and no median-CI target; INVALID jobs come first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-claim-rounds-'));
  mkdirSync(join(dir, 'raw'));
  const job = (id: string, r: number, n: number, sync: string): EngineJob => ({
    id, kind: 'layer', layer: layer(n) as EngineJob['layer'], strategy: strategy(r, sync) as EngineJob['strategy'],
    warmup: 2, minSamples: 30, minTimeMs: 80, maxSamples: 600, maxTimeMs: 2000, targetMedianCiPct: 8, seed: 1,
  });
  const jobs = [job(idOf(768, 0.5, 'finish'), 0.5, 768, 'finish'), job(idOf(768, 0.5, 'svm-fine'), 0.5, 768, 'svm-fine'), job(idOf(768, 1, 'finish'), 1, 768, 'finish')];
  const plan: EnginePlan = { schemaVersion: 1, planId: 'p', device: { platformContains: '', deviceContains: '', deviceType: 'gpu-or-cpu' }, cpuAffinity: [0], jobs };
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
  // Per-iteration lines: latency = max(CPU slice, kernel) + overhead, with a wobbling overhead (wide CIs).
  const line = (id: string, r: number, overheadUs: (i: number) => number, cpuOnly = false): ResultLine => {
    const n = 40;
    const cpu = Array.from({ length: n }, () => 400_000);
    const ts = Array.from({ length: 20 }, () => [0, 1000, 2000, 300_000] as [number, number, number, number]);
    const samples = cpu.map((c, i) => Math.max(c, 300_000) + overheadUs(i) * 1e3);
    return {
      jobId: id, status: 'ok', layer: layer(768), strategy: strategy(r, id.endsWith('svm-fine') ? 'svm-fine' : 'finish'), samplesNs: samples,
      ...(cpuOnly ? {} : { cpuSideNs: cpu, gpuTimestampsNs: ts }), wallNs: 50e6,
    } as unknown as ResultLine;
  };
  const lines = [
    line(idOf(768, 0.5, 'finish'), 0.5, (i) => 40 + ((i * 37) % 80) - 40),
    line(idOf(768, 0.5, 'svm-fine'), 0.5, (i) => 30 + ((i * 53) % 80) - 40),
    line(idOf(768, 1, 'finish'), 1, () => 0, true),
  ];
  writeFileSync(join(dir, 'raw/main.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const meta: Record<string, RunJobMeta> = Object.fromEntries(jobs.map((j) => [j.id, { phase: 'sync', role: 'coexec', workloads: [], phases: ['sync'], kind: 'layer' } as RunJobMeta]));
  const part = { name: 'main', phases: ['sync'], planFile: 'plan.json', rawFile: 'raw/main.jsonl' };
  const validity = { maxCvPct: 10, minSamples: 20, maxFreqDriftPct: 10, maxTempRiseC: 15, dispersion: 'median-ci' as const };
  const rule = { maxRounds: 2, maxExtraS: 40, timeFactor: 2 };
  const base = { validity, orderSeed: 1, experiment: 'sync-overhead', meta };
  // Without the stated width (or without the claims) nothing is INVALID, so no round.
  assert.ok('stop' in planNextRound(dir, part, { ...base, rule, claims: CLAIMS }));
  assert.ok('stop' in planNextRound(dir, part, { ...base, rule: { ...rule, claimMaxRelWidth: 0.5 } }));
  const next = planNextRound(dir, part, { ...base, rule: { ...rule, claimMaxRelWidth: 0.5 }, claims: CLAIMS });
  assert.ok(!('stop' in next), JSON.stringify(next));
  if ('stop' in next) return;
  assert.is(next.wide[0]!.id, 'svm-fine-overhead-vs-finish');
  assert.equal(next.plan.jobs.map((j) => j.id).sort(), [idOf(768, 0.5, 'finish'), idOf(768, 0.5, 'svm-fine')]);
  for (const j of next.plan.jobs) {
    assert.is(j.maxTimeMs, 4000);
    assert.is(j.maxSamples, 1200);
    assert.is(j.targetMedianCiPct, undefined);
  }
  // A claim's jobs get at most half of the extra time left (about 0.48 s each here): with 1.5 s, one of two.
  const capped = planNextRound(dir, part, { ...base, rule: { ...rule, maxExtraS: 1.5, claimMaxRelWidth: 0.5 }, claims: CLAIMS });
  assert.ok(!('stop' in capped) && capped.plan.jobs.length === 1 && capped.claimJobs === 1, JSON.stringify(capped));
});

test('withAttemptSpread: a pooled overhead\'s CI carries how far the attempts\' own medians lie apart', () => {
  // Two spells of the machine: overhead 10 us in the first, 30 us in the second, each to +-0 us.
  const attempt = (us: number) => ({
    jobId: 'j', status: 'ok', samplesNs: Array.from({ length: 40 }, () => 400_000 + us * 1e3), cpuSideNs: Array.from({ length: 40 }, () => 400_000),
    gpuTimestampsNs: [[0, 1, 2, 300_000]],
  }) as unknown as ResultLine;
  const a = attempt(10);
  const b = attempt(30);
  const pooled = pairedOverhead({ samplesNs: [...a.samplesNs!, ...b.samplesNs!], cpuSideNs: [...a.cpuSideNs!, ...b.cpuSideNs!], gpuTimestampsNs: a.gpuTimestampsNs })!;
  const wide = withAttemptSpread(pooled, [a, b]);
  assert.equal(wide.attemptMediansNs, [10_000, 30_000]);
  assert.ok(wide.ci95LowNs <= pooled.ci95LowNs - 9_999 || wide.ci95LowNs <= 10_000, JSON.stringify(wide));
  assert.ok(wide.ci95HighNs - wide.medianNs >= 10_000 && wide.medianNs - wide.ci95LowNs >= 10_000, JSON.stringify(wide));
  // One attempt: nothing to add.
  assert.equal(withAttemptSpread(pooled, [a]), pooled);
});

test.run();
