// Tests of `export --with-node`: the bundle carries Node and the harness, run.sh measures round 1 (profile +
// grid), plans the confirmation pass with the carried harness and measures it; import checks the device's
// plan against the one planned at home. Real engine on PoCL, one tiny linear-coexec run (two layers, three
// ratios). The bundle's build/ is seeded with native/build/coexec-engine (same sources), so run.sh does not
// compile: platforms-bundle.test.ts covers the CMake build.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { deriveCommand } from '../src/analysis/derive-command.js';
import { validateCommand } from '../src/validate/validate.js';
import { EXIT } from '../src/validate/outcome.js';
import type { BundleManifest } from '../src/platforms/bundle.js';
import { cli, ENGINE, lineCount, resign, runSh, seedBuild, sha256, tempDir, testRoot } from './bundle-fixture.js';

const tmp = tempDir('coexec-bundle-confirm-');
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('export --with-node: run.sh measures both rounds, import checks the device plan, the run derives and validates', async () => {
  if (!existsSync(ENGINE)) return void console.log('SKIP: native/build/coexec-engine not built');
  const root = testRoot(tmp, 'root');
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
  const root = existsSync(path.join(tmp, 'root')) ? path.join(tmp, 'root') : testRoot(tmp, 'root');
  const common = ['--profile', 'tiny-bundle', '--platform', 'test-bundle', '--results', path.join(tmp, 'results-refused'), '--with-node'];
  let r = await cli(root, 'export', '--experiment', 'sync-overhead', '--out', path.join(tmp, 'b-sync'), ...common);
  assert.is(r.code, 1);
  assert.is(r.err, 'error: export --with-node plans the confirmation pass on the device, but experiment "sync-overhead" has no confirm phase (it has sync): export without --with-node');
  r = await cli(root, 'export', '--experiment', 'linear-coexec', '--out', path.join(tmp, 'b-confirm'), '--phase', 'confirm', '--strategies', 'x', ...common);
  assert.is(r.code, 2);
  assert.match(r.err, /^error: export --with-node carries round 1 .*: leave out --resume and --phase confirm$/);
  const bare = testRoot(tmp, 'root-without-dist', false);
  r = await cli(bare, 'export', '--experiment', 'linear-coexec', '--out', path.join(tmp, 'b-bare'), ...common);
  assert.is(r.code, 1);
  assert.match(r.err, /^error: export --with-node carries the compiled harness, but \S+dist\/src is missing or stale: run `npm run build` first$/);
  assert.not.ok(existsSync(path.join(tmp, 'results-refused')), 'nothing planned');
});

test.run();
