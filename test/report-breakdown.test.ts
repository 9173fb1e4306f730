// "Where the time goes" (src/report/breakdown-figure.ts, breakdown-command.ts): lanes and parts from the
// engine's breakdown, the figure's bars, the report section with a table or, for older runs, a note, and
// `coexec breakdown` on the committed round-1 data-path benchmark.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { breakdownFigure, breakdownInputs, breakdownRows, breakdownSection, breakdownTable, datapathInputs } from '../src/report/breakdown-figure.js';
import { breakdownCommand } from '../src/report/breakdown-command.js';
import { loadRun, runFigures } from '../src/report/render-run.js';
import { renderSvg } from '../src/report/render-figure.js';
import type { SyncRow } from '../src/results-schema/index.js';
import { copyRunSmall } from './fixtures/make-run-small.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DATAPATH = 'results/benchmarks/gpu-host-20261203-round1/datapath.json';

const sync = (mechanism: string, layerId: string, breakdownUs?: Record<string, number>): SyncRow => ({
  mechanism, layerId, outputSize: 8, roundTripUs: 10, coexecMs: 0.04, slowerSideMs: 0.03, overheadUs: 10, ...(breakdownUs ? { breakdownUs } : {}),
} as SyncRow);

test('inputs: only rows with a breakdown; lanes in time order, the latency as each lane\'s tick', () => {
  const rows = [
    sync('svm-coarse', 'linear/M:1/N:8/K:8', { cpuStartDelay: 1, driverStartDelay: 2, enqueue: 20, cpuSlice: 10, waitAfterCpu: 29 }),
    sync('finish', 'linear/M:1/N:8/K:8', { driverStartDelay: 2, enqueue: 20 }),
    sync('finish', 'linear/M:1/N:16/K:8'),
  ];
  const inputs = breakdownInputs(rows);
  assert.is(inputs.length, 2);
  assert.is(inputs[0]!.layer, 'M1 N8 K8');
  assert.is(inputs[0]!.coexecUs, 40);
  const figRows = breakdownRows(inputs) as { lane: string; laneOrder: number; part: string | null; us: number | null; totalUs: number | null }[];
  const parts = figRows.filter((r) => r.part !== null);
  assert.equal(parts.filter((r) => r.lane === 'svm-coarse: CPU worker').map((r) => [r.part, r.us]),
    [['CPU start delay', 1], ['CPU slice', 10], ['wait after CPU slice', 29]]);
  assert.equal(parts.filter((r) => r.lane === 'svm-coarse: driver thread').map((r) => r.part), ['driver start delay', 'enqueue (OpenCL calls)']);
  // A GPU-only line has no CPU fields: no CPU lane for it.
  assert.not.ok(figRows.some((r) => r.lane === 'finish: CPU worker'));
  assert.equal(figRows.filter((r) => r.totalUs !== null).map((r) => r.totalUs), [40, 40, 40]);
  // finish sorts before svm-coarse.
  const order = (lane: string) => figRows.find((r) => r.lane === lane)!.laneOrder;
  assert.ok(order('finish: driver thread') < order('svm-coarse: CPU worker'));
});

test('figure: one bar per part and one tick per lane; none without a breakdown', async () => {
  const inputs = breakdownInputs([sync('finish', 'linear/M:1/N:8/K:8', { cpuStartDelay: 1, driverStartDelay: 2, enqueue: 20, cpuSlice: 10, waitAfterCpu: 29 })]);
  const f = breakdownFigure('p', inputs)!;
  const svg = await renderSvg(f.spec);
  const rects = [...svg.matchAll(/<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)].map((m) => (m[1]!.match(/<path\b/g) ?? []).length);
  // Bars: 3 CPU parts + 2 driver parts; ticks: 2 (both are rect marks in vega).
  assert.equal(rects.sort(), [2, 5]);
  assert.ok(svg.includes('>time after t0 (us)</text>'));
  assert.is(breakdownFigure('p', []), undefined);
});

test('table: medians over layers per mechanism', () => {
  const t = breakdownTable('p', breakdownInputs([
    sync('finish', 'linear/M:1/N:8/K:8', { enqueue: 10, cpuSlice: 4 }),
    sync('finish', 'linear/M:1/N:16/K:8', { enqueue: 30, cpuSlice: 8 }),
  ]));
  assert.equal(t.rows, [['finish', '2', '', '', '20.0', '6.0', '', '40.0']]);
});

test('report: the fixture (no breakdown) gets a note and no figure; with breakdowns a table and the figure', async () => {
  const dir = await copyRunSmall();
  const run = await loadRun(dir);
  const note = breakdownSection(run)!;
  assert.match(note.html, /recorded no execution breakdown/);
  assert.not.ok(runFigures(run).some((f) => f.name === 'sync-breakdown'));
  const path = join(dir, 'derived', 'sync-overhead.json');
  const file = JSON.parse(readFileSync(path, 'utf8')) as { rows: SyncRow[] };
  file.rows[0] = { ...file.rows[0]!, breakdownUs: { cpuStartDelay: 0.3, driverStartDelay: 0.4, enqueue: 22, cpuSlice: 7, waitAfterCpu: 21 } } as SyncRow;
  writeFileSync(path, JSON.stringify(file));
  const withIt = await loadRun(dir);
  assert.match(breakdownSection(withIt)!.html, /<table>.*22\.0/s);
  assert.match(breakdownSection(withIt)!.html, /\(11 without one\)/);
  assert.ok(runFigures(withIt).some((f) => f.name === 'sync-breakdown'));
});

test('coexec breakdown on the round-1 datapath.json: 21 co-executed jobs drawn; bad files say why in one line', async () => {
  const value = JSON.parse(readFileSync(join(ROOT, DATAPATH), 'utf8'));
  // 7 layers x finish, event-poll, svm-coarse (svm-fine could not run on NVIDIA and has no breakdown).
  assert.is(datapathInputs(value).length, 21);
  const out = mkdtempSync(join(tmpdir(), 'breakdown-'));
  const lines: string[] = [];
  assert.is(await breakdownCommand([DATAPATH, '--out', out, '--no-png'], ROOT, (l) => lines.push(l)), 0, lines.join('\n'));
  assert.ok(existsSync(join(out, 'sync-breakdown.svg')));
  assert.match(readFileSync(join(out, 'sync-breakdown.md'), 'utf8'), /\| finish \| 7 \|/);
  const old = 'results/gpu-host/sync-overhead-host-20261126T0709Z/derived/sync-overhead.json';
  assert.is(await breakdownCommand([old, '--out', out], ROOT, (l) => lines.push(l)), 1);
  assert.match(lines.at(-1)!, /no co-executed job carries a breakdown/);
  assert.is(await breakdownCommand(['configs/profiles/host.json', '--out', out], ROOT, (l) => lines.push(l)), 1);
  assert.match(lines.at(-1)!, /no "layers" array/);
  assert.is(await breakdownCommand([], ROOT, (l) => lines.push(l)), 2);
});

test.run();
