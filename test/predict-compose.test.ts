// The composition's pieces: the NNLS behind it, the GPU side's host cost per mechanism (growing with the
// bytes copied on a discrete GPU, constant without copies) and the GPU-only offset that takes back the round
// trip a GPU-only strategy's host-observed side already holds.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobsFile } from '../src/analysis/types.js';
import { gpuOnlyOffsetKey } from '../src/predict/compose.js';
import { hostCostSamples, trainingJobs, type HostCostSample } from '../src/predict/dataset.js';
import { trainPredictor } from '../src/predict/evaluate.js';
import { MIN_BYTE_T, byteTermT, fitHostCost, hostCostNs, oneOutputWidth } from '../src/predict/host-cost.js';
import { transferBytes } from '../src/predict/features.js';
import { MIN_VARIANT_GROUPS, gpuHostNs, hostCostByVariant, loadComposition } from '../src/predict/compose.js';
import { nnls } from '../src/predict/nnls.js';

const fixture = JSON.parse(readFileSync('test/fixtures/recorded/jobs.json', 'utf8')) as JobsFile;
/** The synthetic fixture's true bare sync cost per mechanism (SYNC_NS in test/fixtures/recorded/generate.ts). */
const FIXTURE_SYNC_NS: Record<string, number> = { finish: 14000, 'svm-fine': 4000 };
const near = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;

test('NNLS recovers known non-negative coefficients, with plain and with relative residuals', () => {
  const x = Array.from({ length: 30 }, (_, i) => [1, i * 1000, (i * i) % 11]);
  const y = x.map((r) => 40000 + 0.25 * r[1]! + 700 * r[2]!);
  for (const scale of [undefined, y]) {
    const c = nnls(x, y, { lambda: 0, sweeps: 20000, ...(scale ? { scale } : {}) });
    assert.ok(near(c[0]!, 40000, 1e-3) && near(c[1]!, 0.25, 1e-9) && near(c[2]!, 700, 1e-6), String(c));
  }
});

test('NNLS survives an all-zero column and unusable rows: that coefficient is 0, the others exact, nothing is NaN', () => {
  const x = Array.from({ length: 12 }, (_, i) => [1, 0, i + 1]);
  const y = x.map((r) => 10 + 3 * r[2]!);
  const c = nnls([...x, [1, 0, Number.NaN]], [...y, 5], { lambda: 0, sweeps: 20000 });
  assert.is(c[1], 0);
  assert.ok(near(c[0]!, 10, 1e-6) && near(c[2]!, 3, 1e-9), String(c));
  // A zero target under relative residuals would divide by zero: the row is dropped instead.
  const rel = nnls([...x, [1, 0, 5]], [...y, 0], { lambda: 0, sweeps: 20000, scale: [...y, 0] });
  assert.ok(rel.every(Number.isFinite), String(rel));
  assert.equal(nnls([], [], { lambda: 0, sweeps: 10 }), []);
  assert.equal(nnls([[0, 0], [0, 0]], [1, 2], { lambda: 0, sweeps: 10 }), [0, 0]);
});

/** Host cost samples of `shapes` layer shapes with 3 slices each, cost = f(input, output) plus +-1% alternating noise. */
function samples(cost: (input: number, output: number) => number, shapes = 5): HostCostSample[] {
  const out: HostCostSample[] = [];
  for (let s = 0; s < shapes; s++) {
    for (let k = 1; k <= 3; k++) {
      const inputBytes = 4096 * (1 + 7 * s);
      const outputBytes = 2048 * k * (1 + s);
      const costNs = cost(inputBytes, outputBytes) * (1 + ((s + k) % 2 === 0 ? 0.01 : -0.01));
      out.push({ mechanism: 'finish', group: `shape-${s}`, inputBytes, outputBytes, costNs, sideNs: costNs + 20000 });
    }
  }
  return out;
}

test('host cost over PCIe: the per-byte costs of input and output copies are recovered', () => {
  const c = fitHostCost(samples((i, o) => 30000 + 0.1 * i + 0.2 * o));
  assert.ok(near(c.perInputByteNs, 0.1, 0.01) && near(c.perOutputByteNs, 0.2, 0.02) && near(c.fixedNs, 30000, 1500), JSON.stringify(c));
});

