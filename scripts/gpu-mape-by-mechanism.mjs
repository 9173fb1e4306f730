#!/usr/bin/env node
// Held-out GPU-side MAPE of runs, overall and per sync mechanism: re-runs derive's cross-validation (same
// folds, same fixed split) for each family asked, so a change to the GPU model or its host cost can be judged
// on every committed run at once, and where the error sits.
//   node scripts/gpu-mape-by-mechanism.mjs [--families baseline,forest-residual] RUN_DIR...
// Needs `npx tsc -p tsconfig.json` first (reads dist/). Prints a markdown table; writes nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDevice, readExperiments, readJobs } from '../dist/src/analysis/run-files.js';
import { crossValidate } from '../dist/src/predict/evaluate.js';
import { MODEL_KINDS } from '../dist/src/predict/side-model.js';

const args = process.argv.slice(2);
const at = args.indexOf('--families');
const families = at < 0 ? ['baseline'] : args.splice(at, 2)[1].split(',');
const runs = args;
if (runs.length === 0 || families.some((f) => !MODEL_KINDS.includes(f)) || runs.some((r) => !existsSync(join(r, 'jobs.json')))) {
  console.error(`usage: node scripts/gpu-mape-by-mechanism.mjs [--families ${MODEL_KINDS.join(',')}] RUN_DIR...`);
  process.exit(2);
}
const experiments = readExperiments(fileURLToPath(new URL('../experiments', import.meta.url)));
const mechanismOf = (strategyId) => strategyId.split('/sync:')[1]?.split('/')[0] ?? '?';
const mape = (rows) => (rows.length === 0 ? NaN : (100 * rows.reduce((s, r) => s + Math.abs(r.predictedMs / r.measuredMs - 1), 0)) / rows.length);
const fmt = (v) => (Number.isFinite(v) ? v.toFixed(1) : '-');
const mechanisms = ['finish', 'event-poll', 'svm-coarse', 'svm-fine', 'svm-resident'];
console.log(`| run | family | GPU MAPE (n) | ${mechanisms.join(' | ')} |`);
console.log(`| --- | --- | --- | ${mechanisms.map(() => '---').join(' | ')} |`);
for (const run of runs) {
  const jobs = readJobs(run);
  const inRun = new Set(jobs.rows.map((j) => j.experiment));
  const fixedTestGroups = experiments.filter((e) => inRun.has(e.id)).flatMap((e) => e.heldOut ?? []);
  const cv = crossValidate(jobs.rows, { device: readDevice(run), folds: 5, seed: 1, families, fixedTestGroups });
  for (const family of families) {
    const rows = cv.predictions.filter((r) => r.side === 'gpu' && r.model === family);
    const cells = mechanisms.map((m) => {
      const mine = rows.filter((r) => mechanismOf(r.strategyId) === m);
      return mine.length ? `${fmt(mape(mine))} (${mine.length})` : '-';
    });
    console.log(`| ${run.split('/').pop()} | ${family} | ${fmt(mape(rows))} (${rows.length}) | ${cells.join(' | ')} |`);
  }
}
