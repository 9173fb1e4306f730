// Tests of the offline bundle: export -> run.sh (bash, no Node) -> import on this machine, with a stand-in
// engine built by a tiny CMake project (fast), and once with the real engine sources when the engine
// builds (native/build/coexec-engine exists). Also: resume leaves out finished jobs, the ICD folder, and a
// tampered plan or result is refused naming the file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportBundle, importBundle } from '../src/platforms/bundle.js';
import type { RemotePlatformConfig } from '../src/platforms/config.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'coexec-bundle-test-'));

/** A repository copy whose native/ is a CMake project that "builds" the stand-in engine script. */
function standInRepo(): string {
  const root = path.join(tmp, 'repo');
  mkdirSync(path.join(root, 'native'), { recursive: true });
  writeFileSync(path.join(root, 'native/CMakeLists.txt'), [
    'cmake_minimum_required(VERSION 3.13)', 'project(coexec_standin NONE)',
    'configure_file(${CMAKE_SOURCE_DIR}/coexec-engine.sh ${CMAKE_BINARY_DIR}/coexec-engine COPYONLY)', '',
  ].join('\n'));
  cpSync(path.join(REPO, 'test/fixtures/fake-adb/coexec-engine'), path.join(root, 'native/coexec-engine.sh'));
  cpSync(path.join(REPO, 'scripts/bundle-template'), path.join(root, 'scripts/bundle-template'), { recursive: true });
  return root;
}

function writePlan(file: string, planId: string, ids: string[]): string {
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, planId, device: { deviceType: 'gpu-or-cpu' }, cpuAffinity: [],
    jobs: ids.map((id) => ({ kind: 'roundtrip', strategy: { sync: 'finish' }, id })) }));
  return file;
}

function runSh(dir: string, ...args: string[]): { status: number; stderr: string } {
  // A Debug build of the real engine compiles in about half the time of -O3; the flow under test is the same.
  const r = spawnSync('bash', [path.join(dir, 'run.sh'), '--jobs', '2', ...args], {
    encoding: 'utf8', env: { ...process.env, COEXEC_STANDIN_DELAY_S: '0', COEXEC_CMAKE_ARGS: '-DCMAKE_BUILD_TYPE=Debug' }, timeout: 300_000,
  });
  return { status: r.status ?? -1, stderr: r.stderr };
}

function ids(file: string): string[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).jobId);
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

const gpuHost: RemotePlatformConfig = {
  name: 'gpu-host-test', kind: 'bundle', icd: ['libnvidia-opencl.so.1'], env: { COEXEC_TEST_VAR: 'from $platform' },
};

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('export, run.sh, import round trip with resume and the ICD folder', async () => {
  const repo = standInRepo();
  const gridPlan = writePlan(path.join(tmp, 'grid-in.json'), 'grid-1', ['a/1', 'a/2', 'a/3']);
  const syncPlan = writePlan(path.join(tmp, 'sync-in.json'), 'sync-1', ['s/1']);
  const out = path.join(tmp, 'bundle');
  const { tarGzPath, manifest } = await exportBundle({
    outDir: out, repoRoot: repo, platform: gpuHost, tarGz: true,
    plans: [{ name: 'grid', planPath: gridPlan }, { name: 'sync', planPath: syncPlan }],
  });
  assert.ok(tarGzPath && existsSync(tarGzPath));
  assert.equal(Object.keys(manifest.files).sort(), ['README.md', 'native/CMakeLists.txt', 'native/coexec-engine.sh',
    'plans/grid.json', 'plans/sync.json', 'platform.env', 'platform.json', 'run.sh']);
  // The plan keeps its content (one job per line is layout only).
  assert.equal(JSON.parse(readFileSync(path.join(out, 'plans/grid.json'), 'utf8')), JSON.parse(readFileSync(gridPlan, 'utf8')));
  assert.is(spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out }).status, 0, 'SHA256SUMS in sha256sum format');

  let r = runSh(out);
  assert.is(r.status, 0, r.stderr);
  assert.equal(ids(path.join(out, 'results/grid.jsonl')), ['a/1', 'a/2', 'a/3']);
  const info = JSON.parse(readFileSync(path.join(out, 'results/info.json'), 'utf8'));
  assert.is(info.testVar, 'from $platform');
  assert.is(info.oclIcdVendors, path.join(out, 'icd'));
  assert.is(readFileSync(path.join(out, 'icd/nvidia.icd'), 'utf8'), 'libnvidia-opencl.so.1\n');

  // Resume: a crash after the first job (and mid-line) reruns only the jobs without a result.
  const results = path.join(out, 'results/grid.jsonl');
  const first = readFileSync(results, 'utf8').split('\n')[0];
  writeFileSync(results, `${first}\n{"schemaVersion":1,"jobId":"a/2","planId":"gr`);
  r = runSh(out);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /engine build is up to date/);
  assert.match(r.stderr, /grid: running 2 jobs \(1 already done\)/);
  assert.match(r.stderr, /sync: all 1 jobs done/);
  assert.match(r.stderr, /grid: set aside a result line cut short/);
  assert.equal(ids(results), ['a/1', 'a/2', 'a/3']);
  assert.is(readFileSync(path.join(out, 'work/grid.partial'), 'utf8'), '{"schemaVersion":1,"jobId":"a/2","planId":"gr\n');

  const runDir = path.join(tmp, 'run');
  const summary = await importBundle(out, runDir);
  assert.is(summary.platform, 'gpu-host-test');
  assert.equal(summary.plans.map((p) => [p.name, p.jobs, p.done, p.missing, p.newLines]), [['grid', 3, 3, 0, 3], ['sync', 1, 1, 0, 1]]);
  assert.equal(ids(path.join(runDir, 'raw/grid.jsonl')), ['a/1', 'a/2', 'a/3']);
  assert.ok(existsSync(path.join(runDir, 'raw/info.json')));
  // Importing again adds nothing.
  const again = await importBundle(out, runDir);
  assert.equal(again.plans.map((p) => p.newLines), [0, 0]);

  // The packed results import the same way.
  r = runSh(out, '--pack');
  assert.is(r.status, 0, r.stderr);
  const packed = await importBundle(`${out}-results.tar.gz`, path.join(tmp, 'run-packed'));
  assert.equal(packed.plans.map((p) => p.done), [3, 1]);
});

