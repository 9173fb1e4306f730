// The ideal bound with a fixed cost per side (src/analysis/affine-bound.ts) against hand-computed values:
// the per-setting fits, the side lines anchored at the measured single sides, the split where the lines
// cross, the linear bound as the special case of zero fixed costs, which jobs give points, and the layer
// row and summary fields built from it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  affineBound, affineBoundLatency, fitAffine, fitsPerSetting, sideLine, sidePointsByLayer, type SharePoint,
} from '../src/analysis/affine-bound.js';
import { layerRow } from '../src/analysis/layer-rows.js';
import { idealSpeedup } from '../src/analysis/metrics.js';
import { kindSummary } from '../src/analysis/summary.js';
import type { JobStats, LayerRow, LinearLayer, Strategy } from '../src/analysis/types.js';
import type { LayerChoices } from '../src/select/confirm.js';
import type { LayerSpace } from '../src/select/space.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);
const pts = (setting: string, xy: [number, number][]): SharePoint[] => xy.map(([share, ns]) => ({ share, ns, setting }));

test('fitAffine: an exact line, the fastest time per share, and the clamps for noise', () => {
  const line = fitAffine(pts('s', [[0.25, 30 + 20 * 0.25], [0.5, 40], [1, 50], [1, 70]]))!;
  close(line.fixedNs, 30);
  close(line.perShareNs, 20);
  assert.is(line.points, 3);
  // Falling with its share: constant at the mean.
  const flat = fitAffine(pts('s', [[0.5, 32], [1, 28]]))!;
  assert.equal([flat.fixedNs, flat.perShareNs], [30, 0]);
  // Negative intercept: through the origin, slope sum(xy) / sum(x^2) = (0.5 * 4 + 1 * 20) / 1.25.
  const origin = fitAffine(pts('s', [[0.5, 4], [1, 20]]))!;
  assert.is(origin.fixedNs, 0);
  close(origin.perShareNs, 22 / 1.25);
  assert.is(fitAffine(pts('s', [[1, 10], [1, 12]])), undefined);
});

test('fitsPerSetting fits each setting alone; sideLine takes the lowest fixed cost, anchored at the single side', () => {
  const fits = fitsPerSetting([...pts('fast', [[0.5, 35], [1, 40]]), ...pts('slow', [[0.5, 110], [1, 120]]), ...pts('once', [[1, 20]])]);
  assert.equal([...fits.keys()].sort(), ['fast', 'slow']);
  close(fits.get('fast')!.fixedNs, 30);
  const line = sideLine(fits, 38e0);
  assert.is(line.setting, 'fast');
  close(line.fixedNs, 30);
  close(line.perShareNs, 8);
  // A fixed cost above the measured single side is clamped to it: the side is then flat.
  const clamped = sideLine(fits, 25);
  assert.equal([clamped.fixedNs, clamped.perShareNs], [25, 0]);
});

test('affineBoundLatency: the split where the lines cross, a single side when no split is faster', () => {
  // CPU 3 + 27 r, GPU 28 + 2 (1 - r): cross at r = (28 + 2 - 3) / (27 + 2) = 27 / 29.
  const b = affineBoundLatency(30, 30, { fixedNs: 3, perShareNs: 27 }, { fixedNs: 28, perShareNs: 2 });
  close(b.splitRatio, 27 / 29);
  close(b.latencyNs, 3 + 27 * (27 / 29));
  // A GPU fixed cost above the CPU's whole time: CPU-only is the bound.
  assert.equal(affineBoundLatency(10, 40, { fixedNs: 1, perShareNs: 9 }, { fixedNs: 35, perShareNs: 5 }), { splitRatio: 1, latencyNs: 10 });
  // Zero fixed costs give the linear bound: T = Tc Tg / (Tc + Tg), speedup (a + b) / max(a, b).
  const lin = affineBoundLatency(8, 5, { fixedNs: 0, perShareNs: 8 }, { fixedNs: 0, perShareNs: 5 });
  close(5 / lin.latencyNs, idealSpeedup(8, 5));
});

const layer: LinearLayer = { type: 'linear', M: 1, N: 1024, K: 1024 };
const strat = (splitRatio: number, extra: Partial<Strategy> = {}): Strategy => ({
  splitRatio, granularity: 16, cpuThreads: 2, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64, sync: 'finish', ...extra,
});
let n = 0;
const job = (phase: JobStats['phase'], l: LinearLayer, strategy: Strategy, us: number, extra: Partial<JobStats> = {}): JobStats => ({
  jobId: `j${n++}`, experiment: 'linear-coexec', phase, kind: 'layer', layer: l, strategy, status: 'ok', verdict: 'VALID',
  stats: { n: 10, medianNs: us * 1e3, q1Ns: 0, q3Ns: 0, iqrNs: 0, meanNs: 0, ci95LowNs: 0, ci95HighNs: 0, sdNs: 0, cvPct: 1, outliers: 0 },
  ...extra,
});

