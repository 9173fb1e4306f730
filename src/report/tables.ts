/**
 * Tables of a run, built from derived/*.json only: pure functions from typed rows to Markdown or CSV
 * text. A table is first a header plus rows of cells (strings), then formatted; so Markdown and CSV
 * always carry the same numbers.
 */
import type {
  LayerRow, AccuracyRow, SyncRow, Summary, ClaimRow, Layer,
} from '../results-schema/index.js';
import { parseStrategyId } from '../plan/ids.js';

/** Column headers and cell text; every row has headers.length cells. */
export interface Table { title: string; headers: string[]; rows: string[][] }

/** Fixed-precision number text; '' for missing values. */
export function num(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : x.toFixed(digits);
}

/** Short human label of a layer shape, e.g. `M1 N4096 K4096` or `C64 56x56 F64 3x3 s1 p1`. */
export function layerLabel(layer: Layer): string {
  if (layer.type === 'linear') return `M${layer.M} N${layer.N} K${layer.K}`;
  const stride = layer.strideH === layer.strideW ? `${layer.strideH}` : `${layer.strideH}x${layer.strideW}`;
  const pad = layer.padH === layer.padW ? `${layer.padH}` : `${layer.padH}x${layer.padW}`;
  return `C${layer.C} ${layer.H}x${layer.W} F${layer.F} ${layer.R}x${layer.S} s${stride} p${pad}${layer.batch > 1 ? ` B${layer.batch}` : ''}`;
}

/** The part of a strategy id after the layer id, e.g. `r:0.30/t:2/cpu:simd/gpu:gemv_row-wg128/sync:finish`. */
export function strategyLabel(strategyId: string, layerId: string): string {
  return strategyId.startsWith(`${layerId}/`) ? strategyId.slice(layerId.length + 1) : strategyId;
}

/** A single-side strategy in a few words: `CPU t8 simd-flat`, `GPU conv_reg_v16x2_q8-wg1 svm-fine`. */
export function singleSideLabel(best: LayerRow['bestSingle']): string {
  const s = parseStrategyId(best.strategyId).strategy;
  return best.side === 'cpu' ? `CPU t${s.cpuThreads} ${s.cpuImpl}` : `GPU ${s.gpuVariant}-wg${s.gpuWorkGroup} ${s.sync}${s.gpuStreams ? ` x${s.gpuStreams}` : ''}`;
}

/**
 * Per-layer table of one experiment. A row's latencies all come from one source (analysis/layer-rows.ts):
 * the confirmation pass, or the grid when the pass lacks a VALID latency for one of the row's roles; the
 * `latencies from` column says which. `best single` names the side and its strategy, so a reader sees which CPU
 * implementation (a co-executed one or a baseline measured alone) or GPU variant the speedups are against.
 */
export function layersTable(experiment: string, rows: LayerRow[]): Table {
  return {
    title: `${experiment}: per-layer results (latencies in ms)`,
    headers: ['layer', 'latencies from', 'best single', 'best single ms', 'GPU finish ms', 'oracle r', 'oracle ms', 'oracle strategy',
      'selected r', 'selected ms', 'selected strategy', 'speedup oracle', 'speedup selected',
      'oracle vs GPU finish', 'selected vs GPU finish', 'q', 'q, top 3 measured', 'ideal speedup (linear)', 'efficiency (linear)',
      'ideal speedup (fixed cost)', 'efficiency (fixed cost)'],
    rows: rows.filter((r) => r.experiment === experiment).map((r) => [
      layerLabel(r.layer), r.latencySource === 'grid' ? 'grid' : r.latencySource === 'confirm' ? 'confirmation pass' : '', singleSideLabel(r.bestSingle), num(r.bestSingle.latencyMs, 3), num(r.gpuFinish?.latencyMs, 3),
      num(r.oracle.splitRatio), num(r.oracle.latencyMs, 3), strategyLabel(r.oracle.strategyId, r.layerId),
      num(r.selected.splitRatio), num(r.selected.latencyMs, 3), strategyLabel(r.selected.strategyId, r.layerId),
      num(r.speedupOracle), num(r.speedupSelected), num(r.speedupOracleVsGpuFinish), num(r.speedupSelectedVsGpuFinish),
      num(r.decisionQuality, 3), r.decisionQualityTop3 !== undefined ? num(r.decisionQualityTop3, 3) : 'n/a', num(r.idealSpeedupLinear), num(r.efficiencyLinear, 3),
      r.idealSpeedupAffine !== undefined ? num(r.idealSpeedupAffine) : 'n/a', r.efficiencyAffine !== undefined ? num(r.efficiencyAffine, 3) : 'n/a',
    ]),
  };
}

