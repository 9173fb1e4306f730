/**
 * `figures` skips what is already drawn: a second call draws and writes nothing; a change to one run's
 * derived data redraws that run only; a missing or damaged output, or a lost stamp, is drawn again. The
 * worker pool draws exactly what the main thread draws, and a renderer error comes back as an error.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { renderFigures, loadRun, runFigures } from '../src/report/render-run.js';
import { figureKey, STAMP_FILE } from '../src/report/render-cache.js';
import { renderJobs } from '../src/report/render-pool.js';
import { figuresCommand } from '../src/report/figures.js';
import { copyRunSmall } from './fixtures/make-run-small.js';

/** Two copies of the fixture with different run ids, and a figures root. */
async function twoRuns(): Promise<{ a: string; b: string; root: string }> {
  const a = await copyRunSmall();
  const b = await copyRunSmall();
  const runJson = join(b, 'run.json');
  const run = JSON.parse(await readFile(runJson, 'utf8'));
  await writeFile(runJson, JSON.stringify({ ...run, runId: 'synthetic-small-other' }));
  return { a, b, root: await mkdtemp(join(tmpdir(), 'coexec-figroot-')) };
}

test('a second call draws nothing and writes nothing', async () => {
  const { a, b, root } = await twoRuns();
  const first = await renderFigures([a, b], { figuresRoot: root });
  assert.ok(first.rendered > 0);
  const before = await stat(join(a, 'figures/sync-overhead.png'));
  const second = await renderFigures([a, b], { figuresRoot: root });
  assert.is(second.rendered, 0);
  assert.equal(second.files, []);
  assert.is(second.unchanged, first.files.length + first.unchanged);
  assert.is((await stat(join(a, 'figures/sync-overhead.png'))).mtimeMs, before.mtimeMs, 'not rewritten');
});

test('a change to one run\'s derived data redraws only that run', async () => {
  const { a, b, root } = await twoRuns();
  await renderFigures([a, b], { figuresRoot: root });
  const layersPath = join(a, 'derived/layers.json');
  const layers = JSON.parse(await readFile(layersPath, 'utf8'));
  layers.rows[0].speedupOracleVsGpuFinish *= 3;
  await writeFile(layersPath, JSON.stringify(layers));
  const again = await renderFigures([a, b], { figuresRoot: root });
  assert.ok(again.rendered >= 1);
  const drawn = again.files.filter((f) => f.endsWith('.svg'));
  assert.ok(drawn.some((f) => f.startsWith(join(a, 'figures/speedup-per-layer-linear-coexec'))), drawn.join('\n'));
  const aOutputs = [a, join(root, 'synthetic-small', 'synthetic-small-fixture')];
  for (const f of again.files) assert.ok(aOutputs.some((d) => f.startsWith(d + '/')), `${f} is not an output of the changed run`);
  // Only the figures whose data changed: the split curves and the summary did not.
  assert.not.ok(drawn.some((f) => f.includes('split-latency') || f.includes('summary-platforms')), drawn.join('\n'));
});

test('a missing or damaged output is drawn again, identical to the first drawing', async () => {
  const dir = await copyRunSmall();
  await renderFigures(dir);
  const png = join(dir, 'figures/decision-quality.png');
  const svg = join(dir, 'figures/sync-overhead.svg');
  const goodPng = await readFile(png);
  const goodSvg = await readFile(svg, 'utf8');
  await writeFile(png, Buffer.alloc(goodPng.length, 7)); // same size, wrong bytes
  await rm(svg);
  const again = await renderFigures(dir);
  assert.is(again.rendered, 2);
  assert.ok((await readFile(png)).equals(goodPng));
  assert.is(await readFile(svg, 'utf8'), goodSvg);
  // A damaged table or page is rewritten too (text outputs are compared byte for byte).
  await writeFile(join(dir, 'tables/claims.md'), 'edited');
  const third = await renderFigures(dir);
  assert.equal(third.files, [join(dir, 'tables/claims.md')]);
  assert.is(third.rendered, 0);
});

test('a lost or corrupt stamp redraws that folder', async () => {
  const dir = await copyRunSmall();
  const first = await renderFigures(dir, { noPng: true });
  await writeFile(join(dir, 'figures', STAMP_FILE), '{ not json');
  const again = await renderFigures(dir, { noPng: true });
  assert.is(again.rendered, first.rendered);
  assert.is((await renderFigures(dir, { noPng: true })).rendered, 0);
});

test('asking for PNGs after an SVG-only call draws again; SVG-only after a full call does not', async () => {
  const dir = await copyRunSmall();
  await renderFigures(dir, { noPng: true });
  assert.ok((await renderFigures(dir)).rendered > 0);
  assert.is((await renderFigures(dir, { noPng: true })).rendered, 0);
  // An SVG redrawn during --no-png keeps its PNG's record: the PNG, still current, is not drawn again.
  await rm(join(dir, 'figures/sync-overhead.svg'));
  assert.is((await renderFigures(dir, { noPng: true })).rendered, 1);
  assert.is((await renderFigures(dir)).rendered, 0);
});

test('--force draws and writes everything; bad options are refused in one line', async () => {
  const dir = await copyRunSmall();
  const first = await renderFigures(dir, { noPng: true });
  const forced = await renderFigures(dir, { noPng: true, force: true });
  assert.is(forced.rendered, first.rendered);
  assert.is(forced.files.length, first.files.length);
  const lines: string[] = [];
  assert.is(await figuresCommand([dir, '--threads', 'two'], process.cwd(), (l) => lines.push(l)), 2);
  assert.is(await figuresCommand([dir, '--no-png', '--threads', '1'], process.cwd(), (l) => lines.push(l)), 0);
  assert.match(lines[0]!, /^figures: --threads needs a whole number >= 1, got two$/);
  assert.match(lines[1]!, /^figures: wrote 0 files \(\d+ unchanged\) for 1 run\(s\); drew no figure \(all up to date\)/);
});

test('the key changes with the spec (template or data) and with the renderer', async () => {
  const spec = runFigures(await loadRun(dirname(join(await copyRunSmall(), 'x'))))[0]!.spec;
  const k = figureKey(spec, 'r1');
  assert.is(figureKey(structuredClone(spec), 'r1'), k);
  assert.is.not(figureKey({ ...spec, width: 123 }, 'r1'), k);
  assert.is.not(figureKey(spec, 'r2'), k);
});

test('worker threads draw exactly what the main thread draws; a renderer error comes back', async () => {
  const figures = runFigures(await loadRun(await copyRunSmall())).slice(0, 4);
  const jobs = figures.map((f) => ({ spec: f.spec, png: true }));
  const pooled = await renderJobs(jobs, 2);
  const inline = await renderJobs(jobs, 1);
  assert.is(pooled.length, jobs.length);
  pooled.forEach((p, i) => {
    assert.is(p.svg, inline[i]!.svg, figures[i]!.name);
    assert.ok(p.png!.equals(inline[i]!.png!), figures[i]!.name);
  });
  const broken = [...jobs, { spec: { mark: 'no-such-mark', data: { values: [] } }, png: false, name: 'broken-figure' }];
  try {
    await renderJobs(broken, 2);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /^broken-figure: /);
  }
});

test.run();
