// Test-retest agreement of two runs (src/analysis/repeatability.ts) on hand-built job sets, against
// hand-computed errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareRuns, repeatGroup, retestDecisionQuality } from '../src/analysis/repeatability.js';
import { CPU1, CPU2, GPU_FINE, GPU_FINISH, HALF_FINE, HALF_FINISH, LAYER, TRAP, handJobs } from './fixtures/recorded/hand-built.js';
import { strategyId } from '../src/analysis/layers.js';

// Run A and run B measure the same strategies (same job ids); latencies in ms.
const A = handJobs('grid', [[CPU1, 10], [CPU2, 8], [GPU_FINISH, 6], [GPU_FINE, 5], [HALF_FINE, 4], [HALF_FINISH, 4.5], [TRAP, 1, false]]);
const B = handJobs('grid', [[CPU1, 8], [CPU2, 8], [GPU_FINISH, 5], [GPU_FINE, 5], [HALF_FINE, 5], [HALF_FINISH, 4.5, false], [TRAP, 1]]);

test('groups follow the split ratio when the job has no plan role', () => {
  assert.equal(A.map(repeatGroup), ['cpu-slice', 'cpu-slice', 'gpu-slice', 'gpu-slice', 'coexec', 'coexec', 'coexec']);
  assert.is(repeatGroup({ ...A[4]!, role: 'cpu-slice' }), 'cpu-slice');
});

test('run A scored as a prediction of run B, per group; INVALID on either side is left out', () => {
  const rows = compareRuns(A, B);
  assert.equal(rows.map((r) => [r.group, r.n]), [['cpu-slice', 2], ['gpu-slice', 2], ['coexec', 1], ['all', 5]]);
  const [cpu, gpu, coexec, all] = rows;
  // cpu: |10-8|/8 = 25%, |8-8|/8 = 0%  -> MAPE 12.5, RMSPE sqrt((0.0625+0)/2) = 17.68%, within10 1/2
  assert.ok(Math.abs(cpu!.mape - 12.5) < 1e-9);
  assert.ok(Math.abs(cpu!.rmspe - 100 * Math.sqrt(0.0625 / 2)) < 1e-9);
  assert.is(cpu!.within10, 0.5);
  assert.ok(Math.abs(cpu!.medianApePct - 12.5) < 1e-9);
  // gpu: |6-5|/5 = 20%, 0% -> MAPE 10
  assert.ok(Math.abs(gpu!.mape - 10) < 1e-9);
  // coexec: only HALF_FINE (HALF_FINISH INVALID in B, TRAP INVALID in A): |4-5|/5 = 20%
  assert.ok(Math.abs(coexec!.mape - 20) < 1e-9);
  // all: 25, 0, 20, 0, 20 -> MAPE 13, median 20
  assert.ok(Math.abs(all!.mape - 13) < 1e-9);
  assert.ok(Math.abs(all!.medianApePct - 20) < 1e-9);
  // B / A: 0.8, 1, 5/6, 1, 1.25 -> median 1 (the runs differ job by job, not as a whole); cpu: 0.8, 1 -> 0.9
  assert.ok(Math.abs(all!.medianRatio! - 1) < 1e-9);
  assert.ok(Math.abs(cpu!.medianRatio! - 0.9) < 1e-9);
});

test('a filter narrows the jobs, and runs with nothing in common give no rows', () => {
  const onlyCpu = compareRuns(A, B, (j) => j.strategy.splitRatio === 1);
  assert.equal(onlyCpu.map((r) => r.group), ['cpu-slice', 'all']);
  assert.equal(compareRuns(A, []), []);
});

test('retest decision quality: run A\'s grid choice scored by run B\'s grid, among strategies both measured VALID', () => {
  // Candidates: VALID in both grids, so not TRAP (INVALID in A) nor HALF_FINISH (INVALID in B). A's fastest of
  // them is HALF_FINE (4 ms); in B it takes 5 ms, as fast as B's fastest (GPU_FINISH, GPU_FINE): q = 1.
  const tie = retestDecisionQuality(A, B)!;
  assert.is(tie.layers.length, 1);
  assert.is(tie.layers[0]!.candidates, 5);
  assert.is(tie.layers[0]!.choiceInA, strategyId(LAYER, HALF_FINE));
  assert.is(tie.layers[0]!.q, 1);
  // B slower on A's choice: B's fastest 5 ms over 6.25 ms = 0.8 (B's fastest is one of the two 5 ms GPU-only ones).
  const slower = handJobs('grid', [[CPU1, 8], [CPU2, 8], [GPU_FINISH, 5], [GPU_FINE, 5], [HALF_FINE, 6.25]]);
  const r = retestDecisionQuality(A, slower)!;
  assert.ok(Math.abs(r.layers[0]!.q - 0.8) < 1e-12);
  assert.ok(Math.abs(r.geomean - 0.8) < 1e-12 && Math.abs(r.worst - 0.8) < 1e-12);
  assert.ok([strategyId(LAYER, GPU_FINISH), strategyId(LAYER, GPU_FINE)].includes(r.layers[0]!.bestInB));
  assert.is(r.layers[0]!.qConfirmed, undefined);
  assert.is(r.confirmed, undefined);
  // Where B's confirmation pass re-measured A's choice, its q in that pass's latencies: fastest confirmed 4.5 ms
  // (GPU_FINE) over HALF_FINE's 6 ms = 0.75; the grid q is unchanged.
  const withPass = retestDecisionQuality(A, [...slower, ...handJobs('confirm', [[HALF_FINE, 6], [GPU_FINE, 4.5], [CPU1, 9]])])!;
  assert.ok(Math.abs(withPass.layers[0]!.q - 0.8) < 1e-12);
  assert.ok(Math.abs(withPass.layers[0]!.qConfirmed! - 0.75) < 1e-12);
  assert.equal(withPass.confirmed, { layers: 1, geomean: withPass.layers[0]!.qConfirmed!, worst: withPass.layers[0]!.qConfirmed! });
  // Confirm-phase jobs do not count, and runs with fewer than two common strategies give nothing.
  assert.is(retestDecisionQuality(A, handJobs('confirm', [[CPU1, 8], [HALF_FINE, 5]])), undefined);
  assert.is(retestDecisionQuality(A, handJobs('grid', [[CPU1, 8]])), undefined);
});

test.run();

