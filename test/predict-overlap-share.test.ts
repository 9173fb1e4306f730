// Composition.overlapShare: sides that take turns on the same cores (PoCL beside the CPU slice) cost about
// the sum of their times, not the max; the fit adds that share of the shorter side when it selects better.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobsFile } from '../src/analysis/types.js';
import { OVERLAP_SHARES, composeNs, expectedMax, loadComposition, type Composition, type Predictor } from '../src/predict/compose.js';
import { jobCpuRows, jobGpuRows, trainingJobs } from '../src/predict/dataset.js';
import { trainPredictor } from '../src/predict/evaluate.js';

const bare: Composition = { dispatchNs: {}, dispatchPerByteNs: {}, syncNs: { finish: 5_000 }, cpuContention: 1, offsetNs: {} };

test('the share adds that fraction of the shorter side; single sides and share 0 are untouched', () => {
  assert.is(composeNs(bare, 'finish', 60_000, 50_000, true, true), 60_000 + 5_000);
  assert.is(composeNs({ ...bare, overlapShare: 0 }, 'finish', 60_000, 50_000, true, true), 65_000);
  assert.is(composeNs({ ...bare, overlapShare: 1 }, 'finish', 60_000, 50_000, true, true), 110_000 + 5_000);
  assert.is(composeNs({ ...bare, overlapShare: 0.5 }, 'finish', 60_000, 50_000, true, true), 85_000 + 5_000);
  for (const share of OVERLAP_SHARES) {
    const c = { ...bare, overlapShare: share };
    assert.is(composeNs(c, 'finish', 0, 50_000, false, true), composeNs(bare, 'finish', 0, 50_000, false, true));
    assert.is(composeNs(c, 'finish', 60_000, 0, true, false), composeNs(bare, 'finish', 60_000, 0, true, false));
  }
});

test('with side spreads, share 1 prices the expected sum: E[max] + E[min] = a + b', () => {
  const spread: Composition = { ...bare, syncNs: {}, sideSpread: { cpu: 0.3, gpu: 0.2 } };
  assert.ok(Math.abs(composeNs({ ...spread, overlapShare: 1 }, 'finish', 40_000, 45_000, true, true) - 85_000) < 1e-6);
  const max = expectedMax(40_000, 0.3 * 40_000, 45_000, 0.2 * 45_000);
  const half = composeNs({ ...spread, overlapShare: 0.5 }, 'finish', 40_000, 45_000, true, true);
  assert.ok(Math.abs(half - (max + 0.5 * (85_000 - max))) < 1e-6, String(half));
});

test('with share 1 no split beats the faster single side when the sides scale with their shares', () => {
  const shared: Composition = { ...bare, syncNs: {}, overlapShare: 1 };
  const cpuOnly = composeNs(shared, 'finish', 100_000, 0, true, false);
  for (let r = 1; r <= 9; ++r) {
    assert.ok(composeNs(shared, 'finish', r * 10_000, (10 - r) * 12_000, true, true) >= cpuOnly, `r ${r / 10}`);
  }
});

test('a saved share reloads; one outside 0-1 is rejected', () => {
  const c: Composition = { ...bare, overlapShare: 0.75 };
  assert.equal(loadComposition(JSON.stringify(c)), c);
  assert.throws(() => loadComposition(JSON.stringify({ ...c, overlapShare: 1.5 })), /composition file is invalid/);
  assert.throws(() => loadComposition(JSON.stringify({ ...c, overlapShare: -0.1 })), /composition file is invalid/);
});

/** The recorded fixture with every co-executed grid job's latency replaced by `latency(cpu side, gpu side)`. */
function fixtureWith(latency: (cpu: number, gpu: number) => number): JobsFile['rows'] {
  const f = JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8')) as JobsFile;
  return f.rows.map((j) => {
    if (j.kind !== 'layer' || j.phase !== 'grid' || !(j.cpuSideMedianNs! > 0) || !(j.gpuSideMedianNs! > 0)) return j;
    return { ...j, stats: { ...j.stats!, medianNs: latency(j.cpuSideMedianNs!, j.gpuSideMedianNs!) } };
  });
}

test('fitting takes a share when co-executed jobs cost the sum of their sides, and none when they cost the max', () => {
  const device = { computeUnits: 8, sharesCpuCores: true };
  const fit = (rows: JobsFile['rows'], d = device): Predictor['composition'] => {
    const training = trainingJobs(rows);
    assert.ok(training.some((j) => jobCpuRows(j) > 0 && jobGpuRows(j) > 0));
    return trainPredictor('baseline', training, rows.filter((j) => j.kind === 'roundtrip'), d).composition;
  };
  const summed = fit(fixtureWith((cpu, gpu) => cpu + gpu));
  assert.ok((summed.overlapShare ?? 0) >= 0.5, JSON.stringify(summed));
  const maxed = fit(fixtureWith((cpu, gpu) => Math.max(cpu, gpu) + 2_000));
  assert.ok((maxed.overlapShare ?? 0) <= 0.25, JSON.stringify(maxed));
  // A device with cores of its own is never given a share, whatever its training jobs say.
  assert.is(fit(fixtureWith((cpu, gpu) => cpu + gpu), { computeUnits: 8, sharesCpuCores: false }).overlapShare, undefined);
});

test.run();
