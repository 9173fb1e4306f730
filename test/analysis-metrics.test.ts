// Speedups, oracle, best single, q, ideal speedup and efficiency from a hand-built result set, against hand-computed values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { confirmLatencies, layerRow, splitCurve } from '../src/analysis/layer-rows.js';
import { strategyId } from '../src/analysis/layers.js';
import { decisionQuality, geomean, idealSpeedup, median, predictionErrors } from '../src/analysis/metrics.js';
import type { JobStats, LayerRow, Strategy } from '../src/analysis/types.js';
import { CPU2, GPU_FINE, GPU_FINISH, GRID, HALF_FINE, HALF_FINISH, LAYER, handJobs } from './fixtures/recorded/hand-built.js';
import { chooseRoles } from '../src/select/confirm.js';
import { syncOverheadRows } from '../src/analysis/sync-overhead.js';
import { kindSummary } from '../src/analysis/summary.js';
import { gridSpaces } from '../src/select/space.js';

const id = (s: Strategy): string => strategyId(LAYER, s);

function handRow(confirm: JobStats[]): LayerRow {
  const space = gridSpaces(GRID).get('linear/M:1/N:100/K:100')!;
  const choices = chooseRoles(space, undefined);
  choices.roles.selected = id(HALF_FINISH); // what a predictor ranked first
  const row = layerRow(space, choices, confirmLatencies(confirm).get(space.layerId));
  if (!('speedupOracle' in row)) throw new Error(row.reason);
  return row;
}

test('roles come from VALID grid jobs: the faster INVALID job is never the oracle', () => {
  const space = gridSpaces(GRID).get('linear/M:1/N:100/K:100')!;
  const r = chooseRoles(space, undefined).roles;
  assert.is(r.oracle, id(HALF_FINE));
  assert.is(r.bestCpu, id(CPU2));
  assert.is(r.bestGpu, id(GPU_FINE));
  assert.is(r.gpuFinish, id(GPU_FINISH));
  assert.is(r.selected, null);
});

test('layer row from the confirmation pass equals the hand computation', () => {
  const confirm = handJobs('confirm', [[HALF_FINE, 4.2], [CPU2, 8.4], [GPU_FINE, 5.0], [GPU_FINISH, 6.3], [HALF_FINISH, 4.6]]);
  const r = handRow(confirm);
  assert.is(r.latencySource, 'confirm');
  assert.equal(r.bestSingle, { strategyId: id(GPU_FINE), side: 'gpu', latencyMs: 5.0 });
  assert.equal(r.oracle, { strategyId: id(HALF_FINE), splitRatio: 0.5, latencyMs: 4.2 });
  assert.equal(r.selected, { strategyId: id(HALF_FINISH), splitRatio: 0.5, latencyMs: 4.6 });
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
  close(r.speedupOracle, 5.0 / 4.2);
  close(r.speedupSelected, 5.0 / 4.6);
  close(r.speedupOracleVsGpuFinish!, 6.3 / 4.2);
  close(r.speedupSelectedVsGpuFinish!, 6.3 / 4.6);
  close(r.decisionQuality, 4.2 / 4.6);
  close(r.idealSpeedupLinear, (1 / 8.4 + 1 / 5) / (1 / 5));
  close(r.efficiencyLinear, 5.0 / 4.2 / (1 + 5 / 8.4));
});

test('a strategy missing from the confirmation pass puts the whole row on the grid and flags it', () => {
  const confirm = handJobs('confirm', [[HALF_FINE, 4.2], [CPU2, 8.4], [GPU_FINE, 5.0], [HALF_FINISH, 4.6], [GPU_FINISH, 2, false]]);
  const r = handRow(confirm);
  assert.is(r.latencySource, 'grid');
  assert.is(r.gpuFinish!.latencyMs, 6);
  // Every other latency is the grid's too, not the confirmed one (4.2, 4.6, 5.0).
  assert.equal([r.oracle.latencyMs, r.selected.latencyMs, r.bestSingle.latencyMs], [4, 4.5, 5]);
});

test('a layer without a VALID GPU-only finish job keeps its row, without that baseline and its two speedups', () => {
  // The grid's finish job INVALID (e.g. stolen by the hypervisor): no gpuFinish role at all.
  const grid: JobStats[] = GRID.map((j) => (j.strategy === GPU_FINISH ? { ...j, status: 'invalid' as const, verdict: 'INVALID' as const } : j));
  const space = gridSpaces(grid).get('linear/M:1/N:100/K:100')!;
  const choices = chooseRoles(space, undefined);
  assert.is(choices.roles.gpuFinish, null);
  choices.roles.selected = id(HALF_FINISH);
  const row = layerRow(space, choices, undefined);
  if (!('speedupOracle' in row)) throw new Error(row.reason);
  assert.is(row.latencySource, 'grid');
  assert.is(row.gpuFinish, undefined);
  assert.is(row.speedupOracleVsGpuFinish, undefined);
  assert.is(row.speedupSelectedVsGpuFinish, undefined);
  assert.ok(Math.abs(row.decisionQuality - 4 / 4.5) < 1e-12);
  const summary = kindSummary([row, { ...handRow(handJobs('confirm', [[HALF_FINE, 4.2], [CPU2, 8.4], [GPU_FINE, 5.0], [GPU_FINISH, 6.3], [HALF_FINISH, 4.6]])) }])!;
  assert.is(summary.layers, 2);
  assert.is(summary.layersWithGpuFinish, 1);
  assert.ok(Math.abs(summary.geomeanSpeedupOracleVsGpuFinish! - 6.3 / 4.2) < 1e-12);
  assert.is(kindSummary([row])!.geomeanSpeedupOracleVsGpuFinish, undefined);
});

