// svm-fine-overhead-ratio: the per-iteration overhead of a co-executed job, the paired weighted ratio with
// its interval, and the claim decided by the interval (PASS, FAIL, or undecided -> validity, exit 3).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pairedOverhead } from '../src/run/jobs.js';
import { pairedOverheadRatio, syncSummary } from '../src/analysis/sync-overhead.js';
import { evaluateClaims } from '../src/analysis/claims.js';
import type { ExperimentDefinition, SyncOverheadRow } from '../src/analysis/types.js';

const EXPERIMENT: ExperimentDefinition = {
  schemaVersion: 1, id: 'sync-overhead', layerType: 'any', claims: [{
    id: 'svm-fine-overhead-ratio', text: 'svm-fine cuts the overhead', metric: 'sync.svmFineOverFinishOverhead', unit: 'ratio',
    interval: 'sync.svmFineOverFinishOverheadCi95', expected: { 'pocl-cpu': { max: 0.6 } },
  }],
};

/** A row with overhead `us` and a symmetric 95% CI of +-`half` us. */
function row(mechanism: string, layerId: string, us: number, half: number): SyncOverheadRow {
  return {
    mechanism, layerId, outputSize: 768, roundTripUs: null, coexecMs: 1, slowerSideMs: 1, overheadUs: us,
    slowerSideSource: 'in-run', pairedOverheadUs: us, pairedOverheadCi95Us: [us - half, us + half],
  };
}

function claimFor(rows: SyncOverheadRow[]) {
  const summary = { sync: syncSummary(rows) };
  return { summary, claim: evaluateClaims(summary, [EXPERIMENT], 'pocl-cpu')[0]! };
}

test('pairedOverhead: latency minus the slower of the same iteration\'s CPU slice and the median kernel time', () => {
  const n = 100;
  // Kernel 100 us (queued -> end), CPU slice 50 us except in iterations where it is 150 us and the slower side.
  const cpu = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 150_000 : 50_000));
  const samples = cpu.map((c) => Math.max(c, 100_000) + 20_000);
  const ts = Array.from({ length: 30 }, (_, i) => [0, 1000, 2000, 100_000 + (i % 3) - 1] as [number, number, number, number]);
  const p = pairedOverhead({ samplesNs: samples, cpuSideNs: cpu, gpuTimestampsNs: ts })!;
  assert.is(p.n, n);
  assert.is(p.medianNs, 20_000);
  assert.ok(p.ci95LowNs <= 20_000 && p.ci95HighNs >= 20_000 && p.ci95HighNs - p.ci95LowNs < 10, JSON.stringify(p));
  // Single-side jobs have no overhead to pair.
  assert.is(pairedOverhead({ samplesNs: samples, cpuSideNs: cpu.map(() => 0), gpuTimestampsNs: ts }), undefined);
  assert.is(pairedOverhead({ samplesNs: samples, cpuSideNs: cpu }), undefined);
  assert.is(pairedOverhead({ samplesNs: samples, cpuSideNs: cpu.slice(1), gpuTimestampsNs: ts }), undefined);
});

test('paired ratio: weighted by each layer\'s precision, so a noisy large layer cannot decide it', () => {
  const rows = [
    row('finish', 'small', 40, 2), row('svm-fine', 'small', 8, 2),
    // A 6 ms layer: its overheads are noise (finish -300 us, svm-fine +900 us), measured to +-1000 us.
    row('finish', 'large', -300, 1000), row('svm-fine', 'large', 900, 1000),
  ];
  const r = pairedOverheadRatio(rows.filter((x) => x.mechanism === 'svm-fine'), rows.filter((x) => x.mechanism === 'finish'))!;
  assert.ok(Math.abs(r.ratio! - 0.2) < 0.01, String(r.ratio));
  assert.ok(r.ci95[0] > 0.05 && r.ci95[1]! < 0.4, JSON.stringify(r.ci95));
  // Seeded: the same rows give the same interval.
  assert.equal(pairedOverheadRatio(rows.filter((x) => x.mechanism === 'svm-fine'), rows.filter((x) => x.mechanism === 'finish'))!.ci95, r.ci95);
});

test('claim: a clean small ratio PASSES, a clean large one FAILS, both on their whole interval', () => {
  const pass = claimFor([row('finish', 'a', 40, 2), row('svm-fine', 'a', 8, 1), row('finish', 'b', 50, 3), row('svm-fine', 'b', 12, 2)]).claim;
  assert.is(pass.pass, true);
  assert.is(pass.undecided, undefined);
  assert.ok(pass.interval![1] < 0.6, JSON.stringify(pass.interval));
  const fail = claimFor([row('finish', 'a', 40, 2), row('svm-fine', 'a', 36, 2), row('finish', 'b', 50, 3), row('svm-fine', 'b', 45, 2)]).claim;
  assert.is(fail.pass, false);
  assert.is(fail.undecided, undefined);
  assert.ok(fail.interval![0] > 0.6, JSON.stringify(fail.interval));
});

test('claim: a noisy measurement is undecided, whichever side of the bound its value fell on', () => {
  // The soak trial's shape: finish's overhead small against its noise; the value alone would PASS here ...
  const low = claimFor([row('finish', 'a', 40, 45), row('svm-fine', 'a', 10, 30)]).claim;
  assert.ok(low.measured! < 0.6);
  assert.is(low.pass, false);
  assert.match(low.undecided!, /95% interval \[.*\] crosses the range's bound: too wide to decide/);
  // ... and FAIL here, with the same noise.
  const high = claimFor([row('finish', 'a', 40, 45), row('svm-fine', 'a', 50, 30)]).claim;
  assert.ok(high.measured! > 0.6);
  assert.is(high.pass, false);
  assert.ok(high.undecided);
  // No positive finish overhead at all: no estimate, an unbounded interval, undecided (not a missing metric FAIL).
  const none = claimFor([row('finish', 'a', -5, 3), row('svm-fine', 'a', 2, 1)]);
  assert.is(none.claim.measured, null);
  assert.ok(none.claim.undecided, JSON.stringify(none.claim));
});

test('claim: an overhead wholly below zero excludes its layer (the slower side\'s reference is off there)', () => {
  const { summary, claim } = claimFor([
    row('finish', 'a', 40, 2), row('svm-fine', 'a', 8, 1),
    row('finish', 'b', -180, 30), row('svm-fine', 'b', 2, 1),
  ]);
  assert.equal((summary.sync.svmFineOverFinishPaired as { excludedLayers: string[] }).excludedLayers, ['b']);
  assert.is(claim.pass, true);
  assert.ok(Math.abs(claim.measured! - 0.2) < 1e-9);
});

test('claim: runs without per-iteration overheads keep the median ratio and are judged on the value', () => {
  const old = (r: SyncOverheadRow) => { const { pairedOverheadUs: _a, pairedOverheadCi95Us: _b, ...rest } = r; return rest; };
  const { summary, claim } = claimFor([row('finish', 'a', 40, 2), row('svm-fine', 'a', 8, 1)].map(old));
  assert.is(summary.sync.svmFineOverFinishOverheadCi95, undefined);
  assert.is(claim.measured, 0.2);
  assert.is(claim.pass, true);
  assert.match(claim.data.join('; '), /no interval at .*judged on the value alone/);
});

test.run();
