/**
 * Issue 14 item 5, the figure in the design card's spirit: per layer and platform, the grid-search bound
 * (oracle speedup over the best single device) as a bar and the predictor-selected strategy's measured
 * speedup as a tick, beside the paper's Pixel 5 maxima (grid search / selected: linear 2.01x / 1.89x, conv
 * 1.87x / 1.75x) as labelled dashed rules; one panel per layer kind. Drawn per run (its platform) in the run
 * report and across platforms in figures/summary. Pure.
 */
import type { LayerRow } from '../results-schema/index.js';
import { fillTemplate, loadTemplate, PAPER, type FigureSpec } from './figure-specs.js';
import { niceCeil } from './rule-labels.js';
import { layerLabel } from './tables.js';

/** One platform's layer rows (derived/layers.json of its runs, later runs last). */
export interface PlatformLayers { platform: string; rows: readonly LayerRow[] }

const KINDS = [
  { kind: 'linear', title: 'linear layers', paper: PAPER.linear },
  { kind: 'conv2d', title: 'conv2d layers', paper: PAPER.conv2d },
] as const;

type Panel = { title: { text: string }; layer: { data: { name: string }; transform?: { filter: string }[]; encoding: { x: { scale?: { domain: number[] } } } }[] };

/**
 * The figure over `platforms`; undefined when no layer row is given. A layer measured by several runs of a
 * platform shows the last run's row (a rerun replaces what it remeasured).
 */
export function boundFigure(platforms: readonly PlatformLayers[], name = 'bound-vs-selected'): FigureSpec | undefined {
  const latest = new Map<string, { platform: string; row: LayerRow }>();
  for (const p of platforms) for (const row of p.rows) latest.set(`${p.platform}|${row.layerId}`, { platform: p.platform, row });
  if (latest.size === 0) return undefined;
  const rows = [...latest.values()].map(({ platform, row }) => ({
    platform, kind: row.layer.type, layer: layerLabel(row.layer), bound: row.speedupOracle, selected: row.speedupSelected,
    oracleStrategy: row.oracle.strategyId, selectedStrategy: row.selected.strategyId, decisionQuality: row.decisionQuality,
  }));
  const template = loadTemplate('bound-vs-selected');
  const panelTemplate = JSON.stringify(template.panel);
  const rules: Record<string, unknown>[] = [];
  const panels: Panel[] = [];
  for (const k of KINDS) {
    const mine = rows.filter((r) => r.kind === k.kind);
    if (mine.length === 0) continue;
    // The larger paper value's label runs right from its rule and the smaller's left from its own: they
    // sit on one line above the plot and point apart, so they cannot overlap whatever the scale.
    rules.push(
      { kind: 'one', layerKind: k.kind, value: 1 },
      { kind: 'paper', layerKind: k.kind, value: k.paper.oracle, label: `paper grid search ${k.paper.oracle}x`, side: 'right' },
      { kind: 'paper', layerKind: k.kind, value: k.paper.selected, label: `paper selected ${k.paper.selected}x`, side: 'left' },
    );
    const panel = JSON.parse(panelTemplate) as Panel;
    panel.title.text = k.title;
    for (const l of panel.layer) l.transform = [{ filter: `datum.${l.data.name === 'rows' ? 'kind' : 'layerKind'} === '${k.kind}'` }, ...(l.transform ?? [])];
    panel.layer[0]!.encoding.x.scale!.domain = [0, niceCeil(Math.max(k.paper.oracle, ...mine.flatMap((r) => [r.bound, r.selected])) * 1.08)];
    panels.push(panel);
  }
  const { panel: _unused, ...rest } = template;
  const names = [...new Set(rows.map((r) => r.platform))];
  const title = `Grid-search bound and predictor-selected speedup per layer: ${names.join(', ')}`;
  return { name, title,
    spec: fillTemplate({ ...rest, vconcat: panels }, { rows, rules }, title, 'bars: grid-search bound (oracle); black ticks: predictor-selected (measured); grey: 1x; dashed: the paper\'s maxima on a Pixel 5') };
}