test('host cost without copies (svm-fine) comes out about constant; too few samples give the median constant', () => {
  const flat = samples(() => 25000);
  const c = fitHostCost(flat);
  for (const s of flat) assert.ok(near(hostCostNs(c, s), 25000, 25000 * 0.02), JSON.stringify(c));
  const few = fitHostCost(samples((i) => 1000 + i, 1).slice(0, 3));
  assert.is(few.perInputByteNs + few.perOutputByteNs, 0);
  assert.ok(few.fixedNs > 0);
});

test('host cost: a slope fitted on inputs of a few KB amid host noise is dropped; one pinned by a large input is kept', () => {
  // Four workloads at M = 1: inputs of 1.5-16 KB, a constant 30 us cost with +-3 us of host noise and no copy
  // cost at all. An unconstrained fit finds some slope; its standard error is as large as it is.
  const noise = [3000, -2500, 1000, -3000, 2000, -1000, 2500, -2000];
  const tiny: HostCostSample[] = [1536, 3072, 12288, 16384].flatMap((inputBytes, g) => [0, 1].map((k) => ({
    mechanism: 'finish', group: `w${g}`, inputBytes, outputBytes: 1024 * (g + 1), costNs: 30000 + noise[2 * g + k]!, sideNs: 60000,
  })));
  const flat = fitHostCost(tiny);
  assert.is(flat.perInputByteNs + flat.perOutputByteNs, 0, JSON.stringify(flat));
  assert.ok(byteTermT(tiny, { fixedNs: 30000, perInputByteNs: 0.05, perOutputByteNs: 0 }).input < MIN_BYTE_T);
  // Four inputs of 60-200 KB and one of 1.8 MB at 0.02 ns per byte (50 GB/s), the same noise: the copy stays.
  const sizes = [63e3, 98e3, 201e3, 803e3, 1806e3];
  const copies: HostCostSample[] = sizes.flatMap((inputBytes, g) => [0, 1].map((k) => ({
    mechanism: 'finish', group: `w${g}`, inputBytes, outputBytes: 50e3, costNs: 25000 + 0.02 * inputBytes + noise[(2 * g + k) % 8]!,
    sideNs: 60000 + 0.02 * inputBytes,
  })));
  const c = fitHostCost(copies);
  assert.ok(near(c.perInputByteNs, 0.02, 0.003), JSON.stringify(c));
});

test('host cost: where only the output slope stands out, one slope on input plus output bytes is kept if it fits better', () => {
  // pocl-split conv 2026-12-06T0647Z's svm-coarse GPU-only training samples with mobilenetv2/b3-project held out (KB in,
  // KB out, host cost us, side us; from its jobs.json, rounded): inputs and outputs grow together but for one shape
  // with a 3 MB output, which pins the output's slope while the input's stays under MIN_BYTE_T (t 1.9). The output's
  // slope alone priced the held-out 1.8 MB input at 58 us (250-344 measured); a slope on both bytes prices it at 180.
  const rows: [string, number, number, number, number][] = [['b14', 31, 184, 32.9, 77.3], ['last', 61, 245, 40.6, 130.8],
    ['last', 61, 245, 40.5, 110.5], ['3x1', 96, 96, 37.7, 119.6], ['1x3', 96, 96, 36.5, 132.3], ['1x7', 145, 145, 42.6, 152.3],
    ['l3', 196, 196, 80.4, 424.6], ['c3', 392, 392, 92.1, 416.6], ['exp', 784, 3136, 595.6, 990.1], ['c2', 784, 784, 132.1, 230.1],
    ['c2', 784, 784, 131.0, 218.0], ['c2', 784, 784, 126.2, 180.0], ['l1', 784, 784, 154.8, 510.5], ['c4', 784, 196, 126.1, 481.7],
    ['l2', 784, 392, 134.6, 394.1]];
  const coarse: HostCostSample[] = rows.map(([group, i, o, c, side]) => ({
    mechanism: 'svm-coarse', group, inputBytes: i * 1024, outputBytes: o * 1024, costNs: c * 1e3, sideNs: side * 1e3 }));
  const c = fitHostCost(coarse);
  assert.ok(c.perInputByteNs > 0 && c.perInputByteNs === c.perOutputByteNs, JSON.stringify(c));
  const heldOut = hostCostNs(c, { inputBytes: 1764 * 1024, outputBytes: 294 * 1024 });
  assert.ok(heldOut > 150e3 && heldOut < 250e3, String(heldOut));
  // Where both slopes stand out they stay apart (the PCIe test above); where the output width is one (per-row
  // reading), no shared slope is tried.
});

