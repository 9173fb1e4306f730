/**
 * "Where the time goes" (issue 12 item 7): the engine's per-execution breakdown of co-executed jobs
 * (breakdownMedianNs -> sync-overhead.json `breakdownUs`) as stacked bars per layer and mechanism, in two
 * lanes that both start at t0: the CPU worker (start delay, slice, wait after the slice) and the GPU-driver
 * thread (start delay, OpenCL calls up to the flush). Also a per-mechanism summary table and the report's
 * section, which says so when the run's engine predates the breakdown. Pure builders.
 */
import type { SyncRow } from '../results-schema/index.js';
import { fillTemplate, loadTemplate, type FigureSpec } from './figure-specs.js';
import { escapeHtml } from './html.js';
import { labelFromLayerId } from './layer-id-label.js';
import type { RunData } from './render-run.js';
import type { ReportSection } from './sections.js';
import { num, type Table } from './tables.js';

/** The breakdown's fields in us, as sync-overhead.json and datapath.json carry them. */
export type BreakdownUs = Partial<Record<'cpuStartDelay' | 'driverStartDelay' | 'enqueue' | 'cpuSlice' | 'waitAfterCpu', number>>;

/** One co-executed job's breakdown: which layer, which mechanism, the latency, the parts. */
export interface BreakdownInput { layer: string; mechanism: string; coexecUs: number; breakdownUs: BreakdownUs }

/** Lanes and their parts, in drawing order (the order of time along each lane). */
const LANES = [
  { lane: 'CPU worker', parts: [['cpuStartDelay', 'CPU start delay'], ['cpuSlice', 'CPU slice'], ['waitAfterCpu', 'wait after CPU slice']] },
  { lane: 'driver thread', parts: [['driverStartDelay', 'driver start delay'], ['enqueue', 'enqueue (OpenCL calls)']] },
] as const;

const MECHANISMS = ['finish', 'event-poll', 'svm-coarse', 'svm-fine', 'svm-resident'];
const mechanismOrder = (m: string) => (MECHANISMS.includes(m) ? MECHANISMS.indexOf(m) : MECHANISMS.length);

/** Co-executed jobs of a run that carry a breakdown. */
export function breakdownInputs(rows: readonly SyncRow[]): BreakdownInput[] {
  return rows.flatMap((r) => {
    const b = (r as { breakdownUs?: BreakdownUs }).breakdownUs;
    return b ? [{ layer: labelFromLayerId(r.layerId), mechanism: r.mechanism, coexecUs: r.coexecMs * 1e3, breakdownUs: b }] : [];
  });
}

/** Figure rows: one per part present (`us`), plus one row per lane with the co-executed latency (`totalUs`). */
export function breakdownRows(inputs: readonly BreakdownInput[]): Record<string, unknown>[] {
  const layers = [...new Set(inputs.map((i) => i.layer))];
  const rows: Record<string, unknown>[] = [];
  for (const i of inputs) {
    const layer = i.layer;
    LANES.forEach(({ lane, parts }, li) => {
      const present = parts.filter(([k]) => i.breakdownUs[k] !== undefined);
      if (present.length === 0) return;
      const laneName = `${i.mechanism}: ${lane}`;
      const laneOrder = mechanismOrder(i.mechanism) * 2 + li;
      const common = { layer, layerOrder: layers.indexOf(i.layer), lane: laneName, laneOrder, mechanism: i.mechanism };
      present.forEach(([k, part], pi) => rows.push({ ...common, part, partOrder: pi, us: Math.max(0, i.breakdownUs[k]!), totalUs: null }));
      rows.push({ ...common, part: null, us: null, totalUs: i.coexecUs });
    });
  }
  return rows;
}

/**
 * Inputs from an engine data-path benchmark (native/bench/datapath_bench.py's datapath.json): its co-executed
 * layers that carry a breakdown, labelled by workload. Throws on a file of another shape.
 */
export function datapathInputs(value: unknown): BreakdownInput[] {
  const layers = (value as { layers?: unknown }).layers;
  if (!Array.isArray(layers)) throw new Error('no "layers" array (expected the datapath.json that native/bench/sync-bench.sh datapath writes)');
  return (layers as { workload?: string; sync?: string; coexecUs?: number; breakdownUs?: BreakdownUs }[]).flatMap((l) =>
    l.breakdownUs && typeof l.coexecUs === 'number' && l.workload && l.sync ? [{ layer: l.workload, mechanism: l.sync, coexecUs: l.coexecUs, breakdownUs: l.breakdownUs }] : []);
}

/** The figure, or undefined when no job has a breakdown (older engines). */
export function breakdownFigure(platform: string, inputs: readonly BreakdownInput[], name = 'sync-breakdown'): FigureSpec | undefined {
  if (inputs.length === 0) return undefined;
  const title = `Where the time goes in a co-executed layer: ${platform}`;
  return { name, title,
    spec: fillTemplate(loadTemplate('sync-breakdown'), { rows: breakdownRows(inputs) }, title,
      'medians per execution; both lanes start at t0; black tick: co-executed latency') };
}

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length === 0 ? undefined : v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};

/** Per mechanism: the median over layers of each part and of the latency (us). */
export function breakdownTable(platform: string, inputs: readonly BreakdownInput[]): Table {
  const mechanisms = [...new Set(inputs.map((i) => i.mechanism))].sort((a, b) => mechanismOrder(a) - mechanismOrder(b) || a.localeCompare(b));
  const keys = ['cpuStartDelay', 'driverStartDelay', 'enqueue', 'cpuSlice', 'waitAfterCpu'] as const;
  return {
    title: `Where the time goes (median over layers, us): ${platform}`,
    headers: ['mechanism', 'layers', 'CPU start delay', 'driver start delay', 'enqueue', 'CPU slice', 'wait after CPU slice', 'co-executed latency'],
    rows: mechanisms.map((m) => {
      const mine = inputs.filter((i) => i.mechanism === m);
      const med = (k: (typeof keys)[number]) => num(median(mine.flatMap((i) => (i.breakdownUs[k] === undefined ? [] : [i.breakdownUs[k]!]))), 1);
      return [m, String(mine.length), ...keys.map(med), num(median(mine.map((i) => i.coexecUs)), 1)];
    }),
  };
}

/** The report section: the table, or a note that the run's engine recorded no breakdown. */
export function breakdownSection(run: RunData): ReportSection | undefined {
  const rows = run.sync?.rows ?? [];
  if (rows.length === 0) return undefined;
  const inputs = breakdownInputs(rows);
  if (inputs.length === 0) {
    return { id: 'where-the-time-goes', title: 'Where the time goes',
      html: '<p>This run\'s engine recorded no execution breakdown (engines before issue 12 wrote none), so there is no breakdown figure; the sync-overhead figure and table below are all it measured.</p>' };
  }
  const t = breakdownTable(run.platform, inputs);
  const head = t.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  const without = rows.length - inputs.length;
  return { id: 'where-the-time-goes', title: 'Where the time goes',
    html: `<p>Medians over the layers of the engine's per-execution breakdown of ${inputs.length} co-executed jobs` +
      `${without > 0 ? ` (${without} without one)` : ''}; the figure "${escapeHtml(`Where the time goes in a co-executed layer: ${run.platform}`)}" shows each layer.</p>` +
      `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>` };
}
