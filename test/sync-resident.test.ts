// svm-resident (a kernel launched once per job, kept resident): the schemas accept the name; the planner plans
// it only where svm-fine runs and the platform gives the device cores of its own (local-split, pocl-split),
// with one skip record elsewhere, and respects a GPU variant's `syncs` from engine info; a resident result
// line (host-clock timestamps, zero dispatch) goes through jobs.json, derive and the predictors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ajv } from 'ajv';
import { loadConfigs } from '../src/config/load.js';
import { SpaceConfig, SYNC_NAMES, type PlatformConfig, type ProfileConfig } from '../src/config/schemas.js';
import { ResultLine } from '../src/results-schema/raw.js';
import { listDevices, supportedSyncs, syncsOfVariant, variantSyncs } from '../src/engine/device-info.js';
import { FAKE_INFO, FAKE_SYNC_NS, FakeDriver, fakeResult } from '../src/engine/fake.js';
import { planPhase, residentProblem, type EnginePlan } from '../src/plan/expand.js';
import { parseStrategyId, type Strategy } from '../src/plan/ids.js';
import { layerId } from '../src/analysis/layers.js';
import { jobStats } from '../src/run/jobs.js';
import { runExperiment } from '../src/run/execute.js';
import { deriveFromJobs } from '../src/analysis/derive.js';
import { hostCostSamples, syncByMechanism } from '../src/predict/dataset.js';
import { copiesOverLink } from '../src/predict/host-cost.js';
import type { JobStats, JobsFile } from '../src/analysis/types.js';

const configs = loadConfigs(resolve(process.cwd()));
const platform = (name: string) => configs.platforms.get(name)!;
const exp = (id: string) => configs.experiments.get(id)!;
const NOW = new Date('2026-12-05T00:00:00Z');
const quick = JSON.parse(readFileSync(resolve('test/fixtures/profiles/tiny.json'), 'utf8')) as ProfileConfig;
/** The tiny profile with svm-resident beside finish and svm-fine in every experiment that narrows its syncs. */
const withResident: ProfileConfig = {
  ...quick,
  experiments: Object.fromEntries(Object.entries(quick.experiments).map(([id, e]) => [id, {
    ...e, ...(e.space?.syncs ? { space: { ...e.space, syncs: ['finish', 'svm-fine', 'svm-resident'] } } : {}),
  }])) as ProfileConfig['experiments'],
};
/** A PoCL CPU device whose engine round trips proved every mechanism, svm-resident included. */
const residentInfo = {
  opencl: { platforms: [{ name: 'Portable Computing Language', devices: [{
    name: 'cpu-pocl', type: 'cpu', svm: ['coarse', 'fine-buffer', 'atomics'],
    syncMechanisms: SYNC_NAMES.map((name) => ({ name, ok: true, roundTripUs: 10 })),
  }] }] },
};
const residentJobs = (plan: { engine: EnginePlan }) => plan.engine.jobs.filter((j) => j.strategy.sync === 'svm-resident');

test('schemas: a space, a profile narrowing, a strategy id and a result line accept svm-resident', () => {
  const ajv = new Ajv({ strict: false });
  const space = JSON.parse(readFileSync('configs/spaces/linear.json', 'utf8'));
  assert.ok(space.syncs.includes('svm-resident'));
  assert.ok(ajv.validate(SpaceConfig, space), JSON.stringify(ajv.errors?.[0]));
  assert.not.ok(ajv.validate(SpaceConfig, { ...space, syncs: ['svm-persistent'] }));
  const id = 'linear/M:1/N:768/K:768/r:0.50/t:1/cpu:simd/gpu:gemv_row-wg64/sync:svm-resident';
  assert.is(parseStrategyId(id).strategy.sync, 'svm-resident');
  const plan = planPhase(exp('linear-coexec'), withResident, platform('local-split'), 'grid', { configs, now: NOW });
  const job = residentJobs(plan).find((j) => (j.strategy as Strategy).splitRatio > 0)!;
  const line = fakeResult(plan.engine, job, '2026-12-05T00:00:00.000Z');
  assert.ok(ajv.validate(ResultLine, line), JSON.stringify(ajv.errors?.[0]));
  assert.equal([line.resolved?.gpuSubmit, line.resolved?.hostMemory], ['resident', 'svm-fine-shared']);
});