test('the pass without a VALID finish latency: the grid, which has every role, serves the row; without it, the pass', () => {
  // The pass has every required role but not finish, the grid has all: the row stays whole, from the grid.
  const confirm = handJobs('confirm', [[HALF_FINE, 4.2], [CPU2, 8.4], [GPU_FINE, 5.0], [HALF_FINISH, 4.6], [GPU_FINISH, 2, false]]);
  assert.is(handRow(confirm).latencySource, 'grid');
  assert.is(handRow(confirm).gpuFinish!.latencyMs, 6);
  // Neither has a VALID finish latency: the pass's required roles serve the row, without finish.
  const grid: JobStats[] = GRID.map((j) => (j.strategy === GPU_FINISH ? { ...j, status: 'invalid' as const, verdict: 'INVALID' as const } : j));
  const space = gridSpaces(grid).get('linear/M:1/N:100/K:100')!;
  const choices = chooseRoles(space, undefined);
  choices.roles.selected = id(HALF_FINISH);
  const row = layerRow(space, choices, confirmLatencies(confirm).get(space.layerId));
  if (!('speedupOracle' in row)) throw new Error(row.reason);
  assert.is(row.latencySource, 'confirm');
  assert.is(row.gpuFinish, undefined);
  assert.equal([row.oracle.latencyMs, row.selected.latencyMs], [4.2, 4.6]);
});

test('split curve: best VALID latency per ratio, one oracle row', () => {
  const space = gridSpaces(GRID).get('linear/M:1/N:100/K:100')!;
  const choices = chooseRoles(space, undefined);
  choices.roles.selected = id(HALF_FINISH);
  const curve = splitCurve(space, choices);
  assert.equal(curve.map((c) => [c.splitRatio, c.latencyMs]), [[0, 5], [0.5, 4], [0.7, 6], [1, 8]]);
  assert.equal(curve.filter((c) => c.isOracle).map((c) => c.splitRatio), [0.5]);
  assert.equal(curve.filter((c) => c.isSelected).map((c) => c.splitRatio), [0.5]);
});

test('metric helpers', () => {
  assert.ok(Math.abs(geomean([1, 4]) - 2) < 1e-12);
  assert.is(median([3, 1, 2, 10]), 2.5);
  assert.is(decisionQuality(3, 4), 0.75);
  assert.is(idealSpeedup(2, 2), 2);
  const e = predictionErrors([{ predicted: 110, measured: 100 }, { predicted: 80, measured: 100 }]);
  assert.ok(Math.abs(e.mape - 15) < 1e-9);
  assert.ok(Math.abs(e.rmspe - Math.sqrt((100 + 400) / 2)) < 1e-9);
  assert.is(e.within10, 0.5);
});

test('sync overhead without slice jobs: latency minus the slower of CPU side and dispatch + kernel', () => {
  const [co] = handJobs('grid', [[HALF_FINE, 4]]);
  Object.assign(co!, { phase: 'sync', cpuSideMedianNs: 3.0e6, gpuSideMedianNs: 3.9e6, gpuKernelMedianNs: 3.2e6, gpuDispatchMedianNs: 0.3e6 });
  const rt = {
    ...handJobs('grid', [[HALF_FINE, 0.05]])[0]!, jobId: 'roundtrip/sync:svm-fine', phase: 'sync' as const, kind: 'roundtrip' as const,
  };
  delete rt.layer;
  const { rows } = syncOverheadRows([co!, rt], new Set(['linear-coexec']));
  assert.equal(rows.map((r) => [r.mechanism, r.slowerSideSource, r.slowerSideMs, r.roundTripUs]), [['svm-fine', 'in-run', 3.5, 50]]);
  assert.ok(Math.abs(rows[0]!.overheadUs - 500) < 1e-9);
  // Without a VALID round trip for the mechanism the row stays (its overhead is measured) and the mechanism is reported.
  const noRt = syncOverheadRows([co!], new Set(['linear-coexec']));
  assert.equal(noRt.noRoundTrip, ['svm-fine']);
  assert.equal(noRt.rows.map((r) => [r.mechanism, r.roundTripUs]), [['svm-fine', null]]);
  assert.ok(Math.abs(noRt.rows[0]!.overheadUs - 500) < 1e-9);
});

test.run();
