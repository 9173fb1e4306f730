/**
 * The HTML report in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core), opened
 * from file:// with no network: fails on console errors, failed requests or an empty chart. A broken
 * spec must be caught too, so the check itself is shown to fail.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { renderFigures } from '../src/report/render-run.js';
import { copyRunSmall, RUN_SMALL } from './fixtures/make-run-small.js';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { vsPytorchCommand } from '../src/report/vs-pytorch-command.js';
import { addMeasurement } from './fixtures/measurement.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

let browser: Browser | undefined;

/** Opens a report page and returns every problem found (empty = good). */
async function reportProblems(htmlPath: string): Promise<{ problems: string[]; charts: number }> {
  const page = await browser!.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.route(/^https?:/, (route) => { problems.push(`network request: ${route.request().url()}`); return route.abort(); });
  await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
  await page.evaluate(() => (window as unknown as { chartsReady: Promise<unknown> }).chartsReady.then(() => true));
  const charts = await page.$$eval('.chart', (els) => els.map((el) => {
    const svg = el.querySelector('svg');
    const box = svg?.getBoundingClientRect();
    const items = el.querySelectorAll('.role-mark path, .role-mark rect, .role-mark line').length;
    return { name: el.getAttribute('data-name'), width: box?.width ?? 0, height: box?.height ?? 0, items };
  }));
  for (const c of charts) {
    if (c.width < 50 || c.height < 50 || c.items === 0) problems.push(`empty chart ${c.name}: ${c.width}x${c.height}, ${c.items} mark items`);
  }
  await page.close();
  return { problems, charts: charts.length };
}

test.before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});
test.after(async () => { await browser?.close(); });

test('report of the fixture: all charts drawn, no console errors, no network', async () => {
  const dir = await copyRunSmall();
  await renderFigures(dir, { noPng: true });
  for (const v of ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js']) assert.ok(existsSync(join(dir, 'report/vendor', v)), v);
  const html = await readFile(join(dir, 'report/index.html'), 'utf8');
  assert.not.match(html, /https?:\/\/(?!vega\.github\.io\/schema)/, 'no remote URL except the $schema ids');
  assert.ok(html.includes('SYNTHETIC DATA'));
  assert.ok(html.includes('<b>PASS</b> linear-oracle-speedup'));
  assert.not.ok(html.includes('<h2 id="measurement">'), 'no measurement data, no section');
  const { problems, charts } = await reportProblems(join(dir, 'report/index.html'));
  assert.equal(problems, []);
  assert.is(charts, 9);
});

test('report with measurement data: the Measurement section follows the claims, laid out, charts unharmed', async () => {
  const dir = await copyRunSmall();
  addMeasurement(dir, { remeasured: 2 });
  await renderFigures(dir, { noPng: true });
  const path = join(dir, 'report/index.html');
  const { problems, charts } = await reportProblems(path);
  assert.equal(problems, []);
  assert.is(charts, 9);
  const page = await browser!.newPage();
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  const layout = await page.evaluate(() => {
    const heads = [...document.querySelectorAll('h2')].map((h) => h.textContent);
    const table = document.querySelector('table.measurement') as HTMLElement | null;
    const box = table?.getBoundingClientRect();
    return { heads, rows: table?.querySelectorAll('tr').length ?? 0, width: box?.width ?? 0, height: box?.height ?? 0,
      verdicts: document.querySelector('p.verdicts')?.textContent ?? '' };
  });
  await page.close();
  assert.ok(layout.heads.indexOf('Measurement') === layout.heads.indexOf('Claims') + 1, layout.heads.join(' | '));
  assert.is(layout.rows, 7); // six rows, and the INVALID jobs by cause: the synthetic run has INVALID jobs
  assert.ok(layout.width > 300 && layout.height > 60, `table ${layout.width}x${layout.height}`);
  assert.match(layout.verdicts, /^Validity PASS: [0-9.]+% of layer jobs VALID, validate needs >= 90%; claims PASS: 4 of 4 claims hold\./);
});

test('report with a breakdown and a PyTorch comparison: both charts drawn in the browser, sections present', async () => {
  const results = join(mkdtempSync(join(tmpdir(), 'coexec-html-')), 'results');
  const dir = join(results, 'synthetic-small', 'run');
  cpSync(RUN_SMALL, dir, { recursive: true });
  const syncPath = join(dir, 'derived', 'sync-overhead.json');
  const sync = JSON.parse(readFileSync(syncPath, 'utf8')) as { rows: Record<string, unknown>[] };
  sync.rows = sync.rows.map((r) => ({ ...r, breakdownUs: { cpuStartDelay: 0.3, driverStartDelay: 0.5, enqueue: 20, cpuSlice: 300, waitAfterCpu: 10 } }));
  writeFileSync(syncPath, JSON.stringify(sync));
  const ys = join(results, 'yardsticks', 'synthetic-small');
  mkdirSync(ys, { recursive: true });
  writeFileSync(join(ys, 'torch.json'), JSON.stringify({ rows: [{ layer: 'x', layerId: 'linear/M:1/N:1024/K:1024', cpuUs: 100, cudaCopiesUs: 200 }] }));
  assert.is(await vsPytorchCommand([dir, '--torch', join(ys, 'torch.json'), '--out', join(ys, 'vs-pytorch.json'), '--no-png'], process.cwd(), () => {}), 0);
  await renderFigures(dir, { noPng: true });
  const path = join(dir, 'report/index.html');
  const { problems, charts } = await reportProblems(path);
  assert.equal(problems, []);
  assert.is(charts, 11);
  const html = await readFile(path, 'utf8');
  for (const id of ['where-the-time-goes', 'vs-pytorch']) assert.ok(html.includes(`<h2 id="${id}">`), id);
});

test('the check catches a chart that fails to render', async () => {
  const dir = await copyRunSmall();
  await renderFigures(dir, { noPng: true });
  const path = join(dir, 'report/index.html');
  const html = await readFile(path, 'utf8');
  await writeFile(path, html.replace('"mark":{"type":"bar"', '"mark":{"type":"no-such-mark"'));
  const { problems } = await reportProblems(path);
  assert.ok(problems.some((p) => p.startsWith('console:')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('empty chart speedup-per-layer')), problems.join('\n'));
});

test.run();
