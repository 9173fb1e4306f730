// Yardstick tables (src/report/yardsticks.ts, yardstick-sides.ts): the committed tables regenerate byte for byte
// from the committed raw files, kernel times come from the profiled timestamps (not for CLBlast), and the
// per-side ratios by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYardsticks, yardsticksCommand } from '../src/report/yardsticks.js';
import { cpuSideTable, gpuSideTable } from '../src/report/yardstick-sides.js';

const DIR = 'results/yardsticks/gpu-host';

test('the committed yardstick tables regenerate byte for byte from engine.jsonl and torch.jsonl', async () => {
  const out = mkdtempSync(join(tmpdir(), 'ys-'));
  const lines: string[] = [];
  assert.is(await yardsticksCommand([`${DIR}/engine.jsonl`, `${DIR}/torch.jsonl`, '--out', out], process.cwd(), (l) => lines.push(l)), 0, lines.join('\n'));
  for (const f of ['yardsticks.md', 'yardsticks.csv', 'per-side.md', 'per-side-cpu.csv', 'per-side-gpu.csv']) {
    assert.is(readFileSync(join(out, f), 'utf8'), readFileSync(join(DIR, f), 'utf8'), f);
  }
});

const engineLine = (group: string, side: string, impl: string, medianNs: number, kernelsNs: number[] = []) => JSON.stringify({
  yardstick: { group, side, impl },
  result: { status: 'ok', medianNs, gpuTimestampsNs: kernelsNs.map((k, i) => [i * 1000, i * 1000 + 10, i * 1000 + 20, i * 1000 + 20 + k]) },
});

test('per side: best of ours, libraries beside it, kernel times from timestamps, ratios ours / library', () => {
  const g = 'linear/M:1/N:8/K:8';
  const engine = [
    engineLine(g, 'cpu', 'simd', 30_000), engineLine(g, 'cpu', 'openblas', 20_000),
    engineLine(g, 'gpu', 'gemv_row', 50_000, [9_000, 11_000, 10_000]), engineLine(g, 'gpu', 'linear_reg_v8x2_m4', 40_000, [12_000]),
    engineLine(g, 'gpu', 'clblast', 100_000, [1_000]),
  ].join('\n');
  const torch = [
    { group: g, impl: 'torch-cpu', medianNs: 60_000 }, { group: g, impl: 'torch-cuda', medianNs: 30_000 },
    { group: g, impl: 'torch-cuda-resident', medianNs: 5_000 }, { group: g, impl: 'torch-cuda-copies', medianNs: 80_000 },
  ].map((o) => JSON.stringify(o)).join('\n');
  const rows = parseYardsticks(engine, torch);
  assert.is(rows.find((r) => r.impl === 'gemv_row')!.kernelUs, 10);
  assert.is(rows.find((r) => r.impl === 'clblast')!.kernelUs, undefined, 'CLBlast: only its last kernel is profiled');
  assert.equal(cpuSideTable(rows).rows, [['M1 N8 K8', 'simd', '30.0', '20.0', '60.0', '1.50', '0.50']]);
  // Best layer: the register-tiled variant (40 us); best kernel: gemv_row (10 us, median of three).
  assert.equal(gpuSideTable(rows).rows, [['M1 N8 K8', 'linear_reg_v8x2_m4', '40.0', '100.0', '80.0', '0.40', '0.50', 'gemv_row', '10.0', '5.0', '2.00']]);
});

test.run();
