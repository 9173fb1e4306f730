#!/usr/bin/env node
// Where a run's held-out predictor error comes from (src/predict/breakdown.ts): re-runs the held-out
// evaluation exactly as derive does (same folds, same fixed split) and prints, per side, the error by layer
// shape and by the side's settings, with the mean signed error (one sign throughout = a missed regime).
//   node scripts/predictor-breakdown.mjs RUN_DIR [--family NAME] [--side cpu|gpu|composed] [--top N]
// Needs `npx tsc -p tsconfig.json` first (reads dist/). Prints; writes nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDevice, readExperiments, readJobs } from '../dist/src/analysis/run-files.js';
import { errorBreakdown } from '../dist/src/predict/breakdown.js';
import { crossValidate } from '../dist/src/predict/evaluate.js';
import { MODEL_KINDS } from '../dist/src/predict/side-model.js';

const args = process.argv.slice(2);
const flag = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args.splice(i, 2)[1]; };
const family = flag('--family') ?? 'baseline';
const sides = (flag('--side') ?? 'cpu,gpu').split(',');
const top = Number(flag('--top') ?? 15);
const [run] = args;
if (!run || !existsSync(join(run, 'jobs.json')) || !MODEL_KINDS.includes(family) || !(top > 0)
  || sides.some((s) => !['cpu', 'gpu', 'composed'].includes(s))) {
  console.error(`usage: node scripts/predictor-breakdown.mjs RUN_DIR [--family ${MODEL_KINDS.join('|')}] [--side cpu,gpu,composed] [--top N]`);
  process.exit(2);
}
const jobs = readJobs(run);
const inRun = new Set(jobs.rows.map((j) => j.experiment));
const experiments = readExperiments(fileURLToPath(new URL('../experiments', import.meta.url)));
const fixedTestGroups = experiments.filter((e) => inRun.has(e.id)).flatMap((e) => e.heldOut ?? []);
const cv = crossValidate(jobs.rows, { device: readDevice(run), folds: 5, seed: 1, families: [family], fixedTestGroups });
for (const f of cv.folds) console.log(`fold: ${f.testGroups.join(' ')}`);
for (const side of sides) {
  const rows = cv.predictions.filter((r) => r.side === side && r.model === family);
  const acc = cv.accuracy.find((a) => a.side === side && a.model === family);
  console.log(`\n## ${side} side, ${family}: MAPE ${acc ? acc.mape.toFixed(1) : '-'}% over ${rows.length} held-out jobs`);
  for (const key of ['layer', 'setting']) {
    console.log(`\n| ${key} | n | MAPE % | mean signed % | share of error |\n| --- | --- | --- | --- | --- |`);
    for (const b of errorBreakdown(rows, key).slice(0, top)) {
      console.log(`| ${b.group} | ${b.n} | ${b.mape.toFixed(1)} | ${b.meanSignedPct.toFixed(1)} | ${(100 * b.shareOfError).toFixed(0)}% |`);
    }
  }
}