test('supportedSyncs: svm-resident goes with svm-fine (fine-grained SVM with atomics), from info or SVM caps', () => {
  assert.ok(supportedSyncs(listDevices(residentInfo)[0])!.has('svm-resident'));
  assert.ok(supportedSyncs({ platform: 'p', name: 'd', type: 'cpu', svm: ['coarse', 'fine-buffer', 'atomics'] })!.has('svm-resident'));
  const coarse = supportedSyncs({ platform: 'p', name: 'd', type: 'gpu', svm: ['coarse'] })!;
  assert.not.ok(coarse.has('svm-resident') || coarse.has('svm-fine'));
  const noAtomics = supportedSyncs({ platform: 'p', name: 'd', type: 'cpu', svm: ['coarse', 'fine-buffer'] })!;
  assert.not.ok(noAtomics.has('svm-resident'));
  // An engine that proved svm-fine but failed (or never listed) svm-resident.
  const failed = { opencl: { platforms: [{ name: 'PoCL', devices: [{ name: 'cpu', type: 'cpu', svm: ['fine-buffer', 'atomics'], syncMechanisms: [
    { name: 'finish', ok: true }, { name: 'svm-fine', ok: true }, { name: 'svm-resident', ok: false }] }] }] } };
  assert.equal([...supportedSyncs(listDevices(failed)[0])!], ['finish', 'svm-fine']);
});

test('residentProblem: only a device pinned to cores of its own, disjoint from the CPU side\'s', () => {
  assert.is(residentProblem(platform('local-split')), undefined);
  assert.is(residentProblem(platform('pocl-split')), undefined);
  assert.match(residentProblem(platform('local'))!, /platform "local" sets no opencl\.deviceCores/);
  assert.match(residentProblem(platform('gpu-host'))!, /sets no opencl\.deviceCores/);
  assert.match(residentProblem(platform('pixel5'))!, /sets no opencl\.deviceCores/);
  const split = platform('local-split');
  const overlap: PlatformConfig = { ...split, opencl: { ...split.opencl, deviceCores: [0, 1] } };
  assert.match(residentProblem(overlap)!, /core\(s\) 1 in both/);
  const unpinned: PlatformConfig = { ...split, cpu: { cores: [] } };
  assert.match(residentProblem(unpinned)!, /cpu\.cores is empty/);
});

test('planner: local-split and pocl-split plan svm-resident grid jobs and round trips, with or without engine info', () => {
  for (const name of ['local-split', 'pocl-split']) {
    for (const engineInfo of [undefined, residentInfo]) {
      const grid = planPhase(exp('linear-coexec'), withResident, platform(name), 'grid', { configs, engineInfo, now: NOW });
      const resident = residentJobs(grid);
      assert.ok(resident.length > 0, name);
      // The same strategies as svm-fine's: one resident job per svm-fine job.
      assert.is(resident.length, grid.engine.jobs.filter((j) => j.strategy.sync === 'svm-fine').length, name);
      assert.not.ok(grid.skipped.some((s) => /svm-resident/.test(s.id + s.reason)), name);
      const sync = planPhase(exp('sync-overhead'), withResident, platform(name), 'sync', { configs, engineInfo, now: NOW });
      assert.ok(sync.engine.jobs.some((j) => j.id === 'roundtrip/sync:svm-resident'), name);
    }
  }
  // The shipped profiles: full on local-split, host-pocl on pocl-split.
  const full = planPhase(exp('sync-overhead'), configs.profiles.get('full')!, platform('local-split'), 'sync', { configs, now: NOW });
  assert.ok(full.engine.jobs.some((j) => j.id === 'roundtrip/sync:svm-resident'));
  const hostPocl = planPhase(exp('conv-coexec'), configs.profiles.get('host-pocl')!, platform('pocl-split'), 'grid', { configs, now: NOW });
  assert.ok(residentJobs(hostPocl).length > 0);
});

