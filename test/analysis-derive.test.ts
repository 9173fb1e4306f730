// deriveRun on the synthetic recorded run: writes every derived file, follows the contract's schemas, uses the
// confirmation pass, never lets an INVALID job into a speedup; evaluateClaims against hand-built summaries.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ajv } from 'ajv';
import { evaluateClaims } from '../src/analysis/claims.js';
import { confirmListForRun, deriveFromJobs, deriveRun } from '../src/analysis/derive.js';
import { CONV_SPEC, generate } from './fixtures/recorded/generate.js';
import type { ExperimentDefinition, JobStats } from '../src/analysis/types.js';
import { compositionTrainingSha256, loadComposition } from '../src/predict/compose.js';
import { trainingJobs } from '../src/predict/dataset.js';
import { loadModel } from '../src/predict/model.js';
import * as schemas from '../src/results-schema/derived.js';
import { JobsFile } from '../src/results-schema/jobs.js';

const linearExp: ExperimentDefinition = {
  schemaVersion: 1, id: 'linear-coexec', layerType: 'linear', claims: [
    { id: 'q', text: 'q', metric: 'linear.geomeanQ', paperValue: 0.94, unit: 'ratio', expected: { 'pocl-cpu': { min: 0.97 } } },
    { id: 'sel', text: 'sel', metric: 'linear.maxSpeedupSelected', unit: 'x', expected: { 'pocl-cpu': { min: 1.2, max: 1.5 } } },
  ],
};
const syncExp: ExperimentDefinition = { schemaVersion: 1, id: 'sync-overhead', layerType: 'any', claims: [] };
// An experiment with no jobs in this run folder: its claims are not this run's to check.
const convExp: ExperimentDefinition = {
  schemaVersion: 1, id: 'conv-coexec', layerType: 'conv2d',
  claims: [{ id: 'conv-q', text: 'q', metric: 'conv.meanQ', unit: 'ratio', expected: { 'pocl-cpu': { min: 0 } } }],
};

const dir = mkdtempSync(join(tmpdir(), 'coexec-derive-'));
cpSync('test/fixtures/recorded/jobs.json', join(dir, 'jobs.json'));
writeFileSync(join(dir, 'run.json'), JSON.stringify({ platform: { name: 'synthetic', class: 'pocl-cpu' } }));
writeFileSync(join(dir, 'env-before.json'), JSON.stringify({ opencl: { platforms: [{ devices: [{ name: 'synthetic-gpu', type: 'gpu', computeUnits: 4 }] }] } }));
mkdirSync(join(dir, 'raw'));
const d = await deriveRun(dir, { experiments: [linearExp, syncExp, convExp], families: ['baseline', 'gbt'], selectionBudgetMs: 5 });
const read = (name: string): any => JSON.parse(readFileSync(join(dir, 'derived', `${name}.json`), 'utf8'));

