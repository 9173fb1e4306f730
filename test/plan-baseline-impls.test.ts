// Baseline CPU implementations (space.baselineCpuImpls): measured alone, never co-executed, so that the best
// single side of a co-execution grid narrowed to a few implementations still covers the engine's others. Round
// 20 found host-pocl's conv grid without simd-flat, the CPU side's fastest path on its 3x3 layer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolve } from 'node:path';
import { collectConfigProblems, loadConfigs } from '../src/config/load.js';
import type { ProfileConfig } from '../src/config/schemas.js';
import type { Strategy } from '../src/plan/ids.js';
import { planPhase } from '../src/plan/expand.js';
import { narrowSpace } from '../src/plan/resolve.js';
import { problemsAfterProfileEdit } from './config-copy.js';

const configs = loadConfigs(resolve(process.cwd()));
const NOW = new Date('2026-12-04T12:00:00Z');

test('narrowSpace: keeps the baseline implementations the space offers and the co-executed ones lack', () => {
  const conv = configs.spaces.get('conv2d')!;
  const n = narrowSpace(conv, { cpuImpls: ['simd-im2col'], baselineCpuImpls: ['simd-im2col', 'simd-flat', 'no-such-impl'] });
  assert.equal(n.cpuImpls, ['simd-im2col']);
  assert.equal(n.baselineCpuImpls, ['simd-flat']);
  // Nothing left over: no field, so spaces without baselines stay as they were.
  assert.not.ok('baselineCpuImpls' in narrowSpace(conv, { cpuImpls: ['simd-flat'], baselineCpuImpls: ['simd-flat'] }));
  assert.not.ok('baselineCpuImpls' in narrowSpace(conv, { cpuImpls: ['simd-flat'] }));
});

test('grid and profile: baseline implementations run CPU-only at every thread count, never co-executed', () => {
  const host = configs.profiles.get('host-pocl')!;
  const platform = configs.platforms.get('pocl-split')!;
  const exp = configs.experiments.get('conv-coexec')!;
  const withBaseline = structuredClone(host);
  const space = withBaseline.experiments['conv-coexec']!.space!;
  space.cpuImpls = ['simd-im2col'];
  space.baselineCpuImpls = ['simd-flat', 'simd-direct'];
  const without = structuredClone(withBaseline);
  delete without.experiments['conv-coexec']!.space!.baselineCpuImpls;
  const jobsOf = (p: ProfileConfig, phase: 'grid' | 'profile') => planPhase(exp, p, platform, phase, { configs, now: NOW }).engine.jobs;

  const grid = jobsOf(withBaseline, 'grid');
  const baseline = grid.filter((j) => ['simd-flat', 'simd-direct'].includes((j.strategy as Strategy).cpuImpl));
  assert.ok(baseline.length > 0);
  for (const j of baseline) {
    const s = j.strategy as Strategy;
    assert.is(s.splitRatio, 1, j.id);
    assert.match(j.id, /\/gpu:none\/sync:finish$/);
  }
  // One CPU-only job per layer, baseline implementation and thread count; nothing else changes.
  const layers = new Set(grid.map((j) => j.id.split('/r:')[0]));
  const threads = space.cpuThreads!.length;
  assert.is(baseline.length, layers.size * 2 * threads);
  assert.is(grid.length, jobsOf(without, 'grid').length + baseline.length);
  // The profile phase slices them too, so the CPU model has seen them; the GPU slices stay as they were.
  const profiled = jobsOf(withBaseline, 'profile');
  const cpuSlices = (impl: string) => profiled.filter((j) => (j.strategy as Strategy).splitRatio === 1 && (j.strategy as Strategy).cpuImpl === impl);
  assert.ok(cpuSlices('simd-flat').length > 0 && cpuSlices('simd-direct').length > 0);
  const gpuSlices = (jobs: typeof profiled) => jobs.filter((j) => (j.strategy as Strategy).splitRatio === 0).map((j) => j.id).sort();
  assert.equal(gpuSlices(profiled), gpuSlices(jobsOf(without, 'profile')));
});

test('config: a baseline implementation the experiment\'s spaces do not offer is refused', () => {
  assert.equal(collectConfigProblems(resolve(process.cwd())).problems, []);
  const bad = problemsAfterProfileEdit('host-pocl', (doc) => {
    doc.experiments['conv-coexec']!.space!.baselineCpuImpls = ['simd-flat', 'simd-fast'];
  });
  assert.is(bad.length, 1);
  assert.match(bad[0]!, /host-pocl\.json.*baselineCpuImpls\/1/);
});

test.run();
