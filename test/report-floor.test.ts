// The report's "predictor error beside the test-retest floor" section (src/report/floor-section.ts): only
// results/repeatability files that name the run count, the table pairs each side's MAPE with its floor
// (CPU-only jobs with the CPU side, GPU-only with the GPU side) and their ratio, and a run without a
// floor file shows no section.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { floorSection, floorTable, loadFloorsFor, qFloorTable, retestQFor } from '../src/report/floor-section.js';
import type { RunData } from '../src/report/render-run.js';

async function tree(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'coexec-floor-'));
  await mkdir(join(root, 'results', 'gpu-host', 'run-a'), { recursive: true });
  await mkdir(join(root, 'results', 'repeatability'), { recursive: true });
  const file = (runA: string, runB: string, note?: string) => JSON.stringify({
    schemaVersion: 1, runA, runB, ...(note ? { note } : {}),
    rows: [{ group: 'cpu-slice', n: 40, mape: 20, medianApePct: 12 }, { group: 'gpu-slice', n: 30, mape: 8, medianApePct: 5 }],
  });
  await writeFile(join(root, 'results', 'repeatability', 'pair.json'), file('run-a', 'run-a', 'same call'));
  await writeFile(join(root, 'results', 'repeatability', 'other.json'), file('run-x', 'run-y'));
  await writeFile(join(root, 'results', 'repeatability', 'README.md'), 'not JSON');
  await writeFile(join(root, 'results', 'repeatability', 'broken.json'), '{');
  return join(root, 'results', 'gpu-host', 'run-a');
}

test('loadFloorsFor keeps only the files that name the run', async () => {
  const runDir = await tree();
  const floors = loadFloorsFor(runDir, 'run-a');
  assert.equal(floors.map((f) => f.file), ['results/repeatability/pair.json']);
  assert.is(floors[0]!.note, 'same call');
  assert.equal(loadFloorsFor(runDir, 'run-z'), []);
});

test('floorTable: each side beside its own floor, and the ratio', async () => {
  const floors = loadFloorsFor(await tree(), 'run-a');
  const t = floorTable({ cpu: { model: 'baseline', mape: 30 }, gpu: { model: 'forest', mape: 10 } }, floors);
  assert.equal(t.rows.map((r) => [r[0], r[1], r[2], r[3]]), [
    ['CPU', '30.0 (baseline)', '20.0 (median 12.0; n = 40)', '1.50'],
    ['GPU', '10.0 (forest)', '8.0 (median 5.0; n = 30)', '1.25'],
  ]);
  assert.match(t.rows[0]![4]!, /same run id/);
  // A side the predictors did not score still shows its floor.
  assert.equal(floorTable({ gpu: { model: 'forest', mape: 10 } }, floors).rows.map((r) => [r[0], r[1], r[3]]), [['CPU', 'n/a', 'n/a'], ['GPU', '10.0 (forest)', '1.25']]);
});

test('floorSection: none without a floor file; with one, the table and the file\'s note', async () => {
  const runDir = await tree();
  const base = { runDir, runId: 'run-a', platform: 'gpu-host', synthetic: false } as RunData;
  assert.is(floorSection(base), undefined);
  const s = floorSection({ ...base, floors: loadFloorsFor(runDir, 'run-a'), summary: { predictor: { cpu: { model: 'baseline', mape: 30 } } } as unknown as RunData['summary'] })!;
  assert.is(s.id, 'predictor-floor');
  assert.match(s.html, /30\.0 \(baseline\)/);
  assert.match(s.html, /same call/);
});

const dq = (geomean: number, worst: number) => ({ layers: [{ layerId: 'l1' }, { layerId: 'l2' }], geomean, worst });

test('retestQFor: the other run\'s choice scored by this run\'s grid; a same-call retest reads round 1\'s side', () => {
  const both = { decisionQuality: { aChoiceInB: dq(0.9, 0.8), bChoiceInA: dq(0.95, 0.85) } };
  const other = { file: 'f', runA: 'run-x', runB: 'run-a', rows: [], ...both };
  assert.is(retestQFor(other, 'run-a')!.geomean, 0.9);
  assert.is(retestQFor(other, 'run-x')!.geomean, 0.95);
  assert.is(retestQFor({ ...other, runA: 'run-a' }, 'run-a')!.geomean, 0.95);
  assert.is(retestQFor({ file: 'f', runA: 'run-x', runB: 'run-a', rows: [] }, 'run-a'), undefined);
});

test('qFloorTable: per layer kind, the selection\'s grid q beside the floor and their ratio; files without one give no row', () => {
  const floors = [
    { file: 'results/repeatability/p.json', runA: 'run-x', runB: 'run-a', rows: [], decisionQuality: { aChoiceInB: dq(0.9, 0.8), bChoiceInA: dq(0.95, 0.85) } },
    { file: 'results/repeatability/old.json', runA: 'run-x', runB: 'run-a', rows: [] },
  ];
  const t = qFloorTable({ linear: { layers: 2, geomeanQ: 0.97, worstQ: 0.9, geomeanGridQ: 0.72, worstGridQ: 0.5 }, conv: undefined }, floors, 'run-a');
  assert.equal(t.rows, [['linear', '0.720 / 0.50', '0.900 / 0.80 (2 layers)', '0.80', '0.970 / 0.90', 'n/a', 'results/repeatability/p.json']]);
  const confirmed = [{ ...floors[0]!, decisionQuality: { aChoiceInB: { ...dq(0.9, 0.8), confirmed: { layers: 1, geomean: 0.93, worst: 0.93 } } } }];
  assert.is(qFloorTable({ linear: { layers: 2, geomeanQ: 0.97, worstQ: 0.9 } }, confirmed, 'run-a').rows[0]![5], '0.930 / 0.93 (1 of 2 layers)');
  // A summary from before the grid q was derived shows n/a for it.
  assert.equal(qFloorTable({ conv: { layers: 2, geomeanQ: 0.97, worstQ: 0.9 } }, floors, 'run-a').rows[0]!.slice(1, 4), ['n/a', '0.900 / 0.80 (2 layers)', 'n/a']);
});

test.run();

