#!/usr/bin/env node
// Where a run's selection loses decision quality: per grid layer, its grid q (the grid oracle's median over the
// selected strategy's grid median, as derive scores geomeanGridQ) split into two factors that multiply to it:
//   r-choice      = oracle / the best grid strategy at the selected split ratio (what choosing that r costs)
//   config-at-r   = that best / the selected strategy (what the CPU implementation, split dimension, GPU
//                   variant and sync mechanism chosen at that r cost)
// Re-runs the held-out evaluation exactly as derive does (same folds, same fixed split) with the family the run's
// derived/summary.json records as selectionFamily (the selection it shipped; 'auto' for a run not derived yet).
//   node scripts/q-decomposition.mjs RUN_DIR...
// Needs `npx tsc -p tsconfig.json` first (reads dist/). Prints a table per run; writes nothing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heldOutEvaluationOfRunDir } from '../dist/src/analysis/derive.js';
import { chooseRoles } from '../dist/src/select/confirm.js';
import { gridSpaces } from '../dist/src/select/space.js';

const runs = process.argv.slice(2);
if (runs.length === 0 || runs.some((r) => !existsSync(join(r, 'jobs.json')))) {
  console.error('usage: node scripts/q-decomposition.mjs RUN_DIR...   (run folders with jobs.json)');
  process.exit(2);
}
const experimentsDir = fileURLToPath(new URL('../experiments', import.meta.url));
const geomean = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const sameRatio = (a, b) => Math.abs(a - b) < 1e-9;

for (const run of runs) {
  const summaryFile = join(run, 'derived', 'summary.json');
  const recorded = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')).selectionFamily : undefined;
  const { jobs, cv, family } = heldOutEvaluationOfRunDir(run, experimentsDir, recorded ?? 'auto');
  const factors = { q: [], r: [], config: [] };
  console.log(`\n## ${run} (family ${family})\n`);
  console.log('| layer | grid q | r-choice | config-at-r | selected | best at its r |\n| --- | --- | --- | --- | --- | --- |');
  for (const space of [...gridSpaces(jobs.rows).values()].sort((a, b) => (a.layerId < b.layerId ? -1 : 1))) {
    const predictor = family ? cv.heldOut.get(family)?.get(space.layerId) : undefined;
    if (!predictor) continue;
    const { roles } = chooseRoles(space, predictor);
    const measured = (id) => space.measuredNs.get(id);
    const selected = space.candidates.find((c) => c.strategyId === roles.selected);
    const oracleNs = measured(roles.oracle), selectedNs = measured(roles.selected);
    if (!selected || oracleNs === undefined || selectedNs === undefined) continue;
    const atR = space.candidates
      .filter((c) => sameRatio(c.strategy.splitRatio, selected.strategy.splitRatio) && measured(c.strategyId) !== undefined)
      .reduce((best, c) => (measured(c.strategyId) < measured(best.strategyId) ? c : best));
    const atRNs = measured(atR.strategyId);
    factors.q.push(oracleNs / selectedNs); factors.r.push(oracleNs / atRNs); factors.config.push(atRNs / selectedNs);
    const short = (id) => id.slice(space.layerId.length + 1);
    console.log(`| ${space.layerId} | ${(oracleNs / selectedNs).toFixed(3)} | ${(oracleNs / atRNs).toFixed(3)} | ${(atRNs / selectedNs).toFixed(3)} | ${short(selected.strategyId)} | ${short(atR.strategyId)} |`);
  }
  if (factors.q.length > 0) {
    console.log(`| geomean over ${factors.q.length} layers | ${geomean(factors.q).toFixed(3)} | ${geomean(factors.r).toFixed(3)} | ${geomean(factors.config).toFixed(3)} | | |`);
  }
}
