#!/usr/bin/env node
// What the profile's training-only workloads and second-dimension slices buy the predictors, on one run's own
// data: re-runs derive's held-out evaluation and selection with the run's jobs as measured, without the
// training-only slices, without the profile slices along M or the output height, and without either, and prints per
// variant the held-out MAPE per side (baseline family) and the grid decision quality per layer (the grid
// median of the selected strategy over the grid's fastest; derive's q uses the confirmation pass instead).
//   node scripts/training-ablation.mjs RUN_DIR
// Needs `npx tsc -p tsconfig.json` first (reads dist/). Prints; writes nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inPhase } from '../dist/src/analysis/layers.js';
import { readDevice, readExperiments, readJobs } from '../dist/src/analysis/run-files.js';
import { crossValidate } from '../dist/src/predict/evaluate.js';
import { chooseRoles } from '../dist/src/select/confirm.js';
import { gridSpaces } from '../dist/src/select/space.js';

const [run] = process.argv.slice(2);
if (!run || !existsSync(join(run, 'jobs.json'))) {
  console.error('usage: node scripts/training-ablation.mjs RUN_DIR');
  process.exit(2);
}
const jobs = readJobs(run);
const inRun = new Set(jobs.rows.map((j) => j.experiment));
const experiments = readExperiments(fileURLToPath(new URL('../experiments', import.meta.url)));
const fixedTestGroups = experiments.filter((e) => inRun.has(e.id)).flatMap((e) => e.heldOut ?? []);
const parentOf = (j) => j.layer && (j.layer.type === 'linear' ? j.layer.M : j.layer.H);
/** Each workload's grid layer (by its first workload id), looked up once. */
const gridLayerOf = new Map();
for (const g of jobs.rows) if (inPhase(g, 'grid') && g.workloads?.[0] && !gridLayerOf.has(g.workloads[0])) gridLayerOf.set(g.workloads[0], g);
/** A profile slice along M or the output height: its parent layer has other M (linear) or H (conv). */
const outerSlice = (j) => {
  if (!inPhase(j, 'profile') || !j.layer) return false;
  const grid = gridLayerOf.get(j.workloads?.[0]);
  return grid !== undefined && parentOf(grid) !== parentOf(j);
};
const variants = [
  ['as measured', () => true],
  ['no training-only workloads', (j) => !j.trainingOnly],
  ['no M/height slices', (j) => !outerSlice(j)],
  ['neither', (j) => !j.trainingOnly && !outerSlice(j)],
];
const geomean = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
for (const [name, keep] of variants) {
  const rows = jobs.rows.filter(keep);
  const cv = crossValidate(rows, { device: readDevice(run), folds: 5, seed: 1, fixedTestGroups, families: ['baseline'] });
  const mape = Object.fromEntries(cv.accuracy.filter((a) => a.model === 'baseline').map((a) => [a.side, `${a.mape.toFixed(1)}% (n ${a.n})`]));
  const qs = [];
  for (const space of [...gridSpaces(rows).values()].sort((a, b) => (a.layerId < b.layerId ? -1 : 1))) {
    const p = cv.heldOut.get('baseline')?.get(space.layerId);
    if (!p) continue;
    const roles = chooseRoles(space, p).roles;
    // A selected strategy without a VALID grid median has no grid q (derive measures it in the confirmation pass).
    const sel = space.measuredNs.get(roles.selected);
    if (sel !== undefined) qs.push([space.layerId, space.measuredNs.get(roles.oracle) / sel]);
  }
  console.log(`${name}: ${rows.length} jobs; held-out MAPE cpu ${mape.cpu}, gpu ${mape.gpu}, composed ${mape.composed}`);
  console.log(`  grid q geomean ${geomean(qs.map((x) => x[1])).toFixed(3)}, worst ${Math.min(...qs.map((x) => x[1])).toFixed(2)}: ${qs.map(([id, q]) => `${id.replace(/^(linear|conv2d)\//, '')} ${q.toFixed(2)}`).join(', ')}`);
}