test('host cost trained at one output width: the output slope is read per row, so a wider output is not priced as a copy', () => {
  // Four M = 1 workloads (output width 4 bytes per row): 15 us plus 5 ns per output row, +-1% noise.
  const m1: HostCostSample[] = [[384, [192, 768, 1536]], [768, [384, 1536, 3072]], [3072, [96, 384, 768]], [4096, [512, 2048, 4096]]]
    .flatMap(([k, ns], g) => (ns as number[]).map((n, i) => {
      const costNs = (15000 + 5 * n) * (i % 2 === 0 ? 1.01 : 0.99);
      return { mechanism: 'finish', group: `w${g}`, ...transferBytes({ type: 'linear', M: 1, N: n, K: k as number }, n), costNs, sideNs: costNs + 20000 };
    }));
  assert.ok(oneOutputWidth(m1));
  const c = fitHostCost(m1);
  assert.is(c.perOutputByteNs, 0, JSON.stringify(c));
  assert.ok(near(c.perOutputRowNs!, 5, 1), JSON.stringify(c));
  // The same rows at M = 8: eight times the output bytes, the same cost per row.
  const m8 = transferBytes({ type: 'linear', M: 8, N: 3072, K: 768 }, 3072);
  const m1Same = transferBytes({ type: 'linear', M: 1, N: 3072, K: 768 }, 3072);
  assert.ok(near(hostCostNs(c, m8), hostCostNs(c, m1Same) + c.perInputByteNs * (m8.inputBytes - m1Same.inputBytes), 1e-6));
  // Two widths tell bytes from rows: no row reading.
  const mixed = [...m1, ...m1.slice(0, 3).map((s) => ({ ...s, group: 'm8', outputBytes: 8 * s.outputBytes }))];
  assert.not.ok(oneOutputWidth(mixed));
  assert.not.ok(fitHostCost(mixed).perOutputRowNs);
  // The per-row part survives the composition file and is priced by gpuHostNs.
  const comp = loadComposition(JSON.stringify({ dispatchNs: { finish: c.fixedNs },
    dispatchPerByteNs: { finish: { input: c.perInputByteNs, output: 0, outputRow: c.perOutputRowNs } }, syncNs: {}, cpuContention: 1, offsetNs: {} }));
  assert.ok(near(gpuHostNs(comp, 'finish', m8), hostCostNs(c, m8), 1e-6));
});

test('host cost per variant: a two-launch variant pays its second launch on top of its mechanism\'s cost', () => {
  const table = { dispatchNs: { finish: 15000 }, dispatchPerByteNs: {} };
  const sample = (variant: string, g: number, k: number, costNs: number): HostCostSample =>
    ({ mechanism: 'finish', variant, group: `w${g}`, inputBytes: 4096 * (g + 1), outputBytes: 1024 * k, outputRows: 256 * k, costNs, sideNs: costNs + 50000 });
  const samples: HostCostSample[] = [];
  for (let g = 0; g < 4; g++) {
    for (let k = 1; k <= 2; k++) {
      samples.push(sample('one_launch', g, k, 15100 + (k === 1 ? 300 : -300)));
      samples.push(sample('two_launches', g, k, 22000 + (k === 1 ? 300 : -300)));
    }
  }
  samples.push(sample('rare', 0, 1, 90000), sample('rare', 1, 1, 90000)); // too few samples and workloads: no entry
  const fitted = hostCostByVariant(table, samples);
  const byVariant = fitted.dispatchByVariantNs!;
  // one_launch sits on its mechanism's cost within the noise: no shift is kept for it.
  assert.equal(Object.keys(byVariant), ['two_launches']);
  assert.ok(near(byVariant.two_launches!, 7000, 1), JSON.stringify(byVariant));
  assert.ok(MIN_VARIANT_GROUPS > 2);
  // No sample has helper floats: no per-float cost.
  assert.is(fitted.dispatchPerHelperFloatNs, undefined);
  const comp = loadComposition(JSON.stringify({ ...table, dispatchByVariantNs: byVariant, syncNs: {}, cpuContention: 1, offsetNs: {} }));
  const bytes = { inputBytes: 4096, outputBytes: 1024, outputRows: 256 };
  assert.is(gpuHostNs(comp, 'finish', bytes, 'two_launches'), 22000);
  assert.is(gpuHostNs(comp, 'finish', bytes, 'rare'), 15000);
  assert.is(gpuHostNs(comp, 'finish', bytes, 'one_launch'), 15000);
  assert.is(gpuHostNs(comp, 'finish', bytes), 15000);
});

