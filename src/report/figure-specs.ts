/**
 * Figures of a run: the vega-lite templates in figures/*.vl.json filled with data from derived/*.json.
 * Building specs is pure and needs no renderer; render-figure.ts draws a filled spec to SVG and PNG, and
 * writing files is render-run.ts's job.
 */
import { readFileSync, existsSync } from 'node:fs';
import type { LayerRow, SplitCurveRow, PredictionRow, SyncRow, Summary } from '../results-schema/index.js';
import { layerLabel } from './tables.js';
import { fromRow, niceCeil, niceCeilLog, niceFloorLog, spreadRows, toRow, type PanelScale } from './rule-labels.js';

/** Okabe-Ito colours (colour-blind safe), yellow last because it is faint on white paper. */
export const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** Paper values (Pixel 5, arXiv 2510.21081): maxima of grid search (oracle) and predictor selection. */
export const PAPER = {
  linear: { oracle: 2.01, selected: 1.89 },
  conv2d: { oracle: 1.87, selected: 1.75 },
  decisionQuality: 0.94,
} as const;

/** The one font of every figure (render-figure.ts loads its files for the PNGs). */
export const FONT = 'DejaVu Sans';

/** Look shared by every figure: print-readable sizes, one font, Okabe-Ito categories. */
export const FIGURE_CONFIG = {
  font: FONT, background: '#ffffff', padding: 8,
  range: { category: OKABE_ITO },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e4e4e4', labelLimit: 320 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 260, titleLimit: 260 },
  title: { fontSize: 14, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#333333' },
  view: { stroke: '#999999' },
} as const;

/** A figure ready to render or embed: file stem, the filled vega-lite spec. */
export interface FigureSpec { name: string; title: string; spec: Record<string, unknown> }

/** Folder holding the *.vl.json templates (figures/ at the repository root). */
export function templatesDir(): URL {
  return new URL('../../../figures/', import.meta.url);
}

/** Loads a template by stem, e.g. `split-latency`. */
export function loadTemplate(stem: string, dir: URL = templatesDir()): Record<string, unknown> {
  const url = new URL(`${stem}.vl.json`, dir);
  if (!existsSync(url)) throw new Error(`figure template ${url.pathname} missing`);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

/** Fills a template: named datasets, a title with the platform, the shared config. */
export function fillTemplate(
  template: Record<string, unknown>, datasets: Record<string, unknown[]>, title: string, subtitle?: string,
): Record<string, unknown> {
  return { ...template, datasets, title: subtitle ? { text: title, subtitle } : title, config: FIGURE_CONFIG };
}

const kindOf = (rows: LayerRow[]) => (rows[0]?.layer.type === 'conv2d' ? 'conv2d' : 'linear');

/** (a) Latency against split ratio, one panel per layer of `experiment`, oracle and selected marked. */
export function splitLatencyFigure(platform: string, experiment: string, layers: LayerRow[], curves: SplitCurveRow[]): FigureSpec {
  const labels = new Map(layers.filter((l) => l.experiment === experiment).map((l) => [l.layerId, layerLabel(l.layer)]));
  const rows: Record<string, unknown>[] = [];
  for (const c of curves) {
    const layer = labels.get(c.layerId);
    if (layer === undefined) continue;
    rows.push({ layer, splitRatio: c.splitRatio, latencyMs: c.latencyMs, pick: 'grid' });
    if (c.isOracle) rows.push({ layer, splitRatio: c.splitRatio, latencyMs: c.latencyMs, pick: 'oracle' });
    if (c.isSelected) rows.push({ layer, splitRatio: c.splitRatio, latencyMs: c.latencyMs, pick: 'selected' });
  }
  const title = `Latency vs split ratio: ${experiment} on ${platform}`;
  return { name: `split-latency-${experiment}`, title,
    spec: fillTemplate(loadTemplate('split-latency'), { rows }, title, 'best strategy per ratio from the grid; r = 0 is GPU only, r = 1 CPU only') };
}

/** Text line height of the rule labels (fontSize 11 in the template) plus a little air. */
const RULE_LABEL_GAP = 13;

/** The two panels of the speedup figure: which baseline, which LayerRow fields, how the y axis is drawn. */
const SPEEDUP_PANELS = [
  { baseline: 'best single', oracle: 'speedupOracle', selected: 'speedupSelected', type: 'linear', height: 150 },
  { baseline: 'GPU-only finish', oracle: 'speedupOracleVsGpuFinish', selected: 'speedupSelectedVsGpuFinish', type: 'log', height: 190 },
] as const;

/** A panel's y domain covering its bars and rules: from 0 on the linear axis, 1-2-5 bounds on the log one. */
function panelDomain(type: 'linear' | 'log', values: number[]): [number, number] {
  const hi = Math.max(...values);
  if (type === 'linear') return [0, niceCeil(hi * 1.08)];
  return [niceFloorLog(Math.min(...values) / 1.15), niceCeilLog(hi * 1.15)];
}

/** 1, 2, 5 times powers of ten within `domain`. */
function logTicks([lo, hi]: [number, number]): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(6));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

/**
 * (b) Speedup per layer of `experiment` in two panels, because the two baselines differ by up to 100x on
 * a machine whose GPU is slow (PoCL): against the best single device (headline, linear axis from 0) and
 * against GPU-only with clFinish (log axis, bars from 1x). Both panels show the 1x rule and the paper's
 * maxima; the domains are set here so that the rule labels can be spread apart (rule-labels.ts).
 */
export function speedupFigure(platform: string, experiment: string, layers: LayerRow[]): FigureSpec {
  const mine = layers.filter((l) => l.experiment === experiment);
  const p = PAPER[kindOf(mine)];
  const wanted = [
    { kind: 'paper', value: p.oracle, label: `paper grid search ${p.oracle}x` },
    { kind: 'paper', value: p.selected, label: `paper selected ${p.selected}x` },
    { kind: 'one', value: 1, label: '1x' },
  ];
  const rows: Record<string, unknown>[] = [];
  const rules: Record<string, unknown>[] = [];
  const template = loadTemplate('speedup-per-layer');
  SPEEDUP_PANELS.forEach((panel, i) => {
    // A layer without the panel's baseline (no VALID GPU-only finish latency) has no bars in that panel.
    const bars = mine.filter((l) => l[panel.oracle] !== undefined && l[panel.selected] !== undefined).flatMap((l) => [
      { layer: layerLabel(l.layer), baseline: panel.baseline, strategy: 'oracle', speedup: l[panel.oracle]! },
      { layer: layerLabel(l.layer), baseline: panel.baseline, strategy: 'selected', speedup: l[panel.selected]! },
    ]);
    rows.push(...bars);
    const scale: PanelScale = { type: panel.type, height: panel.height,
      domain: panelDomain(panel.type, [...bars.map((b) => b.speedup), ...wanted.map((w) => w.value)]) };
    const labelRows = spreadRows(wanted.map((w) => toRow(scale, w.value)), RULE_LABEL_GAP);
    wanted.forEach((w, k) => rules.push({ ...w, panel: panel.baseline, labelAt: fromRow(scale, labelRows[k]!) }));
    const view = (template.vconcat as { height: number; layer: { encoding: { y: { scale: { domain: number[] }; axis?: unknown } } }[] }[])[i]!;
    view.height = panel.height;
    view.layer[0]!.encoding.y.scale.domain = scale.domain;
    // vega's log axis draws an unlabelled tick and grid line at every integer multiple; 1-2-5 reads cleaner.
    if (panel.type === 'log') view.layer[0]!.encoding.y.axis = { values: logTicks(scale.domain) };
  });
  const title = `Speedup per layer: ${experiment} on ${platform}`;
  return { name: `speedup-per-layer-${experiment}`, title,
    spec: fillTemplate(template, { rows, rules }, title, 'solid: 1x (no gain); dashed: the paper\'s maxima on a Pixel 5') };
}

/** (c) Predicted against measured per side, with the +-10 % band around the diagonal. */
export function predictionsFigure(platform: string, preds: PredictionRow[]): FigureSpec {
  const rows: Record<string, unknown>[] = preds.map((p) => ({ kind: 'point', side: p.side, model: p.model, measuredMs: p.measuredMs, predictedMs: p.predictedMs }));
  for (const side of [...new Set(preds.map((p) => p.side))]) {
    const xs = preds.filter((p) => p.side === side).flatMap((p) => [p.measuredMs, p.predictedMs]).filter((x) => x > 0);
    if (xs.length === 0) continue;
    const lo = Math.min(...xs) * 0.85;
    const hi = Math.max(...xs) * 1.15;
    for (let i = 0; i <= 8; i++) {
      const x = lo * (hi / lo) ** (i / 8);
      rows.push({ kind: 'band', side, measuredMs: x, predictedMs: x, lowMs: x * 0.9, highMs: x * 1.1 });
    }
  }
  const title = `Predicted vs measured time on held-out shapes: ${platform}`;
  return { name: 'predicted-vs-measured', title,
    spec: fillTemplate(loadTemplate('predicted-vs-measured'), { rows }, title, 'grey band: within +-10 % of the measured time') };
}

/** Median of a non-empty list. */
function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * (d) Sync overhead per mechanism across output sizes: one point per mechanism, size and measure, the
 * median over the layers of that size, in increasing size (a line through unsorted or repeated sizes
 * zigzags and reads as noise).
 */
export function syncFigure(platform: string, sync: SyncRow[]): FigureSpec {
  const groups = new Map<string, { mechanism: string; outputSize: number; measure: string; values: number[] }>();
  const add = (mechanism: string, outputSize: number, measure: string, us: number) => {
    const key = `${mechanism}|${outputSize}|${measure}`;
    const g = groups.get(key) ?? { mechanism, outputSize, measure, values: [] };
    g.values.push(us);
    groups.set(key, g);
  };
  for (const s of sync) {
    // A mechanism without a VALID round trip shows its layer-level overhead only.
    if (s.roundTripUs !== null) add(s.mechanism, s.outputSize, 'bare round trip (us)', s.roundTripUs);
    add(s.mechanism, s.outputSize, 'overhead in a co-executed layer (us)', s.overheadUs);
  }
  const rows = [...groups.values()].sort((a, b) => a.outputSize - b.outputSize)
    .map((g) => ({ mechanism: g.mechanism, outputSize: g.outputSize, measure: g.measure, us: median(g.values), layers: g.values.length }));
  const title = `Synchronization cost per mechanism: ${platform}`;
  return { name: 'sync-overhead', title,
    spec: fillTemplate(loadTemplate('sync-overhead'), { rows }, title, 'overhead = co-execution time - slower side; median over the layers of one size') };
}

/** (e) Decision quality per layer, all experiments, the paper's ~0.94 as a rule. */
export function decisionQualityFigure(platform: string, layers: LayerRow[]): FigureSpec {
  const rows = layers.map((l, order) => ({ layer: layerLabel(l.layer), experiment: l.experiment, q: l.decisionQuality, order }));
  const paper = [{ value: PAPER.decisionQuality, label: `paper ~${PAPER.decisionQuality}` }];
  const spec = fillTemplate(loadTemplate('decision-quality'), { rows, paper }, `Decision quality per layer: ${platform}`, '1.0 = the predictor picked the oracle');
  const minQ = Math.min(0.5, ...rows.map((r) => r.q));
  if (minQ < 0.5) setQDomain(spec, [Math.floor(minQ * 10) / 10, 1.02]);
  return { name: 'decision-quality', title: `Decision quality per layer: ${platform}`, spec };
}

function setQDomain(spec: Record<string, unknown>, domain: [number, number]): void {
  const layer = (spec.layer as { encoding: { x: { scale?: unknown } } }[])[0];
  if (layer) layer.encoding.x.scale = { domain };
}

/**
 * (f) Summary across platforms: geomean (bars) and max (ticks) speedup over the best single device.
 * `summaries` in run order (oldest first).
 */
export function summaryFigure(summaries: Summary[]): FigureSpec {
  // One bar per platform and group; a later run of the same platform replaces an earlier one.
  const byKey = new Map<string, Record<string, unknown>>();
  for (const s of summaries) {
    for (const [kind, k] of [['linear', s.linear], ['conv', s.conv]] as const) {
      if (!k) continue;
      byKey.set(`${s.platform}|${kind} oracle`, { platform: s.platform, group: `${kind} oracle`, geomean: k.geomeanSpeedupOracle, max: k.maxSpeedupOracle });
      byKey.set(`${s.platform}|${kind} selected`, { platform: s.platform, group: `${kind} selected`, geomean: k.geomeanSpeedupSelected, max: k.maxSpeedupSelected });
    }
  }
  const rows = [...byKey.values()];
  const title = `Speedup over the best single device across platforms`;
  const spec = fillTemplate(loadTemplate('summary-platforms'), { rows }, title, 'bars: geometric mean over layers; black diamonds: maximum; dashed: 1x');
  // Head room above the highest maximum and above 1x, so neither a diamond nor the rule sits on the frame.
  const top = niceCeil(Math.max(1, ...rows.map((r) => r.max as number)) * 1.15);
  (spec.layer as { encoding: { y: { scale?: unknown } } }[])[0]!.encoding.y.scale = { domain: [0, top], nice: false };
  return { name: 'summary-platforms', title, spec };
}
