// The confirmation pass has the last word on a layer's row: a hand-built space whose grid minimum was lucky
// (the pass measures it slower than the selected strategy) must report the faster confirmed strategy as the
// oracle, so q never exceeds 1, and the best single sides must be the fastest confirmed ones. A row takes
// every latency from one source (the pass when it covers every role, else the grid), a role with no VALID
// latency skips the layer, and the grid's runners-up are confirmed as oracle candidates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layerRow, type SkippedLayer } from '../src/analysis/layer-rows.js';
import { strategyId } from '../src/analysis/layers.js';
import type { LayerRow, LinearLayer, Strategy } from '../src/analysis/types.js';
import { buildConfirmList, chooseRoles, predictedRunnersUp, type LayerChoices } from '../src/select/confirm.js';
import { selectableCandidates, type LayerSpace } from '../src/select/space.js';
import { CPU1, CPU2, GPU_FINE, GPU_FINISH, HALF_FINE, HALF_FINISH, LAYER, handJobs } from './fixtures/recorded/hand-built.js';

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
  quarter: [strategy(0.25, 'svm-fine'), 0.95], // the grid's runner-up (2nd); third is the 3rd
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
  runnersUp: ['quarter', 'third'],
  predictedRunnersUp: [],
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
  assert.ok(Math.abs(row.speedupOracleVsGpuFinish! - 1.7 / 0.95) < 1e-12);
  assert.is(row.latencySource, 'confirm');
});

test('q is below 1 when the confirmation pass measures the selected strategy slower than the oracle', () => {
  const row = layerRow(space, choices, ms({ half: 0.8, third: 1.0, cpu2: 1.9, gpuS: 1.4, gpuF: 1.7 })) as LayerRow;
  assert.is(row.oracle.strategyId, 'half');
  assert.ok(Math.abs(row.decisionQuality - 0.8) < 1e-12);
  // hand-computed: ideal = (1/1.9 + 1/1.4) / (1/1.4) = 1 + 1.4/1.9
  assert.ok(Math.abs(row.idealSpeedupLinear - (1 + 1.4 / 1.9)) < 1e-12);
});

test('without a confirmation pass the grid choices and latencies stand, flagged as grid', () => {
  const row = layerRow(space, choices, undefined) as LayerRow;
  assert.is(row.oracle.strategyId, 'half');
  assert.is(row.latencySource, 'grid');
  assert.ok(Math.abs(row.decisionQuality - 0.9) < 1e-12);
});

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
const asRow = (r: LayerRow | SkippedLayer): LayerRow => {
  if (!('speedupOracle' in r)) throw new Error(`skipped: ${r.reason}`);
  return r;
};

test('the hand-built choices are what chooseRoles makes of the space (runners-up: quarter 0.95, third 1.0)', () => {
  const c = chooseRoles(space, undefined);
  assert.equal(c.roles, { ...choices.roles, selected: null });
  assert.equal(c.runnersUp, ['quarter', 'third']);
});

test('the predictor\'s runners-up: its 2nd and 3rd choices, ties in space order, each confirmed once with its roles', () => {
  // Predicted: gpuS fastest (the selection), then half and quarter tied (space order: half first), then the rest.
  const predicted: Record<string, number> = { gpuS: 1, half: 2, quarter: 2, third: 3, cpu1: 9, cpu2: 9, gpuF: 5 };
  const runner = { predictedNs: (c: { strategyId: string }) => predicted[c.strategyId]! };
  assert.equal(predictedRunnersUp(space, runner), ['half', 'quarter']);
  assert.equal(predictedRunnersUp(space, runner, 1), ['half']);
});

test('(a) mixed availability: the whole row comes from the grid, with the grid choices, so q <= 1', () => {
  // The real-run bug: the grid oracle re-measured slower (1.2 ms) while the selected strategy has no confirm
  // job. The old row divided the confirmed 1.2 ms oracle by the grid's 1.0 ms selected: q = 1.2.
  const row = asRow(layerRow(space, choices, ms({ half: 1.2, cpu2: 1.9, gpuS: 1.4, gpuF: 1.7 })));
  assert.is(row.latencySource, 'grid');
  assert.equal(row.oracle, { strategyId: 'half', splitRatio: 0.5, latencyMs: 0.9 });
  assert.equal(row.selected, { strategyId: 'third', splitRatio: 0.3, latencyMs: 1.0 });
  assert.equal(row.bestSingle, { strategyId: 'gpuS', side: 'gpu', latencyMs: 1.5 });
  assert.equal(row.gpuFinish, { strategyId: 'gpuF', latencyMs: 1.6 });
  close(row.decisionQuality, 0.9);
  close(row.speedupOracle, 1.5 / 0.9);
  close(row.speedupSelected, 1.5);
  close(row.speedupOracleVsGpuFinish!, 1.6 / 0.9);
  close(row.speedupSelectedVsGpuFinish!, 1.6);
  close(row.idealSpeedupLinear, 1 + 1.5 / 1.8);
  close(row.efficiencyLinear, (1.5 / 0.9) / (1 + 1.5 / 1.8));
  // Selected confirmed but no CPU-only strategy confirmed: grid again, not the confirmed 0.95 ms selected.
  const noCpu = asRow(layerRow(space, choices, ms({ half: 1.1, third: 0.95, gpuS: 1.4, gpuF: 1.7 })));
  assert.is(noCpu.latencySource, 'grid');
  assert.equal([noCpu.oracle.latencyMs, noCpu.selected.latencyMs, noCpu.bestSingle.latencyMs], [0.9, 1.0, 1.5]);
});

