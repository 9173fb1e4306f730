// Plan expansion: ids, the CPU row rule, normalization and de-duplication, restrictions, skipped mechanisms,
// profiling slices, confirm, and the seeded order (a permutation, stable per seed, different across seeds).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigs } from '../src/config/load.js';
import type { ExperimentConfig, ProfileConfig } from '../src/config/schemas.js';
import {
  cpuRows, layerId, normalizeStrategy, parseStrategyId, strategyId, type Strategy,
} from '../src/plan/ids.js';
import { classOfPick, planPhase, replicateBaseId, spreadLevels, stamp } from '../src/plan/expand.js';
import { mulberry32, shuffled } from '../src/plan/prng.js';
import { pickLocalDevice, listDevices, supportedSyncs } from '../src/engine/device-info.js';
import { FAKE_INFO } from '../src/engine/fake.js';
import { UserError } from '../src/messages.js';

const configs = loadConfigs(resolve(process.cwd()));
const local = configs.platforms.get('local')!;
// A frozen copy of the first quick profile: the hand-computed plan sizes below follow it, not the shipped one.
const quick = JSON.parse(readFileSync(resolve('test/fixtures/profiles/tiny.json'), 'utf8')) as ProfileConfig;
configs.profiles.set(quick.name, quick);
const NOW = new Date('2026-11-26T06:00:00Z');
const linear = { type: 'linear' as const, M: 1, N: 4096, K: 4096 };
const conv = { type: 'conv2d' as const, batch: 1, C: 64, H: 56, W: 56, F: 64, R: 3, S: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
const s30: Strategy = { splitRatio: 0.3, granularity: 16, cpuThreads: 2, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 128, sync: 'finish' };

test('layer and strategy ids follow the contract', () => {
  assert.is(layerId(linear), 'linear/M:1/N:4096/K:4096');
  assert.is(layerId(conv), 'conv2d/B:1/C:64/H:56/W:56/F:64/R:3/S:3/st:1x1/pad:1x1');
  assert.is(strategyId(linear, s30), 'linear/M:1/N:4096/K:4096/r:0.30/t:2/cpu:simd/gpu:gemv_row-wg128/sync:finish');
  assert.is(strategyId(linear, { ...s30, splitRatio: 0 }), 'linear/M:1/N:4096/K:4096/r:0.00/t:0/cpu:none/gpu:gemv_row-wg128/sync:finish');
  assert.is(strategyId(linear, { ...s30, splitRatio: 1 }), 'linear/M:1/N:4096/K:4096/r:1.00/t:2/cpu:simd/gpu:none/sync:finish');
  assert.is(strategyId(linear, { ...s30, splitRatio: 0.125 }), 'linear/M:1/N:4096/K:4096/r:0.125/t:2/cpu:simd/gpu:gemv_row-wg128/sync:finish');
});

test('cpuRows: round to the granularity, clamp, exact at 0 and 1', () => {
  assert.is(cpuRows(0.3, 16, 4096), 1232); // 1228.8 / 16 = 76.8 -> 77 * 16
  assert.is(cpuRows(0.3, 1, 10), 3);
  assert.is(cpuRows(0.01, 16, 100), 0); // 1 / 16 rounds to 0
  assert.is(cpuRows(0.99, 16, 100), 96); // 99 / 16 = 6.19 -> 6 * 16
  assert.is(cpuRows(0.95, 64, 100), 64); // 95 / 64 = 1.48 -> 1 * 64
  assert.is(cpuRows(0.99, 64, 100), 100); // 99 / 64 = 1.55 -> 2 * 64 = 128, clamped to 100
  assert.is(cpuRows(1, 16, 100), 100);
  assert.is(cpuRows(0, 16, 100), 0);
});

test('normalization maps every GPU-only / CPU-only form to one id with engine-valid settings', () => {
  const g1 = normalizeStrategy(linear, { ...s30, splitRatio: 0, cpuThreads: 4, cpuImpl: 'openblas' });
  const g2 = normalizeStrategy(linear, { ...s30, splitRatio: 0 });
  assert.equal(g1, g2);
  assert.equal(g1, { ...s30, splitRatio: 0, cpuThreads: 1, cpuImpl: 'simd' });
  const small = { type: 'linear' as const, M: 1, N: 40, K: 8 };
  // 0.1 * 40 / 16 = 0.25 rounds to no CPU rows: the same job as GPU-only
  assert.is(strategyId(small, normalizeStrategy(small, { ...s30, splitRatio: 0.1 })), strategyId(small, normalizeStrategy(small, { ...s30, splitRatio: 0 })));
  const c1 = normalizeStrategy(linear, { ...s30, splitRatio: 1, sync: 'svm-fine', gpuVariant: 'gemm_tiled', gpuWorkGroup: 16 });
  assert.equal(c1, { splitRatio: 1, granularity: 1, cpuThreads: 2, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64, sync: 'finish' });
});

test('strategy ids parse back into layer and strategy', () => {
  for (const layer of [linear, conv]) {
    const s = { ...s30, cpuImpl: layer.type === 'conv2d' ? 'simd-direct' : 'simd' };
    const id = strategyId(layer, s);
    const parsed = parseStrategyId(id);
    assert.equal(parsed.layer, layer);
    assert.is(strategyId(parsed.layer, { ...parsed.strategy, granularity: 16 }), id);
  }
  assert.throws(() => parseStrategyId('linear/M:1/N:x/K:4/r:0.30/t:2/cpu:simd/gpu:gemv_row-wg128/sync:finish'), /integer/);
  assert.throws(() => parseStrategyId('linear/M:1/N:4/K:4/r:0.30/t:2/cpu:simd/gpu:gemv_row-wg128/sync:magic'), /sync|finish/);
});

test('stamp formats to minutes', () => {
  assert.is(stamp(NOW), '20261126T0600Z');
});

const exp = (id: string) => configs.experiments.get(id)!;

test('grid phase: every strategy once, ids unique, duplicates counted, plan fields per contract', () => {
  const plan = planPhase(exp('linear-coexec'), quick, local, 'grid', { configs, engineInfo: FAKE_INFO, now: NOW });
  // quick: 2 layers x ratios {0,.3,.5,.7,1} x 1 thread x 1 impl x gemv_row-wg64 x {finish, svm-fine}:
  // per layer GPU-only 2 + CPU-only 1 + middle 3 x 2 = 9; the duplicates are the second CPU-only (other sync)
  assert.is(plan.engine.jobs.length, 18);
  assert.is(plan.duplicates, 2);
  assert.is(new Set(plan.engine.jobs.map((j) => j.id)).size, 18);
  assert.is(plan.engine.planId, 'tiny-linear-coexec-grid-20261126T0600Z');
  const job = plan.engine.jobs[0]!;
  assert.equal(Object.keys(job).sort(), ['id', 'kind', 'layer', 'maxSamples', 'maxTimeMs', 'minSamples', 'minTimeMs', 'seed', 'strategy', 'warmup']);
  assert.equal([job.warmup, job.minSamples, job.minTimeMs, job.maxSamples, job.maxTimeMs, job.seed], [2, 5, 20, 50, 250, 2]);
  assert.equal(plan.engine.device, { platformContains: 'Portable Computing Language', deviceContains: 'cpu-fake', deviceType: 'cpu' });
  assert.equal(plan.profile.requested, quick);
  assert.equal(plan.profile.resolved.workloads, ['bert-base/attn-q-m1', 'whisper-tiny/dec-fc1-m1']);
});

test('median CI target: 0.8 * maxCvPct for a median-ci profile, none for cv, an explicit one wins', () => {
  const jobsOf = (profile: ProfileConfig) => planPhase(exp('sync-overhead'), profile, local, 'sync', { configs, engineInfo: FAKE_INFO, now: NOW }).engine.jobs;
  const medianCi: ProfileConfig = { ...quick, validity: { ...quick.validity, dispersion: 'median-ci', maxCvPct: 10 } };
  const withCi = jobsOf(medianCi);
  assert.ok(withCi.some((j) => j.kind === 'layer') && withCi.some((j) => j.kind === 'roundtrip'));
  assert.ok(withCi.every((j) => j.targetMedianCiPct === 8), 'every job, layer and round trip, aims at 0.8 * 10 %');
  assert.ok(jobsOf(quick).every((j) => !('targetMedianCiPct' in j)), 'dispersion cv (the default): no target');
  const robust: ProfileConfig = { ...quick, validity: { ...quick.validity, dispersion: 'robust-cv' } };
  assert.ok(jobsOf(robust).every((j) => !('targetMedianCiPct' in j)), 'dispersion robust-cv: no target');
  const explicit: ProfileConfig = { ...medianCi, measurement: { ...quick.measurement, targetMedianCiPct: 3 } };
  assert.ok(jobsOf(explicit).every((j) => j.targetMedianCiPct === 3));
  const perExperiment: ProfileConfig = { ...quick, experiments: { ...quick.experiments, 'sync-overhead': { ...quick.experiments['sync-overhead'], measurement: { targetMedianCiPct: 2.5 } } } };
  assert.ok(jobsOf(perExperiment).every((j) => j.targetMedianCiPct === 2.5), 'an experiment override applies with any dispersion');
});

test('order: a permutation of the same jobs, stable for a seed, different across seeds', () => {
  const a = planPhase(exp('linear-coexec'), quick, local, 'grid', { configs, now: NOW }).engine.jobs.map((j) => j.id);
  const b = planPhase(exp('linear-coexec'), quick, local, 'grid', { configs, now: NOW }).engine.jobs.map((j) => j.id);
  const other: ProfileConfig = { ...quick, seeds: { order: 99, data: 2 } };
  const c = planPhase(exp('linear-coexec'), other, local, 'grid', { configs, now: NOW }).engine.jobs.map((j) => j.id);
  assert.equal(a, b);
  assert.equal([...a].sort(), [...c].sort());
  assert.not.equal(a, c);
  const dataSeed: ProfileConfig = { ...quick, seeds: { order: 1, data: 77 } };
  const d = planPhase(exp('linear-coexec'), dataSeed, local, 'grid', { configs, now: NOW }).engine.jobs;
  assert.equal(d.map((j) => j.id), a, 'the data seed does not change the order');
  assert.ok(d.every((j) => j.seed === 77));
});

test('shuffle is a permutation and mulberry32 is deterministic', () => {
  const xs = [...Array(50).keys()];
  const s1 = shuffled(xs, mulberry32(5));
  assert.equal([...s1].sort((p, q) => p - q), xs);
  assert.equal(shuffled(xs, mulberry32(5)), s1);
  assert.not.equal(shuffled(xs, mulberry32(6)), s1);
  assert.equal(xs, [...Array(50).keys()], 'input untouched');
  const r = mulberry32(1);
  const first = [r(), r(), r()];
  const r2 = mulberry32(1);
  assert.equal([r2(), r2(), r2()], first);
  assert.ok(first.every((x) => x >= 0 && x < 1));
});

test('variant restrictions and missing mechanisms are skipped with a reason', () => {
  const noFine = { opencl: { platforms: [{ name: 'NVIDIA CUDA', devices: [{ name: 'H100', type: 'gpu', svm: ['coarse'], syncMechanisms: [
    { name: 'finish', ok: true }, { name: 'event-poll', ok: true }, { name: 'svm-coarse', ok: true }, { name: 'svm-fine', ok: false, reason: 'no fine-grained SVM' }] }] }] } };
  const gpuHost = configs.platforms.get('gpu-host')!;
  const plan = planPhase(exp('sync-overhead'), quick, gpuHost, 'sync', { configs, engineInfo: noFine, now: NOW });
  assert.ok(plan.skipped.some((s) => s.id === 'roundtrip/sync:svm-fine' && /svm-fine is not supported by device "H100"/.test(s.reason)));
  assert.ok(plan.engine.jobs.every((j) => j.strategy.sync !== 'svm-fine'));
  assert.ok(plan.engine.jobs.some((j) => j.id === 'roundtrip/sync:finish'));
  // gemm_tiled requires M >= 2 in sync-linear, gemv_row M <= 1: one of them is skipped per linear layer
  assert.ok(plan.skipped.some((s) => /gpu variant gemm_tiled requires M >= 2 \(layer has M=1\)/.test(s.reason)));
  const fullConv = planPhase(exp('conv-coexec'), configs.profiles.get('full')!, local, 'profile', { configs, now: NOW });
  assert.ok(fullConv.skipped.some((s) => /conv_reg_1x1_v8x2_q4 requires a 1x1 kernel/.test(s.reason)));
});

test('engine info: missing CPU implementation skipped; local pick prefers a fine-SVM GPU', () => {
  const info = { cpu: { impls: { simd: true, openblas: 'OpenBLAS not found' } }, ...FAKE_INFO };
  const narrowed: ProfileConfig = { ...quick, experiments: { 'linear-coexec': { workloads: ['bert-base/attn-q-m1'], space: { splitRatios: [0.5], cpuImpls: ['simd', 'openblas'], syncs: ['finish'], gpuVariants: ['gemv_row'], workGroups: [64], cpuThreads: [1] } } } };
  const plan = planPhase(exp('linear-coexec'), narrowed, local, 'grid', { configs, engineInfo: info, now: NOW });
  assert.equal(plan.engine.jobs.map((j) => j.id), ['linear/M:1/N:768/K:768/r:0.50/t:1/cpu:simd/gpu:gemv_row-wg64/sync:finish']);
  assert.equal(plan.skipped.map((s) => s.reason), ['cpu implementation openblas cannot run here: OpenBLAS not found']);
  const devices = listDevices({ opencl: { platforms: [
    { name: 'PoCL', devices: [{ name: 'cpu', type: 'cpu', svm: ['coarse', 'fine-buffer', 'atomics'] }] },
    { name: 'Vendor', devices: [{ name: 'gpu-coarse', type: 'gpu', svm: ['coarse'] }, { name: 'gpu-fine', type: 'gpu', svm: ['coarse', 'fine-buffer', 'atomics'] }] }] } });
  assert.is(pickLocalDevice(devices)!.device.name, 'gpu-fine');
  assert.is(pickLocalDevice(devices.slice(0, 2))!.device.name, 'gpu-coarse');
  assert.is(pickLocalDevice(devices.slice(0, 1))!.device.name, 'cpu');
  assert.is(pickLocalDevice([]), undefined);
  assert.equal(devices.map(classOfPick), ['pocl-cpu', 'discrete-gpu', 'unified-memory-gpu']);
  assert.equal([...supportedSyncs(devices[1])!].sort(), ['event-poll', 'finish', 'svm-coarse']);
});

test('thread counts above the platform cores are skipped with a reason', () => {
  const full = configs.profiles.get('full')!;
  const pixel5 = configs.platforms.get('pixel5')!;
  const plan = planPhase(exp('linear-coexec'), full, pixel5, 'grid', { configs, now: NOW });
  assert.ok(plan.engine.jobs.every((j) => (j.strategy as Strategy).splitRatio === 0 || (j.strategy as Strategy).cpuThreads <= 2));
  assert.ok(plan.skipped.some((s) => s.reason === "4 CPU threads > 2 cores in the platform's cpu.cores"));
  const here = planPhase(exp('linear-coexec'), full, local, 'grid', { configs, engineInfo: { cpu: { onlineCores: 1 } }, now: NOW });
  assert.ok(here.skipped.some((s) => s.reason === '2 CPU threads > 1 online cores (engine info)'));
});

test('profile phase: single-side slices cover every combination and every row level within the budget', () => {
  assert.equal(spreadLevels(5, 2, 0), [0, 2]);
  assert.equal(spreadLevels(5, 2, 1), [1, 3]);
  assert.equal(spreadLevels(3, 5, 0), [0, 1, 2]);
  const plan = planPhase(exp('linear-coexec'), quick, local, 'profile', { configs, now: NOW });
  // quick: rows fractions {.25,.5,1}, 4 jobs per side per layer, 1 CPU and 1 GPU combination -> 3 + 3 per layer
  assert.is(plan.engine.jobs.length, 12);
  const roles = Object.values(plan.meta).map((m) => m.role);
  assert.is(roles.filter((r) => r === 'cpu-slice').length, 6);
  assert.is(roles.filter((r) => r === 'gpu-slice').length, 6);
  const q = plan.engine.jobs.filter((j) => plan.meta[j.id]!.parentLayerId === 'linear/M:1/N:768/K:768').map((j) => (j.layer as { N: number }).N);
  assert.equal([...new Set(q)].sort((a, b) => a - b), [192, 384, 768]);
  for (const j of plan.engine.jobs) {
    const s = j.strategy as Strategy;
    assert.ok(s.splitRatio === 0 || s.splitRatio === 1);
  }
});

test('profile phase: training-only workloads get marked slices and no grid jobs; profileSplitDims slices the side layers of M', () => {
  const over = quick.experiments['linear-coexec']!;
  const trained = {
    ...quick, name: 'tiny-trained',
    experiments: { ...quick.experiments, 'linear-coexec': { ...over, workloads: ['bert-base/attn-q-m1', 'bert-base/ffn-up-m8'], trainingWorkloads: ['gpt2/mlp-fc-m16', 'gpt2/attn-qkv-m1'], profileSplitDims: ['m' as const] } },
  };
  const plan = planPhase(exp('linear-coexec'), trained, local, 'profile', { configs, now: NOW });
  const m16 = plan.engine.jobs.filter((j) => plan.meta[j.id]!.workloads[0] === 'gpt2/mlp-fc-m16');
  assert.ok(m16.length > 0);
  assert.ok(m16.every((j) => plan.meta[j.id]!.trainingOnly === true && plan.meta[j.id]!.parentLayerId === 'linear/M:16/N:3072/K:768'));
  // A training layer's whole layer also runs GPU-only under the space's other mechanisms (no grid does it for
  // it); M16 has no GPU variant in this profile (gemv_row is M = 1 only), the M = 1 training layer has.
  const wholeGpu = plan.engine.jobs.filter((j) => plan.meta[j.id]!.workloads[0] === 'gpt2/attn-qkv-m1' && (j.strategy as Strategy).splitRatio === 0 &&
    layerId(j.layer as never) === 'linear/M:1/N:2304/K:768');
  assert.ok(wholeGpu.every((j) => plan.meta[j.id]!.trainingOnly === true));
  assert.equal(new Set(wholeGpu.map((j) => (j.strategy as Strategy).sync)), new Set(quick.experiments['linear-coexec']!.space!.syncs ?? configs.spaces.get('linear')!.syncs));
  // Every other job is a measured workload's, including M16's slices that equal one of M8's (M 8 rows of N 3072).
  const others = plan.engine.jobs.filter((j) => !['gpt2/mlp-fc-m16', 'gpt2/attn-qkv-m1'].includes(plan.meta[j.id]!.workloads[0]!));
  assert.ok(others.every((j) => plan.meta[j.id]!.trainingOnly === undefined));
  assert.ok(others.some((j) => plan.meta[j.id]!.workloads.includes('gpt2/mlp-fc-m16')));
  // Along M: side layers of fewer rows at the row fractions (M 8 -> 2, 4, 8; M 16 -> 4, 8, 16), N and K whole;
  // none for M = 1, which cannot be split along M.
  const mRows = (parent: string) => [...new Set(plan.engine.jobs
    .filter((j) => plan.meta[j.id]!.parentLayerId === parent && (j.layer as { N: number }).N === 3072)
    .map((j) => (j.layer as { M: number }).M))].sort((a, b) => a - b);
  assert.equal(mRows('linear/M:8/N:3072/K:768'), [2, 4, 8]);
  // M16's 4- and 8-row side layers are M8's own slices: the measured workload owns those jobs (parent M8, not
  // training-only), with M16 among their workloads.
  assert.equal(mRows('linear/M:16/N:3072/K:768'), [16]);
  const shared = plan.engine.jobs.filter((j) => plan.meta[j.id]!.workloads.includes('gpt2/mlp-fc-m16') && plan.meta[j.id]!.parentLayerId === 'linear/M:8/N:3072/K:768');
  assert.equal(shared.map((j) => (j.layer as { M: number }).M).sort((a, b) => a - b), [4, 8]);
  assert.ok(plan.engine.jobs.filter((j) => plan.meta[j.id]!.parentLayerId === 'linear/M:1/N:768/K:768').every((j) => (j.layer as { M: number }).M === 1));
  const grid = planPhase(exp('linear-coexec'), trained, local, 'grid', { configs, now: NOW });
  assert.ok(grid.engine.jobs.every((j) => !grid.meta[j.id]!.workloads.includes('gpt2/mlp-fc-m16')));
  assert.ok(grid.engine.jobs.some((j) => grid.meta[j.id]!.workloads.includes('bert-base/ffn-up-m8')));
});

test('confirm phase: the given strategies, parsed back and normalized; bad ids are user errors', () => {
  const ids = ['linear/M:1/N:768/K:768/r:0.50/t:1/cpu:simd/gpu:gemv_row-wg64/sync:svm-fine', 'linear/M:1/N:768/K:768/r:0.00/t:0/cpu:none/gpu:gemv_row-wg64/sync:finish'];
  const plan = planPhase(exp('linear-coexec'), quick, local, 'confirm', { configs, strategyIds: ids, now: NOW });
  assert.equal(plan.engine.jobs.map((j) => j.id).sort(), [...ids].sort());
  assert.equal(plan.meta[ids[0]!]!.workloads, ['bert-base/attn-q-m1']);
  assert.throws(() => planPhase(exp('linear-coexec'), quick, local, 'confirm', { configs, now: NOW }), (e: Error) => e instanceof UserError && /--strategies/.test(e.message));
  assert.throws(() => planPhase(exp('linear-coexec'), quick, local, 'confirm', { configs, strategyIds: ['nonsense'], now: NOW }), (e: Error) => e instanceof UserError && /cannot be read/.test(e.message));
  assert.throws(() => planPhase(exp('linear-coexec'), quick, local, 'sync', { configs, now: NOW }), (e: Error) => e instanceof UserError && /has no phase "sync"/.test(e.message));
});

test('confirm replicates: each strategy n times under ~rK ids, scattered by the shuffle; other phases never replicate', () => {
  const ids = ['linear/M:1/N:768/K:768/r:0.50/t:1/cpu:simd/gpu:gemv_row-wg64/sync:svm-fine', 'linear/M:1/N:768/K:768/r:0.00/t:0/cpu:none/gpu:gemv_row-wg64/sync:finish'];
  const tripled = { ...quick, measurement: { ...quick.measurement, confirmReplicates: 3 } };
  const plan = planPhase(exp('linear-coexec'), tripled, local, 'confirm', { configs, strategyIds: ids, now: NOW });
  const got = plan.engine.jobs.map((j) => j.id);
  assert.equal([...got].sort(), ids.flatMap((id) => [id, `${id}~r2`, `${id}~r3`]).sort());
  assert.equal(got.map(replicateBaseId).filter((id) => id === ids[0]).length, 3);
  assert.ok(got.every((id) => plan.meta[id] !== undefined));
  const grid = planPhase(exp('linear-coexec'), tripled, local, 'grid', { configs, now: NOW });
  assert.ok(grid.engine.jobs.every((j) => !j.id.includes('~r')));
});

test('sync phase: one round trip per mechanism plus the co-executed layers', () => {
  const plan = planPhase(exp('sync-overhead'), quick, local, 'sync', { configs, engineInfo: FAKE_INFO, now: NOW });
  const rt = plan.engine.jobs.filter((j) => j.kind === 'roundtrip');
  assert.equal(rt.map((j) => j.id).sort(), ['roundtrip/sync:event-poll', 'roundtrip/sync:finish', 'roundtrip/sync:svm-coarse', 'roundtrip/sync:svm-fine']);
  assert.ok(rt.every((j) => j.layer === undefined && Object.keys(j.strategy).join() === 'sync'));
  const conv = plan.engine.jobs.filter((j) => j.layer?.type === 'conv2d');
  assert.ok(conv.length > 0, 'conv layers use the sync-conv2d space');
  const e: ExperimentConfig = exp('sync-overhead');
  assert.is(e.layerType, 'any');
});


test('driver core: a platform that reserves one writes it into plan.json; one that does not leaves it out', () => {
  const withCore = { ...local, cpu: { cores: [1], driverCore: 0 } };
  const plan = planPhase(exp('linear-coexec'), quick, withCore, 'grid', { configs, engineInfo: FAKE_INFO, now: NOW });
  assert.is(plan.engine.driverCore, 0);
  assert.equal(plan.engine.cpuAffinity, [1]);
  const plain = planPhase(exp('linear-coexec'), quick, local, 'grid', { configs, engineInfo: FAKE_INFO, now: NOW });
  assert.not.ok('driverCore' in plain.engine);
  assert.is(configs.platforms.get('gpu-host')!.cpu.driverCore, 0);
  assert.not.ok(configs.platforms.get('gpu-host')!.cpu.cores.includes(0));
  assert.equal(configs.platforms.get('gpu-host-allcores')!.cpu.cores.length, 16);
});

test('device cores: a CPU OpenCL device pinned to its own cores reaches plan.json; pocl-split keeps them apart from the slice and the driver', () => {
  const split = configs.platforms.get('pocl-split')!;
  const plan = planPhase(exp('linear-coexec'), quick, split, 'grid', { configs, engineInfo: FAKE_INFO, now: NOW });
  assert.equal(plan.engine.deviceCores, [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(split.opencl.deviceCores!.every((c) => !split.cpu.cores.includes(c) && c !== split.cpu.driverCore));
  // PoCL 5.0 as Debian ships it reads POCL_MAX_PTHREAD_COUNT (and ignores POCL_CPU_MAX_CU_NUM): both are set.
  assert.is(split.env?.POCL_MAX_PTHREAD_COUNT, String(split.opencl.deviceCores!.length));
  assert.is(split.env?.POCL_CPU_MAX_CU_NUM, String(split.opencl.deviceCores!.length));
  const plain = planPhase(exp('linear-coexec'), quick, local, 'grid', { configs, engineInfo: FAKE_INFO, now: NOW });
  assert.not.ok('deviceCores' in plain.engine);
});

test('keepDeviceCoresAwake: a platform that asks for it writes it into plan.json; pocl-split (measured slower with it) and local leave it out', () => {
  const split = configs.platforms.get('pocl-split')!;
  const awake = { ...split, opencl: { ...split.opencl, keepDeviceCoresAwake: true } };
  assert.is(planPhase(exp('linear-coexec'), quick, awake, 'grid', { configs, engineInfo: FAKE_INFO, now: NOW }).engine.keepDeviceCoresAwake, true);
  for (const p of [split, local]) {
    assert.not.ok('keepDeviceCoresAwake' in planPhase(exp('linear-coexec'), quick, p, 'grid', { configs, engineInfo: FAKE_INFO, now: NOW }).engine);
  }
});

test.run();