test('planner: the profile measures every thinner GPU slice once more resident where the platform runs it', () => {
  const gpuSlices = (plan: { engine: EnginePlan; meta: Record<string, { role: string }> }) =>
    plan.engine.jobs.filter((j) => plan.meta[j.id]!.role === 'gpu-slice');
  for (const name of ['local-split', 'pocl-split']) {
    const plan = planPhase(exp('linear-coexec'), withResident, platform(name), 'profile', { configs, now: NOW });
    const slices = gpuSlices(plan);
    const wholeIds = new Set(exp('linear-coexec').workloads.map((w) => configs.workloads.get(w)!.layer).map((l) => JSON.stringify(l)));
    const launched = slices.filter((j) => j.strategy.sync === 'finish' && !wholeIds.has(JSON.stringify(j.layer)));
    const resident = residentJobs(plan);
    assert.ok(launched.length > 0, name);
    // A resident twin of each thinner launched slice: same layer, variant and work-group.
    const key = (j: (typeof slices)[number]) => `${JSON.stringify(j.layer)} ${(j.strategy as Strategy).gpuVariant} ${(j.strategy as Strategy).gpuWorkGroup}`;
    const residentKeys = new Set(resident.map(key));
    for (const j of launched) assert.ok(residentKeys.has(key(j)), `${name}: ${j.id} has no resident twin`);
    // No twin of a measured layer's whole layer (the grid runs it under every mechanism); a training-only
    // layer's whole layer is otherMechanisms' job.
    const meta = plan.meta as Record<string, { parentLayerId?: string; trainingOnly?: boolean }>;
    assert.not.ok(resident.some((j) => !meta[j.id]!.trainingOnly && layerId(j.layer!) === meta[j.id]!.parentLayerId), name);
    assert.not.ok(plan.skipped.some((s) => /svm-resident/.test(s.id + s.reason)), name);
  }
  // Where the platform cannot run it, the profile has no resident job and no record of its own; nor has an
  // experiment without a grid (predictor-accuracy).
  const local = planPhase(exp('linear-coexec'), withResident, platform('local'), 'profile', { configs, now: NOW });
  assert.is(residentJobs(local).length, 0);
  assert.is(residentJobs(planPhase(exp('predictor-accuracy'), withResident, platform('local-split'), 'profile', { configs, now: NOW })).length, 0);
  assert.not.ok(local.skipped.some((s) => /svm-resident/.test(s.id + s.reason)));
});

test('planner: local, gpu-host and a phone skip svm-resident with one record per plan and keep the rest', () => {
  for (const [name, info] of [['local', FAKE_INFO], ['local', undefined], ['gpu-host', undefined], ['pixel5', undefined]] as const) {
    for (const [id, phase] of [['linear-coexec', 'grid'], ['sync-overhead', 'sync']] as const) {
      const plan = planPhase(exp(id), withResident, platform(name), phase, { configs, engineInfo: info, now: NOW });
      assert.is(residentJobs(plan).length, 0, `${name} ${id}`);
      const records = plan.skipped.filter((s) => /svm-resident/.test(s.id + s.reason));
      assert.is(records.length, 1, `${name} ${id}: ${JSON.stringify(records.slice(0, 3))}`);
      assert.is(records[0]!.id, 'sync:svm-resident');
      assert.match(records[0]!.reason, /requires a device with cores of its own/);
      assert.ok(plan.engine.jobs.length > 0);
    }
  }
  // The shipped profiles leave local's plans as they were: no resident job, no record beyond sync-overhead's one.
  for (const profile of ['quick', 'full']) {
    const p = configs.profiles.get(profile)!;
    const grid = planPhase(exp('linear-coexec'), p, platform('local'), profile === 'full' ? 'profile' : 'grid', { configs, now: NOW });
    assert.not.ok(grid.skipped.some((s) => /svm-resident/.test(s.id + s.reason)), profile);
    const sync = planPhase(exp('sync-overhead'), p, platform('local'), 'sync', { configs, now: NOW });
    assert.is(sync.skipped.filter((s) => /svm-resident/.test(s.id + s.reason)).length, profile === 'full' ? 1 : 0, profile);
  }
});

test('planner: an engine that failed svm-resident leaves one record, not one per job', () => {
  const failed = { opencl: { platforms: [{ name: 'Portable Computing Language', devices: [{ name: 'cpu-pocl', type: 'cpu', svm: ['coarse', 'fine-buffer', 'atomics'],
    syncMechanisms: SYNC_NAMES.map((name) => ({ name, ok: name !== 'svm-resident' })) }] }] } };
  const plan = planPhase(exp('linear-coexec'), withResident, platform('local-split'), 'grid', { configs, engineInfo: failed, now: NOW });
  assert.is(residentJobs(plan).length, 0);
  const records = plan.skipped.filter((s) => /svm-resident/.test(s.id + s.reason));
  assert.equal(records.map((r) => r.id), ['sync:svm-resident']);
  assert.match(records[0]!.reason, /not supported by device "cpu-pocl" \(engine info\)/);
});

