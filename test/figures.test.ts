/**
 * Figures from the synthetic fixture: each renders to SVG with marks and titled axes, PNGs are real
 * images, `figures` regenerates everything in time and never starts the engine or any process.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile, chmod, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRun, runFigures, renderFigures } from '../src/report/render-run.js';
import { summaryFigure, speedupFigure, syncFigure, OKABE_ITO } from '../src/report/figure-specs.js';
import { renderSvg } from '../src/report/render-figure.js';
import { spreadRows, toRow, fromRow } from '../src/report/rule-labels.js';
import { runSections } from '../src/report/sections.js';
import { reportHtml } from '../src/report/html.js';
import { RUN_SMALL, copyRunSmall } from './fixtures/make-run-small.js';

/** Axis titles each figure must show (units included). */
const EXPECTED: Record<string, { marks: RegExp; titles: string[] }> = {
  'split-latency-linear-coexec': { marks: /mark-line role-mark/, titles: ['split ratio r (CPU share of output)', 'latency (ms, log)'] },
  'split-latency-conv-coexec': { marks: /mark-symbol role-mark/, titles: ['split ratio r (CPU share of output)', 'latency (ms, log)'] },
  'speedup-per-layer-linear-coexec': { marks: /mark-rect role-mark/, titles: ['layer shape', 'speedup (x, linear)', 'speedup (x, log)'] },
  'speedup-per-layer-conv-coexec': { marks: /mark-rule role-mark/, titles: ['layer shape', 'speedup (x, linear)', 'speedup (x, log)'] },
  'predicted-vs-measured': { marks: /mark-area role-mark/, titles: ['measured (ms)', 'predicted (ms)'] },
  'sync-overhead': { marks: /mark-line role-mark/, titles: ['output size (N or F, rows)', 'time (us)'] },
  'decision-quality': { marks: /mark-symbol role-mark/, titles: ['decision quality q = T(oracle) / T(selected)', 'layer shape'] },
  'summary-platforms': { marks: /mark-rect role-mark/, titles: ['platform', 'speedup over best single (x)'] },
  'bound-vs-selected': { marks: /mark-rect role-mark/, titles: ['speedup over the best single device (x)'] },
};

