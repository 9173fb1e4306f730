// Held-out evaluation on the synthetic recorded run: no shape leaks from test into training, and the models
// recover the known synthetic latency model on shapes they never saw.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layerId } from '../src/analysis/layers.js';
import type { JobsFile } from '../src/analysis/types.js';
import { cpuRowsOf, gpuRowsOf, trainingJobs } from '../src/predict/dataset.js';
import { crossValidate, groupFolds, trainPredictor } from '../src/predict/evaluate.js';
import { CPU_FEATURES, GPU_FEATURES } from '../src/predict/features.js';
import { trainingDataSha256 } from '../src/predict/model.js';

const fixture = JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8')) as JobsFile;
const device = { computeUnits: 4 };
const cv = crossValidate(fixture.rows, { device, folds: 4, seed: 7, families: ['baseline'] });

test('group folds partition the groups: every group in exactly one fold, independent of input order', () => {
  const groups = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'a', 'c'];
  const folds = groupFolds(groups, 3, 1);
  assert.is(folds.length, 3);
  assert.equal(folds.flat().sort(), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.equal(groupFolds([...groups].reverse(), 3, 1), folds);
});

test('the held-out split of the recorded run is the one every shipped number was scored on', () => {
  // Seeded group k-fold over workloads: a change to the shuffle, the fold sizes or the grouping moves what
  // is held out, and with it every held-out MAPE; that must be a deliberate change, not a side effect.
  const five = crossValidate(fixture.rows, { device, folds: 5, seed: 1, families: ['baseline'] });
  assert.equal(five.folds.map((f) => f.testGroups), [
    ['synthetic/layer-0', 'synthetic/layer-1'], ['synthetic/layer-4', 'synthetic/layer-5'], ['synthetic/layer-6'],
    ['synthetic/layer-3'], ['synthetic/layer-2'],
  ]);
});

test('no layer shape and no workload is both trained on and tested in any fold', () => {
  assert.is(cv.folds.length, 4);
  const tested = new Set<string>();
  for (const f of cv.folds) {
    const train = new Set(f.trainLayerIds);
    for (const id of f.testLayerIds) {
      assert.not.ok(train.has(id), `${id} leaks`);
      assert.not.ok(tested.has(id), `${id} tested twice`);
      tested.add(id);
    }
  }
  // Every prediction row belongs to a layer its fold held out.
  const foldOf = new Map(cv.folds.flatMap((f, i) => f.testLayerIds.map((id) => [id, i] as const)));
  for (const p of cv.predictions) assert.ok(foldOf.has(p.layerId));
});

test('each held-out predictor was trained on exactly the jobs outside its fold (training-data hash)', () => {
  const all = trainingJobs(fixture.rows);
  const baseline = cv.heldOut.get('baseline')!;
  for (const f of cv.folds) {
    const held = new Set(f.testGroups);
    const tested = new Set(f.testLayerIds);
    // Outside the fold: no workload of the fold (a held-out layer takes its profile slices along) and no tested shape.
    const train = all.filter((j) => !j.workloads!.some((w) => held.has(w)) && !tested.has(layerId(j.layer)));
    assert.ok(train.length > 0 && train.length < all.length);
    const p = baseline.get(f.testLayerIds[0]!)!;
    assert.is(p.cpu.trainingDataSha256, trainingDataSha256(cpuRowsOf(train), CPU_FEATURES));
    assert.is(p.gpu.trainingDataSha256, trainingDataSha256(gpuRowsOf(train, device), GPU_FEATURES));
    // Adding back one held-out slice would change the hash: the check can fail.
    const slice = all.find((j) => j.workloads!.some((w) => held.has(w)) && j.strategy.splitRatio === 1)!;
    assert.is.not(p.cpu.trainingDataSha256, trainingDataSha256(cpuRowsOf([...train, slice]), CPU_FEATURES));
  }
});

