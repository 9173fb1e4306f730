// Tests of `export --with-node`: the bundle carries Node and the harness, run.sh measures round 1 (profile +
// grid), plans the confirmation pass with the carried harness and measures it; import checks the device's
// plan against the one planned at home. Real engine on PoCL, one tiny linear-coexec run (two layers, three
// ratios). The bundle's build/ is seeded with native/build/coexec-engine (same sources), so run.sh does not
// compile: platforms-bundle.test.ts covers the CMake build.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { main } from '../src/cli/main.js';
import { deriveCommand } from '../src/analysis/derive-command.js';
import { validateCommand } from '../src/validate/validate.js';
import { EXIT } from '../src/validate/outcome.js';
import type { BundleManifest } from '../src/platforms/bundle.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const ENGINE = path.join(REPO, 'native/build/coexec-engine');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'coexec-bundle-confirm-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** Microseconds per job; a CV bound no measurement on a shared 2-core VM misses, so every job is VALID. */
const TINY_PROFILE = {
  schemaVersion: 1, name: 'tiny-bundle', description: 'Test: two linear layers, three ratios, one thread, one sync.',
  measurement: { warmup: 1, minSamples: 5, minTimeMs: 5, maxSamples: 20, maxTimeMs: 40, confirmReplicates: 2 },
  seeds: { order: 1, data: 2 },
  validity: { maxCvPct: 10000, minSamples: 3, maxFreqDriftPct: 100, maxTempRiseC: 100 },
  experiments: {
    'linear-coexec': {
      workloads: ['whisper-tiny/dec-q-m1', 'bert-base/attn-q-m1'], profileJobsPerLayer: 2, profileRowFractions: [0.5, 1],
      space: { splitRatios: [0, 0.5, 1], cpuThreads: [1], cpuImpls: ['simd'], gpuVariants: ['gemv_row'], workGroups: [64], syncs: ['finish'] },
    },
  },
};
const TEST_PLATFORM = {
  schemaVersion: 1, name: 'test-bundle', kind: 'bundle', class: 'pocl-cpu', description: 'Test: PoCL through an offline bundle.', tested: false,
  opencl: { platformContains: 'Portable Computing Language', deviceContains: '', deviceType: 'cpu' }, cpu: { cores: [] },
  expected: { svm: ['coarse', 'fine-buffer', 'atomics'] },
};

/** A repository root with the shipped configs plus the tiny profile and platform; the rest linked to this one. */
function testRoot(name: string, withDist = true): string {
  const root = path.join(tmp, name);
  mkdirSync(path.join(root, 'scripts'), { recursive: true });
  for (const dir of ['configs', 'experiments']) cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
  copyFileSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'));
  writeFileSync(path.join(root, 'configs/profiles/tiny-bundle.json'), JSON.stringify(TINY_PROFILE, null, 2));
  writeFileSync(path.join(root, 'configs/platforms/test-bundle.json'), JSON.stringify(TEST_PLATFORM, null, 2));
  symlinkSync(path.join(REPO, 'native'), path.join(root, 'native'));
  symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  symlinkSync(path.join(REPO, 'scripts/bundle-template'), path.join(root, 'scripts/bundle-template'));
  if (withDist) {
    mkdirSync(path.join(root, 'dist'));
    symlinkSync(path.join(REPO, 'dist/src'), path.join(root, 'dist/src'));
  }
  return root;
}

async function cli(root: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, root);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Puts the engine built from these sources into the bundle's build/, as run.sh leaves it after building. */
function seedBuild(bundle: string): void {
  const manifest = JSON.parse(readFileSync(path.join(bundle, 'bundle.json'), 'utf8')) as BundleManifest;
  mkdirSync(path.join(bundle, 'build'), { recursive: true });
  copyFileSync(ENGINE, path.join(bundle, 'build/coexec-engine'));
  writeFileSync(path.join(bundle, 'build/.coexec-source-sha256'), `${manifest.sourceSha256}\n`);
}

function runSh(dir: string): { status: number; stderr: string } {
  const r = spawnSync('bash', [path.join(dir, 'run.sh'), '--jobs', '2'], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stderr: r.stderr };
}

const lineCount = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Rewrites a sha256sum file's entry for `rel` (a test playing the part of a consistent bundle). */
function resign(sumsFile: string, rel: string, hash: string): void {
  const lines = readFileSync(sumsFile, 'utf8').split('\n').filter(Boolean).map((l) => (l.endsWith(`  ${rel}`) ? `${hash}  ${rel}` : l));
  writeFileSync(sumsFile, `${lines.join('\n')}\n`);
}

