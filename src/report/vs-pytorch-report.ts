/**
 * Table and figure of vs-pytorch.json (src/analysis/vs-pytorch.ts): our selected strategy per layer beside
 * PyTorch CPU and PyTorch CUDA (resident, and with pinned copies), the speedup over the faster PyTorch
 * option, and the geometric mean. Pure builders; the command (vs-pytorch-command.ts) and the run report
 * (render-run.ts) write them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { VsPytorchRow, VsPytorchSummary } from '../analysis/vs-pytorch.js';
import { escapeHtml } from './html.js';
import type { RunData } from './render-run.js';
import type { ReportSection } from './sections.js';
import { fillTemplate, loadTemplate, type FigureSpec } from './figure-specs.js';
import { niceCeilLog, niceFloorLog } from './rule-labels.js';
import { labelFromLayerId } from './layer-id-label.js';
import { num, type Table } from './tables.js';

/** vs-pytorch.json as written by `coexec vs-pytorch`. */
export interface VsPytorchFile {
  schemaVersion: 1;
  platform: string;
  generatedBy: string;
  provenance: {
    runs: { runId: string; dir: string; experiment: string; createdAt?: string; card?: string }[];
    torch: { file: string; sha256: string; date?: string; machine?: Record<string, unknown> };
  };
  summary: VsPytorchSummary;
  rows: VsPytorchRow[];
}

const BEST_NAME = { cpu: 'PyTorch CPU', 'cuda-copies': 'PyTorch CUDA + pinned copies' } as const;

/** Label of a row in the table and figure: the shape, then the first workload that has it. */
const rowLabel = (r: VsPytorchRow) => `${labelFromLayerId(r.layer)}${r.workloads[0] ? ` (${r.workloads[0]})` : ''}`;

/** The per-layer table. */
export function vsPytorchTable(file: VsPytorchFile): Table {
  const us = (x: number | null) => num(x, 1);
  return {
    title: `Ours (predictor-selected) vs PyTorch on ${file.platform}`,
    headers: ['layer', 'workloads', 'run', 'ours selected (us)', 'ours strategy', 'PyTorch CPU (us)', 'PyTorch CUDA resident (us)',
      'PyTorch CUDA + pinned copies (us)', 'faster PyTorch', 'speedup vs faster PyTorch', 'ours grid best (us)', 'grid best vs faster PyTorch', 'note'],
    rows: file.rows.map((r) => [
      labelFromLayerId(r.layer), r.workloads.join(' '), r.run ?? '', us(r.oursSelectedUs), r.oursStrategy ?? '', us(r.torchCpuUs), us(r.torchCudaUs),
      us(r.torchCudaCopiesUs), r.torchBest ? BEST_NAME[r.torchBest] : '', r.speedupVsTorchBest === null ? '' : `${num(r.speedupVsTorchBest)}x`,
      us(r.oursOracleUs ?? null), r.speedupOracleVsTorchBest == null ? '' : `${num(r.speedupOracleVsTorchBest)}x`,
      r.missing === 'torch' ? 'no PyTorch measurement of this layer' : r.missing === 'ours' ? 'no run selected a strategy for this layer' : '',
    ]),
  };
}

