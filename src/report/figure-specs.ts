/**
 * Figures of a run: the vega-lite templates in figures/*.vl.json filled with data from derived/*.json,
 * and rendering of a filled spec to SVG (vega, no browser) and PNG (@resvg/resvg-js with DejaVu fonts).
 * Building specs is pure; rendering returns strings/bytes; writing files is render-run.ts's job.
 */
import { readFileSync, existsSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { LayerRow, SplitCurveRow, PredictionRow, SyncRow, Summary } from '../results-schema/index.js';
import { layerLabel } from './tables.js';

/** Okabe-Ito colours (colour-blind safe), yellow last because it is faint on white paper. */
export const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** Paper values (Pixel 5, arXiv 2510.21081): maxima of grid search (oracle) and predictor selection. */
export const PAPER = {
  linear: { oracle: 2.01, selected: 1.89 },
  conv2d: { oracle: 1.87, selected: 1.75 },
  decisionQuality: 0.94,
} as const;

const FONT = 'DejaVu Sans';
const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu'];

/** Look shared by every figure: print-readable sizes, one font, Okabe-Ito categories. */
export const FIGURE_CONFIG = {
  font: FONT, background: '#ffffff', padding: 8,
  range: { category: OKABE_ITO },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e4e4e4', labelLimit: 220 },
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

/** (b) Speedup per layer of `experiment`, four series, the paper's maxima as dashed rules. */
export function speedupFigure(platform: string, experiment: string, layers: LayerRow[]): FigureSpec {
  const mine = layers.filter((l) => l.experiment === experiment);
  const series: [string, keyof LayerRow][] = [
    ['oracle vs best single', 'speedupOracle'], ['selected vs best single', 'speedupSelected'],
    ['oracle vs GPU-only finish', 'speedupOracleVsGpuFinish'], ['selected vs GPU-only finish', 'speedupSelectedVsGpuFinish'],
  ];
  const rows = mine.flatMap((l) => series.map(([s, key], order) => ({ layer: layerLabel(l.layer), series: s, order, speedup: l[key] })));
  const p = PAPER[kindOf(mine)];
  const paper = [
    { value: p.oracle, label: `paper grid search ${p.oracle}x` },
    { value: p.selected, label: `paper selected ${p.selected}x` },
    { value: 1, label: '1x' },
  ];
  const title = `Speedup per layer: ${experiment} on ${platform}`;
  return { name: `speedup-per-layer-${experiment}`, title,
    spec: fillTemplate(loadTemplate('speedup-per-layer'), { rows, paper }, title, 'dashed: the paper\'s maxima on a Pixel 5, comparable with the bars vs GPU-only finish') };
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

/** (d) Sync overhead per mechanism across output sizes. */
export function syncFigure(platform: string, sync: SyncRow[]): FigureSpec {
  // A mechanism without a VALID round trip shows its layer-level overhead only.
  const rows = sync.flatMap((s) => [
    ...(s.roundTripUs === null ? [] : [{ mechanism: s.mechanism, outputSize: s.outputSize, measure: 'bare round trip (us)', us: s.roundTripUs }]),
    { mechanism: s.mechanism, outputSize: s.outputSize, measure: 'overhead in a co-executed layer (us)', us: s.overheadUs },
  ]);
  const title = `Synchronization cost per mechanism: ${platform}`;
  return { name: 'sync-overhead', title,
    spec: fillTemplate(loadTemplate('sync-overhead'), { rows }, title, 'overhead = co-execution time - slower side; median over layers') };
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
  return { name: 'summary-platforms', title,
    spec: fillTemplate(loadTemplate('summary-platforms'), { rows }, title, 'bars: geometric mean over layers; black ticks: maximum; dashed: 1x') };
}

/** Renders a filled vega-lite spec to an SVG string, in-process, without a browser or canvas. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const vg = compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

let fontFiles: string[] | undefined;
function findFonts(): string[] {
  if (!fontFiles) {
    fontFiles = FONT_DIRS.flatMap((d) => ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => `${d}/${f}`)).filter((f) => existsSync(f));
  }
  return fontFiles;
}

/** Rasterizes an SVG to PNG at `scale` (2 = print-friendly), with the DejaVu fonts when present. */
export function svgToPng(svg: string, scale = 2): Buffer {
  const files = findFonts();
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: files, loadSystemFonts: files.length === 0, defaultFontFamily: FONT, sansSerifFamily: FONT },
  });
  return resvg.render().asPng();
}