test('host cost per variant: helper launches cost per float they write, on top of the variant\'s shift', () => {
  const table = { dispatchNs: { finish: 15000 }, dispatchPerByteNs: {} };
  // An im2col before the GEMM: 2 ns per 1000 floats unrolled plus 3 us for its launch, +-200 ns of noise.
  const samples: HostCostSample[] = [];
  for (let g = 0; g < 4; g++) {
    for (let k = 0; k < 3; k++) {
      const helperFloats = 100000 * (1 + g) * (k === 2 ? 9 : 1);
      samples.push({ mechanism: 'finish', variant: 'unrolls', group: `w${g}`, inputBytes: 0, outputBytes: 0, outputRows: 0, helperFloats,
        costNs: 15000 + 3000 + 0.002 * helperFloats + (k === 1 ? 200 : -200), sideNs: 60000 });
    }
  }
  const fitted = hostCostByVariant(table, samples);
  assert.ok(near(fitted.dispatchPerHelperFloatNs!.unrolls!, 0.002, 0.0002), JSON.stringify(fitted));
  assert.ok(near(fitted.dispatchByVariantNs!.unrolls!, 3000, 300), JSON.stringify(fitted));
  // The composition file keeps the slope, and gpuHostNs prices a slice by its helper floats.
  const comp = loadComposition(JSON.stringify({ ...table, ...fitted, syncNs: {}, cpuContention: 1, offsetNs: {} }));
  const none = { inputBytes: 0, outputBytes: 0, outputRows: 0 };
  assert.ok(near(gpuHostNs(comp, 'finish', none, 'unrolls', 1e6), 15000 + 3000 + 2000, 400));
  assert.ok(near(gpuHostNs(comp, 'finish', none, 'unrolls'), 18000, 400));
  assert.is(gpuHostNs(comp, 'finish', none, 'other', 1e6), 15000);
});

const device = { computeUnits: 4 };
const roundTrips = fixture.rows.filter((j) => j.kind === 'roundtrip');

test('on the synthetic fixture the GPU-only offset comes out at about minus the sync cost (no double count)', () => {
  const p = trainPredictor('baseline', trainingJobs(fixture.rows), roundTrips, device);
  for (const [m, sync] of Object.entries(FIXTURE_SYNC_NS)) {
    const offset = p.composition.offsetNs[gpuOnlyOffsetKey(m)]!;
    assert.ok(near(offset, -sync, 2000), `${m}: offset ${offset}, sync ${sync}`);
    assert.ok(near(p.composition.syncNs[m]!, sync, 0.05 * sync));
  }
});

test('host cost samples are the host-observed GPU side minus the kernel, of GPU-only jobs with timestamps only', () => {
  const jobs = trainingJobs(fixture.rows);
  const gpuOnly = jobs.filter((j) => j.resolved?.cpuRows === 0);
  const all = hostCostSamples([...jobs, { ...gpuOnly[0]!, gpuKernelMedianNs: undefined }]);
  assert.is(all.length, gpuOnly.length);
  all.forEach((s, i) => {
    assert.is(s.costNs, gpuOnly[i]!.gpuSideMedianNs! - gpuOnly[i]!.gpuKernelMedianNs!);
    assert.ok(s.sideNs > 0 && s.inputBytes > 0 && s.outputBytes > 0);
  });
});

test.run();

test('a composed prediction never goes below 1 ns, however negative the fitted offset', async () => {
  const { composeNs } = await import('../src/predict/compose.js');
  const c = { dispatchNs: {}, dispatchPerByteNs: {}, syncNs: { finish: 5_000 }, cpuContention: 1,
    offsetNs: { finish: -200_000, 'cpu-only': -50_000 } };
  assert.is(composeNs(c, 'finish', 20_000, 30_000, true, true), 1);
  assert.is(composeNs(c, 'finish', 20_000, 0, true, false), 1);
  // Without an offset the overlap and the sync cost add up as before.
  assert.is(composeNs({ ...c, offsetNs: {} }, 'finish', 20_000, 30_000, true, true), 35_000);
});
