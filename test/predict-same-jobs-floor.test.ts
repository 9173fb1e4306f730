// The predictors' held-out error beside the same-call retest's on the same jobs (src/predict/same-jobs-floor.ts),
// and the report reading it from a run folder and its kept retest jobs (src/report/floor-section.ts), on hand-built
// jobs against hand-computed errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { strategyId } from '../src/analysis/layers.js';
import type { JobStats, PredictionRow, Strategy } from '../src/analysis/types.js';
import { bestPerSide, sameJobsFloor } from '../src/predict/same-jobs-floor.js';
import { floorSection, loadSameJobsFloor } from '../src/report/floor-section.js';
import { CPU1, CPU2, GPU_FINISH, HALF_FINE, LAYER, TRAP, handJobs } from './fixtures/recorded/hand-built.js';

const CPU3: Strategy = { ...CPU1, cpuThreads: 3 };

/** Grid jobs with the GPU side's own time on the GPU-only one (what the GPU predictor is scored against). */
function jobs(entries: [Strategy, number, boolean?][], gpuSideMs: number): JobStats[] {
  return handJobs('grid', entries).map((j) => (j.strategy.splitRatio === 0 ? { ...j, gpuSideMedianNs: gpuSideMs * 1e6 } : j));
}

const RUN = [...jobs([[CPU1, 10], [CPU2, 8], [GPU_FINISH, 6], [HALF_FINE, 4], [TRAP, 1, false], [CPU3, 7]], 5),
  ...handJobs('confirm', [[CPU1, 30]])];
const RETEST = jobs([[CPU1, 8], [CPU2, 8], [GPU_FINISH, 7], [HALF_FINE, 5], [TRAP, 1]], 6);

const pred = (side: PredictionRow['side'], model: string, s: Strategy, predictedMs: number, measuredMs: number): PredictionRow =>
  ({ side, model, layerId: 'L', strategyId: strategyId(LAYER, s), predictedMs, measuredMs });

const PREDICTIONS: PredictionRow[] = [
  pred('cpu', 'baseline', CPU1, 11, 10), pred('cpu', 'baseline', CPU2, 8, 8),
  pred('cpu', 'forest', CPU1, 10, 10), pred('cpu', 'forest', CPU2, 9.6, 8),
  pred('cpu', 'baseline', CPU3, 7, 7), // the retest did not measure CPU3: left out
  pred('gpu', 'baseline', GPU_FINISH, 4, 5), // scored against the GPU side (5 ms), not the job's 6 ms
  pred('composed', 'baseline', HALF_FINE, 4.4, 4), pred('composed', 'baseline', TRAP, 1, 1), // TRAP INVALID in the run
  pred('composed', 'baseline', GPU_FINISH, 6, 6.5), // another run's measurement of the job: left out
];

test('each family beside the retest over the jobs both measured, against the run\'s measurement', () => {
  const rows = sameJobsFloor(PREDICTIONS, RUN, RETEST);
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
  assert.equal(rows.map((r) => [r.side, r.model, r.n]), [['cpu', 'baseline', 2], ['cpu', 'forest', 2], ['gpu', 'baseline', 1], ['composed', 'baseline', 1]]);
  const [cpuBase, cpuForest, gpu, composed] = rows;
  // CPU1: predicted 11 vs 10 (10%), retest 8 vs 10 (20%); CPU2: 0% and 0%. The confirm pass's 30 ms is not the run's.
  assert.ok(near(cpuBase!.predictorMapePct, 5) && near(cpuBase!.floorMapePct, 10));
  assert.ok(near(cpuForest!.predictorMapePct, 10) && near(cpuForest!.floorMapePct, 10));
  // GPU side: 4 vs 5 (20%), retest's side 6 vs 5 (20%).
  assert.ok(near(gpu!.predictorMapePct, 20) && near(gpu!.floorMapePct, 20));
  // Composed: 4.4 vs 4 (10%), retest 5 vs 4 (25%).
  assert.ok(near(composed!.predictorMapePct, 10) && near(composed!.floorMapePct, 25));
  assert.equal(bestPerSide(rows).map((r) => [r.side, r.model]), [['cpu', 'baseline'], ['gpu', 'baseline'], ['composed', 'baseline']]);
});

test('no shared job, no row', () => {
  assert.equal(sameJobsFloor(PREDICTIONS, RUN, []), []);
  assert.equal(sameJobsFloor([], RUN, RETEST), []);
});

async function runTree(retest: Buffer | undefined): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'coexec-same-jobs-'));
  const runDir = join(root, 'results', 'gpu-host', 'run-a');
  await mkdir(runDir, { recursive: true });
  await mkdir(join(root, 'results', 'repeatability'), { recursive: true });
  await writeFile(join(runDir, 'jobs.json'), JSON.stringify({ schemaVersion: 1, runId: 'run-a', rows: RUN }));
  await writeFile(join(root, 'results', 'repeatability', 'gpu-host-linear-coexec-run-a-same-call.json'), JSON.stringify({
    schemaVersion: 1, runA: 'run-a', runB: 'run-a', rows: [{ group: 'all', n: 5, mape: 9, medianApePct: 8 }],
  }));
  if (retest) await writeFile(join(root, 'results', 'repeatability', 'gpu-host-linear-coexec-run-a-retest-jobs.json.gz'), retest);
  return runDir;
}

test('the report reads the kept retest jobs beside the same-call file and shows both errors', async () => {
  const runDir = await runTree(gzipSync(JSON.stringify({ schemaVersion: 1, rows: RETEST })));
  const floor = loadSameJobsFloor(runDir, PREDICTIONS)!;
  assert.ok(floor.file.endsWith('gpu-host-linear-coexec-run-a-retest-jobs.json.gz'));
  assert.is(floor.rows.length, 4);
  const section = floorSection({ runDir, runId: 'run-a', platform: 'gpu-host', synthetic: false, sameJobsFloor: floor })!;
  assert.match(section.html, 'on the same jobs');
  assert.match(section.html, '<td>cpu</td><td>baseline</td><td>2</td><td>5.0</td><td>10.0</td><td>0.50</td>');
});

test('without kept retest jobs there is nothing to show; a damaged file is an error, not silence', async () => {
  assert.is(loadSameJobsFloor(await runTree(undefined), PREDICTIONS), undefined);
  const damaged = await runTree(Buffer.from('not gzip'));
  assert.throws(() => loadSameJobsFloor(damaged, PREDICTIONS), /not a gzipped JSON jobs file/);
});

test.run();
