#!/usr/bin/env node
// Prints the table "The floor under decision quality" (ARTIFACT.md section J, results/repeatability/README.md):
// for every results/repeatability file with a retest decision quality (scripts/repeatability.mjs), both of its
// runs scored, each beside its own selection: the other run's grid choice scored by this run's grid (the floor),
// the selection's grid q (derived summary.json geomeanGridQ / worstGridQ), their ratio, derive's q, and the
// floor where this run's confirmation pass re-measured the other run's choice. Geomean / worst over layers.
//   node scripts/q-floor-table.mjs [FILE.json ...]     (default: every results/repeatability/*.json)
// Reads committed files only (run folders under results/<platform>/ by run id); writes nothing. Needs
// `npx tsc -p tsconfig.json` first (reads dist/).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { retestQFor } from '../dist/src/report/floor-section.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'results', 'repeatability');
const files = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(dir).filter((n) => n.endsWith('.json')).sort().map((n) => join(dir, n));
const pair = (g, w) => (g === undefined ? 'n/a' : `${g.toFixed(3)} / ${w.toFixed(2)}`);
const short = (runId) => runId.replace(/^.*T(\d{4}Z)$/, '$1');
const kindOf = (experiment) => (experiment.startsWith('linear') ? 'linear' : 'conv');
console.log("| run scored | floor (the other run's choice) | selection's grid q | grid q / floor | q as derived | floor in the confirmation pass (layers) |");
console.log('| --- | --- | --- | --- | --- | --- |');
for (const file of files) {
  const f = JSON.parse(readFileSync(file, 'utf8'));
  if (!f.decisionQuality) continue;
  // Each run the file names, scored once (a same-call retest names one run twice).
  for (const runId of new Set([f.runA, f.runB])) {
    const floor = retestQFor(f, runId);
    const summaryFile = join(root, 'results', f.platform, runId, 'derived', 'summary.json');
    if (!floor || !existsSync(summaryFile)) continue;
    const k = JSON.parse(readFileSync(summaryFile, 'utf8'))[kindOf(f.experiment)];
    if (!k) continue;
    const c = floor.confirmed;
    console.log(`| ${f.platform} ${kindOf(f.experiment)} ${short(runId)} | ${pair(floor.geomean, floor.worst)} | ${pair(k.geomeanGridQ, k.worstGridQ)} | `
      + `${k.geomeanGridQ === undefined ? 'n/a' : (k.geomeanGridQ / floor.geomean).toFixed(2)} | ${pair(k.geomeanQ, k.worstQ)} | `
      + `${c ? `${pair(c.geomean, c.worst)} (${c.layers} of ${floor.layers.length})` : 'n/a'} |`);
  }
}