test('(b) every role confirmed: the whole row comes from the pass; an unconfirmed runner-up is not required', () => {
  // quarter (a runner-up) has no confirm job: the row is still the pass's.
  const row = asRow(layerRow(space, choices, ms({ half: 1.1, third: 1.05, cpu2: 1.9, cpu1: 2.1, gpuS: 1.4, gpuF: 1.7 })));
  assert.is(row.latencySource, 'confirm');
  assert.equal(row.oracle, { strategyId: 'third', splitRatio: 0.3, latencyMs: 1.05 });
  assert.equal(row.selected, { strategyId: 'third', splitRatio: 0.3, latencyMs: 1.05 });
  assert.equal(row.bestSingle, { strategyId: 'gpuS', side: 'gpu', latencyMs: 1.4 });
  assert.equal(row.gpuFinish, { strategyId: 'gpuF', latencyMs: 1.7 });
  assert.is(row.decisionQuality, 1);
  close(row.speedupOracle, 1.4 / 1.05);
  close(row.speedupSelectedVsGpuFinish!, 1.7 / 1.05);
  close(row.idealSpeedupLinear, 1 + 1.4 / 1.9);
});

test('(c) a selected strategy with no VALID measurement in the pass or the grid skips the layer, naming it', () => {
  const noSelected: LayerSpace = { ...space, measuredNs: new Map([...space.measuredNs].filter(([id]) => id !== 'third')) };
  const reason = 'selected strategy third has no VALID measurement in the confirmation pass or the grid';
  assert.equal(layerRow(noSelected, choices, undefined), { layerId: 'L', reason });
  assert.equal(layerRow(noSelected, choices, ms({ half: 1.1, cpu2: 1.9, gpuS: 1.4, gpuF: 1.7 })), { layerId: 'L', reason });
  // Confirmed but not in the grid, while the pass lacks another required role: neither source has the row.
  assert.equal(layerRow(noSelected, choices, ms({ half: 1.1, third: 0.95, gpuS: 1.4, gpuF: 1.7 })), {
    layerId: 'L',
    reason: 'selected strategy third has no VALID grid measurement, and the confirmation pass has no VALID latency for bestCpu strategy cpu2',
  });
  // The pass lacks only GPU-only finish, which a row can do without: the pass serves it, without that baseline.
  const noFinish = asRow(layerRow(noSelected, choices, ms({ half: 1.1, third: 0.95, cpu2: 1.9, gpuS: 1.4 })));
  assert.is(noFinish.latencySource, 'confirm');
  assert.is(noFinish.gpuFinish, undefined);
  assert.is(noFinish.speedupSelectedVsGpuFinish, undefined);
  // Confirmed for every role: the grid's gap does not matter.
  const row = asRow(layerRow(noSelected, choices, ms({ half: 1.1, third: 0.95, cpu2: 1.9, gpuS: 1.4, gpuF: 1.7 })));
  assert.is(row.latencySource, 'confirm');
  assert.is(row.selected.latencyMs, 0.95);
});

test('(d) a runner-up the pass measures faster than the grid oracle and the selected strategy becomes the oracle', () => {
  const row = asRow(layerRow(space, choices, ms({ half: 1.1, quarter: 0.85, third: 0.95, cpu2: 1.9, gpuS: 1.4, gpuF: 1.7 })));
  assert.is(row.latencySource, 'confirm');
  assert.equal(row.oracle, { strategyId: 'quarter', splitRatio: 0.25, latencyMs: 0.85 });
  close(row.decisionQuality, 0.85 / 0.95);
  close(row.speedupOracle, 1.4 / 0.85);
  close(row.speedupOracleVsGpuFinish!, 1.7 / 0.85);
  close(row.efficiencyLinear, (1.4 / 0.85) / (1 + 1.4 / 1.9));
});