test('a tampered plan or result is refused, naming the file', async () => {
  const repo = existsSync(path.join(tmp, 'repo')) ? path.join(tmp, 'repo') : standInRepo();
  const out = path.join(tmp, 'bundle-tamper');
  await exportBundle({ outDir: out, repoRoot: repo, platform: { name: 'plain' }, plans: [{ name: 'grid', planPath: writePlan(path.join(tmp, 'g.json'), 'g', ['x/1', 'x/2']) }] });
  assert.is(runSh(out).status, 0);
  const runDir = path.join(tmp, 'run-tamper');

  // A result edited after the run: caught by results/SHA256SUMS.
  const results = path.join(out, 'results/grid.jsonl');
  const original = readFileSync(results, 'utf8');
  writeFileSync(results, original.replace('"x/2"', '"x/9"'));
  assert.is(await failure(importBundle(out, runDir)), 'import: results/grid.jsonl changed after run.sh wrote it (SHA-256 differs from results/SHA256SUMS).');
  // ... and with its hash list rewritten too: caught by the plan's job ids.
  spawnSync('bash', ['-c', 'cd results && sha256sum -- *.jsonl info.json > SHA256SUMS'], { cwd: out });
  assert.is(await failure(importBundle(out, runDir)), 'import: results/grid.jsonl line 2: job id "x/9" is not a job of plans/grid.json.');
  appendFileSync(results, 'not json\n');
  rmSync(path.join(out, 'results/SHA256SUMS'));
  assert.match(await failure(importBundle(out, runDir)), /job id "x\/9"/);
  writeFileSync(results, original + 'not json\n');
  assert.is(await failure(importBundle(out, runDir)), 'import: results/grid.jsonl line 3 is not valid JSON.');

  // A plan edited after export: import and run.sh both refuse.
  const plan = path.join(out, 'plans/grid.json');
  writeFileSync(plan, readFileSync(plan, 'utf8').replace('"x/2"', '"x/3"'));
  assert.is(await failure(importBundle(out, runDir)), 'import: plans/grid.json changed since export (SHA-256 differs from bundle.json): re-export the bundle and run it again.');
  const r = runSh(out);
  assert.is(r.status, 1);
  assert.match(r.stderr, /plans\/grid.json: FAILED/);
  assert.not.ok(existsSync(path.join(runDir, 'raw/grid.jsonl')), 'nothing imported from a refused bundle');
});

test('export refuses a non-empty folder and bad plan names', async () => {
  const repo = existsSync(path.join(tmp, 'repo')) ? path.join(tmp, 'repo') : standInRepo();
  const plan = writePlan(path.join(tmp, 'p.json'), 'p', ['y']);
  const dir = path.join(tmp, 'busy');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'x'), '');
  assert.match(await failure(exportBundle({ outDir: dir, repoRoot: repo, platform: { name: 'p' }, plans: [{ name: 'g', planPath: plan }] })), /exists and is not empty/);
  assert.match(await failure(exportBundle({ outDir: path.join(tmp, 'n1'), repoRoot: repo, platform: { name: 'p' }, plans: [{ name: '../g', planPath: plan }] })), /must be a plain file name/);
  assert.match(await failure(importBundle(tmp, path.join(tmp, 'r'))), /bundle\.json not found: not a coexec bundle/);
});

test('the real engine: export, run.sh builds native/ with cmake, import', async () => {
  if (!existsSync(path.join(REPO, 'native/build/coexec-engine'))) return void console.log('SKIP: native/build/coexec-engine not built');
  const id = 'linear/M:1/N:8/K:16/r:1.00/t:1/cpu:simd/gpu:none/sync:finish';
  const planFile = path.join(tmp, 'real-plan.json');
  writeFileSync(planFile, JSON.stringify({
    schemaVersion: 1, planId: 'bundle-real', device: { platformContains: '', deviceContains: '', deviceType: 'gpu-or-cpu' },
    cpuAffinity: [], jobs: [{ id, kind: 'layer', layer: { type: 'linear', M: 1, N: 8, K: 16 },
      strategy: { splitRatio: 1, granularity: 1, cpuThreads: 1, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64, sync: 'finish' },
      warmup: 1, minSamples: 3, minTimeMs: 1, maxSamples: 5, maxTimeMs: 200, seed: 7 }],
  }));
  const out = path.join(tmp, 'bundle-real');
  await exportBundle({ outDir: out, repoRoot: REPO, platform: { name: 'local-bundle' }, plans: [{ name: 'tiny', planPath: planFile }] });
  const r = runSh(out);
  assert.is(r.status, 0, r.stderr.slice(-2000));
  assert.ok(existsSync(path.join(out, 'build/coexec-engine')));
  const summary = await importBundle(out, path.join(tmp, 'run-real'));
  assert.equal(summary.plans.map((p) => [p.done, p.byStatus.ok]), [[1, 1]]);
  assert.type(summary.info, 'object');
});

test.run();
