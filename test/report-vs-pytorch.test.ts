// `coexec vs-pytorch` (src/analysis/vs-pytorch.ts, src/report/vs-pytorch-*.ts): layer matching, speedups and
// the geomean by hand, missing sides reported, provenance, the torch script's layer list against the
// profile, bad input as one line, and the comparison in a run's report.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layerIdFromTorchName, vsPytorchRows, type OursRun } from '../src/analysis/vs-pytorch.js';
import { vsPytorchCommand } from '../src/report/vs-pytorch-command.js';
import { vsPytorchFigure, vsPytorchTable, type VsPytorchFile } from '../src/report/vs-pytorch-report.js';
import { loadRun, runFigures, runTables } from '../src/report/render-run.js';
import { runSections } from '../src/report/sections.js';
import { layerId } from '../src/plan/ids.js';
import type { LayerRow } from '../src/results-schema/index.js';
import { RUN_SMALL } from './fixtures/make-run-small.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LINEAR_RUN = 'results/gpu-host/linear-coexec-host-20261126T0709Z';
const CONV_RUN = 'results/gpu-host/conv-coexec-host-20261126T0709Z';
const ROUND1_TORCH = 'results/benchmarks/gpu-host-20261203-round1/torch-reference.json';

test('round-1 torch names map onto layer ids (M x K x N; conv with same padding)', () => {
  assert.is(layerIdFromTorchName('linear-1x768x3072'), 'linear/M:1/N:3072/K:768');
  assert.is(layerIdFromTorchName('conv-64x56x56-f64-3x3'), 'conv2d/B:1/C:64/H:56/W:56/F:64/R:3/S:3/st:1x1/pad:1x1');
  assert.is(layerIdFromTorchName('conv-stem-3x224x224-f64-7x7s2'), 'conv2d/B:1/C:3/H:224/W:224/F:64/R:7/S:7/st:2x2/pad:3x3');
  assert.is(layerIdFromTorchName('conv-256x56x56-f64-1x1'), 'conv2d/B:1/C:256/H:56/W:56/F:64/R:1/S:1/st:1x1/pad:0x0');
  assert.is(layerIdFromTorchName('resnet-block'), undefined);
});

const row = (id: string, selectedMs: number, experiment = 'linear-coexec'): LayerRow => ({
  experiment, layerId: id, layer: { type: 'linear', M: 1, N: 8, K: 8 },
  bestSingle: { strategyId: `${id}/x`, side: 'cpu', latencyMs: selectedMs }, gpuFinish: { strategyId: `${id}/g`, latencyMs: 1 },
  oracle: { strategyId: `${id}/o`, splitRatio: 1, latencyMs: selectedMs }, selected: { strategyId: `${id}/r:0.50/t:4/cpu:simd/gpu:gemv_row-wg64/sync:finish`, splitRatio: 0.5, latencyMs: selectedMs },
  speedupOracle: 1, speedupSelected: 1, speedupOracleVsGpuFinish: 1, speedupSelectedVsGpuFinish: 1, decisionQuality: 1, idealSpeedupLinear: 1, efficiencyLinear: 1,
} as LayerRow);

