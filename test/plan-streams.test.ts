// GPU streams (strategy.gpuStreams, issue 14): ids gain "/streams:k" only when k != 1, so every id written
// before stays valid; normalization drops the field for 1 and CPU-only work and clamps it to the share's outer
// rows; the schema and the config check accept a profile's levels; the grid multiplies only strategies with
// GPU rows on finish / event-poll (not clblast) up to the profile's ratio, and the gpu-host grids stay within
// 1.5x of their job count without streams.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolve } from 'node:path';
import { collectConfigProblems, loadConfigs } from '../src/config/load.js';
import type { ProfileConfig } from '../src/config/schemas.js';
import { normalizeStrategy, parseStrategyId, strategyId, type Strategy } from '../src/plan/ids.js';
import { planPhase, streamLevels } from '../src/plan/expand.js';
import { narrowSpace } from '../src/plan/resolve.js';
import { problemsAfterProfileEdit } from './config-copy.js';

const configs = loadConfigs(resolve(process.cwd()));
const NOW = new Date('2026-12-03T12:00:00Z');
const linear = { type: 'linear' as const, M: 256, N: 3072, K: 768 };
const gpuOnly: Strategy = { splitRatio: 0, granularity: 1, cpuThreads: 1, cpuImpl: 'simd', gpuVariant: 'gemm_tiled', gpuWorkGroup: 16, sync: 'finish' };

test('ids: gpuStreams 1 or absent keeps the old id, k > 1 appends /streams:k and parses back', () => {
  const old = strategyId(linear, gpuOnly);
  assert.is(old, 'linear/M:256/N:3072/K:768/r:0.00/t:0/cpu:none/gpu:gemm_tiled-wg16/sync:finish');
  assert.is(strategyId(linear, { ...gpuOnly, gpuStreams: 1 }), old);
  const four = strategyId(linear, { ...gpuOnly, gpuStreams: 4 });
  assert.is(four, `${old}/streams:4`);
  const back = parseStrategyId(four);
  assert.is(back.strategy.gpuStreams, 4);
  assert.is(strategyId(back.layer, { ...back.strategy, granularity: 1 }), four);
  assert.is(parseStrategyId(old).strategy.gpuStreams, undefined);
  const split = strategyId(linear, { ...gpuOnly, splitRatio: 0.3, splitDim: 'm', gpuStreams: 2 });
  assert.match(split, /\/r:0\.30\/split:m\/t:1\/cpu:simd\/.*\/sync:finish\/streams:2$/);
  assert.is(parseStrategyId(split).strategy.splitDim, 'm');
  assert.throws(() => parseStrategyId(`${old}/streams:1`), /expected streams:<integer >= 2>/);
  assert.throws(() => parseStrategyId(`${old}/streams:x`), /expected streams/);
});

test('normalize: 1 and CPU-only drop the field, more streams than outer rows clamp (M = 1: none)', () => {
  assert.not.ok('gpuStreams' in normalizeStrategy(linear, { ...gpuOnly, gpuStreams: 1 }));
  assert.is(normalizeStrategy(linear, { ...gpuOnly, gpuStreams: 4 }).gpuStreams, 4);
  const cpuOnly = normalizeStrategy(linear, { ...gpuOnly, splitRatio: 1, gpuStreams: 4 });
  assert.not.ok('gpuStreams' in cpuOnly);
  assert.not.match(strategyId(linear, { ...gpuOnly, splitRatio: 1, gpuStreams: 4 }), /streams/);
  assert.not.ok('gpuStreams' in normalizeStrategy({ ...linear, M: 1 }, { ...gpuOnly, gpuStreams: 2 }));
  assert.is(normalizeStrategy({ ...linear, M: 3 }, { ...gpuOnly, gpuStreams: 8 }).gpuStreams, 3);
  // An outer split leaves the GPU the rows below the CPU's: M = 8 at ratio 0.75 gives it 2.
  assert.is(normalizeStrategy({ ...linear, M: 8 }, { ...gpuOnly, splitRatio: 0.75, splitDim: 'm', gpuStreams: 4 }).gpuStreams, 2);
  // A channel split keeps every row m on the GPU.
  assert.is(normalizeStrategy({ ...linear, M: 8 }, { ...gpuOnly, splitRatio: 0.75, gpuStreams: 4 }).gpuStreams, 4);
});

