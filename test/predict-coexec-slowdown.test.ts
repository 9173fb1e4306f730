// Both sides' slowdowns when co-executed (Composition.coexecSlowdown) and the 'auto' family rule: the GPU
// side of a split slows too (PoCL shares the host with the CPU slice), per split dimension, and a tie in
// held-out error goes to the physical baseline.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pickFamily } from '../src/analysis/derive.js';
import type { AccuracyRow, JobStats, JobsFile } from '../src/analysis/types.js';
import {
  MIN_SLOWDOWN_SAMPLES, SLOWDOWN_DEFAULT_DIM, coexecSlowdowns, composeNs, loadComposition, slowdownOf, type Composition, type Predictor,
} from '../src/predict/compose.js';
import { jobCpuRows, jobGpuRows, trainingJobs } from '../src/predict/dataset.js';
import { trainPredictor } from '../src/predict/evaluate.js';
import { createRng } from '../src/predict/rng.js';
import type { ModelKind } from '../src/predict/side-model.js';

const near = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;
const bare: Composition = { dispatchNs: {}, dispatchPerByteNs: {}, syncNs: { finish: 5_000 }, cpuContention: 1.3, offsetNs: {} };

test('with slowdowns the GPU side of a split is scaled too, by its split dimension; single sides are untouched', () => {
  const c: Composition = { ...bare, coexecSlowdown: { '*': { cpu: 1.1, gpu: 1.2 }, [SLOWDOWN_DEFAULT_DIM]: { cpu: 1, gpu: 1.5 }, height: { cpu: 2, gpu: 1 } } };
  // Default split: GPU 50 us x 1.5 outweighs CPU 60 us; without the table alpha = 1.3 scales the CPU only.
  assert.is(composeNs(c, 'finish', 60_000, 50_000, true, true), 75_000 + 5_000);
  assert.is(composeNs(c, 'finish', 60_000, 50_000, true, true, 'channels'), 80_000);
  assert.is(composeNs(bare, 'finish', 60_000, 50_000, true, true), 78_000 + 5_000);
  assert.is(composeNs(c, 'finish', 60_000, 50_000, true, true, 'height'), 120_000 + 5_000);
  // A dimension without an entry of its own takes the pooled one.
  assert.equal(slowdownOf(c, 'm'), { cpu: 1.1, gpu: 1.2 });
  assert.equal(slowdownOf(bare, 'height'), { cpu: 1.3, gpu: 1 });
  assert.is(composeNs(c, 'finish', 0, 50_000, false, true), composeNs(bare, 'finish', 0, 50_000, false, true));
  assert.is(composeNs(c, 'finish', 60_000, 0, true, false), composeNs(bare, 'finish', 60_000, 0, true, false));
});

test('a GPU slowdown moves the predicted best split towards the CPU', () => {
  // Sides linear in their share: CPU 100 us for the whole output, GPU 80 us.
  const best = (c: Composition): number => {
    let pick = 0, min = Infinity;
    for (let r = 1; r <= 9; ++r) {
      const ns = composeNs(c, 'finish', r * 10_000, (10 - r) * 8_000, true, true);
      if (ns < min) { min = ns; pick = r / 10; }
    }
    return pick;
  };
  const slowed: Composition = { ...bare, cpuContention: 1, coexecSlowdown: { '*': { cpu: 1, gpu: 1.5 } } };
  assert.is(best({ ...bare, cpuContention: 1 }), 0.4);
  assert.is(best(slowed), 0.5);
});

/** Co-executed jobs whose sides are the predicted ones times `cpu` and `gpu` (per split dim) with log-normal noise. */
function coExecuted(spec: { dim?: string; threads?: number; n: number; cpu: number; gpu: number }[], seed: number): { jobs: JobStats[]; preds: { cpuNs: number; gpuNs: number; composedNs: number }[] } {
  const rng = createRng(seed);
  const jobs: JobStats[] = [];
  const preds = [];
  for (const s of spec) {
    for (let i = 0; i < s.n; ++i) {
      const cpu = 20_000 + 1000 * i, gpu = 30_000 + 500 * i;
      preds.push({ cpuNs: cpu, gpuNs: gpu, composedNs: Math.max(cpu, gpu) });
      const noise = (): number => Math.exp(0.1 * (rng.next() - 0.5));
      jobs.push({
        cpuSideMedianNs: s.cpu * cpu * noise(), gpuSideMedianNs: s.gpu * gpu * noise(),
        strategy: { splitDim: s.dim, ...(s.threads !== undefined ? { cpuThreads: s.threads } : {}) },
      } as JobStats);
    }
  }
  return { jobs, preds };
}