test('rows: faster PyTorch option, speedup, geomean, the later run wins, missing sides kept', () => {
  const runs: OursRun[] = [
    { runId: 'old', runDir: 'r/old', experiment: 'linear-coexec', layers: [row('linear/M:1/N:8/K:8', 0.5)] },
    { runId: 'new', runDir: 'r/new', experiment: 'linear-coexec', layers: [row('linear/M:1/N:8/K:8', 0.02), row('linear/M:1/N:16/K:8', 0.04)] },
  ];
  const { rows, summary } = vsPytorchRows(runs, { rows: [
    { layer: 'a', layerId: 'linear/M:1/N:8/K:8', workloads: ['w/a'], cpuUs: 50, cudaResidentUs: 5, cudaCopiesUs: 30 },
    { layer: 'b', layerId: 'linear/M:1/N:32/K:8', cpuUs: 10 },
  ] });
  assert.is(rows.length, 3);
  const a = rows.find((r) => r.layer === 'linear/M:1/N:8/K:8')!;
  assert.is(a.run, 'new');
  assert.is(a.oursSelectedUs, 20);
  assert.is(a.oursStrategy, 'r:0.50/t:4/cpu:simd/gpu:gemv_row-wg64/sync:finish');
  assert.is(a.torchBest, 'cuda-copies');
  assert.is(a.torchBestUs, 30);
  assert.is(a.speedupVsTorchBest, 1.5);
  assert.equal(a.workloads, ['w/a']);
  assert.is(rows.find((r) => r.layer === 'linear/M:1/N:16/K:8')!.missing, 'torch');
  const b = rows.find((r) => r.layer === 'linear/M:1/N:32/K:8')!;
  assert.is(b.missing, 'ours');
  assert.is(b.torchBest, 'cpu');
  assert.is(rows[2], b, 'layers no run has come last');
  assert.is(summary.layersCompared, 1);
  assert.is(summary.geomeanSpeedup, 1.5);
  assert.equal(summary.missingTorch, ['linear/M:1/N:16/K:8']);
  assert.equal(summary.missingOurs, ['linear/M:1/N:32/K:8']);
  assert.is(summary.underOneMs, 1);
  assert.is(summary.underOneMsAtLeastOne, 1);
});

test('geomean over two layers: sqrt(2 x 0.5) = 1', () => {
  const { summary } = vsPytorchRows([{ runId: 'r', runDir: 'r', experiment: 'linear-coexec', layers: [row('linear/M:1/N:8/K:8', 0.01), row('linear/M:1/N:16/K:8', 0.04)] }],
    { rows: [{ layer: 'x', layerId: 'linear/M:1/N:8/K:8', cpuUs: 20 }, { layer: 'y', layerId: 'linear/M:1/N:16/K:8', cudaCopiesUs: 20 }] });
  assert.ok(Math.abs(summary.geomeanSpeedup! - 1) < 1e-12, String(summary.geomeanSpeedup));
  assert.is(summary.worstSpeedup, 0.5);
  assert.is(summary.worstLayer, 'linear/M:1/N:16/K:8');
});

test('the grid search\'s best beside the selection: its own speedups and summary', () => {
  // Selected 40 us, but the grid measured a 16 us strategy: PyTorch's 20 us is beaten by the grid, not the selection.
  const r = { ...row('linear/M:1/N:8/K:8', 0.04), oracle: { strategyId: 'linear/M:1/N:8/K:8/o', splitRatio: 0, latencyMs: 0.016 } } as LayerRow;
  const { rows, summary } = vsPytorchRows([{ runId: 'r', runDir: 'r', experiment: 'linear-coexec', layers: [r] }],
    { rows: [{ layer: 'x', layerId: 'linear/M:1/N:8/K:8', cudaCopiesUs: 20 }] });
  assert.is(rows[0]!.speedupVsTorchBest, 0.5);
  assert.is(rows[0]!.oursOracleUs, 16);
  assert.is(rows[0]!.speedupOracleVsTorchBest, 1.25);
  assert.is(summary.oracleGeomeanSpeedup, 1.25);
  assert.is(summary.oracleWorstSpeedup, 1.25);
  assert.is(summary.underOneMsAtLeastOne, 0);
  assert.is(summary.underOneMsOracleAtLeastOne, 1);
});

