#!/usr/bin/env node
// Which model family selects best? For each run, re-runs the held-out evaluation exactly as derive does (same
// folds, same fixed split) and scores every family's held-out selection per grid layer in the run's own grid:
// grid q = the grid's fastest over the grid median of the family's first choice (a layer whose choice of any
// family has no VALID grid median is left out, so every family is scored on the same layers). Prints per run
// the geomean grid q of each family and of the family derive picks, then the geomean over runs per platform.
// This is how AUTO_FAMILY (src/analysis/derive.ts) was chosen.
// Beside it, confirmed q: the same choices scored on the run's confirmation pass (the fastest confirmed
// strategy of the layer over the choice's confirmed latency, as derive scores q), on the layers where the pass
// measured every family's choice. Since s23 the pass measures each evaluated family's first choice (role
// familyChoice, src/select/confirm.ts), so runs measured since then are scored on every layer.
//   node scripts/family-selection.mjs RUN_DIR...   [--json FILE]
// Needs `npx tsc -p tsconfig.json` first (reads dist/). About 20-40 s per run on the 2-core VM.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heldOutEvaluationOfRunDir } from '../dist/src/analysis/derive.js';
import { scoreChoices } from '../dist/src/analysis/family-confirmed.js';
import { confirmLatencies } from '../dist/src/analysis/layer-rows.js';
import { familyFirstChoice } from '../dist/src/select/confirm.js';
import { gridSpaces, selectableCandidates } from '../dist/src/select/space.js';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
if (args.length === 0 || args.some((r) => !existsSync(join(r, 'jobs.json'))) || (jsonAt >= 0 && !jsonFile)) {
  console.error('usage: node scripts/family-selection.mjs RUN_DIR... [--json FILE]');
  process.exit(2);
}
const experimentsDir = fileURLToPath(new URL('../experiments', import.meta.url));
const geomean = (xs) => (xs.length === 0 ? undefined : Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length));
const fixed = (x) => (x === undefined ? 'n/a' : x.toFixed(3));

const results = [];
for (const run of args) {
  const { jobs, cv, family: picked } = heldOutEvaluationOfRunDir(run, experimentsDir);
  const families = [...cv.heldOut.keys()].sort();
  const layers = [];
  const spaces = [];
  const choicesByLayer = new Map();
  for (const space of [...gridSpaces(jobs.rows).values()].sort((a, b) => (a.layerId < b.layerId ? -1 : 1))) {
    if (selectableCandidates(space.candidates).length === 0 || space.measuredNs.size === 0) continue;
    const fastest = Math.min(...space.measuredNs.values());
    const q = {};
    const choices = {};
    for (const family of families) {
      const predictor = cv.heldOut.get(family).get(space.layerId);
      if (!predictor) continue;
      const choice = familyFirstChoice(space, predictor);
      const measured = space.measuredNs.get(choice);
      q[family] = measured === undefined ? undefined : fastest / measured;
      choices[family] = choice;
    }
    if (families.every((f) => q[f] !== undefined)) layers.push({ layerId: space.layerId, q });
    spaces.push(space);
    choicesByLayer.set(space.layerId, choices);
  }
  const byFamily = Object.fromEntries(families.map((f) => [f, geomean(layers.map((l) => l.q[f]))]));
  // The same choices on the confirmation pass, scored as derive scores familyConfirmedQ.
  const onPass = scoreChoices(spaces, families, confirmLatencies(jobs.rows), (f, space) => choicesByLayer.get(space.layerId)[f] ?? null);
  const confirmedByFamily = onPass?.geomeanQ ?? {};
  const confirmedLayers = onPass?.layers ?? 0;
  results.push({
    run, platform: run.split('/').filter(Boolean).slice(-2, -1)[0], layers: layers.length, picked, byFamily,
    confirmedLayers, confirmedByFamily, gridQByLayer: layers,
  });
  console.log(`${run}: ${layers.length} layers; ${families.map((f) => `${f} ${fixed(byFamily[f])}`).join(', ')}; auto picks ${picked}`);
  console.log(`  confirmed q, ${confirmedLayers} layers where the pass measured every family's choice: ${families.map((f) => `${f} ${fixed(confirmedByFamily[f])}`).join(', ')}`);
}
const allFamilies = [...new Set(results.flatMap((r) => Object.keys(r.byFamily)))].sort();
const table = (title, scoreOf, runsOf) => {
  console.log(`\n${title}\n\n| platform | runs | ${allFamilies.join(' | ')} |`);
  console.log('| --- | --- | ' + allFamilies.map(() => '---').join(' | ') + ' |');
  for (const platform of [...new Set(results.map((r) => r.platform)), 'all']) {
    const mine = results.filter((r) => (platform === 'all' || r.platform === platform) && runsOf(r));
    if (mine.length === 0) continue;
    console.log(`| ${platform} | ${mine.length} | ${allFamilies.map((f) => fixed(geomean(mine.map((r) => scoreOf(r)[f]).filter((x) => x !== undefined)))).join(' | ')} |`);
  }
};
table('Grid q (each family\'s choice scored by the run\'s grid medians):', (r) => r.byFamily, () => true);
table('Confirmed q (runs whose confirmation pass measured every family\'s choice on at least one layer):', (r) => r.confirmedByFamily, (r) => r.confirmedLayers > 0);
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify({ generator: 'scripts/family-selection.mjs', results }, null, 2)}\n`);