test('slowdowns are recovered per split dimension and pooled; too few jobs give none, a rare dimension no entry', () => {
  const { jobs, preds } = coExecuted([{ n: 200, cpu: 1.2, gpu: 1.5 }, { dim: 'height', n: 200, cpu: 1.6, gpu: 1.1 }, { dim: 'm', n: 3, cpu: 1, gpu: 1 }], 5);
  const s = coexecSlowdowns(jobs, preds)!;
  assert.ok(near(s[SLOWDOWN_DEFAULT_DIM]!.cpu, 1.2, 0.02) && near(s[SLOWDOWN_DEFAULT_DIM]!.gpu, 1.5, 0.02), JSON.stringify(s));
  assert.ok(near(s.height!.cpu, 1.6, 0.03) && near(s.height!.gpu, 1.1, 0.02), JSON.stringify(s));
  assert.ok(s['*']!.cpu > 1.2 && s['*']!.cpu < 1.6);
  assert.is(s.m, undefined);
  // One split dimension: its entry is the pooled one, kept once.
  const one = coExecuted([{ n: 50, cpu: 1.2, gpu: 1.5 }], 7);
  assert.equal(Object.keys(coexecSlowdowns(one.jobs, one.preds)!), ['*']);
  const few = coExecuted([{ n: MIN_SLOWDOWN_SAMPLES - 1, cpu: 1.2, gpu: 1.5 }], 6);
  assert.is(coexecSlowdowns(few.jobs, few.preds), undefined);
  // Single-side predictions (one side 0) do not count.
  const single = few.preds.map((p) => ({ ...p, gpuNs: 0 }));
  assert.is(coexecSlowdowns([...few.jobs, ...few.jobs], [...single, ...single]), undefined);
});

test('where the sides share cores, slowdowns per thread count: a CPU side on every core slows both sides more', () => {
  // 2 cores: with 2 CPU threads the device's workers and the CPU side take turns (both sides 2.5x); with 1 they barely meet.
  const { jobs, preds } = coExecuted([{ threads: 2, n: 60, cpu: 2.5, gpu: 2.5 }, { threads: 1, n: 60, cpu: 1.1, gpu: 1.05 }], 9);
  assert.equal(Object.keys(coexecSlowdowns(jobs, preds)!), ['*']);
  const s = coexecSlowdowns(jobs, preds, true)!;
  assert.equal(Object.keys(s).sort(), ['*', `${SLOWDOWN_DEFAULT_DIM}@t1`, `${SLOWDOWN_DEFAULT_DIM}@t2`]);
  assert.ok(near(s[`${SLOWDOWN_DEFAULT_DIM}@t2`]!.cpu, 2.5, 0.05) && near(s[`${SLOWDOWN_DEFAULT_DIM}@t1`]!.gpu, 1.05, 0.03), JSON.stringify(s));
  const c: Composition = { ...bare, coexecSlowdown: s };
  assert.equal(slowdownOf(c, 'channels', 2), s[`${SLOWDOWN_DEFAULT_DIM}@t2`]);
  // A thread count or dimension without an entry falls back to the dimension's, then to the pooled one.
  assert.equal(slowdownOf(c, 'channels', 4), s['*']);
  assert.equal(slowdownOf(c, 'height', 2), s['*']);
  // Both sides about 2.5x: the CPU side's 60 us is the longer one.
  assert.is(composeNs(c, 'finish', 60_000, 50_000, true, true, 'channels', 2), s[`${SLOWDOWN_DEFAULT_DIM}@t2`]!.cpu * 60_000 + 5_000);
});

