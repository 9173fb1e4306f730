// Would selection gain from pricing each side with a different family? For each run, re-runs the held-out
// evaluation exactly as derive does (same folds, same fixed split) for the baseline, forest-residual and the two
// hybrids of them: the CPU side from one family, the GPU side from the other, the composition fitted again on
// the fold's training jobs for that pair (src/predict/compose.ts fitComposition). Each family's held-out first
// choice per grid layer is scored by the run's own grid medians (grid q, as scripts/family-selection.mjs does).
// Prints per run and per platform the geomean grid q of each; --json FILE keeps them.
//   node scripts/hybrid-family.mjs RUN_DIR... [--json FILE]
// Needs `npx tsc -p tsconfig.json` first (reads dist/). About 15-30 s per run on the 2-core VM.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heldOutEvaluationOfRunDir } from '../dist/src/analysis/derive.js';
import { trainPredictor } from '../dist/src/predict/evaluate.js';
import { fitComposition } from '../dist/src/predict/compose.js';
import { familyFirstChoice } from '../dist/src/select/confirm.js';
import { gridSpaces, selectableCandidates } from '../dist/src/select/space.js';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
if (args.length === 0 || args.some((r) => !existsSync(join(r, 'jobs.json'))) || (jsonAt >= 0 && !jsonFile)) {
  console.error('usage: node scripts/hybrid-family.mjs RUN_DIR... [--json FILE]');
  process.exit(2);
}
const experimentsDir = fileURLToPath(new URL('../experiments', import.meta.url));
const PLAIN = ['baseline', 'forest-residual'];
const hybridName = (cpu, gpu) => `cpu:${cpu}+gpu:${gpu}`;
const FAMILIES = [...PLAIN, hybridName('baseline', 'forest-residual'), hybridName('forest-residual', 'baseline')];
const geomean = (xs) => (xs.length === 0 ? undefined : Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length));
const fixed = (x) => (x === undefined ? 'n/a' : x.toFixed(3));

// A fold trains every family on the same training array: the plain predictors are trained once per fold and
// reused by the hybrids.
const plainByFold = new WeakMap();
function train(family, training, roundTrips, device, seed) {
  const cache = plainByFold.get(training) ?? plainByFold.set(training, new Map()).get(training);
  const plain = (f) => cache.get(f) ?? cache.set(f, trainPredictor(f, training, roundTrips, device, seed)).get(f);
  const m = /^cpu:(.+)\+gpu:(.+)$/.exec(family);
  if (!m) return plain(family);
  const { composition: _ignored, ...gpuSides } = plain(m[2]);
  const sides = { ...gpuSides, family, cpu: plain(m[1]).cpu };
  return { ...sides, composition: fitComposition(training, roundTrips, sides) };
}

const results = [];
for (const run of args) {
  const { jobs, cv } = heldOutEvaluationOfRunDir(run, experimentsDir, 'auto', { families: FAMILIES, train });
  const layers = [];
  for (const space of gridSpaces(jobs.rows).values()) {
    if (selectableCandidates(space.candidates).length === 0 || space.measuredNs.size === 0) continue;
    const fastest = Math.min(...space.measuredNs.values());
    const q = {};
    for (const family of FAMILIES) {
      const predictor = cv.heldOut.get(family)?.get(space.layerId);
      const measured = predictor ? space.measuredNs.get(familyFirstChoice(space, predictor)) : undefined;
      q[family] = measured === undefined ? undefined : fastest / measured;
    }
    if (FAMILIES.every((f) => q[f] !== undefined)) layers.push({ layerId: space.layerId, q });
  }
  const byFamily = Object.fromEntries(FAMILIES.map((f) => [f, geomean(layers.map((l) => l.q[f]))]));
  results.push({ run, platform: run.split('/').filter(Boolean).slice(-2, -1)[0], layers: layers.length, byFamily, gridQByLayer: layers });
  console.log(`${run}: ${layers.length} layers; ${FAMILIES.map((f) => `${f} ${fixed(byFamily[f])}`).join(', ')}`);
}
console.log(`\nGrid q (each family's held-out first choice scored by the run's grid medians):\n`);
console.log(`| platform | runs | ${FAMILIES.join(' | ')} |`);
console.log('| --- | --- | ' + FAMILIES.map(() => '---').join(' | ') + ' |');
for (const platform of [...new Set(results.map((r) => r.platform)), 'all']) {
  const mine = results.filter((r) => (platform === 'all' || r.platform === platform) && r.layers > 0);
  if (mine.length === 0) continue;
  console.log(`| ${platform} | ${mine.length} | ${FAMILIES.map((f) => fixed(geomean(mine.map((r) => r.byFamily[f])))).join(' | ')} |`);
}
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify({ generator: 'scripts/hybrid-family.mjs', families: FAMILIES, results }, null, 2)}\n`);