test('planner: a GPU variant\'s syncs from engine info restrict svm-resident (and every other mechanism)', () => {
  const info = {
    ...residentInfo,
    layers: {
      linear: { gpuVariants: [
        { id: 'gemv_row' }, { id: 'clblast', syncs: ['finish', 'event-poll'] },
        { id: 'gemm_tiled', syncs: ['finish', 'event-poll', 'svm-coarse', 'svm-fine'] },
      ] },
      conv2d: { gpuVariants: [{ id: 'conv_im2col_gemm', syncs: ['finish', 'svm-fine'] }],
        gpuVariantFamilies: [{ kernel: 'conv_local' }, { kernel: 'conv_local_im2col', syncs: ['finish'] }] },
    },
  };
  const table = variantSyncs(info);
  assert.equal(syncsOfVariant(table, 'linear', 'clblast'), ['finish', 'event-poll']);
  assert.is(syncsOfVariant(table, 'linear', 'gemv_row'), undefined);
  assert.is(syncsOfVariant(table, 'conv2d', 'conv_local_32x32x16_4x4'), undefined);
  assert.equal(syncsOfVariant(table, 'conv2d', 'conv_local_im2col_32x32x16_4x4'), ['finish']);
  const profile: ProfileConfig = { ...quick, experiments: { 'linear-coexec': { workloads: ['bert-base/ffn-up-m128'], space: {
    splitRatios: [0, 0.5, 1], cpuThreads: [1], cpuImpls: ['simd'], gpuVariants: ['gemm_tiled'], workGroups: [16],
    syncs: ['finish', 'svm-fine', 'svm-resident'] } } } };
  const plan = planPhase(exp('linear-coexec'), profile, platform('local-split'), 'grid', { configs, engineInfo: info, now: NOW });
  assert.is(residentJobs(plan).length, 0);
  assert.ok(plan.engine.jobs.some((j) => j.strategy.sync === 'svm-fine'));
  const records = plan.skipped.filter((s) => /svm-resident/.test(s.id + s.reason));
  assert.is(records.length, 1);
  assert.match(records[0]!.id, /\/gpu:gemm_tiled\/sync:svm-resident$/);
  assert.match(records[0]!.reason, /gpu variant gemm_tiled requires sync finish or event-poll or svm-coarse or svm-fine \(engine info\), not svm-resident/);
});

test('a resident line: zero dispatch is kept as 0, kernel = the host-observed GPU side, paired overhead defined', () => {
  const plan = planPhase(exp('linear-coexec'), withResident, platform('local-split'), 'grid', { configs, now: NOW });
  const job = residentJobs(plan).find((j) => (j.strategy as Strategy).splitRatio > 0 && (j.strategy as Strategy).splitRatio < 1)!;
  const line = fakeResult(plan.engine, job, '2026-12-05T00:00:00.000Z');
  assert.ok(line.gpuTimestampsNs!.every(([q, s, st]) => q === s && s === st));
  const row = jobStats(line, undefined, 'linear-coexec', { maxCvPct: 10, minSamples: 1, maxFreqDriftPct: 100, maxTempRiseC: 100 }, {});
  assert.is(row.gpuDispatchMedianNs, 0);
  assert.is(row.gpuKernelMedianNs, line.gpuSideNs![0]);
  assert.ok(row.pairedOverheadNs && Number.isFinite(row.pairedOverheadNs.medianNs));
  assert.is(FAKE_SYNC_NS['svm-resident'], 3_000);
  assert.not.ok(copiesOverLink({ mechanism: 'svm-resident' }));
  assert.not.ok(copiesOverLink({ mechanism: 'svm-resident', hostMemory: 'svm-fine-shared' }));
});