test('export --with-node: run.sh measures both rounds, import checks the device plan, the run derives and validates', async () => {
  if (!existsSync(ENGINE)) return void console.log('SKIP: native/build/coexec-engine not built');
  const root = testRoot('root');
  const bundle = path.join(tmp, 'bundle');
  const exported = await cli(root, 'export', '--experiment', 'linear-coexec', '--profile', 'tiny-bundle', '--platform', 'test-bundle',
    '--out', bundle, '--results', path.join(tmp, 'results'), '--with-node');
  assert.is(exported.code, 0, exported.err);
  assert.match(exported.out, `carries Node ${process.version}`);
  const runDir = /run folder: (\S+)/.exec(exported.out)![1]!;

  // bundle.json: the carried Node and harness, every file hashed (the Node binary too).
  const manifest = JSON.parse(readFileSync(path.join(bundle, 'bundle.json'), 'utf8')) as BundleManifest;
  assert.equal({ ...manifest.harness!.node, sha256: '', bytes: 0 },
    { path: 'harness/node.gz', compression: 'gzip', version: process.version, platform: process.platform, arch: process.arch, sha256: '', bytes: 0 });
  assert.is(manifest.harness!.node.sha256, sha256(readFileSync(process.execPath)));
  for (const rel of ['harness/node.gz', 'harness/run/run.json', 'harness/run/plan.json', 'harness/dist/src/cli/bundle-round2.js', 'harness/package.json',
    'harness/experiments/linear-coexec.json', 'harness/configs/profiles/tiny-bundle.json', 'harness/node_modules/ajv/package.json']) {
    assert.ok(manifest.files[rel], `${rel} hashed in bundle.json`);
  }
  assert.equal(manifest.harness!.packages.filter((p) => /typescript|playwright|@types|vega|resvg/.test(p)), []);
  assert.ok(!Object.keys(manifest.files).some((f) => f.startsWith('harness/dist/test/') || f.endsWith('.d.ts')));
  assert.is(spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: bundle }).status, 0);
  // Untouched copies for the two failure cases below.
  const brokenNode = path.join(tmp, 'bundle-broken-node');
  cpSync(bundle, brokenNode, { recursive: true });
  const runAsPlanned = path.join(tmp, 'run-as-planned');
  cpSync(runDir, runAsPlanned, { recursive: true });

  seedBuild(bundle);
  let r = runSh(bundle);
  assert.is(r.status, 0, r.stderr.slice(-3000));
  const planned = /confirm: planned the confirmation pass: (\d+) strategies of 2 layers, (\d+) jobs/.exec(r.stderr);
  assert.ok(planned, r.stderr.slice(-3000));
  const confirmJobs = Number(planned![2]);
  assert.is(confirmJobs, 2 * Number(planned![1]), 'confirmReplicates 2');
  assert.is(lineCount(path.join(bundle, 'results/main.jsonl')), manifest.plans[0]!.jobs);
  assert.is(lineCount(path.join(bundle, 'results/confirm.jsonl')), confirmJobs);
  // A second run.sh measures nothing and keeps the planned pass.
  r = runSh(bundle);
  assert.is(r.status, 0, r.stderr.slice(-3000));
  assert.match(r.stderr, /main: all \d+ jobs done/);
  assert.match(r.stderr, /confirm: confirmation pass already planned/);
  assert.match(r.stderr, `confirm: all ${confirmJobs} jobs done`);
  const tampered = path.join(tmp, 'bundle-tampered');
  cpSync(bundle, tampered, { recursive: true });

  const imported = await cli(root, 'import', '--bundle', bundle, '--run', runDir);
  assert.is(imported.code, 0, imported.err);
  assert.match(imported.out, `confirm: planned on the device, same as planned here; ${confirmJobs} new lines`);
  assert.match(imported.out, `${manifest.plans[0]!.jobs + confirmJobs}/${manifest.plans[0]!.jobs + confirmJobs} jobs`);
  const record = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { parts: { name: string; planId: string }[] };
  assert.equal(record.parts.map((p) => p.name), ['main', 'confirm']);
  assert.is(readFileSync(path.join(runDir, 'plan-confirm.json'), 'utf8'), readFileSync(path.join(bundle, 'results/run/plan-confirm.json'), 'utf8'));
  // Importing again adds nothing.
  const again = await cli(root, 'import', '--bundle', bundle, '--run', runDir);
  assert.is(again.code, 0, again.err);
  assert.match(again.out, 'confirm: planned on the device (imported before); 0 new lines');

  const printed: string[] = [];
  assert.is(await deriveCommand([runDir], root, (l) => printed.push(l)), 0, printed.join('\n'));
  assert.ok(existsSync(path.join(runDir, 'derived/layers.json')));
  const layers = JSON.parse(readFileSync(path.join(runDir, 'derived/layers.json'), 'utf8')) as { rows: { latencySource: string }[] };
  assert.equal(layers.rows.map((row) => row.latencySource), ['confirm', 'confirm']);
  printed.length = 0;
  // The imported run is whole and its files check out. Its claims are measured on this machine's two tiny
  // layers and may fail on a loaded one (q 0.16 was seen with other work on both cores): that is the run's
  // verdict, not the import's, so only integrity is asserted here.
  const status = await validateCommand([runDir], root, (l) => printed.push(l));
  assert.ok(status !== EXIT.broken && status !== EXIT.usage, printed.join('\n'));
  assert.ok(printed.some((l) => /^integrity: .*: PASS$/.test(l)), printed.join('\n'));

  // The device's plan with one strategy changed (and results/SHA256SUMS re-signed): refused, round 1 kept.
  const planFile = path.join(tampered, 'results/run/plan-confirm.json');
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { jobs: { id: string }[] };
  const original = plan.jobs[0]!.id;
  const changed = original.replace(/r:[0-9.]+/, 'r:0.25');
  writeFileSync(planFile, readFileSync(planFile, 'utf8').replace(`"id": "${original}"`, `"id": "${changed}"`));
  resign(path.join(tampered, 'results/SHA256SUMS'), 'run/plan-confirm.json', sha256(readFileSync(planFile)));
  const refused = await cli(root, 'import', '--bundle', tampered, '--run', runAsPlanned);
  assert.is(refused.code, 1);
  assert.is(refused.err, `error: import: the confirmation pass planned on the device (results/run/plan-confirm.json) is not the one planned here from the imported round-1 results: strategy "${changed}" is not in the pass planned here; round 1 is imported: plan the pass here (scripts/confirm-list.mjs, then coexec export --resume ${runAsPlanned} --phase confirm --strategies @FILE)`);
  assert.is(lineCount(path.join(runAsPlanned, 'raw/main.jsonl')), manifest.plans[0]!.jobs);
  assert.ok(existsSync(path.join(runAsPlanned, 'jobs.json')));
  assert.not.ok(existsSync(path.join(runAsPlanned, 'plan-confirm.json')));
  assert.not.ok(existsSync(path.join(runAsPlanned, 'raw/confirm.jsonl')));

  // A carried Node that cannot start: run.sh says so in one line and round 1 is complete; import brings it.
  const fakeNode = gzipSync('#!/bin/sh\nexit 1\n');
  writeFileSync(path.join(brokenNode, 'harness/node.gz'), fakeNode);
  const brokenManifest = JSON.parse(readFileSync(path.join(brokenNode, 'bundle.json'), 'utf8')) as BundleManifest;
  brokenManifest.files['harness/node.gz'] = sha256(fakeNode);
  const manifestText = `${JSON.stringify(brokenManifest, null, 2)}\n`;
  writeFileSync(path.join(brokenNode, 'bundle.json'), manifestText);
  resign(path.join(brokenNode, 'SHA256SUMS'), 'harness/node.gz', sha256(fakeNode));
  resign(path.join(brokenNode, 'SHA256SUMS'), 'bundle.json', sha256(manifestText));
  seedBuild(brokenNode);
  r = runSh(brokenNode);
  assert.is(r.status, 0, r.stderr.slice(-3000));
  const said = r.stderr.split('\n').filter((l) => l.includes('cannot start'));
  assert.equal(said, [`run.sh: confirm: the carried Node ${process.version} (${process.arch}) cannot start here (exit 1): round 1 is complete; import it and plan the confirmation pass at home`]);
  assert.is(lineCount(path.join(brokenNode, 'results/main.jsonl')), manifest.plans[0]!.jobs);
  assert.not.ok(existsSync(path.join(brokenNode, 'results/confirm.jsonl')));
  const runBroken = path.join(tmp, 'run-broken-node');
  cpSync(runAsPlanned, runBroken, { recursive: true });
  rmSync(path.join(runBroken, 'raw'), { recursive: true, force: true });
  const roundOne = await cli(root, 'import', '--bundle', brokenNode, '--run', runBroken);
  assert.is(roundOne.code, 0, roundOne.err);
  assert.not.match(roundOne.out, /confirm:/);
  assert.match(roundOne.out, `${manifest.plans[0]!.jobs}/${manifest.plans[0]!.jobs} jobs`);
});

