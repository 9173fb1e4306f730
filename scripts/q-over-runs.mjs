#!/usr/bin/env node
// The selection yardstick over every shipped co-execution run: re-runs derive's whole analysis in memory
// (deriveFromJobs, nothing written; selection timing skipped) and prints per run the geomean and worst
// decision quality q, the worst layer with its selected and oracle strategies, the selection family and the
// held-out MAPE per side of that family. A selection that the run's confirmation pass did not measure takes
// the row's latencies from the grid (layer-rows.ts), so `grid q` (grid oracle / grid latency of the selected
// strategy on every layer) is printed beside it: one source before and after a change to the predictors. Beside
// that, the floor of grid q from each results/repeatability file that names the run (a perfect predictor trained
// on the other run of the pair: scripts/repeatability.mjs).
// A layer whose selected strategy has no VALID measurement at all gets no row (and no q): counted as skipped. Runs are the folders under results/{gpu-host,pocl-split,local,local-split}/
// whose derived layers.json has rows (the co-execution runs), or the RUN_DIRs given.
//   node scripts/q-over-runs.mjs [RUN_DIR ...] [--json OUT.json] [--family NAME] [--seed N] [--folds N] [--without-profile-sync SYNC]
// Needs `npx tsc -p tsconfig.json` first (reads dist/).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveFromJobs } from '../dist/src/analysis/derive.js';
import { readDevice, readExperiments, readJobs } from '../dist/src/analysis/run-files.js';
import { inPhase } from '../dist/src/analysis/layers.js';
import { loadFloorsFor, retestQFor } from '../dist/src/report/floor-section.js';

const args = process.argv.slice(2);
const flag = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args.splice(i, 2)[1]; };
const jsonOut = flag('--json');
const selectionFamily = flag('--family') ?? 'auto';
// Another fold seed checks that a change holds beyond the one split of shapes derive uses (seed 1).
const seed = Number(flag('--seed') ?? 1);
// Another fold count (e.g. 99: one shape group per fold, leave-one-group-out) against derive's default.
const foldsArg = flag('--folds');
// An ablation of the training data: the profile phase's jobs under this mechanism left out (e.g. svm-resident: the
// resident twins of the GPU slices, src/plan/expand.ts residentTwins), so one run compares training with and without.
// A job that the grid also asked for (a slice that is another workload's whole layer) stays: the grid measures it anyway.
const withoutProfileSync = flag('--without-profile-sync');
const folds = foldsArg === undefined ? undefined : Number(foldsArg);
const root = fileURLToPath(new URL('..', import.meta.url));
const hasLayerRows = (dir) => {
  const f = join(dir, 'derived', 'layers.json');
  return existsSync(f) && JSON.parse(readFileSync(f, 'utf8')).rows.length > 0;
};
const runs = args.length > 0 ? args : ['gpu-host', 'pocl-split', 'local', 'local-split'].flatMap((p) => {
  const dir = join(root, 'results', p);
  return readdirSync(dir).sort().map((r) => join(dir, r)).filter((r) => existsSync(join(r, 'jobs.json')) && hasLayerRows(r));
});
if (runs.length === 0 || runs.some((r) => !existsSync(join(r, 'jobs.json')))) {
  console.error('usage: node scripts/q-over-runs.mjs [RUN_DIR ...] [--json OUT.json]   (each RUN_DIR must hold jobs.json)');
  process.exit(2);
}
const experiments = readExperiments(join(root, 'experiments'));
const geomean = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const short = (row, id) => id.slice(row.layerId.length + 1);
const out = [];
console.log('| run | family | layers (skipped) | geomean q | worst q | grid q | grid q floor | worst layer: selected / oracle | held-out MAPE cpu / gpu / composed % |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const run of runs) {
  const jobs = readJobs(run);
  if (withoutProfileSync) jobs.rows = jobs.rows.filter((j) => !(inPhase(j, 'profile') && !inPhase(j, 'grid') && j.strategy?.sync === withoutProfileSync));
  const d = await deriveFromJobs(jobs, experiments, { device: readDevice(run), selectionBudgetMs: 0, selectionFamily, seed, ...(folds ? { folds } : {}) });
  // derive's own grid q per layer (layer-rows.ts gridQ): absent where the grid has no VALID latency for the
  // selected strategy (a stolen job the confirmation pass measured), so the geomean is over the layers that have one
  // (summary.json's geomeanGridQ), not 0.
  const gridQ = (r) => r.gridDecisionQuality;
  const gridQs = (rows) => rows.map(gridQ).filter((q) => q !== undefined);
  const qs = d.layers.map((r) => r.decisionQuality);
  if (qs.length === 0) continue;
  const worst = d.layers.reduce((a, b) => (b.decisionQuality < a.decisionQuality ? b : a));
  const family = d.summary.selectionFamily;
  const mape = (side) => d.predictorAccuracy.find((a) => a.side === side && a.model === family)?.mape;
  const name = run.split('/').slice(-2).join('/');
  // The test-retest floors of grid q that results/repeatability holds for this run (scripts/repeatability.mjs).
  const floors = loadFloorsFor(run, jobs.runId).map((f) => retestQFor(f, jobs.runId)).filter(Boolean);
  const entry = {
    run: name, family, layers: qs.length, skipped: d.skippedLayers.map((s) => s.layerId), geomeanQ: geomean(qs), worstQ: worst.decisionQuality, gridQ: gridQs(d.layers).length > 0 ? geomean(gridQs(d.layers)) : undefined, gridQFloors: floors.map((f) => f.geomean), worstLayer: worst.layerId,
    worstSelected: short(worst, worst.selected.strategyId), worstOracle: short(worst, worst.oracle.strategyId),
    mape: { cpu: mape('cpu'), gpu: mape('gpu'), composed: mape('composed') },
    perLayer: Object.fromEntries(d.layers.map((r) => [r.layerId, { q: r.decisionQuality, gridQ: gridQ(r), selected: short(r, r.selected.strategyId), source: r.latencySource }])),
  };
  out.push(entry);
  const f = (x) => (x === undefined ? '-' : x.toFixed(1));
  console.log(`| ${name} | ${family} | ${qs.length} (${d.skippedLayers.length}) | ${entry.geomeanQ.toFixed(3)} | ${entry.worstQ.toFixed(2)} | ${entry.gridQ?.toFixed(3) ?? 'n/a'} | ${floors.map((f) => f.geomean.toFixed(3)).join(', ') || '-'} | ${worst.layerId}: ${entry.worstSelected} / ${entry.worstOracle} | ${f(entry.mape.cpu)} / ${f(entry.mape.gpu)} / ${f(entry.mape.composed)} |`);
}
const all = out.map((e) => e.geomeanQ);
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
console.log(`\nmean geomean q over ${out.length} runs: ${mean(all).toFixed(3)} (grid q ${mean(out.map((e) => e.gridQ).filter((q) => q !== undefined)).toFixed(3)}); `
  + `runs with geomean q >= 0.97: ${all.filter((x) => x >= 0.97).length}; worst layer >= 0.90: ${out.filter((e) => e.worstQ >= 0.9).length}; `
  + `layers skipped (no VALID latency for a role, e.g. the selected strategy): ${out.reduce((s, e) => s + e.skipped.length, 0)}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(out, null, 1) + '\n');