/** Number of drawn items in the SVG groups of one mark class (paths, rects, texts, ...). */
function countItems(svg: string, markClass: string): number {
  let n = 0;
  const re = new RegExp(`<g class="mark-${markClass} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs');
  for (const m of svg.matchAll(re)) n += (m[1]!.match(/<(path|rect|line|text|circle)\b/g) ?? []).length;
  return n;
}

test('every figure of the fixture renders to SVG with marks and titled axes', async () => {
  const figures = runFigures(await loadRun(RUN_SMALL));
  assert.equal(figures.map((f) => f.name).sort(), Object.keys(EXPECTED).sort());
  for (const f of figures) {
    const svg = await renderSvg(f.spec);
    const want = EXPECTED[f.name]!;
    assert.match(svg, /^<svg/, f.name);
    assert.match(svg, want.marks, f.name);
    for (const title of want.titles) assert.ok(svg.includes(`>${title.replace(/&/g, '&amp;')}</text>`), `${f.name}: axis title "${title}"`);
    assert.ok(svg.includes('role-axis-title'), f.name);
    assert.ok(svg.includes(f.title.replace(/&/g, '&amp;')), `${f.name}: figure title`);
  }
});

test('data reaches the marks: one bar per layer and series, one symbol per split ratio', async () => {
  const run = await loadRun(RUN_SMALL);
  const figs = Object.fromEntries(runFigures(run).map((f) => [f.name, f]));
  const bars = await renderSvg(figs['speedup-per-layer-linear-coexec']!.spec);
  // 3 layers x (oracle, selected) x two panels (vs best single, vs GPU-only finish).
  assert.is(countItems(bars, 'rect'), 3 * 2 * 2);
  const curve = await renderSvg(figs['split-latency-conv-coexec']!.spec);
  // 2 layers x 11 ratios on the line's points, plus one oracle and one selected marker per layer.
  assert.is(countItems(curve, 'symbol'), 2 * 11 + 2 * 2);
  const q = await renderSvg(figs['decision-quality']!.spec);
  assert.is(countItems(q, 'symbol'), run.layers!.rows.length);
});

/** Rows (y) of the texts in one panel's text mark group, e.g. `concat_1_layer_3_marks`, with their text. */
function panelTexts(svg: string, group: string): { y: number; text: string }[] {
  const m = svg.match(new RegExp(`<g class="mark-text role-mark ${group}"[^>]*>(.*?)</g>`, 's'));
  return [...(m?.[1] ?? '').matchAll(/translate\([^,]+,([^)]+)\)"[^>]*>([^<]*)</g)].map((t) => ({ y: Number(t[1]), text: t[2]! }));
}

/** Heights in px of the bars (rect paths `M x,y h w v H ...`) in one panel's rect mark group. */
function panelBarHeights(svg: string, group: string): number[] {
  const m = svg.match(new RegExp(`<g class="mark-rect role-mark ${group}"[^>]*>(.*?)</g>`, 's'));
  return [...(m?.[1] ?? '').matchAll(/d="M[^h]+h[^v]+v(-?[0-9.]+)/g)].map((d) => Math.abs(Number(d[1])));
}

test('spreadRows keeps labels a gap apart, in order, centred on crowded rules; far labels stay put', () => {
  assert.equal(spreadRows([10, 100], 13), [10, 100]);
  const crowded = spreadRows([50, 52, 51], 13);
  const sorted = [...crowded].sort((a, b) => a - b);
  assert.equal([crowded[0], crowded[2], crowded[1]], sorted, 'order of the rules kept');
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]! - sorted[i - 1]! >= 13 - 1e-9);
  assert.ok(Math.abs(sorted.reduce((a, b) => a + b, 0) / 3 - 51) < 1e-9, 'group centred on the mean');
  // A crowded pair pushed into a third label merges with it.
  const chain = spreadRows([0, 2, 20], 13).sort((a, b) => a - b);
  assert.ok(chain[1]! - chain[0]! >= 13 - 1e-9 && chain[2]! - chain[1]! >= 13 - 1e-9, chain.join(','));
  const log = { type: 'log' as const, domain: [0.5, 200] as [number, number], height: 190 };
  assert.ok(Math.abs(fromRow(log, toRow(log, 1.87)) - 1.87) < 1e-9);
});

test('speedup per layer: 1-100x GPU-only speedups and ~1x headline both readable, no rule labels overlap', async () => {
  const run = await loadRun(RUN_SMALL);
  // The shape of the issue's local conv run: ~1x against the best single device, 60-100x against GPU-only finish.
  const conv = run.layers!.rows.filter((l) => l.experiment === 'conv-coexec')
    .map((l, i) => ({ ...l, speedupOracle: 1, speedupSelected: 0.86, speedupOracleVsGpuFinish: 62 + 35 * i, speedupSelectedVsGpuFinish: 60 + 35 * i }));
  const linear = run.layers!.rows.filter((l) => l.experiment === 'linear-coexec');
  for (const [rows, experiment] of [[conv, 'conv-coexec'], [linear, 'linear-coexec']] as const) {
    const svg = await renderSvg(speedupFigure('p', experiment, rows).spec);
    for (const [panel, height] of [['concat_0', 150], ['concat_1', 190]] as const) {
      const labels = panelTexts(svg, `${panel}_layer_3_marks`);
      assert.is(labels.length, 3, `${experiment} ${panel}: three rule labels`);
      const ys = labels.map((l) => l.y).sort((a, b) => a - b);
      for (let i = 1; i < ys.length; i++) assert.ok(ys[i]! - ys[i - 1]! >= 12, `${experiment} ${panel}: labels ${labels.map((l) => `${l.text}@${l.y.toFixed(1)}`).join(', ')} overlap`);
      assert.equal(labels.sort((a, b) => a.y - b.y).map((l) => l.text.replace(/ [0-9.]+x$/, '')), ['paper grid search', 'paper selected', '1x'], 'labels in the order of their rules');
      const bars = panelBarHeights(svg, `${panel}_layer_0_marks`);
      assert.is(bars.length, rows.length * 2);
      if (panel === 'concat_0') for (const h of bars) assert.ok(h >= 0.3 * height, `${experiment}: headline bar ${h.toFixed(1)} px of ${height} is too short to read`);
    }
  }
});

test('sync overhead: one point per mechanism and size (median over layers), in increasing size', async () => {
  const run = await loadRun(RUN_SMALL);
  const rows = run.sync!.rows;
  const twice = [...rows].reverse().concat(rows.map((r) => ({ ...r, overheadUs: r.overheadUs + 10 })));
  const data = (syncFigure('p', twice).spec as { datasets: { rows: { mechanism: string; outputSize: number; measure: string; us: number; layers: number }[] } }).datasets.rows;
  const keys = data.map((d) => `${d.mechanism}|${d.outputSize}|${d.measure}`);
  assert.is(new Set(keys).size, keys.length, 'one point per mechanism, size and measure');
  assert.equal(data.map((d) => d.outputSize), [...data.map((d) => d.outputSize)].sort((a, b) => a - b));
  const one = rows[0]!;
  const same = rows.filter((r) => r.mechanism === one.mechanism && r.outputSize === one.outputSize).map((r) => r.overheadUs);
  const point = data.find((d) => d.mechanism === one.mechanism && d.outputSize === one.outputSize && d.measure.startsWith('overhead'))!;
  assert.is(point.layers, same.length * 2);
  const all = [...same, ...same.map((x) => x + 10)].sort((a, b) => a - b);
  assert.ok(Math.abs(point.us - (all[all.length / 2 - 1]! + all[all.length / 2]!) / 2) < 1e-9, 'median of the layers');
});

test('report sections hook: a builder adds a section when its run has the data, none otherwise', async () => {
  const run = await loadRun(RUN_SMALL);
  const builders = [
    (r: typeof run) => (r.synthetic ? { id: 'noise', title: 'Machine noise', html: '<p>cv 1%</p>' } : undefined),
    () => undefined,
  ];
  const sections = runSections(run, builders);
  assert.equal(sections.map((x) => x.id), ['noise']);
  assert.equal(runSections({ ...run, synthetic: false }, builders), []);
  const html = reportHtml({ platform: 'p', runId: 'r', synthetic: false, figures: [], tables: [], claims: [], sections });
  assert.ok(html.indexOf('<h2 id="noise">Machine noise</h2>\n<p>cv 1%</p>') > html.indexOf('<h2>Claims</h2>'));
});

test('figures use only Okabe-Ito colours for data', async () => {
  const run = await loadRun(RUN_SMALL);
  const allowed = new Set([...OKABE_ITO, '#000000', '#bbbbbb', '#ffffff'].map((c) => c.toLowerCase()));
  for (const f of runFigures(run)) {
    const svg = await renderSvg(f.spec);
    const fills = [...svg.matchAll(/<g class="mark-(?:rect|symbol|line|area) role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)]
      .flatMap((m) => [...m[1]!.matchAll(/(?:fill|stroke)="(#[0-9a-fA-F]{6})"/g)].map((c) => c[1]!.toLowerCase()));
    for (const c of fills) assert.ok(allowed.has(c), `${f.name}: colour ${c} is not Okabe-Ito`);
  }
});

test('summary across platforms: one bar group per platform', async () => {
  const run = await loadRun(RUN_SMALL);
  const other = { ...run.summary!, platform: 'other-platform' };
  const rerun = { ...run.summary!, linear: { ...run.summary!.linear!, geomeanSpeedupOracle: 1.23 } };
  const spec = summaryFigure([run.summary!, other, rerun]).spec as { datasets: { rows: { platform: string; geomean: number }[] } };
  assert.is(spec.datasets.rows.length, 2 * 4, 'a later run of a platform replaces the earlier one');
  assert.ok(spec.datasets.rows.some((r) => r.platform === 'synthetic-small' && r.geomean === 1.23));
  const svg = await renderSvg(spec);
  // Bars (geomean) and diamonds (max): 2 platforms x 4 groups each.
  assert.is(countItems(svg, 'rect'), 2 * 4);
  assert.is(countItems(svg, 'symbol'), 2 * 4);
  assert.ok(svg.includes('>other-platform</text>'));
});

// Speed is measured by scripts/bench-figures.mjs into results/benchmarks/figures-speed.json, not timed here.
test('renderFigures writes tables, SVG, PNG and the report', async () => {
  const dir = await copyRunSmall();
  const root = await mkdtemp(join(tmpdir(), 'coexec-figroot-'));
  const { files } = await renderFigures(dir, { figuresRoot: root });
  for (const rel of ['tables/claims.md', 'tables/layers-linear-coexec.csv', 'figures/sync-overhead.svg',
    'figures/sync-overhead.png', 'report/index.html', 'report/vendor/vega-embed.min.js']) {
    assert.ok(files.includes(join(dir, rel)), rel);
  }
  const png = await readFile(join(dir, 'figures/decision-quality.png'));
  assert.equal([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.ok(png.readUInt32BE(16) > 400, 'PNG width');
  assert.ok(existsSync(join(root, 'synthetic-small', 'synthetic-small-fixture', 'speedup-per-layer-conv-coexec.svg')));
  assert.ok(existsSync(join(root, 'summary', 'summary-platforms.svg')));
});

test('renderFigures rejects a folder without derived data with one clear message', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'coexec-empty-'));
  try {
    await renderFigures(empty);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /no derived\/summary.json or derived\/layers.json/);
  }
});

test('`figures` never starts the engine or any other process', async () => {
  const dir = await copyRunSmall();
  const trap = await mkdtemp(join(tmpdir(), 'coexec-trap-'));
  const marker = join(trap, 'engine-was-started');
  // A fake engine first on PATH, and a preload that turns every child_process entry point into a tripwire.
  await writeFile(join(trap, 'coexec-engine'), `#!/bin/sh\ntouch '${marker}'\n`);
  await chmod(join(trap, 'coexec-engine'), 0o755);
  await writeFile(join(trap, 'spy.mjs'), `
import cp from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
for (const k of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
  cp[k] = () => { writeFileSync(${JSON.stringify(marker)}, k); throw new Error('figures started a process: ' + k); };
}
syncBuiltinESMExports();
`);
  const cli = fileURLToPath(new URL('../src/report/figures.js', import.meta.url));
  const res = spawnSync(process.execPath, ['--import', join(trap, 'spy.mjs'), cli, dir, '--no-png'], {
    env: { PATH: trap, HOME: trap }, encoding: 'utf8', timeout: 60000,
  });
  assert.is(res.status, 0, res.stdout + res.stderr);
  assert.match(res.stdout, /figures: wrote \d+ files/);
  assert.not.ok(existsSync(marker), 'a process was started');
  assert.ok((await readdir(join(dir, 'figures'))).some((f) => f.endsWith('.svg')));
});

test.run();
