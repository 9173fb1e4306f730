// `coexec derive --family F`: selects with the named model family instead of 'auto' and records it in
// summary.json's selectionFamily, so a run shipped with another family can be derived as it was shipped;
// `--layers-only` keeps the family the run's summary records; bad values and combinations are usage errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deriveCommand } from '../src/analysis/derive-command.js';
import { autoFamily } from '../src/analysis/derive.js';
import { readDevice } from '../src/analysis/run-files.js';
import { copyRunSmall } from './fixtures/make-run-small.js';

const ROOT = process.cwd();
const family = async (dir: string): Promise<unknown> => (JSON.parse(await readFile(join(dir, 'derived/summary.json'), 'utf8')) as { selectionFamily: unknown }).selectionFamily;

test('--family selects with the named family; auto with the device type\'s family; --layers-only keeps the recorded one', async () => {
  const dir = await copyRunSmall();
  const out: string[] = [];
  assert.is(await deriveCommand([dir], ROOT, (l) => out.push(l)), 0, out.join('\n'));
  assert.is(await family(dir), autoFamily(readDevice(dir).type));
  assert.is(await deriveCommand(['--family', 'baseline', dir], ROOT, (l) => out.push(l)), 0, out.join('\n'));
  assert.is(await family(dir), 'baseline');
  const layers = await readFile(join(dir, 'derived/layers.json'), 'utf8');
  // Today's 'auto' would select with the device type's family; the layer rows of the baseline's selection must survive.
  assert.is(await deriveCommand(['--layers-only', dir], ROOT, (l) => out.push(l)), 0, out.join('\n'));
  assert.is(await family(dir), 'baseline');
  const ids = (s: string) => (JSON.parse(s) as { rows: { selected: { strategyId: string } }[] }).rows.map((r) => r.selected.strategyId);
  assert.equal(ids(await readFile(join(dir, 'derived/layers.json'), 'utf8')), ids(layers));
});

test('--family usage errors: an unknown family, no value, with --claims-only or --layers-only', async () => {
  const dir = await copyRunSmall();
  const out: string[] = [];
  assert.is(await deriveCommand(['--family', 'tree', dir], ROOT, (l) => out.push(l)), 2);
  assert.match(out.join('\n'), /--family F: select with model family F \(auto, baseline/);
  assert.is(await deriveCommand([dir, '--family'], ROOT, () => {}), 2);
  assert.is(await deriveCommand(['--family', 'baseline', '--claims-only', dir], ROOT, () => {}), 2);
  assert.is(await deriveCommand(['--family', 'baseline', '--layers-only', dir], ROOT, () => {}), 2);
});

test.run();
