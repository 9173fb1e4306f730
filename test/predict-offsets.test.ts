// The composition's offsets: what a strategy's latency holds beyond its measured sides, per key, not the
// side models' residuals (which made a 35 us CPU-only layer 23% cheaper than its own side on gpu-host conv
// 2026-12-04T1747Z).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inPhase, sidesOf } from '../src/analysis/layers.js';
import { median } from '../src/analysis/metrics.js';
import type { JobsFile, Layer, Strategy } from '../src/analysis/types.js';
import { gpuOnlyOffsetKey, offsetsOutsideSides } from '../src/predict/compose.js';
import { trainingJobs, type LayerJob } from '../src/predict/dataset.js';
import { trainPredictor } from '../src/predict/evaluate.js';

const layer: Layer = { type: 'linear', M: 1, N: 1024, K: 1024 };
const strategy = (splitRatio: number, sync: string): Strategy =>
  ({ splitRatio, granularity: 1, cpuThreads: 8, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64, sync });

/** A grid job of `layer` with the given sides (0: that side did not run or was not measured) and latency. */
function job(splitRatio: number, sync: string, cpuSideNs: number, gpuSideNs: number, medianNs: number): LayerJob {
  return {
    jobId: `j${splitRatio}-${sync}-${medianNs}`, experiment: 'x', phase: 'grid', kind: 'layer', status: 'ok', verdict: 'VALID',
    layer, strategy: strategy(splitRatio, sync), stats: { medianNs } as LayerJob['stats'],
    ...(cpuSideNs > 0 ? { cpuSideMedianNs: cpuSideNs } : {}), ...(gpuSideNs > 0 ? { gpuSideMedianNs: gpuSideNs } : {}),
  } as LayerJob;
}

const sides = (jobs: readonly LayerJob[]) => jobs.map((j) => sidesOf(j.layer, j.strategy));

test('offsets: the latency beyond the CPU side, the GPU side, or the slower of both, less the sync cost where it is added', () => {
  const grid = [
    // CPU-only: 100 ns beyond the side, at any size (the median takes the middle one).
    job(1, 'finish', 20_000, 0, 20_100), job(1, 'finish', 400_000, 0, 400_100), job(1, 'finish', 35_000, 0, 35_150),
    // GPU-only under finish: 300 ns beyond the side, and composeNs adds the 5 us round trip, so -4.7 us.
    job(0, 'finish', 0, 30_000, 30_300), job(0, 'finish', 0, 90_000, 90_300),
    // Co-executed: 400 ns beyond the slower side, whichever it is.
    job(0.5, 'finish', 40_000, 25_000, 40_400), job(0.3, 'finish', 10_000, 28_000, 28_400),
  ];
  const s = sides(grid);
  const offsets = offsetsOutsideSides(grid, (i) => s[i]!.cpu, (i) => s[i]!.gpu, { finish: 5_000 });
  assert.equal(offsets, { 'cpu-only': 100, finish: 400 - 5_000, [gpuOnlyOffsetKey('finish')]: 300 - 5_000 });
});

test('offsets: a job with a side it ran but did not measure counts for nothing; a key with no such job gets no entry', () => {
  const grid = [job(1, 'finish', 0, 0, 20_000), job(0.5, 'svm-fine', 40_000, 0, 40_400), job(0.5, 'finish', 40_000, 39_000, 40_200)];
  const s = sides(grid);
  assert.equal(offsetsOutsideSides(grid, (i) => s[i]!.cpu, (i) => s[i]!.gpu, {}), { finish: 200 });
});

test('offsets on the recorded fixture: the CPU-only key is what its grid jobs hold beyond the CPU side, whatever the side model', () => {
  const fixture = JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8')) as JobsFile;
  const jobs = trainingJobs(fixture.rows);
  const p = trainPredictor('baseline', jobs, fixture.rows.filter((j) => j.kind === 'roundtrip'), { computeUnits: 4 });
  const cpuOnly = jobs.filter((j) => inPhase(j, 'grid') && !sidesOf(j.layer, j.strategy).gpu && j.cpuSideMedianNs! > 0);
  assert.ok(cpuOnly.length > 0);
  assert.is(p.composition.offsetNs['cpu-only'], median(cpuOnly.map((j) => j.stats!.medianNs - j.cpuSideMedianNs!)));
});

test.run();
