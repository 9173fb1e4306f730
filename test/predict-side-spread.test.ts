// The composition's side spreads: a co-executed strategy priced as the expected max of two uncertain sides.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobStats } from '../src/analysis/types.js';
import { composeNs, expectedMax, loadComposition, normalCdf, sideSpreads, MIN_SPREAD_SAMPLES, type Composition } from '../src/predict/compose.js';
import { createRng } from '../src/predict/rng.js';

const near = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;

/** A standard normal draw (Box-Muller) from a seeded generator. */
function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

test('normal CDF: known values and symmetry', () => {
  assert.ok(near(normalCdf(0), 0.5, 1e-7));
  assert.ok(near(normalCdf(1.959964), 0.975, 1e-6));
  assert.ok(near(normalCdf(-1), 0.158655, 1e-6));
  for (const z of [0.3, 1.2, 2.7]) assert.ok(near(normalCdf(z) + normalCdf(-z), 1, 1e-9));
});

test('expected max: the plain max without spread, a / sqrt(pi) above it for equal sides, the larger side when far apart', () => {
  assert.is(expectedMax(100, 0, 80, 0), 100);
  // Two equal means with equal sigma s: E[max] = a + s / sqrt(pi).
  assert.ok(near(expectedMax(100, 10, 100, 10), 100 + 10 / Math.sqrt(Math.PI), 1e-4));
  assert.ok(near(expectedMax(100, 5, 20, 5), 100, 1e-6));
  assert.ok(near(expectedMax(30, 2, 80, 1), expectedMax(80, 1, 30, 2), 1e-9));
});

test('expected max agrees with a seeded Monte Carlo estimate on unbalanced sides', () => {
  const rng = createRng(7);
  const [a, sa, b, sb] = [100, 20, 110, 8];
  let sum = 0;
  const n = 200_000;
  for (let i = 0; i < n; ++i) sum += Math.max(a + sa * gaussian(rng.next), b + sb * gaussian(rng.next));
  assert.ok(near(expectedMax(a, sa, b, sb), sum / n, 0.2), `${expectedMax(a, sa, b, sb)} vs ${sum / n}`);
});

const bare: Composition = { dispatchNs: {}, dispatchPerByteNs: {}, syncNs: { finish: 5_000 }, cpuContention: 1, offsetNs: {} };

test('with side spreads a balanced split is priced above its point max; single-side strategies are unchanged', () => {
  const c: Composition = { ...bare, sideSpread: { cpu: 0.25, gpu: 0.15 } };
  // A split whose point max is 2% under GPU-only no longer ranks first once its sides' errors are priced.
  const split = composeNs(c, 'finish', 68_000, 68_000, true, true);
  const gpuOnly = composeNs(c, 'finish', 0, 70_000, false, true);
  assert.ok(composeNs(bare, 'finish', 68_000, 68_000, true, true) < composeNs(bare, 'finish', 0, 70_000, false, true));
  assert.ok(split > gpuOnly, `${split} vs ${gpuOnly}`);
  assert.is(gpuOnly, composeNs(bare, 'finish', 0, 70_000, false, true));
  assert.is(composeNs(c, 'finish', 50_000, 0, true, false), composeNs(bare, 'finish', 50_000, 0, true, false));
  // A split whose sides are far apart costs its slower side, as before.
  assert.ok(near(composeNs(c, 'finish', 10_000, 100_000, true, true), composeNs(bare, 'finish', 10_000, 100_000, true, true), 1));
});

/** Co-executed jobs whose measured sides are the predicted ones times log-normal errors of sigma sc and sg. */
function coExecuted(n: number, sc: number, sg: number, seed: number): { jobs: JobStats[]; preds: { cpuNs: number; gpuNs: number; composedNs: number }[] } {
  const rng = createRng(seed);
  const jobs: JobStats[] = [];
  const preds = [];
  for (let i = 0; i < n; ++i) {
    const cpu = 20_000 + 1000 * i, gpu = 30_000 + 500 * i;
    preds.push({ cpuNs: cpu, gpuNs: gpu, composedNs: Math.max(cpu, gpu) });
    jobs.push({ cpuSideMedianNs: cpu * Math.exp(sc * gaussian(rng.next)), gpuSideMedianNs: gpu * Math.exp(sg * gaussian(rng.next)) } as JobStats);
  }
  return { jobs, preds };
}

test('side spreads recover the sigma of each side\'s log error, robust to stalled sides; too few jobs give none', () => {
  const { jobs, preds } = coExecuted(2000, 0.25, 0.1, 3);
  const s = sideSpreads(jobs, preds)!;
  assert.ok(near(s.cpu, 0.25, 0.02) && near(s.gpu, 0.1, 0.01), JSON.stringify(s));
  // 5% of the CPU sides stalled at 10x: the median absolute deviation barely moves.
  const stalled = jobs.map((j, i) => (i % 20 === 0 ? { ...j, cpuSideMedianNs: j.cpuSideMedianNs! * 10 } : j));
  assert.ok(near(sideSpreads(stalled, preds)!.cpu, 0.25, 0.03));
  // Single-side jobs and jobs without both sides measured do not count.
  const few = coExecuted(MIN_SPREAD_SAMPLES - 1, 0.2, 0.2, 4);
  assert.is(sideSpreads(few.jobs, few.preds), undefined);
  const gpuOnly = few.preds.map((p) => ({ ...p, cpuNs: 0 }));
  assert.is(sideSpreads([...few.jobs, ...few.jobs], [...gpuOnly, ...gpuOnly]), undefined);
});

test('a composition file keeps its side spreads; a negative spread is refused in one line', () => {
  const c: Composition = { ...bare, sideSpread: { cpu: 0.2, gpu: 0.1 } };
  assert.equal(loadComposition(JSON.stringify(c)).sideSpread, { cpu: 0.2, gpu: 0.1 });
  assert.is(loadComposition(JSON.stringify(bare)).sideSpread, undefined);
  try {
    loadComposition(JSON.stringify({ ...c, sideSpread: { cpu: -0.1, gpu: 0.1 } }));
    assert.unreachable('a negative spread loaded');
  } catch (e) {
    const msg = (e as Error).message;
    assert.match(msg, /^composition file is invalid: \/sideSpread\/cpu/);
    assert.not.match(msg, /\n/);
  }
});

test.run();
