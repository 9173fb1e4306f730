#!/usr/bin/env node
// The predictors' held-out MAPE beside the same-call retest's on the same jobs (src/predict/same-jobs-floor.ts), per
// run and side, for the family with the lowest MAPE there (--all: every family). A run needs derived/predictions.json
// and its same-call retest's jobs (results/repeatability/<platform>-<experiment>-<run id>-retest-jobs.json.gz).
//   node scripts/same-jobs-floor.mjs RUN_DIR... [--all]
// Needs `npx tsc -p tsconfig.json` first (reads dist/). Prints a markdown table; writes nothing.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadSameJobsFloor } from '../dist/src/report/floor-section.js';
import { bestPerSide } from '../dist/src/predict/same-jobs-floor.js';

const args = process.argv.slice(2);
const all = args.includes('--all');
const runs = args.filter((a) => a !== '--all');
if (runs.length === 0 || runs.some((r) => !existsSync(join(r, 'derived', 'predictions.json')))) {
  console.error('usage: node scripts/same-jobs-floor.mjs RUN_DIR... [--all] (run folders with derived/predictions.json)');
  process.exit(2);
}
const pct = (x) => x.toFixed(1);
console.log('| run | side | family | jobs | predictor MAPE % | floor MAPE % | MAPE / floor |\n| --- | --- | --- | --- | --- | --- | --- |');
let missing = 0;
for (const run of runs) {
  const predictions = JSON.parse(readFileSync(join(run, 'derived', 'predictions.json'), 'utf8')).rows;
  const floor = loadSameJobsFloor(run, predictions);
  if (!floor) { console.error(`${run}: no same-call retest jobs kept; skipped`); missing++; continue; }
  const rows = (all ? floor.rows : bestPerSide(floor.rows)).filter((r) => r.side !== 'composed' || all);
  for (const r of rows) {
    console.log(`| ${basename(run)} | ${r.side} | ${r.model} | ${r.n} | ${pct(r.predictorMapePct)} | ${pct(r.floorMapePct)} | ${(r.predictorMapePct / r.floorMapePct).toFixed(2)} |`);
  }
}
process.exit(missing === runs.length ? 1 : 0);
