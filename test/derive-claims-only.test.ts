// `coexec derive --claims-only`: derived/claims.json judged again from the run's own summary.json and
// today's experiment definitions, nothing else rewritten, the manifest re-hashed so validate passes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveCommand } from '../src/analysis/derive-command.js';
import { runValidate } from '../src/validate/run-validate.js';
import { copyRunSmall } from './fixtures/make-run-small.js';

test('--claims-only: a paper claim moved to judgedOn phones becomes "not this class"; other derived files stay byte for byte', async () => {
  const dir = await copyRunSmall();
  const root = await mkdtemp(join(tmpdir(), 'coexec-claims-only-'));
  await mkdir(join(root, 'experiments'));
  const exp = (id: string, layerType: string, claims: object[]) => writeFile(join(root, 'experiments', `${id}.json`), JSON.stringify({ schemaVersion: 1, id, layerType, claims }));
  await exp('linear-coexec', 'linear', [
    { id: 'paper', text: 'paper', metric: 'linear.maxSpeedupOracle', paperValue: 2.01, unit: 'x', judgedOn: ['unified-memory-gpu'], expected: { 'unified-memory-gpu': { min: 1.3 } } },
    { id: 'own', text: 'own', metric: 'linear.maxSpeedupOracle', unit: 'x', expected: { 'pocl-cpu': { min: 0 }, 'discrete-gpu': { min: 0 } } },
  ]);
  await exp('conv-coexec', 'conv2d', []);
  const before = await readFile(join(dir, 'derived/summary.json'), 'utf8');
  const out: string[] = [];
  assert.is(await deriveCommand(['--claims-only', dir], root, (l) => out.push(l)), 0, out.join('\n'));
  const rows = (JSON.parse(await readFile(join(dir, 'derived/claims.json'), 'utf8')) as { rows: { id: string; applicable?: boolean; notThisClass?: string }[] }).rows;
  assert.equal(rows.map((r) => [r.id, r.applicable ?? true]), [['paper', false], ['own', true]]);
  assert.match(rows[0]!.notThisClass!, /unified-memory-gpu/);
  assert.is(await readFile(join(dir, 'derived/summary.json'), 'utf8'), before);
  const v = await runValidate(dir, { experimentsDir: join(root, 'experiments') });
  assert.ok(v.ok, v.lines.join('\n'));
  // Usage errors: an unknown flag, no run folder.
  assert.is(await deriveCommand(['--claims', dir], root, () => {}), 2);
  assert.is(await deriveCommand(['--claims-only'], root, () => {}), 2);
});

test.run();
