/**
 * The report section "Model families on confirmed latencies": every evaluated family's first choice scored on
 * the confirmation pass (summary.json familyConfirmedQ, analysis/family-confirmed.ts), the selection family
 * marked. None for a run whose pass measured no layer's choices of every family.
 */
import { escapeHtml } from './html.js';
import type { RunData } from './render-run.js';
import type { ReportSection } from './sections.js';
import { num } from './tables.js';

export function familySection(run: RunData): ReportSection | undefined {
  const f = run.summary?.familyConfirmedQ;
  if (!f || f.layers === 0) return undefined;
  const selecting = run.summary?.selectionFamily;
  const rows = Object.entries(f.geomeanQ)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([family, q]) => `<tr><td>${escapeHtml(family === selecting ? `${family} (selects in this run)` : family)}</td><td>${escapeHtml(num(q, 3))}</td></tr>`)
    .join('\n');
  return {
    id: 'family-confirmed', title: 'Model families on confirmed latencies',
    html: `<p>${escapeHtml(`Each evaluated family's first choice per layer (its held-out predictor), scored as q is: the layer's fastest strategy in the confirmation pass over the choice's latency there, geomean over the ${f.layers} of ${f.ofLayers} layers where the pass measured every family's choice.`)}</p>\n`
      + `<table><tr><th>family</th><th>q geomean</th></tr>\n${rows}</table>\n`,
  };
}
