/** Tables from derived data: same numbers in Markdown and CSV, labels, escaping. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadRun, runTables } from '../src/report/render-run.js';
import { claimsTable, layerLabel, toCsv, toMarkdown, layersTable, singleSideLabel, strategyLabel, summaryTable, type Table } from '../src/report/tables.js';
import { RUN_SMALL } from './fixtures/make-run-small.js';

test('every table of the fixture: one row per derived row, Markdown and CSV agree', async () => {
  const run = await loadRun(RUN_SMALL);
  const tables = runTables(run);
  assert.equal(tables.map((t) => t.name),
    ['claims', 'summary', 'layers-linear-coexec', 'layers-conv-coexec', 'predictor-accuracy', 'sync-overhead']);
  const byName = Object.fromEntries(tables.map((t) => [t.name, t.table]));
  assert.is(byName['layers-linear-coexec']!.rows.length, 3);
  assert.is(byName['layers-conv-coexec']!.rows.length, 2);
  assert.is(byName['claims']!.rows.length, 4);
  assert.is(byName['sync-overhead']!.rows.length, run.sync!.rows.length);
  for (const { table } of tables) {
    const md = toMarkdown(table).trim().split('\n');
    const csv = toCsv(table).trim().split('\n');
    assert.is(md.length, table.rows.length + 4, table.title);   // title, blank, header, rule
    assert.is(csv.length, table.rows.length + 1, table.title);
    for (const row of table.rows) assert.is(row.length, table.headers.length, table.title);
  }
});

test('per-layer row carries the derived numbers', async () => {
  const run = await loadRun(RUN_SMALL);
  const r = run.layers!.rows[0]!;
  const t = layersTable('linear-coexec', run.layers!.rows);
  const row = t.rows[0]!;
  const col = (h: string) => row[t.headers.indexOf(h)];
  assert.is(col('layer'), 'M1 N1024 K1024');
  assert.is(col('latencies from'), { grid: 'grid', confirm: 'confirmation pass', none: '' }[r.latencySource ?? 'none']);
  const gridRow = layersTable('linear-coexec', [{ ...r, latencySource: 'grid' }]).rows[0]!;
  assert.is(gridRow[t.headers.indexOf('latencies from')], 'grid');
  assert.is(col('speedup oracle'), r.speedupOracle.toFixed(2));
  assert.is(col('q'), r.decisionQuality.toFixed(3));
  assert.is(col('oracle strategy'), strategyLabel(r.oracle.strategyId, r.layerId));
  assert.not.match(col('oracle strategy')!, /^linear\//);
  // The best single side is named with its setting: which implementation or variant the speedups are against.
  assert.match(col('best single')!, r.bestSingle.side === 'cpu' ? /^CPU t\d+ \S+$/ : /^GPU \S+-wg\d+ \S+/);
  assert.is(singleSideLabel({ side: 'cpu', strategyId: 'conv2d/B:1/C:8/H:4/W:4/F:8/R:3/S:3/st:1x1/pad:1x1/r:1.00/t:8/cpu:simd-flat/gpu:none/sync:finish', latencyMs: 1 }), 'CPU t8 simd-flat');
  assert.is(singleSideLabel({ side: 'gpu', strategyId: 'linear/M:4/N:8/K:8/r:0.00/t:0/cpu:none/gpu:gemm_tiled-wg16/sync:finish/streams:2', latencyMs: 1 }), 'GPU gemm_tiled-wg16 finish x2');
});

test('the summary table names each skipped layer with its reason (absent from every other table)', () => {
  const reason = 'selected strategy S has no VALID measurement in the confirmation pass or the grid';
  const t = summaryTable({ schemaVersion: 1, platform: 'p', device: 'd', skippedLayers: [{ layerId: 'linear/M:1/N:8/K:8', reason }] });
  assert.equal(t.rows, [['skipped layer', 'linear/M:1/N:8/K:8', reason]]);
  assert.equal(summaryTable({ schemaVersion: 1, platform: 'p', device: 'd' }).rows, []);
});

test('claims table: the verdict says "not this class" or N/A where a claim is not judged', () => {
  const row = (extra: object) => ({ id: 'c', text: 't', experiment: 'e', metric: 'm', paperValue: 2, measured: 1, tolerance: {}, unit: 'x', pass: true, data: [], ...extra });
  const t = claimsTable([row({ tolerance: { min: 0.5 } }), row({ pass: false, tolerance: { min: 1.5 } }), row({ applicable: false, notThisClass: 'judged on unified-memory-gpu only' }),
    row({ applicable: false }), row({ pass: false, undecided: 'wide', tolerance: { max: 1 } })]);
  assert.equal(t.rows.map((r) => r[r.length - 1]), ['PASS', 'FAIL', 'not this class', 'N/A', 'UNDECIDED']);
});

test('layer labels', () => {
  assert.is(layerLabel({ type: 'linear', M: 1, N: 4096, K: 4096 }), 'M1 N4096 K4096');
  assert.is(layerLabel({ type: 'conv2d', batch: 2, C: 3, H: 224, W: 224, F: 64, R: 7, S: 7, strideH: 2, strideW: 2, padH: 3, padW: 3 }),
    'C3 224x224 F64 7x7 s2 p3 B2');
});

test('CSV quotes and Markdown escapes special characters', () => {
  const t: Table = { title: 't', headers: ['a', 'b'], rows: [['x,y', 'say "hi"'], ['p|q', 'ok']] };
  assert.is(toCsv(t), 'a,b\n"x,y","say ""hi"""\np|q,ok\n');
  assert.ok(toMarkdown(t).includes('| p\\|q | ok |'));
});

test.run();