test('sidePointsByLayer: profile slices as shares of their layer and single-side jobs at share 1; co-executed and INVALID jobs give none', () => {
  const jobs = [
    job('profile', { ...layer, N: 256 }, strat(1), 9, { role: 'cpu-slice' }),
    job('profile', { ...layer, N: 512 }, strat(0), 31, { role: 'gpu-slice' }),
    job('profile', { ...layer, N: 512, K: 512 }, strat(0), 20, { role: 'gpu-slice' }), // another shape: not this layer's
    job('grid', layer, strat(1), 33),
    job('grid', layer, strat(0, { sync: 'svm-coarse' }), 36),
    job('grid', layer, strat(0.5), 40, { cpuSideMedianNs: 18e3, gpuSideMedianNs: 30e3 }),
    job('grid', layer, strat(0), 5, { verdict: 'INVALID' }),
  ];
  const p = sidePointsByLayer(jobs, [layer]).get('linear/M:1/N:1024/K:1024')!;
  assert.equal(p.cpu, [{ share: 0.25, ns: 9e3, setting: 't2/simd' }, { share: 1, ns: 33e3, setting: 't2/simd' }]);
  assert.equal(p.gpu, [{ share: 0.5, ns: 31e3, setting: 'gemv_row/wg64/finish' }, { share: 1, ns: 36e3, setting: 'gemv_row/wg64/svm-coarse' }]);
});

test('layerRow and kindSummary: both bounds side by side, and the worst oracle speedup where the linear bound gives room', () => {
  const s = (r: number, sync = 'finish') => strat(r, { sync });
  const cands = { cpu: s(1), gpu: s(0), gpuS: s(0, 'svm-fine'), half: s(0.5, 'svm-fine') };
  const space: LayerSpace = {
    layerId: 'L', layer, experiment: 'linear-coexec',
    candidates: Object.entries(cands).map(([id, strategy]) => ({ strategyId: id, layer, strategy })).sort((a, b) => a.strategyId.localeCompare(b.strategyId)),
    measuredNs: new Map([['cpu', 30e3], ['gpu', 32e3], ['gpuS', 31e3], ['half', 29e3]]),
    gridWallNs: 0,
  };
  const choices: LayerChoices = {
    layerId: 'L', layer, experiment: 'linear-coexec',
    roles: { oracle: 'half', selected: 'half', bestCpu: 'cpu', bestGpu: 'gpuS', gpuFinish: 'gpu' }, runnersUp: [], predictedRunnersUp: [],
  };
  // CPU 2 + 28 s (through 30 at s = 1); GPU fixed 27 (fit 27 + 4 s), anchored at 31: 27 + 4 s.
  const points = { cpu: pts('t2/simd', [[0.25, 9], [0.5, 16], [1, 30]]).map((p) => ({ ...p, ns: p.ns * 1e3 })), gpu: pts('g', [[0.5, 29], [1, 31]]).map((p) => ({ ...p, ns: p.ns * 1e3 })) };
  const row = layerRow(space, choices, undefined, points) as LayerRow;
  close(row.idealSpeedupLinear, idealSpeedup(30, 31));
  // Cross: r = (27 + 4 - cpuFixed) / (cpuSlope + 4) with the CPU fit of the three points.
  const cpuFit = fitAffine(points.cpu)!;
  const r = (27e3 + 4e3 - cpuFit.fixedNs) / (30e3 - cpuFit.fixedNs + 4e3);
  const boundNs = cpuFit.fixedNs + (30e3 - cpuFit.fixedNs) * r;
  close(row.affineBound!.splitRatio, r);
  close(row.idealSpeedupAffine!, 30e3 / boundNs);
  close(row.efficiencyAffine!, boundNs / 29e3);
  assert.ok(row.idealSpeedupAffine! < row.idealSpeedupLinear);
  // Without points the row has the linear bound only.
  assert.is((layerRow(space, choices, undefined) as LayerRow).idealSpeedupAffine, undefined);
  const roomy = { ...row, idealSpeedupLinear: 1.5, speedupOracle: 1.05 };
  const tight = { ...row, idealSpeedupLinear: 1.2, speedupOracle: 1.0 };
  const k = kindSummary([roomy, tight, { ...row, idealSpeedupLinear: 1.3, speedupOracle: 1.2 }])!;
  assert.is(k.layersWithRoom, 2);
  assert.is(k.worstSpeedupOracleWithRoom, 1.05);
  // ... and why, from the same row: its layer and both bounds (what a failing claim prints beside its verdict).
  assert.match(k.worstSpeedupOracleWithRoomWhy!, new RegExp(`^worst: ${roomy.layerId}, oracle 1\\.05x against a linear bound of 1\\.50 and a fixed-cost bound of \\d\\.\\d\\d \\(2 layers with room\\)$`));
  assert.is(k.layersWithAffineBound, 3);
  assert.is(kindSummary([tight])!.worstSpeedupOracleWithRoom, undefined);
  // The top-3 selection's q aggregates over the rows that have one, and is absent when none does.
  const k3 = kindSummary([{ ...row, decisionQualityTop3: 0.9 }, { ...row, decisionQualityTop3: 1 }, { ...row, decisionQualityTop3: undefined }])!;
  assert.is(k3.layersWithTop3, 2);
  close(k3.geomeanQTop3!, Math.sqrt(0.9));
  assert.is(k3.worstQTop3, 0.9);
  assert.not.ok('geomeanQTop3' in kindSummary([{ ...row, decisionQualityTop3: undefined }])!);
});

test.run();