test('(e) the confirm list holds the two runners-up once each, merged with a row role they also play', () => {
  // Grid ranking: HALF_FINE 4.0 (oracle), HALF_FINISH 4.1, CPU2 4.2 (also best CPU-only), GPU_FINE 5, ...
  const grid = handJobs('grid', [[HALF_FINE, 4], [HALF_FINISH, 4.1], [CPU2, 4.2], [CPU1, 9], [GPU_FINE, 5], [GPU_FINISH, 6]]);
  const list = buildConfirmList(grid, () => undefined);
  const id = (s: Strategy): string => strategyId(LAYER, s);
  assert.equal(list.map((c) => [c.strategyId, c.roles]), [
    [id(HALF_FINE), ['oracle']],
    [id(CPU2), ['bestCpu', 'runnerUp']],
    [id(GPU_FINE), ['bestGpu']],
    [id(GPU_FINISH), ['gpuFinish']],
    [id(HALF_FINISH), ['runnerUp']],
  ]);
  // A tie with the grid minimum: the first in space order (ids sorted: ".../sync:finish" before
  // ".../sync:svm-fine") is the oracle, the other the first runner-up, never both.
  const tied = handJobs('grid', [[HALF_FINE, 4], [HALF_FINISH, 4], [CPU2, 8], [GPU_FINE, 5], [GPU_FINISH, 6]]);
  const tiedList = buildConfirmList(tied, () => undefined);
  assert.equal(tiedList.filter((c) => c.roles.includes('runnerUp')).map((c) => [c.strategyId, c.roles]), [
    [id(GPU_FINE), ['bestGpu', 'runnerUp']],
    [id(HALF_FINE), ['runnerUp']],
  ]);
  assert.equal(tiedList.filter((c) => c.roles.includes('oracle')).map((c) => c.strategyId), [id(HALF_FINISH)]);
  assert.is(new Set(tiedList.map((c) => c.strategyId)).size, tiedList.length);
});

test('top 3 measured: the grid picks among the predictor\'s top 3 and the confirmation pass scores the pick', () => {
  // The predictor's order: third, then quarter and gpuS; the grid measured quarter (0.95) fastest of the three.
  const top3 = { ...choices, predictedRunnersUp: ['quarter', 'gpuS'] };
  const row = layerRow(space, top3, ms({ half: 0.8, third: 1.0, quarter: 0.9, cpu2: 1.9, gpuS: 1.4, gpuF: 1.7 })) as LayerRow;
  assert.is(row.selected.strategyId, 'third');
  assert.is(row.selectedTop3!.strategyId, 'quarter');
  close(row.selectedTop3!.latencyMs, 0.9);
  close(row.decisionQualityTop3!, 0.8 / 0.9);
  // A pick the pass did not measure has no score (the grid's own measurement chose it).
  const unconfirmed = layerRow(space, top3, ms({ half: 0.8, third: 1.0, cpu2: 1.9, gpuS: 1.4, gpuF: 1.7 })) as LayerRow;
  assert.is(unconfirmed.selectedTop3, undefined);
  assert.is(unconfirmed.decisionQualityTop3, undefined);
  // A grid row scores it with the grid: quarter 0.95 against the grid oracle half 0.9.
  const gridRow = layerRow(space, top3, undefined) as LayerRow;
  close(gridRow.decisionQualityTop3!, 0.9 / 0.95);
  // Without runners-up the pick is the predictor's own choice.
  assert.is((layerRow(space, choices, undefined) as LayerRow).selectedTop3!.strategyId, 'third');
});

test('selectable candidates: a CPU implementation the grid only measures alone (a baseline) is not a choice', () => {
  const withBaseline: LayerSpace = {
    ...space,
    candidates: [...space.candidates, { strategyId: 'blas', layer, strategy: { ...strategy(1, 'finish', 2), cpuImpl: 'openblas' } }],
  };
  const ids = selectableCandidates(withBaseline.candidates).map((c) => c.strategyId);
  assert.not.ok(ids.includes('blas'));
  assert.equal(ids, space.candidates.map((c) => c.strategyId));
  // The oracle and the best CPU side still see it.
  const m = new Map(withBaseline.measuredNs); m.set('blas', 0.5e6);
  const c = chooseRoles({ ...withBaseline, measuredNs: m }, undefined);
  assert.is(c.roles.oracle, 'blas');
  assert.is(c.roles.bestCpu, 'blas');
  // A space that co-executes nothing keeps every candidate.
  const cpuOnly = withBaseline.candidates.filter((x) => x.strategy.splitRatio === 1);
  assert.is(selectableCandidates(cpuOnly).length, cpuOnly.length);
});

test.run();