test('a fake run on local-split measures resident jobs with exact numbers: zero dispatch, 3 us sync', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-resident-'));
  configs.profiles.set('tiny-resident', { ...withResident, name: 'tiny-resident' });
  try {
    const r = await runExperiment({
      configs, repoRoot: resolve(process.cwd()), resultsRoot: dir, experiment: 'linear-coexec', profile: 'tiny-resident',
      platform: 'local-split', driver: new FakeDriver({ info: residentInfo }), phases: ['grid'], progress: false,
      now: () => NOW, envRoot: join(dir, 'no-sys'),
    });
    assert.ok(r.complete);
    const jobs = JSON.parse(readFileSync(join(r.runDir, 'jobs.json'), 'utf8')) as JobsFile;
    // GPU-only on 768x768: gpu = 20000 + 768 * 768 / 2 = 314912 ns, + 3000 (svm-resident) = 317912.
    const row = jobs.rows.find((x) => x.jobId === 'linear/M:1/N:768/K:768/r:0.00/t:0/cpu:none/gpu:gemv_row-wg64/sync:svm-resident')!;
    assert.equal([row.verdict, row.stats!.medianNs, row.gpuDispatchMedianNs, row.gpuKernelMedianNs], ['VALID', 317912, 0, 314912]);
    assert.equal([row.resolved?.gpuSubmit, row.resolved?.hostMemory], ['resident', 'svm-fine-shared']);
    const coexec = jobs.rows.filter((x) => x.strategy?.sync === 'svm-resident' && x.strategy.splitRatio > 0 && x.strategy.splitRatio < 1);
    assert.ok(coexec.length > 0 && coexec.every((x) => x.pairedOverheadNs !== undefined && x.gpuDispatchMedianNs === 0));
  } finally {
    configs.profiles.delete('tiny-resident');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A resident copy of an svm-fine row: host-clock timestamps (no dispatch, kernel = GPU side), 5% faster. */
function residentCopy(r: JobStats): JobStats {
  const faster = (ns: number) => Math.round(ns * 0.95);
  const gpu = r.gpuSideMedianNs !== undefined && r.gpuSideMedianNs > 0;
  return {
    ...r,
    jobId: r.jobId.replace('/sync:svm-fine', '/sync:svm-resident'),
    strategy: { ...r.strategy, sync: 'svm-resident' },
    resolved: { ...r.resolved, hostMemory: 'svm-fine-shared', gpuSubmit: 'resident' },
    ...(r.stats ? { stats: { ...r.stats, medianNs: faster(r.stats.medianNs), ci95LowNs: faster(r.stats.ci95LowNs), ci95HighNs: faster(r.stats.ci95HighNs) } } : {}),
    ...(gpu ? { gpuKernelMedianNs: faster(r.gpuSideMedianNs!), gpuDispatchMedianNs: 0 } : {}),
    ...(r.kind === 'roundtrip' ? { gpuDispatchMedianNs: 0, gpuKernelMedianNs: 2_000 } : {}),
  };
}

test('derive and the predictors take resident rows with zero dispatch as measured values', async () => {
  const fixture = JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8')) as JobsFile;
  const copies = fixture.rows.filter((r) => r.strategy?.sync === 'svm-fine' && r.phase !== 'confirm').map(residentCopy);
  assert.ok(copies.some((r) => r.kind === 'roundtrip') && copies.some((r) => r.gpuDispatchMedianNs === 0 && r.kind === 'layer'));
  const run: JobsFile = { ...fixture, rows: [...fixture.rows, ...copies] };
  // Round trip minus (0 dispatch + kernel): the resident round trip's own cost is there, not dropped.
  const rt = copies.find((r) => r.kind === 'roundtrip')!;
  assert.is(syncByMechanism(run.rows)['svm-resident'], rt.stats!.medianNs - 2_000);
  const samples = hostCostSamples(run.rows.filter((r) => r.kind === 'layer') as never);
  assert.ok(samples.some((s) => s.mechanism === 'svm-resident'));
  const d = await deriveFromJobs(run, [
    { schemaVersion: 1, id: 'linear-coexec', layerType: 'linear' }, { schemaVersion: 1, id: 'sync-overhead', layerType: 'any' },
  ], { device: { computeUnits: 4 }, families: ['baseline'], selectionBudgetMs: 0 });
  assert.ok(d.syncOverhead.some((r) => r.mechanism === 'svm-resident' && Number.isFinite(r.overheadUs)));
  assert.ok(d.layers.length > 0);
  assert.ok(d.predictions.some((p) => p.side === 'composed' && /sync:svm-resident/.test(String(p.strategyId)) && Number.isFinite(p.predictedMs)));
});

test.run();