test('every derived file is written and follows the derived-data schemas', () => {
  const ajv = new Ajv({ strict: false });
  const check = (schema: object, name: string): void => {
    const v = ajv.compile(schema);
    assert.ok(v(read(name)), `${name}: ${JSON.stringify(v.errors?.[0])}`);
  };
  check(schemas.LayersFile, 'layers');
  check(schemas.SplitCurvesFile, 'split-curves');
  check(schemas.PredictionsFile, 'predictions');
  check(schemas.AccuracyFile, 'predictor-accuracy');
  check(schemas.SyncFile, 'sync-overhead');
  check(schemas.Summary, 'summary');
  check(schemas.ClaimsFile, 'claims');
  // The synthetic input follows the jobs.json schema too.
  const jobsValid = ajv.compile(JobsFile);
  assert.ok(jobsValid(JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8'))), JSON.stringify(jobsValid.errors?.[0]));
  assert.is(read('summary').device, 'synthetic-gpu');
});

test('layers: seven evaluation layers, latencies from the confirmation pass, no INVALID job as oracle', () => {
  assert.is(d.layers.length, 7);
  for (const r of d.layers) {
    assert.is(r.latencySource, 'confirm');
    assert.ok(r.oracle.latencyMs > 0.01, `${r.layerId} oracle ${r.oracle.latencyMs}`); // the INVALID trap is 0.001 ms
    assert.ok(r.decisionQuality > 0.9, `${r.layerId} q ${r.decisionQuality}`);
    assert.ok(r.speedupOracle >= 1 - 0.05); // the oracle can lose a little to the best single when re-measured
  }
  const s = d.summary.linear as Record<string, number>;
  assert.ok(s.geomeanQ! >= 0.97, String(s.geomeanQ));
  assert.ok((d.summary.selectionMsPerLayer as number) > 0);
  assert.ok((d.summary.selectionOverGridWall as number) > 0);
});

test('predictions.json: side rows of every family, composed rows of the selection family only', () => {
  const composedModels = new Set(d.predictions.filter((p) => p.side === 'composed').map((p) => p.model));
  assert.equal([...composedModels], [d.summary.selectionFamily]);
  assert.equal(new Set(d.predictions.filter((p) => p.side === 'cpu').map((p) => p.model)), new Set(['baseline', 'gbt']));
  assert.ok(d.predictorAccuracy.some((a) => a.side === 'composed' && a.model !== d.summary.selectionFamily));
});

test('the confirm list built before the confirmation pass selects what derive reports after it', () => {
  const jobs = JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8'));
  const list = confirmListForRun(jobs, { device: { computeUnits: 4 }, families: ['baseline', 'gbt'] });
  const selected = list.filter((c) => c.roles.includes('selected')).map((c) => c.strategyId).sort();
  assert.equal(selected, d.layers.map((r) => r.selected.strategyId).sort());
  assert.equal(list.filter((c) => c.roles.includes('oracle')).length, d.layers.length);
});

test('the confirm list holds every evaluated family\'s first choice, so each family can be scored on confirmed latencies', async () => {
  const jobs = JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8'));
  const families = ['baseline', 'gbt'] as const;
  const list = confirmListForRun(jobs, { device: { computeUnits: 4 }, families: [...families] });
  const listed = new Set(list.map((c) => c.strategyId));
  let otherChoices = 0;
  for (const family of families) {
    const other = await deriveFromJobs(jobs, [linearExp, syncExp], { device: { computeUnits: 4 }, families: [...families], selectionFamily: family, selectionBudgetMs: 0 });
    for (const r of other.layers) {
      assert.ok(listed.has(r.selected.strategyId), `${family}'s choice for ${r.layerId} is not in the confirm list`);
      if (family !== d.summary.selectionFamily) otherChoices++;
    }
  }
  assert.ok(otherChoices > 0);
  // The fixture's pass predates the role, so only some layers have every family's choice confirmed.
  const fq = d.summary.familyConfirmedQ as { layers: number; ofLayers: number; geomeanQ: Record<string, number> };
  assert.ok(fq.layers >= 1 && fq.layers <= fq.ofLayers, JSON.stringify(fq));
  assert.equal(Object.keys(fq.geomeanQ).sort(), ['baseline', 'gbt']);
  for (const q of Object.values(fq.geomeanQ)) assert.ok(q > 0 && q <= 1, String(q));
  // A family choice that no other role names carries the role familyChoice alone.
  for (const c of list) assert.ok(c.roles.length > 0 && new Set(c.roles).size === c.roles.length, c.strategyId);
});

test('the fitted contention factor is close to the synthetic model\'s 1.15', () => {
  const c = d.summary.composition as { cpuContention: number };
  assert.ok(Math.abs(c.cpuContention - 1.15) <= 0.06, String(c.cpuContention));
});

test('sync overhead: one row per mechanism of the sync experiment, slower side measured alone', () => {
  assert.equal(d.syncOverhead.map((r) => r.mechanism), ['finish', 'svm-fine']);
  for (const r of d.syncOverhead) {
    assert.is(r.slowerSideSource, 'single-side-jobs');
    assert.ok(Math.abs(r.overheadUs - (r.coexecMs - r.slowerSideMs) * 1e3) < 1e-6);
  }
});

test('saved models reload', () => {
  const m = loadModel(readFileSync(join(dir, 'derived/models/cpu.json'), 'utf8'));
  assert.is(m.side, 'cpu');
  const comp = JSON.parse(readFileSync(join(dir, 'derived/models/composition.json'), 'utf8'));
  assert.match(comp.trainingDataSha256, /^[0-9a-f]{64}$/);
  assert.equal(loadComposition(JSON.stringify(comp)), d.models!.composition);
});

test('the composition hash follows its training data and ignores job order', () => {
  const rows = (JSON.parse(readFileSync(join(dir, 'jobs.json'), 'utf8')) as { rows: JobStats[] }).rows;
  const training = trainingJobs(rows);
  const trips = rows.filter((j) => j.kind === 'roundtrip');
  const h = compositionTrainingSha256(training, trips);
  assert.is(compositionTrainingSha256([...training].reverse(), trips), h);
  const changed = training.map((j, i) => (i === 0 ? { ...j, stats: { ...j.stats!, medianNs: j.stats!.medianNs + 1 } } : j));
  assert.is.not(compositionTrainingSha256(changed, trips), h);
});

test('claims: pass inside the class range, fail outside it, fail on a missing metric or class', () => {
  const exp: ExperimentDefinition = {
    schemaVersion: 1, id: 'e', layerType: 'linear', claims: [
      { id: 'in', text: '', metric: 'linear.meanQ', paperValue: 0.94, unit: 'ratio', expected: { c: { min: 0.9, max: 1 } } },
      { id: 'out', text: '', metric: 'linear.maxSpeedupOracle', unit: 'x', expected: { c: { min: 2 } } },
      { id: 'missing', text: '', metric: 'conv.meanQ', unit: 'ratio', expected: { c: { min: 0 } } },
      { id: 'noclass', text: '', metric: 'linear.meanQ', unit: 'ratio', expected: { other: { min: 0 } } },
    ],
  };
  const rows = evaluateClaims({ linear: { meanQ: 0.95, maxSpeedupOracle: 1.5 } }, [exp], 'c');
  assert.equal(rows.map((r) => [r.id, r.pass, r.measured]), [['in', true, 0.95], ['out', false, 1.5], ['missing', false, null], ['noclass', false, 0.95]]);
  assert.equal(rows[0]!.tolerance, { min: 0.9, max: 1 });
  assert.is(rows[0]!.paperValue, 0.94);
  assert.is(rows[2]!.paperValue, null);
  assert.equal(d.claims.map((c) => c.id), ['q', 'sel']); // conv-coexec has no jobs in this run
  assert.equal(d.claims.map((c) => c.pass), [true, true]);
});

test('claims: one made for another platform class shows the measured value without a verdict (judgedOn)', () => {
  const exp: ExperimentDefinition = {
    schemaVersion: 1, id: 'e', layerType: 'linear', claims: [
      { id: 'paper', text: '', metric: 'linear.maxSpeedupOracle', paperValue: 2.01, unit: 'x', judgedOn: ['phone'], expected: { phone: { min: 1.3 } } },
    ],
  };
  const [elsewhere] = evaluateClaims({ linear: { maxSpeedupOracle: 1 } }, [exp], 'cpu');
  assert.equal([elsewhere!.pass, elsewhere!.applicable, elsewhere!.measured, elsewhere!.tolerance], [true, false, 1, {}]);
  assert.match(elsewhere!.notThisClass!, /judged on phone only/);
  const [judged] = evaluateClaims({ linear: { maxSpeedupOracle: 1 } }, [exp], 'phone');
  assert.equal([judged!.pass, judged!.applicable, judged!.notThisClass], [false, undefined, undefined]);
});

test('conv layers: the same pipeline on a synthetic conv run (generated in memory)', async () => {
  const run = generate(CONV_SPEC);
  const c = await deriveFromJobs(run, [{ schemaVersion: 1, id: 'conv-coexec', layerType: 'conv2d' }], {
    device: { computeUnits: 4 }, families: ['baseline'], selectionBudgetMs: 0,
  });
  assert.is(c.layers.length, CONV_SPEC.layers.length);
  const s = c.summary.conv as Record<string, number>;
  assert.ok(s.geomeanQ! >= 0.97 && s.layersFromGrid === 0, JSON.stringify(s));
  const p = c.summary.predictor as Record<string, { mape: number }>;
  assert.ok(p.cpu!.mape <= 5 && p.gpu!.mape <= 8, JSON.stringify(p));
  assert.is(c.summary.linear, undefined);
});

test.run();
