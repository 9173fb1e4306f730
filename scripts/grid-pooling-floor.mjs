#!/usr/bin/env node
// Would measuring a grid twice make its oracle reproducible? From three measurements of the same grid (run
// folders with jobs.json; the same plan measured three times, e.g. three copies of one bundle in one call),
// per layer: the grid-search choice of one measurement scored in another (its q: that measurement's fastest
// over its latency of the choice) and the choice of two measurements pooled (each job's geometric mean of the
// two medians; jobs VALID in both) scored in the third. Geomean and worst over layers, every permutation.
//   node scripts/grid-pooling-floor.mjs RUN_A RUN_B RUN_C [--stolen] [--json FILE]
// Each RUN is a run folder or a jobs.json file (gzip accepted: results/repeatability keeps them so).
// Grids hold VALID jobs only, as derive's; --stolen also keeps jobs INVALID only for steal time (their medians
// include what the hypervisor took: 1-10%), for a measurement a disturbed call left with holes in its grid.
// Prints a table; with --json also writes it. Needs `npx tsc -p tsconfig.json` first (reads dist/).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inPhase, layerId, strategyId } from '../dist/src/analysis/layers.js';
import { isValidLayerJob } from '../dist/src/predict/dataset.js';
import { readJobRows } from './lib/job-rows.mjs';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
const stolenAt = args.indexOf('--stolen');
const keepStolen = stolenAt >= 0 && args.splice(stolenAt, 1).length === 1;
const jobsFileOf = (arg) => (arg.endsWith('.json') || arg.endsWith('.json.gz') ? arg : join(arg, 'jobs.json'));
if (args.length !== 3 || args.some((r) => !existsSync(jobsFileOf(r))) || (jsonAt >= 0 && !jsonFile)) {
  console.error('usage: node scripts/grid-pooling-floor.mjs RUN_A RUN_B RUN_C [--stolen] [--json FILE]');
  process.exit(2);
}
const names = ['A', 'B', 'C'];
const readRows = (arg) => readJobRows(jobsFileOf(arg));
const onlyStolen = (j) => j.verdict !== 'VALID' && (j.reasons ?? []).length > 0 && j.reasons.every((r) => r.includes('(steal,'));
/** Per measurement: layer id -> (strategy id -> grid median ns) over grid jobs with a correct result (see the header). */
function gridOf(run) {
  const grid = new Map();
  for (const j of readRows(run)) {
    if (!inPhase(j, 'grid') || j.kind !== 'layer' || j.status !== 'ok' || !j.stats) continue;
    if (!isValidLayerJob(j) && !(keepStolen && onlyStolen(j))) continue;
    const id = layerId(j.layer);
    if (!grid.has(id)) grid.set(id, new Map());
    grid.get(id).set(strategyId(j.layer, j.strategy), j.stats.medianNs);
  }
  return grid;
}
const grids = args.map(gridOf);
const layers = [...grids[0].keys()].filter((id) => grids.every((g) => g.has(id))).sort();
const argmin = (scores) => [...scores].reduce((best, e) => (e[1] < best[1] ? e : best))[0];
const geomean = (xs) => (xs.length === 0 ? undefined : Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length));
const fixed = (x, digits) => (x === undefined ? 'n/a' : x.toFixed(digits));
/** q of `choice` in grid `g`: its fastest over its latency of the choice (undefined where g lacks the choice). */
const qIn = (g, choice) => (g.has(choice) ? Math.min(...g.values()) / g.get(choice) : undefined);
const pooled = (g1, g2) => new Map([...g1].filter(([id]) => g2.has(id)).map(([id, ns]) => [id, Math.sqrt(ns * g2.get(id))]));

const rows = [];
const score = (label, pick, scoredIn) => {
  const qs = layers.map((id) => qIn(grids[scoredIn].get(id), pick(id))).filter((q) => q !== undefined);
  // A layer whose scoring grid lacks the choice (INVALID there) is left out of that row and says so (null).
  const perLayer = Object.fromEntries(layers.map((id) => [id, qIn(grids[scoredIn].get(id), pick(id)) ?? null]));
  rows.push({ choice: label, scoredIn: names[scoredIn], layers: qs.length, geomean: geomean(qs), worst: qs.length ? Math.min(...qs) : undefined, perLayer });
};
for (let z = 0; z < 3; z++) {
  const [x, y] = [0, 1, 2].filter((i) => i !== z);
  score(`${names[x]} alone`, (id) => argmin(grids[x].get(id)), z);
  score(`${names[y]} alone`, (id) => argmin(grids[y].get(id)), z);
  score(`${names[x]}+${names[y]} pooled`, (id) => argmin(pooled(grids[x].get(id), grids[y].get(id))), z);
}
console.log('| grid choice of | scored in | layers | q geomean | q worst |\n| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.choice} | ${r.scoredIn} | ${r.layers} of ${layers.length} | ${fixed(r.geomean, 3)} | ${fixed(r.worst, 2)} |`);
// Only rows that scored every layer enter the summary: a row over fewer layers is not comparable.
const whole = rows.filter((r) => r.layers === layers.length);
const single = whole.filter((r) => r.choice.endsWith('alone')).map((r) => r.geomean), pair = whole.filter((r) => r.choice.endsWith('pooled')).map((r) => r.geomean);
console.log(`\ngeomean over the rows that scored all ${layers.length} layers: one measurement ${fixed(geomean(single), 3)} (${single.length} rows), two pooled ${fixed(geomean(pair), 3)} (${pair.length} rows)`);
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify({ generator: 'scripts/grid-pooling-floor.mjs', runs: args, keepStolen, layers, rows }, null, 2)}\n`);