test('a saved composition with slowdowns reloads identically; a non-positive slowdown is rejected', () => {
  const c: Composition = { ...bare, coexecSlowdown: { '*': { cpu: 1.1, gpu: 1.4 } } };
  assert.equal(loadComposition(JSON.stringify(c)), c);
  assert.throws(() => loadComposition(JSON.stringify({ ...c, coexecSlowdown: { '*': { cpu: 1, gpu: 0 } } })), /composition file is invalid/);
  assert.throws(() => loadComposition(JSON.stringify({ ...c, coexecSlowdown: { '*': { cpu: 1 } } })), /composition file is invalid/);
});

test('fitting keeps the slowdowns when the training grid\'s GPU sides slow under co-execution', () => {
  const f = JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8')) as JobsFile;
  const device = { computeUnits: 8 };
  // The recorded fixture with every co-executed grid job's GPU side 1.8x slower (the layer ends with it).
  const rows = f.rows.map((j) => {
    if (j.kind !== 'layer' || j.phase !== 'grid' || !(j.cpuSideMedianNs! > 0) || !(j.gpuSideMedianNs! > 0)) return j;
    const gpu = 1.8 * j.gpuSideMedianNs!;
    return { ...j, gpuSideMedianNs: gpu, stats: { ...j.stats!, medianNs: Math.max(j.cpuSideMedianNs!, gpu) + 2_000 } };
  });
  const training = trainingJobs(rows);
  assert.ok(training.some((j) => jobCpuRows(j) > 0 && jobGpuRows(j) > 0));
  const p: Predictor = trainPredictor('baseline', training, rows.filter((j) => j.kind === 'roundtrip'), device);
  const k = p.composition.coexecSlowdown;
  assert.ok(k !== undefined, JSON.stringify(p.composition));
  assert.ok(near(k['*']!.gpu, 1.8, 0.2), JSON.stringify(k));
});

const accuracy = (mapes: Record<string, number>): { heldOut: Map<ModelKind, Map<string, Predictor>>; accuracy: AccuracyRow[] } => ({
  heldOut: new Map(Object.keys(mapes).map((m) => [m as ModelKind, new Map()])),
  accuracy: Object.entries(mapes).map(([model, mape]) => ({ side: 'composed', model, mape, rmspe: mape, within10: 0.5, n: 10 })),
});

test('auto picks forest-residual (baseline on a GPU) wherever the run evaluated it, whatever the MAPEs; else the lowest MAPE, the baseline on a tie', () => {
  assert.is(pickFamily(accuracy({ baseline: 14.1, 'forest-residual': 13.1, 'gbt-residual': 13.3 }), 'auto'), 'forest-residual');
  assert.is(pickFamily(accuracy({ baseline: 12, 'forest-residual': 20, 'gbt-residual': 25 }), 'auto'), 'forest-residual');
  assert.is(pickFamily(accuracy({ forest: 20, gbt: 25 }), 'auto'), 'forest');
  assert.is(pickFamily(accuracy({ gbt: 14, baseline: 14 }), 'auto'), 'baseline');
  assert.is(pickFamily(accuracy({ baseline: 14, forest: 10 }), 'auto'), 'forest');
  assert.is(pickFamily(accuracy({ baseline: 14, forest: 10 }), 'baseline'), 'baseline');
  assert.is(pickFamily(accuracy({ baseline: 14 }), 'gbt'), undefined);
  // 'auto' by the device type: the baseline on a GPU, forest-residual on PoCL's CPU device and where unknown.
  const both = accuracy({ baseline: 14.1, 'forest-residual': 13.1, 'gbt-residual': 13.3 });
  assert.is(pickFamily(both, 'auto', 'gpu'), 'baseline');
  assert.is(pickFamily(both, 'auto', 'cpu'), 'forest-residual');
  assert.is(pickFamily(both, 'auto', 'accelerator'), 'forest-residual');
  assert.is(pickFamily(accuracy({ 'forest-residual': 20, gbt: 10 }), 'auto', 'gpu'), 'gbt');
});

test.run();
