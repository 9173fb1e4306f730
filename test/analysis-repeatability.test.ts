// Test-retest agreement of two runs (src/analysis/repeatability.ts) on hand-built job sets, against
// hand-computed errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareRuns, repeatGroup } from '../src/analysis/repeatability.js';
import { CPU1, CPU2, GPU_FINE, GPU_FINISH, HALF_FINE, HALF_FINISH, TRAP, handJobs } from './fixtures/recorded/hand-built.js';

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
});

test('a filter narrows the jobs, and runs with nothing in common give no rows', () => {
  const onlyCpu = compareRuns(A, B, (j) => j.strategy.splitRatio === 1);
  assert.equal(onlyCpu.map((r) => r.group), ['cpu-slice', 'all']);
  assert.equal(compareRuns(A, []), []);
});

test.run();