test('export --with-node refuses experiments without a confirm phase, a confirm export and a missing build', async () => {
  const root = existsSync(path.join(tmp, 'root')) ? path.join(tmp, 'root') : testRoot('root');
  const common = ['--profile', 'tiny-bundle', '--platform', 'test-bundle', '--results', path.join(tmp, 'results-refused'), '--with-node'];
  let r = await cli(root, 'export', '--experiment', 'sync-overhead', '--out', path.join(tmp, 'b-sync'), ...common);
  assert.is(r.code, 1);
  assert.is(r.err, 'error: export --with-node plans the confirmation pass on the device, but experiment "sync-overhead" has no confirm phase (it has sync): export without --with-node');
  r = await cli(root, 'export', '--experiment', 'linear-coexec', '--out', path.join(tmp, 'b-confirm'), '--phase', 'confirm', '--strategies', 'x', ...common);
  assert.is(r.code, 2);
  assert.match(r.err, /^error: export --with-node carries round 1 .*: leave out --resume and --phase confirm$/);
  const bare = testRoot('root-without-dist', false);
  r = await cli(bare, 'export', '--experiment', 'linear-coexec', '--out', path.join(tmp, 'b-bare'), ...common);
  assert.is(r.code, 1);
  assert.match(r.err, /^error: export --with-node carries the compiled harness, but \S+dist\/src is missing or stale: run `npm run build` first$/);
  assert.not.ok(existsSync(path.join(tmp, 'results-refused')), 'nothing planned');
});

test.run();