test('streamLevels: only GPU rows on finish / event-poll, not clblast or a GEMV, up to the ratio bound', () => {
  const space = { ...configs.spaces.get('linear')!, gpuStreams: [1, 2, 4], gpuStreamsMaxSplitRatio: 0.5 };
  assert.equal(streamLevels(space, 'gemm_tiled', 0, 'finish'), [1, 2, 4]);
  assert.equal(streamLevels(space, 'gemm_tiled', 0.5, 'event-poll'), [1, 2, 4]);
  assert.equal(streamLevels(space, 'gemm_tiled', 0.6, 'finish'), [1]);
  assert.equal(streamLevels(space, 'gemm_tiled', 1, 'finish'), [1]);
  assert.equal(streamLevels(space, 'gemm_tiled', 0.2, 'svm-fine'), [1]);
  assert.equal(streamLevels(space, 'clblast', 0.2, 'finish'), [1]);
  assert.equal(streamLevels(space, 'gemv_rows', 0.2, 'finish'), [1]);
  assert.equal(streamLevels(space, 'gemv_row', 0, 'event-poll'), [1]);
  assert.equal(streamLevels(configs.spaces.get('linear')!, 'gemm_tiled', 0, 'finish'), [1]);
  // A profile sets the levels on a space that lists none.
  const narrowed = narrowSpace(configs.spaces.get('linear')!, { gpuStreams: [1, 2], gpuStreamsMaxSplitRatio: 0.1 });
  assert.equal(narrowed.gpuStreams, [1, 2]);
  assert.is(narrowed.gpuStreamsMaxSplitRatio, 0.1);
});

test('config: the schema takes a profile\'s gpuStreams levels and refuses 0', () => {
  const good = collectConfigProblems(resolve(process.cwd()));
  assert.equal(good.problems, []);
  const host = configs.profiles.get('host')!;
  assert.equal(host.experiments['linear-coexec']!.space!.gpuStreams, [1, 2, 4]);
  const bad = problemsAfterProfileEdit('host', (doc) => {
    doc.experiments['linear-coexec']!.space!.gpuStreams = [0, 2];
  });
  assert.is(bad.length, 1);
  assert.match(bad[0]!, /profiles\/host\.json.*gpuStreams\/0/);
});

test('grid: the gpu-host profile measures streams 1/2/4 on GPU-only and low-ratio buffer strategies, within 1.5x', () => {
  const host = configs.profiles.get('host')!;
  const gpuHost = configs.platforms.get('gpu-host')!;
  for (const expId of ['linear-coexec', 'conv-coexec']) {
    const exp = configs.experiments.get(expId)!;
    const jobsOf = (p: ProfileConfig) => ['profile', 'grid'].flatMap((phase) =>
      planPhase(exp, p, gpuHost, phase as 'grid', { configs, now: NOW }).engine.jobs);
    const jobs = jobsOf(host);
    const streamed = jobs.filter((j) => ((j.strategy as Strategy).gpuStreams ?? 1) > 1);
    const bound = host.experiments[expId]!.space!.gpuStreamsMaxSplitRatio!;
    assert.ok(streamed.length > 0, expId);
    for (const j of streamed) {
      const s = j.strategy as Strategy;
      assert.ok(s.splitRatio <= bound && s.splitRatio < 1, j.id);
      assert.ok(s.sync === 'finish' || s.sync === 'event-poll', j.id);
      assert.ok([2, 4].includes(s.gpuStreams!), j.id);
      assert.ok(j.id.endsWith(`/streams:${s.gpuStreams}`), j.id);
    }
    // Every streamed job has its single-queue twin in the same plan.
    const ids = new Set(jobs.map((j) => j.id));
    assert.ok(streamed.every((j) => ids.has(j.id.replace(/\/streams:\d+$/, ''))));
    // No CPU-only job is multiplied; the profile phase is untouched.
    assert.ok(jobs.every((j) => (j.strategy as Strategy).splitRatio !== 1 || !('gpuStreams' in j.strategy)));
    const without = structuredClone(host);
    delete without.experiments[expId]!.space!.gpuStreams;
    delete without.experiments[expId]!.space!.gpuStreamsMaxSplitRatio;
    const ratio = jobs.length / jobsOf(without).length;
    assert.ok(ratio > 1 && ratio <= 1.5, `${expId}: ${ratio.toFixed(2)}x`);
  }
});

test.run();
