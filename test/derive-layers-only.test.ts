// `coexec derive --layers-only`: layers.json, the summary's per-kind sections and claims.json again with
// today's analysis, every predictor file kept byte for byte and the manifest re-hashed; refused (exit 1, one
// line) when today's analysis would choose other strategies than the run's layers.json has.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deriveCommand } from '../src/analysis/derive-command.js';
import { runValidate } from '../src/validate/run-validate.js';
import { copyRunSmall } from './fixtures/make-run-small.js';

const ROOT = process.cwd();

test('--layers-only rewrites the layer rows and summary sections, keeps predictions and the summary\'s other keys', async () => {
  const dir = await copyRunSmall();
  assert.is(await deriveCommand([dir], ROOT, () => {}), 0);
  const layersPath = join(dir, 'derived/layers.json');
  const derived = await readFile(layersPath, 'utf8');
  // An older analysis: rows with the bound under its old name, a summary key the layer analysis does not write.
  const old = JSON.parse(derived) as { rows: Record<string, unknown>[] };
  assert.ok(old.rows.length > 0);
  for (const r of old.rows) { r.idealSpeedup = r.idealSpeedupLinear; delete r.idealSpeedupLinear; r.efficiencyLinear = 99; }
  await writeFile(layersPath, JSON.stringify(old));
  const summaryPath = join(dir, 'derived/summary.json');
  const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as Record<string, unknown>;
  await writeFile(summaryPath, JSON.stringify({ ...summary, predictor: { cpu: { mape: 12.5 } }, linear: { stale: true } }));
  const predictions = await readFile(join(dir, 'derived/predictions.json'), 'utf8');
  const out: string[] = [];
  assert.is(await deriveCommand(['--layers-only', dir], ROOT, (l) => out.push(l)), 0, out.join('\n'));
  const strip = (s: string) => (JSON.parse(s) as { rows: Record<string, unknown>[] }).rows.map(({ selectionMs: _s, gridWallMs: _g, ...r }) => r);
  assert.equal(strip(await readFile(layersPath, 'utf8')), strip(derived));
  const now = JSON.parse(await readFile(summaryPath, 'utf8')) as Record<string, unknown>;
  assert.equal(now.predictor, { cpu: { mape: 12.5 } });
  assert.equal(now.linear, summary.linear);
  assert.is(await readFile(join(dir, 'derived/predictions.json'), 'utf8'), predictions);
  const v = await runValidate(dir, { experimentsDir: join(ROOT, 'experiments') });
  assert.ok(!v.lines.some((l) => /hash/.test(l) && l.startsWith('FAIL')), v.lines.join('\n'));
});

test('--layers-only refuses a run whose layer rows today\'s analysis would choose differently; usage errors', async () => {
  const dir = await copyRunSmall(); // synthetic layers.json, not what derive chooses from its jobs
  const out: string[] = [];
  assert.is(await deriveCommand(['--layers-only', dir], ROOT, (l) => out.push(l)), 1);
  assert.match(out.join('\n'), /chooses other strategies .* derive the run in full/);
  assert.is(await deriveCommand(['--layers-only', '--claims-only', dir], ROOT, () => {}), 2);
});

test.run();