/** Summary lines under the table (Markdown). */
export function vsPytorchSummaryLines(file: VsPytorchFile): string[] {
  const s = file.summary;
  const p = file.provenance;
  const lines = [
    `Speedup = T(faster of PyTorch CPU and PyTorch CUDA with pinned copies) / T(ours selected); above 1x ours is faster.`,
    s.layersCompared === 0 ? 'No layer has both sides.'
      : `Geometric mean over ${s.layersCompared} layers with both sides: ${num(s.geomeanSpeedup)}x; worst ${num(s.worstSpeedup)}x (${labelFromLayerId(s.worstLayer!)}); ` +
        `layers whose faster PyTorch option is under 1 ms: ${s.underOneMsAtLeastOne} of ${s.underOneMs} at >= 1.0x.`,
  ];
  if (s.layersCompared > 0 && s.oracleGeomeanSpeedup != null) {
    lines.push(`The grid search's fastest strategy per layer (the oracle: what the engine can do, apart from the predictors' choice): ` +
      `geomean ${num(s.oracleGeomeanSpeedup)}x, worst ${num(s.oracleWorstSpeedup ?? null)}x, ${s.underOneMsOracleAtLeastOne} of ${s.underOneMs} under 1 ms at >= 1.0x.`);
  }
  if (s.missingTorch.length) lines.push(`Missing from the PyTorch file (${s.missingTorch.length}): ${s.missingTorch.map(labelFromLayerId).join('; ')}.`);
  if (s.missingOurs.length) lines.push(`Measured by PyTorch but in no run given (${s.missingOurs.length}): ${s.missingOurs.map(labelFromLayerId).join('; ')}.`);
  lines.push(`Ours: ${p.runs.map((r) => `${r.dir} (${r.experiment}, ${r.createdAt ?? 'date unknown'}${r.card ? `, ${r.card}` : ''})`).join('; ')}.`);
  const m = p.torch.machine ?? {};
  lines.push(`PyTorch: ${p.torch.file} (sha256 ${p.torch.sha256.slice(0, 12)}, ${p.torch.date ?? 'date not recorded'}; torch ${m.torch ?? '?'}, ${m.gpu ?? 'no GPU'}, ${m.cpuThreads ?? '?'} CPU threads, TF32 ${m.tf32 === false ? 'off' : 'unknown'}).`);
  return lines;
}

/** The figure: speedup per layer on a log axis from 1x, coloured by the faster PyTorch option. */
export function vsPytorchFigure(file: VsPytorchFile): FigureSpec {
  const compared = file.rows.filter((r) => r.speedupVsTorchBest !== null);
  const rows = compared.map((r) => ({
    label: rowLabel(r), speedup: r.speedupVsTorchBest!, torchBest: BEST_NAME[r.torchBest!],
    text: `${num(r.speedupVsTorchBest)}x (${num(r.oursSelectedUs, 0)} vs ${num(r.torchBestUs, 0)} us)`,
    oursSelectedUs: r.oursSelectedUs, oursStrategy: r.oursStrategy, torchBestUs: r.torchBestUs,
  }));
  const g = file.summary.geomeanSpeedup;
  const values = [1, ...rows.map((r) => r.speedup), ...(g ? [g] : [])];
  const domain = [niceFloorLog(Math.min(...values) / 1.3), niceCeilLog(Math.max(...values) * 1.3)];
  const spec = fillTemplate(loadTemplate('vs-pytorch'), { rows, rules: [{ kind: 'one', value: 1 }, ...(g ? [{ kind: 'geomean', value: g }] : [])] },
    `Ours (predictor-selected) vs the faster PyTorch option: ${file.platform}`,
    `solid: 1x; dashed: geometric mean ${g ? `${num(g)}x` : 'n/a'} over ${compared.length} layers` +
      `${file.rows.length > compared.length ? `; ${file.rows.length - compared.length} layer(s) lack one side (see the table)` : ''}`);
  const x = ((spec.layer as { encoding: { x: { scale?: { domain: number[] } } } }[])[0]!.encoding.x);
  x.scale!.domain = domain;
  return { name: 'vs-pytorch', title: `Ours vs PyTorch: ${file.platform}`, spec };
}

/**
 * vs-pytorch.json of a run's platform (results/yardsticks/<platform>/ beside results/<platform>/<run>/) when
 * it names the run among its sources; undefined otherwise or when the file is unreadable (the report then
 * simply has no comparison: `coexec vs-pytorch` is the place that reports bad input).
 */
export function loadVsPytorchFor(runDir: string, platform: string): VsPytorchFile | undefined {
  const path = join(runDir, '..', '..', 'yardsticks', platform, 'vs-pytorch.json');
  if (!existsSync(path)) return undefined;
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as VsPytorchFile;
    const runId = basename(runDir);
    if (file.schemaVersion !== 1 || !Array.isArray(file.rows) || !file.provenance?.runs?.some((r) => r.runId === runId || basename(r.dir) === runId)) return undefined;
    return file;
  } catch {
    return undefined;
  }
}

/** The report section under the table and figure: the summary lines and provenance. */
export function vsPytorchSection(run: RunData): ReportSection | undefined {
  if (!run.vsPytorch) return undefined;
  return { id: 'vs-pytorch', title: 'The user\'s alternative: PyTorch on the same host',
    html: vsPytorchSummaryLines(run.vsPytorch).map((l) => `<p>${escapeHtml(l)}</p>`).join('\n') };
}
