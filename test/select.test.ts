// Selection strategies on hand-built spaces: grid finds the fastest VALID, predictor-guided its first choice, the confirm list its roles.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { strategyId } from '../src/analysis/layers.js';
import type { LinearLayer, Strategy } from '../src/analysis/types.js';
import { buildConfirmList } from '../src/select/confirm.js';
import { gridSearch } from '../src/select/grid.js';
import { predictorGuided } from '../src/select/predicted.js';
import { gridSpaces, measuredRunner } from '../src/select/space.js';
import { timeSelection } from '../src/select/timing.js';
import type { Candidate } from '../src/select/types.js';
import { GPU_FINE, GPU_FINISH, GRID, HALF_FINE, HALF_FINISH, CPU2, LAYER } from './fixtures/recorded/hand-built.js';

const layer: LinearLayer = { type: 'linear', M: 1, N: 64, K: 64 };
const cand = (splitRatio: number): Candidate => {
  const strategy: Strategy = { splitRatio, granularity: 1, cpuThreads: 1, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64, sync: 'finish' };
  return { strategyId: strategyId(layer, strategy), layer, strategy };
};
const space = [0, 0.25, 0.5, 0.75, 1].map(cand);

test('grid search returns the fastest measured candidate and skips unmeasured ones', () => {
  const measured = new Map([[space[1]!.strategyId, 5], [space[3]!.strategyId, 3], [space[4]!.strategyId, 4]]);
  assert.is(gridSearch.select(space, { measuredNs: (c) => measured.get(c.strategyId) }), space[3]!.strategyId);
  assert.is(gridSearch.select(space, { measuredNs: () => undefined }), null);
});

test('predictor-guided selection returns the lowest prediction, the first on ties', () => {
  const pred = [9, 2, 7, 2, 8];
  const runner = { predictedNs: (c: Candidate) => pred[space.indexOf(c)]! };
  assert.is(predictorGuided.select(space, runner), space[1]!.strategyId);
  assert.throws(() => predictorGuided.select(space, {}), /needs predictions/);
});

test('grid search over a recorded layer never picks an INVALID job', () => {
  const s = gridSpaces(GRID).get('linear/M:1/N:100/K:100')!;
  assert.is(gridSearch.select(s.candidates, measuredRunner(s)), strategyId(LAYER, HALF_FINE));
  assert.is(s.gridWallNs, 8e9);
});

test('the confirm list names each strategy once per layer with all its roles', () => {
  const list = buildConfirmList(GRID, () => undefined);
  const roles = Object.fromEntries(list.map((c) => [c.strategyId, c.roles]));
  // Runners-up: HALF_FINISH (4.5 ms) and GPU_FINE (5 ms, also the best GPU-only) after the 4 ms oracle.
  assert.equal(roles, {
    [strategyId(LAYER, HALF_FINE)]: ['oracle'],
    [strategyId(LAYER, CPU2)]: ['bestCpu'],
    [strategyId(LAYER, GPU_FINE)]: ['bestGpu', 'runnerUp'],
    [strategyId(LAYER, GPU_FINISH)]: ['gpuFinish'],
    [strategyId(LAYER, HALF_FINISH)]: ['runnerUp'],
  });
  // When GPU-only with finish is also the best GPU-only strategy, it appears once with both roles; at 6 ms it
  // is also the 2nd runner-up (tied with r:0.70, but "r:0.00/..." comes first in space order).
  const noFine = GRID.filter((j) => j.jobId !== `grid/${strategyId(LAYER, GPU_FINE)}`);
  const merged = buildConfirmList(noFine, () => undefined).find((c) => c.strategyId === strategyId(LAYER, GPU_FINISH))!;
  assert.equal(merged.roles, ['bestGpu', 'gpuFinish', 'runnerUp']);
});

test('tinybench times a selection', async () => {
  const t = await timeSelection(() => predictorGuided.select(space, { predictedNs: (c) => c.strategy.splitRatio }), 10);
  assert.ok(t.meanMs > 0 && t.meanMs < 50, String(t.meanMs));
  assert.ok(t.samples >= 5);
});


test('a strategy the device refused (engine error) is no candidate, so no predictor can select it', () => {
  // Regression: on the GPU host an svm-fine strategy (refused: no fine-grained SVM) was predicted fastest.
  const refused = GRID.map((j) => (j.jobId === `grid/${strategyId(LAYER, HALF_FINE)}` ? { ...j, status: 'error' as const, verdict: 'INVALID' as const } : j));
  const s = gridSpaces(refused).get('linear/M:1/N:100/K:100')!;
  assert.not.ok(s.candidates.some((c) => c.strategyId === strategyId(LAYER, HALF_FINE)));
  const favourRefused = { predictedNs: (c: Candidate) => (c.strategyId === strategyId(LAYER, HALF_FINE) ? 1 : 1e6) };
  assert.is.not(predictorGuided.select(s.candidates, favourRefused), strategyId(LAYER, HALF_FINE));
});

test.run();