/** Predictor accuracy per side and model on held-out shapes. */
export function accuracyTable(rows: AccuracyRow[]): Table {
  return {
    title: 'Predictor accuracy on held-out layer shapes',
    headers: ['side', 'model', 'MAPE %', 'RMSPE %', 'within +-10 %', 'n'],
    rows: rows.map((r) => [r.side, r.model, num(r.mape, 1), num(r.rmspe, 1), num(r.within10 === null ? null : r.within10 * 100, 0),
      r.n === undefined ? '' : String(r.n)]),
  };
}

/** Sync overhead per mechanism and layer. */
export function syncTable(rows: SyncRow[]): Table {
  return {
    title: 'Synchronization overhead per mechanism',
    headers: ['mechanism', 'layer', 'output size', 'round trip us', 'co-execution ms', 'slower side ms', 'overhead us'],
    rows: rows.map((r) => [r.mechanism, r.layerId, String(r.outputSize), num(r.roundTripUs, 1), num(r.coexecMs, 3),
      num(r.slowerSideMs, 3), num(r.overheadUs, 1)]),
  };
}

/** Headline numbers of a run, one metric per row. */
export function summaryTable(s: Summary): Table {
  const rows: string[][] = [];
  for (const kind of ['linear', 'conv'] as const) {
    const k = s[kind];
    if (!k) continue;
    rows.push([kind, 'geomean speedup oracle (x)', num(k.geomeanSpeedupOracle)], [kind, 'max speedup oracle (x)', num(k.maxSpeedupOracle)],
      [kind, 'geomean speedup selected (x)', num(k.geomeanSpeedupSelected)], [kind, 'max speedup selected (x)', num(k.maxSpeedupSelected)],
      [kind, 'mean q', num(k.meanQ, 3)], [kind, 'worst q', num(k.worstQ, 3)]);
    if (k.geomeanQTop3 !== undefined && k.worstQTop3 !== undefined) {
      rows.push([kind, 'geomean q, top 3 measured', num(k.geomeanQTop3, 3)], [kind, 'worst q, top 3 measured', num(k.worstQTop3, 3)]);
    }
  }
  if (s.selectionMsPerLayer !== undefined) rows.push(['selection', 'ms per layer', num(s.selectionMsPerLayer, 3)]);
  if (s.selectionOverGridWall !== undefined) rows.push(['selection', 'wall time vs grid search', num(s.selectionOverGridWall, 4)]);
  for (const [side, p] of Object.entries(s.predictor ?? {})) rows.push(['predictor', `${side} MAPE % (${p.model})`, num(p.mape, 1)]);
  // A skipped layer is absent from the per-layer table and every aggregate above: name it and say why.
  for (const k of s.skippedLayers ?? []) rows.push(['skipped layer', k.layerId, k.reason]);
  const device = typeof s.device === 'string' ? s.device : JSON.stringify(s.device);
  return { title: `Summary: ${s.platform} (${device})`, headers: ['group', 'metric', 'value'], rows };
}

/**
 * A claim's verdict word: "not this class" (made for another platform class: shown, not judged), N/A (the
 * class cannot show it), UNDECIDED (its 95% interval straddles a bound), else PASS or FAIL.
 */
export function claimTag(c: ClaimRow): string {
  const { undecided, notThisClass } = c as { undecided?: string; notThisClass?: string };
  if (notThisClass) return 'not this class';
  if (c.applicable === false) return 'N/A';
  return undecided ? 'UNDECIDED' : c.pass ? 'PASS' : 'FAIL';
}

/** Claims with the paper's value, the measured value and the accepted range. */
export function claimsTable(rows: ClaimRow[]): Table {
  const range = (t: ClaimRow['tolerance']) => `[${t.min ?? '-'}, ${t.max ?? '-'}]`;
  return {
    title: 'Claims: paper vs this run',
    headers: ['claim', 'experiment', 'metric', 'paper', 'measured', 'range', 'class', 'verdict'],
    rows: rows.map((c) => [c.id, c.experiment, c.metric, `${num(c.paperValue)}${c.unit === 'x' ? 'x' : ''}`,
      `${num(c.measured)}${c.unit === 'x' ? 'x' : ''}`, range(c.tolerance), c.platformClass ?? '', claimTag(c)]),
  };
}

/** Markdown: a level-3 title and a pipe table; '|' inside cells is escaped. */
export function toMarkdown(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const line = (cells: string[]) => `| ${cells.map(esc).join(' | ')} |`;
  return [`### ${t.title}`, '', line(t.headers), line(t.headers.map(() => '---')), ...t.rows.map(line), ''].join('\n');
}

/** CSV (RFC 4180): header line, then rows; fields with comma, quote or newline are quoted. */
export function toCsv(t: Table): string {
  const field = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [t.headers, ...t.rows].map((r) => r.map(field).join(',')).join('\n') + '\n';
}
