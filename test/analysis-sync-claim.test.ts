// svm-fine-overhead-vs-finish: the per-iteration overhead of a co-executed job, the median over layers of
// svm-fine's overhead minus finish's with its interval, and the claim decided by the interval (PASS, FAIL, or
// undecided -> validity, exit 3).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pairedOverhead } from '../src/run/jobs.js';
import { pairedOverheadDifference, syncSummary } from '../src/analysis/sync-overhead.js';
import { evaluateClaims } from '../src/analysis/claims.js';
import type { ExperimentDefinition, SyncOverheadRow } from '../src/analysis/types.js';

const EXPERIMENT: ExperimentDefinition = {
  schemaVersion: 1, id: 'sync-overhead', layerType: 'any', claims: [{
    id: 'svm-fine-overhead-vs-finish', text: 'svm-fine adds at most 30 us', metric: 'sync.svmFineMinusFinishOverheadUs', unit: 'us',
    interval: 'sync.svmFineMinusFinishOverheadCi95Us', expected: { 'pocl-cpu': { max: 30 } },
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

const pick = (rows: SyncOverheadRow[], m: string) => rows.filter((x) => x.mechanism === m);

test('difference: a median over layers, so neither a noisy large layer nor a near-zero finish overhead decides it', () => {
  const rows = [
    // finish's overhead next to zero on two layers: the old ratio read 2.4 from 0.646 / 0.643 us.
    row('finish', 'a', 0.643, 0.06), row('svm-fine', 'a', 0.646, 0.07),
    row('finish', 'b', 0.9, 0.06), row('svm-fine', 'b', 4.3, 0.1),
    row('finish', 'c', 27, 10), row('svm-fine', 'c', 15, 10),
    // A 6 ms layer: its overheads are noise (finish -300 us, svm-fine +900 us), measured to +-1000 us.
    row('finish', 'large', -300, 1000), row('svm-fine', 'large', 900, 1000),
  ];
  const d = pairedOverheadDifference(pick(rows, 'svm-fine'), pick(rows, 'finish'))!;
  // Differences 0.003, 3.4, -12, 1200: the median is (0.003 + 3.4) / 2.
  assert.ok(Math.abs(d.medianUs! - 1.7015) < 1e-9, String(d.medianUs));
  assert.is(d.layers, 4);
  assert.ok(Math.abs(d.perLayerUs.c! + 12) < 1e-9);
  // Its interval covers the median and stays within tens of us although one layer is +-1400 us.
  assert.ok(d.ci95[0] <= d.medianUs! && d.ci95[1] >= d.medianUs!, JSON.stringify(d.ci95));
  assert.ok(d.ci95[0] > -15 && d.ci95[1] < 15, JSON.stringify(d.ci95));
  // Seeded: the same rows give the same interval; another seed moves it only a little.
  assert.equal(pairedOverheadDifference(pick(rows, 'svm-fine'), pick(rows, 'finish'))!.ci95, d.ci95);
  const other = pairedOverheadDifference(pick(rows, 'svm-fine'), pick(rows, 'finish'), 7)!;
  assert.ok(Math.abs(other.ci95[1] - d.ci95[1]) < 1.5, JSON.stringify([d.ci95, other.ci95]));
});

test('claim: a small extra overhead PASSES, a large one FAILS, both on their whole interval', () => {
  const pass = claimFor([row('finish', 'a', 40, 2), row('svm-fine', 'a', 8, 1), row('finish', 'b', 50, 3), row('svm-fine', 'b', 60, 2)]).claim;
  // Differences -32 and +10: median -11.
  assert.is(pass.measured, -11);
  assert.is(pass.pass, true);
  assert.is(pass.undecided, undefined);
  assert.ok(pass.interval![1] < 30, JSON.stringify(pass.interval));
  const fail = claimFor([row('finish', 'a', 5, 2), row('svm-fine', 'a', 60, 2), row('finish', 'b', 6, 3), row('svm-fine', 'b', 90, 2)]).claim;
  assert.is(fail.pass, false);
  assert.is(fail.undecided, undefined);
  assert.ok(fail.interval![0] > 30, JSON.stringify(fail.interval));
});

test('claim: a noisy measurement is undecided, whichever side of the bound its value fell on', () => {
  // Overheads measured to +-40 us against a bound of 30 us: the value alone would PASS here ...
  const low = claimFor([row('finish', 'a', 40, 45), row('svm-fine', 'a', 50, 30)]).claim;
  assert.ok(low.measured! < 30);
  assert.is(low.pass, false);
  assert.match(low.undecided!, /95% interval \[.*\] crosses the range's bound: too wide to decide/);
  // ... and FAIL here, with the same noise.
  const high = claimFor([row('finish', 'a', 40, 45), row('svm-fine', 'a', 80, 30)]).claim;
  assert.ok(high.measured! > 30);
  assert.is(high.pass, false);
  assert.ok(high.undecided);
  // No usable layer at all (every finish overhead impossible): no estimate, an unbounded interval, undecided (not a missing-metric FAIL).
  const none = claimFor([row('finish', 'a', -50, 3), row('svm-fine', 'a', 2, 1)]);
  assert.is(none.claim.measured, null);
  assert.equal(none.summary.sync.svmFineMinusFinishOverheadCi95Us, [null, null]);
  assert.match(none.claim.undecided!, /no finite estimate/);
});

test('claim: an overhead wholly below zero excludes its layer (the slower side\'s reference is off there)', () => {
  const { summary, claim } = claimFor([
    row('finish', 'a', 40, 2), row('svm-fine', 'a', 8, 1),
    row('finish', 'b', -180, 30), row('svm-fine', 'b', 2, 1),
  ]);
  assert.equal((summary.sync.svmFineMinusFinishPaired as { excludedLayers: string[] }).excludedLayers, ['b']);
  assert.is(claim.pass, true);
  assert.is(claim.measured, -32);
});

test('claim: runs without per-iteration overheads keep the median difference and are judged on the value', () => {
  const old = (r: SyncOverheadRow) => { const { pairedOverheadUs: _a, pairedOverheadCi95Us: _b, ...rest } = r; return rest; };
  const { summary, claim } = claimFor([row('finish', 'a', 40, 2), row('svm-fine', 'a', 8, 1), row('finish', 'b', 10, 2), row('svm-fine', 'b', 70, 1)].map(old));
  assert.is(summary.sync.svmFineMinusFinishOverheadCi95Us, undefined);
  // Differences -32 and +60: median 14.
  assert.is(claim.measured, 14);
  assert.is(claim.pass, true);
  assert.match(claim.data.join('; '), /no interval at .*judged on the value alone/);
});

test.run();

test('as a share of the layer: each difference over the layer\'s latency under finish, so a long layer\'s noise stays small', () => {
  /** A row whose co-executed latency is `layerUs`. */
  const sized = (mechanism: string, layerId: string, us: number, half: number, layerUs: number): SyncOverheadRow =>
    ({ ...row(mechanism, layerId, us, half), coexecMs: layerUs / 1e3 });
  const rows = [
    sized('finish', 'small', 5, 1, 50), sized('svm-fine', 'small', 10, 1, 55),      // +5 us of 50 us: +10%
    sized('finish', 'mid', 20, 2, 400), sized('svm-fine', 'mid', 12, 2, 390),       // -8 us of 400 us: -2%
    // A 10 ms layer measured to +-1000 us: +900 us is 9% of it, and its +-1000 us are +-10%.
    sized('finish', 'long', -300, 1000, 10_000), sized('svm-fine', 'long', 600, 1000, 10_900),
  ];
  const d = pairedOverheadDifference(pick(rows, 'svm-fine'), pick(rows, 'finish'))!;
  // Percentages 10, -2, 9: the median is 9; in us (5, -8, 900) it is 5.
  assert.ok(Math.abs(d.medianPctOfLayer! - 9) < 1e-9, String(d.medianPctOfLayer));
  assert.ok(Math.abs(d.medianUs! - 5) < 1e-9, String(d.medianUs));
  assert.ok(d.ci95PctOfLayer[0] < d.ci95PctOfLayer[1], JSON.stringify(d.ci95PctOfLayer));
  // The long layer's +-1000 us are +-10% of it: the percentage median's interval stays tens of points wide.
  assert.ok(d.ci95PctOfLayer[1] - d.ci95PctOfLayer[0] < 25, JSON.stringify(d.ci95PctOfLayer));
  const summary = syncSummary(rows) as { svmFineMinusFinishOverheadPctOfLayer?: number; svmFineMinusFinishOverheadCi95PctOfLayer?: number[] };
  assert.is(summary.svmFineMinusFinishOverheadPctOfLayer, d.medianPctOfLayer);
  assert.equal(summary.svmFineMinusFinishOverheadCi95PctOfLayer, d.ci95PctOfLayer);
});

test('the shipped claim reads the share of the layer, in %', async () => {
  const { readFileSync } = await import('node:fs');
  const shipped = JSON.parse(readFileSync(new URL('../../experiments/sync-overhead.json', import.meta.url), 'utf8')) as ExperimentDefinition;
  const claim = shipped.claims!.find((c) => c.id === 'svm-fine-overhead-vs-finish')!;
  assert.is(claim.metric, 'sync.svmFineMinusFinishOverheadPctOfLayer');
  assert.is(claim.interval, 'sync.svmFineMinusFinishOverheadCi95PctOfLayer');
  assert.is(claim.unit, '%');
});
