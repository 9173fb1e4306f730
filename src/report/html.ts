/**
 * The static HTML report of a run (runDir/report/index.html): every figure embedded with vega-embed
 * from local copies under report/vendor/ (no CDN, works from file://), every table, the claim summary.
 * Pure: returns the page text; render-run.ts writes it and copies the vendor scripts.
 */
import type { ClaimRow } from '../results-schema/index.js';
import type { FigureSpec } from './figure-specs.js';
import { claimTag, type Table } from './tables.js';
import type { ReportSection } from './sections.js';

/** Scripts copied from node_modules into report/vendor/, in load order. */
export const VENDOR_SCRIPTS = [
  { pkg: 'vega', file: 'build/vega.min.js', to: 'vega.min.js' },
  { pkg: 'vega-lite', file: 'build/vega-lite.min.js', to: 'vega-lite.min.js' },
  { pkg: 'vega-embed', file: 'build/vega-embed.min.js', to: 'vega-embed.min.js' },
];

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that is safe inside a <script> element (no `</script>` or `<!--` can close it). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function tableHtml(t: Table): string {
  const head = t.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h3>${escapeHtml(t.title)}</h3>\n<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function claimsHtml(claims: ClaimRow[]): string {
  if (claims.length === 0) return '<p>No claims in derived/claims.json.</p>';
  const items = claims.map((c) => {
    const unit = c.unit === 'x' ? 'x' : ` ${c.unit}`;
    const show = (v: number | null) => (v === null ? 'n/a' : String(Number(v.toPrecision(4))));
    const range = `[${c.tolerance.min ?? '-'}, ${c.tolerance.max ?? '-'}]`;
    // An undecided claim (its 95% interval straddles the range's bound) is neither PASS nor FAIL.
    const { undecided, interval } = c as { undecided?: string; interval?: [number, number] };
    const tag = claimTag(c);
    const ci = interval ? ` (95% interval [${show(interval[0])}, ${Number.isFinite(interval[1]) ? show(interval[1]) : '-'}])` : '';
    return `<li class="${undecided || c.applicable === false ? 'undecided' : c.pass ? 'pass' : 'fail'}"><b>${tag}</b> ${escapeHtml(c.id)}: ${escapeHtml(c.text)}; ` +
      `measured ${show(c.measured)}${unit}${ci}, paper ${show(c.paperValue)}${unit}, ${c.applicable === false ? 'no verdict' : `accepted ${escapeHtml(range)}`}` +
      `${c.platformClass ? ` (${escapeHtml(c.platformClass)})` : ''}</li>`;
  }).join('\n');
  return `<ul class="claims">\n${items}\n</ul>`;
}

/** What the page shows. */
export interface ReportInput {
  platform: string;
  runId: string;
  synthetic: boolean;
  figures: FigureSpec[];
  tables: Table[];
  claims: ClaimRow[];
  /** Extra sections after the claims (sections.ts); none by default. */
  sections?: ReportSection[];
}

/** The whole page as one string. */
export function reportHtml(input: ReportInput): string {
  const figs = input.figures.map((f, i) =>
    `<figure><div id="fig-${i}" class="chart" data-name="${escapeHtml(f.name)}"></div>` +
    `<figcaption>${escapeHtml(f.title)} (<a href="../figures/${escapeHtml(f.name)}.svg">SVG</a>, ` +
    `<a href="../figures/${escapeHtml(f.name)}.png">PNG</a>)</figcaption></figure>`).join('\n');
  const specs = scriptJson(input.figures.map((f) => f.spec));
  const scripts = VENDOR_SCRIPTS.map((v) => `<script src="vendor/${v.to}"></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>coexec run ${escapeHtml(input.runId)} (${escapeHtml(input.platform)})</title>
<style>
body { font-family: "DejaVu Sans", sans-serif; margin: 2em; color: #111; max-width: 1300px; }
.synthetic { border: 2px solid #D55E00; padding: 0.5em 1em; }
.claims li { margin: 0.3em 0; } .pass b { color: #006e4f; } .fail b { color: #b34700; } .undecided b { color: #6b6b6b; }
figure { margin: 1.5em 0; } figcaption { font-size: 0.9em; color: #333; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; font-size: 0.85em; margin-bottom: 1.5em; }
th, td { border: 1px solid #bbb; padding: 2px 6px; text-align: right; } th { background: #f0f0f0; }
.measurement th, .measurement td { text-align: left; } .measurement th { font-weight: normal; }
#errors { color: #b34700; }
</style>
${scripts}
</head>
<body>
<h1>Co-execution run ${escapeHtml(input.runId)}</h1>
<p>Platform <b>${escapeHtml(input.platform)}</b>. Generated from the run folder's derived/*.json by <code>coexec figures</code>;
check the folder with <code>coexec validate</code>.</p>
${input.synthetic ? '<p class="synthetic"><b>SYNTHETIC DATA</b>: this run folder is test data from a toy model, not a measurement.</p>' : ''}
<h2>Claims</h2>
${claimsHtml(input.claims)}
${(input.sections ?? []).map((x) => `<h2 id="${escapeHtml(x.id)}">${escapeHtml(x.title)}</h2>\n${x.html}`).join('\n')}
<h2>Figures</h2>
<div id="errors"></div>
${figs}
<h2>Tables</h2>
${input.tables.map(tableHtml).join('\n')}
<script id="specs" type="application/json">${specs}</script>
<script>
const specs = JSON.parse(document.getElementById('specs').textContent);
window.chartsReady = Promise.all(specs.map((spec, i) =>
  vegaEmbed('#fig-' + i, spec, { renderer: 'svg', actions: false }).catch((err) => {
    document.getElementById('errors').textContent += 'figure ' + i + ': ' + err.message + ' ';
    console.error('figure ' + i + ': ' + err.message);
  })));
</script>
</body>
</html>
`;
}