test('torch_reference.py lists every co-execution layer of configs/profiles/host.json under the harness layer id', () => {
  const r = spawnSync('python3', [join(ROOT, 'native/bench/torch_reference.py'), '--list'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const listed = new Set(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { layerId: string }).layerId));
  const profile = JSON.parse(readFileSync(join(ROOT, 'configs/profiles/host.json'), 'utf8')) as { experiments: Record<string, { workloads: string[] }> };
  const known = new Map<string, Parameters<typeof layerId>[0]>();
  for (const f of readdirSync(join(ROOT, 'configs/workloads'))) {
    for (const w of (JSON.parse(readFileSync(join(ROOT, 'configs/workloads', f), 'utf8')) as { workloads: { id: string; layer: Parameters<typeof layerId>[0] }[] }).workloads) known.set(w.id, w.layer);
  }
  const wanted = ['linear-coexec', 'conv-coexec'].flatMap((e) => profile.experiments[e]!.workloads);
  assert.ok(wanted.length >= 10);
  for (const w of wanted) assert.ok(listed.has(layerId(known.get(w)!)), `${w} -> ${layerId(known.get(w)!)} not listed`);
  // The seven reference shapes of issue 13 stay in.
  for (const id of ['linear/M:256/N:3072/K:768', 'conv2d/B:1/C:3/H:224/W:224/F:64/R:7/S:7/st:2x2/pad:3x3']) assert.ok(listed.has(id), id);
});

test('command on the shipped gpu-host runs and the round-1 torch file: JSON, Markdown, figure, provenance', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'vsp-')), 'vs-pytorch.json');
  const lines: string[] = [];
  const rc = await vsPytorchCommand([LINEAR_RUN, CONV_RUN, '--torch', ROUND1_TORCH, '--out', out, '--no-png'], ROOT, (l) => lines.push(l));
  assert.is(rc, 0, lines.join('\n'));
  const file = JSON.parse(readFileSync(out, 'utf8')) as VsPytorchFile;
  const layers = JSON.parse(readFileSync(join(ROOT, LINEAR_RUN, 'derived/layers.json'), 'utf8')) as { rows: LayerRow[] };
  const m1 = file.rows.find((r) => r.layer === 'linear/M:1/N:3072/K:768')!;
  assert.is(m1.oursSelectedUs, layers.rows.find((r) => r.layerId === m1.layer)!.selected.latencyMs * 1e3);
  assert.is(m1.torchCpuUs, 32.049);
  assert.equal(m1.workloads, ['bert-base/ffn-up-m1', 'gpt2/mlp-fc-m1'], 'workloads from the run\'s profile');
  assert.is(m1.torchCudaCopiesUs, 47.678);
  assert.is(m1.speedupVsTorchBest, 32.049 / m1.oursSelectedUs!);
  // 5 linear + 5 conv layers of ours, 7 of PyTorch, one shared: 16 rows, none dropped.
  assert.is(file.rows.length, 16);
  assert.is(file.summary.missingTorch.length, 9);
  assert.is(file.summary.missingOurs.length, 6);
  assert.equal(file.provenance.runs.map((r) => r.runId), ['linear-coexec-host-20261126T0709Z', 'conv-coexec-host-20261126T0709Z']);
  assert.is(file.provenance.runs[0]!.card, 'NVIDIA H200');
  assert.is(file.provenance.torch.file, ROUND1_TORCH);
  assert.match(file.provenance.torch.sha256, /^[0-9a-f]{64}$/);
  const md = readFileSync(out.replace(/json$/, 'md'), 'utf8');
  assert.match(md, /Missing from the PyTorch file \(9\)/);
  assert.match(md, /\| M1 N3072 K768 \|/);
  assert.ok(existsSync(join(out, '..', 'figures', 'vs-pytorch.svg')));
  assert.not.ok(existsSync(join(out, '..', 'figures', 'vs-pytorch.png')), '--no-png');
});

