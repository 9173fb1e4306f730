// `coexec derive RUN_DIR...` derives several folders side by side (src/analysis/derive-pool.ts): the same derived
// files as one at a time, lines printed in the order the folders were given, and a folder that fails is named
// at the end (exit 1) while the others are still derived.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deriveCommand } from '../src/analysis/derive-command.js';
import { copyRunSmall } from './fixtures/make-run-small.js';

const ROOT = process.cwd();
// Everything derive writes but the measured selection time (timed on the machine, so never equal twice).
const comparable = async (dir: string): Promise<string[]> => Promise.all(['predictions', 'predictor-accuracy', 'claims', 'split-curves', 'models/cpu', 'models/gpu']
  .map((f) => readFile(join(dir, 'derived', `${f}.json`), 'utf8')));

test('two folders on two workers: the files of one-at-a-time, lines in the given order', async () => {
  const [a, b, c] = [await copyRunSmall(), await copyRunSmall(), await copyRunSmall()];
  const out: string[] = [];
  assert.is(await deriveCommand(['--jobs', '2', a, b], ROOT, (l) => out.push(l)), 0, out.join('\n'));
  // Each folder's lines together (its counts, then its skipped layers), the folders in the order given.
  assert.equal([...new Set(out.map((l) => l.split(': ')[1]))], [a, b]);
  assert.match(out[0]!, /^derive: .*: \d+ layers/);
  assert.is(await deriveCommand(['--jobs', '1', c], ROOT, () => {}), 0);
  assert.equal(await comparable(a), await comparable(c));
  assert.equal(await comparable(b), await comparable(c));
});

test('a folder that fails is named at the end, exit 1, and the folder after it is still derived', async () => {
  const [bad, good] = [await copyRunSmall(), await copyRunSmall()];
  await writeFile(join(bad, 'jobs.json'), '{"rows": "not rows"}');
  const out: string[] = [];
  assert.is(await deriveCommand(['--jobs', '2', bad, good], ROOT, (l) => out.push(l)), 1);
  assert.match(out[0]!, new RegExp(`^derive: ${bad}: FAILED: `));
  assert.match(out[1]!, new RegExp(`^derive: ${good}: \\d+ layers`));
  assert.match(out.at(-1)!, new RegExp(`^derive: 1 of 2 folders failed: ${bad}$`));
});

test('--jobs must be a whole number from 1', async () => {
  const dir = await copyRunSmall();
  for (const bad of ['0', '1.5', 'many']) assert.is(await deriveCommand(['--jobs', bad, dir], ROOT, () => {}), 2, bad);
  assert.is(await deriveCommand([dir, '--jobs'], ROOT, () => {}), 2);
});

test.run();