test('baseline accuracy on held-out shapes of the synthetic model: CPU <= 5%, GPU <= 8% MAPE', () => {
  const acc = Object.fromEntries(cv.accuracy.map((a) => [a.side, a]));
  assert.ok(acc.cpu!.mape <= 5, `cpu ${acc.cpu!.mape}`);
  assert.ok(acc.gpu!.mape <= 8, `gpu ${acc.gpu!.mape}`);
  assert.ok(acc.composed!.mape <= 8, `composed ${acc.composed!.mape}`);
  assert.ok(acc.composed!.n > 0 && acc.cpu!.within10 > 0.9);
});


test('a fold whose training lacks one side is reported, not thrown', () => {
  const lonely = 'linear/M:8/N:3072/K:768';
  // Keep GPU-only jobs of one shape only: the fold holding it out has no GPU training data.
  const rows = fixture.rows.filter((j) => !(j.kind === 'layer' && j.strategy.splitRatio === 0 && layerId(j.layer!) !== lonely));
  const r = crossValidate(rows, { device, folds: 3, seed: 1, families: ['baseline'] });
  assert.ok(r.failures.length >= 1);
  assert.match(r.failures[0]!, /no training rows for the gpu side/);
  assert.ok(r.predictions.length > 0);
  assert.equal(crossValidate(fixture.rows.filter((j) => j.layer && layerId(j.layer) === lonely), { device, families: ['baseline'] }).folds, []);
});

test('a fixed split holds out the named workloads with their profile slices, and trains on the rest', () => {
  const r = crossValidate(fixture.rows, { device, families: ['baseline'], fixedTestGroups: ['synthetic/layer-2', 'not/in-this-run'] });
  assert.is(r.folds.length, 1);
  assert.equal(r.folds[0]!.testGroups, ['synthetic/layer-2']);
  assert.ok(r.folds[0]!.testLayerIds.includes('linear/M:1/N:768/K:3072'));
  assert.ok(r.folds[0]!.testLayerIds.includes('linear/M:1/N:128/K:3072'));
  for (const id of r.folds[0]!.testLayerIds) assert.not.ok(r.folds[0]!.trainLayerIds.includes(id));
  assert.ok(r.predictions.every((p) => r.folds[0]!.testLayerIds.includes(p.layerId)));
});

test('slices of training-only workloads are trained on in every fold and tested in none', () => {
  // Mark one synthetic workload's jobs training-only (as a profile's trainingWorkloads marks its slices).
  const onlyTrained = 'synthetic/layer-2';
  const rows = fixture.rows.map((j) => (j.workloads?.[0] === onlyTrained ? { ...j, trainingOnly: true } : j));
  const r = crossValidate(rows, { device, folds: 4, seed: 7, families: ['baseline'] });
  const trainedIds = new Set(rows.filter((j) => j.trainingOnly && j.layer).map((j) => layerId(j.layer!)));
  assert.ok(trainedIds.size > 0);
  for (const f of r.folds) {
    assert.not.ok(f.testGroups.includes(onlyTrained));
    for (const id of trainedIds) assert.ok(f.trainLayerIds.includes(id), `${id} missing from a fold's training`);
  }
  assert.ok(r.predictions.every((p) => !trainedIds.has(p.layerId)));
});

test.run();

test('a study trainer sees each fold\'s training jobs once per family, and its predictors are the held-out ones', () => {
  const calls: { family: string; layers: string[] }[] = [];
  const r = crossValidate(fixture.rows, {
    device, folds: 4, seed: 7, families: ['baseline'],
    train: (family, training, roundTrips, dev, seed) => {
      calls.push({ family, layers: [...new Set(training.map((j) => layerId(j.layer)))].sort() });
      return trainPredictor(family, training, roundTrips, dev, seed);
    },
  });
  assert.equal(calls.map((c) => c.layers), r.folds.map((f) => f.trainLayerIds));
  assert.ok(calls.every((c) => c.family === 'baseline'));
  // The same folds and the same trainer as without the hook: the same held-out predictions.
  assert.equal(r.predictions, cv.predictions);
});