test('bad input: usage (2), missing torch file, malformed torch file, run without derived data (1), one line each', async () => {
  const lines: string[] = [];
  const say = (l: string) => lines.push(l);
  assert.is(await vsPytorchCommand([LINEAR_RUN], ROOT, say), 2);
  assert.is(await vsPytorchCommand([LINEAR_RUN, '--torch'], ROOT, say), 2);
  assert.is(await vsPytorchCommand([LINEAR_RUN, '--torch', ROUND1_TORCH, '--out', tmpdir()], ROOT, say), 2);
  assert.match(lines.at(-1)!, /--out names the JSON file to write/);
  assert.is(await vsPytorchCommand([LINEAR_RUN, '--torch', 'nope.json'], ROOT, say), 1);
  assert.match(lines.at(-1)!, /^vs-pytorch: .*nope\.json: no such file/);
  const dir = mkdtempSync(join(tmpdir(), 'vsp-bad-'));
  writeFileSync(join(dir, 't.json'), JSON.stringify({ rows: [{ layer: 'mystery', cpuUs: 3 }] }));
  assert.is(await vsPytorchCommand([LINEAR_RUN, '--torch', join(dir, 't.json')], ROOT, say), 1);
  assert.match(lines.at(-1)!, /rows\[0\] "mystery" has no layerId/);
  writeFileSync(join(dir, 'u.json'), JSON.stringify({ rows: [{ layer: 'linear-1x2x3', cpuUs: -1 }] }));
  assert.is(await vsPytorchCommand([LINEAR_RUN, '--torch', join(dir, 'u.json')], ROOT, say), 1);
  assert.match(lines.at(-1)!, /rows\[0\]\.cpuUs must be a positive number/);
  assert.is(await vsPytorchCommand([dir, '--torch', ROUND1_TORCH], ROOT, say), 1);
  assert.match(lines.at(-1)!, /derived\/layers\.json: no such file \(derive the run first/);
  for (const l of lines) assert.not.match(l, /\n\s+at /, 'no stack');
});

test('a run report shows the comparison only when vs-pytorch.json names the run', async () => {
  // results/<platform>/<run> layout in a scratch folder, two runs of one platform; the file names run-a only.
  const results = join(mkdtempSync(join(tmpdir(), 'vsp-report-')), 'results');
  const [runA, runB] = ['run-a', 'run-b'].map((r) => join(results, 'synthetic-small', r));
  for (const d of [runA!, runB!]) cpSync(RUN_SMALL, d, { recursive: true });
  const ys = join(results, 'yardsticks', 'synthetic-small');
  mkdirSync(ys, { recursive: true });
  const torch = join(ys, 'torch.json');
  writeFileSync(torch, JSON.stringify({ rows: [{ layer: 'x', layerId: 'linear/M:1/N:1024/K:1024', cpuUs: 100, cudaCopiesUs: 200 }] }));
  assert.is(await vsPytorchCommand([runA!, '--torch', torch, '--out', join(ys, 'vs-pytorch.json'), '--no-png'], ROOT, () => {}), 0);
  const run = await loadRun(runA!);
  assert.ok(run.vsPytorch, 'loaded beside the run');
  assert.ok(runFigures(run).some((f) => f.name === 'vs-pytorch'));
  assert.ok(runTables(run).some((t) => t.name === 'vs-pytorch'));
  assert.ok(runSections(run).some((s) => s.id === 'vs-pytorch'));
  const other = await loadRun(runB!);
  assert.is(other.vsPytorch, undefined);
  assert.not.ok(runFigures(other).some((f) => f.name === 'vs-pytorch'));
});

test('table and figure: one bar per layer with both sides, a note per missing layer', () => {
  const { rows, summary } = vsPytorchRows([{ runId: 'r', runDir: 'r', experiment: 'linear-coexec', layers: [row('linear/M:1/N:8/K:8', 0.01), row('linear/M:1/N:16/K:8', 0.04)] }],
    { rows: [{ layer: 'x', layerId: 'linear/M:1/N:8/K:8', cpuUs: 20 }] });
  const file: VsPytorchFile = { schemaVersion: 1, platform: 'p', generatedBy: 'test', provenance: { runs: [], torch: { file: 't', sha256: '0'.repeat(64) } }, summary, rows };
  const t = vsPytorchTable(file);
  assert.is(t.rows.length, 2);
  assert.is(t.rows[1]!.at(-1), 'no PyTorch measurement of this layer');
  assert.is(t.rows[0]![9], '2.00x');
  const spec = vsPytorchFigure(file).spec as { datasets: { rows: unknown[]; rules: { kind: string; value: number }[] } };
  assert.is(spec.datasets.rows.length, 1);
  assert.equal(spec.datasets.rules.map((r) => r.kind), ['one', 'geomean']);
});

test.run();
