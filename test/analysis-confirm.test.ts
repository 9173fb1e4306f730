// The confirmation pass has the last word on a layer's row: a hand-built space whose grid minimum was lucky
// (the pass measures it slower than the selected strategy) must report the faster confirmed strategy as the
// oracle, so q never exceeds 1, and the best single sides must be the fastest confirmed ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layerRow } from '../src/analysis/layer-rows.js';
import type { LayerRow, LinearLayer, Strategy } from '../src/analysis/types.js';
import type { LayerChoices } from '../src/select/confirm.js';
import type { LayerSpace } from '../src/select/space.js';

const layer: LinearLayer = { type: 'linear', M: 1, N: 1024, K: 1024 };
const strategy = (splitRatio: number, sync: string, cpuThreads = 2): Strategy => ({
  splitRatio, granularity: 16, cpuThreads, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64, sync,
});
// id -> strategy and grid median (ms)
const grid: Record<string, [Strategy, number]> = {
  cpu1: [strategy(1, 'finish', 1), 2.0],
  cpu2: [strategy(1, 'finish', 2), 1.8],
  gpuF: [strategy(0, 'finish'), 1.6],
  gpuS: [strategy(0, 'svm-fine'), 1.5],
  half: [strategy(0.5, 'svm-fine'), 0.9], // the lucky grid minimum
  third: [strategy(0.3, 'svm-fine'), 1.0], // what the predictor picks
};
const space: LayerSpace = {
  layerId: 'L', layer, experiment: 'linear-coexec',
  candidates: Object.entries(grid).map(([id, [s]]) => ({ strategyId: id, layer, strategy: s })).sort((a, b) => a.strategyId.localeCompare(b.strategyId)),
  measuredNs: new Map(Object.entries(grid).map(([id, [, ms]]) => [id, ms * 1e6])),
  gridWallNs: 0,
};
const choices: LayerChoices = {
  layerId: 'L', layer, experiment: 'linear-coexec',
  roles: { oracle: 'half', selected: 'third', bestCpu: 'cpu2', bestGpu: 'gpuS', gpuFinish: 'gpuF' },
};
const ms = (o: Record<string, number>): Map<string, number> => new Map(Object.entries(o).map(([k, v]) => [k, v * 1e6]));

test('a lucky grid oracle measured slower in the confirmation pass gives way to the faster confirmed strategy', () => {
  // Confirmed: the grid oracle is now 1.1 ms, the selected strategy 0.95 ms; CPU 1 thread re-measured faster than 2.
  const row = layerRow(space, choices, ms({ half: 1.1, third: 0.95, cpu2: 1.9, gpuS: 1.4, gpuF: 1.7 })) as LayerRow;
  assert.is(row.oracle.strategyId, 'third');
  assert.is(row.selected.strategyId, 'third');
  assert.is(row.decisionQuality, 1);
  assert.is(row.bestSingle.strategyId, 'gpuS');
  assert.ok(Math.abs(row.speedupOracle - 1.4 / 0.95) < 1e-12);
  assert.ok(Math.abs(row.speedupOracleVsGpuFinish - 1.7 / 0.95) < 1e-12);
  assert.is(row.latencySource, 'confirm');
});

test('q is below 1 when the confirmation pass measures the selected strategy slower than the oracle', () => {
  const row = layerRow(space, choices, ms({ half: 0.8, third: 1.0, cpu2: 1.9, gpuS: 1.4, gpuF: 1.7 })) as LayerRow;
  assert.is(row.oracle.strategyId, 'half');
  assert.ok(Math.abs(row.decisionQuality - 0.8) < 1e-12);
  // hand-computed: ideal = (1/1.9 + 1/1.4) / (1/1.4) = 1 + 1.4/1.9
  assert.ok(Math.abs(row.idealSpeedup - (1 + 1.4 / 1.9)) < 1e-12);
});

test('without a confirmation pass the grid choices and latencies stand, flagged as grid', () => {
  const row = layerRow(space, choices, undefined) as LayerRow;
  assert.is(row.oracle.strategyId, 'half');
  assert.is(row.latencySource, 'grid');
  assert.ok(Math.abs(row.decisionQuality - 0.9) < 1e-12);
});

test.run();
