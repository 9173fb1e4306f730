// The held-out MAPE of one side (CPU by default) per run and per CPU implementation or GPU variant, for the
// baseline and the residual families, on the folds derive uses: a quick check of a change to the features
// (src/predict/features.ts) or the baseline's terms before re-deriving whole runs.
//   node scripts/side-study.mjs RUN_DIR... [--families baseline,forest-residual] [--side gpu]
// Needs `npx tsc -p tsconfig.json` first (reads dist/).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heldOutEvaluationOfRunDir } from '../dist/src/analysis/derive.js';
import { predictionErrors } from '../dist/src/analysis/metrics.js';

const args = process.argv.slice(2);
const famAt = args.indexOf('--families');
const families = famAt >= 0 ? args.splice(famAt, 2)[1].split(',') : ['baseline', 'forest-residual'];
const sideAt = args.indexOf('--side');
const side = sideAt >= 0 ? args.splice(sideAt, 2)[1] : 'cpu';
if (args.length === 0 || args.some((r) => !existsSync(join(r, 'jobs.json')))) {
  console.error('usage: node scripts/side-study.mjs RUN_DIR... [--families a,b] [--side cpu|gpu]');
  process.exit(2);
}
const experimentsDir = fileURLToPath(new URL('../experiments', import.meta.url));
const implOf = (strategyId) => new RegExp(`/${side}:([^/]+)/`).exec(strategyId)?.[1] ?? '?';
const mape = (rows) => predictionErrors(rows.map((r) => ({ predicted: r.predictedMs, measured: r.measuredMs }))).mape;
const signed = (rows) => (100 * rows.reduce((s, r) => s + (r.predictedMs / r.measuredMs - 1), 0)) / rows.length;
const totals = new Map();
for (const run of args) {
  const { cv } = heldOutEvaluationOfRunDir(run, experimentsDir, 'auto', { families });
  for (const family of families) {
    const rows = cv.predictions.filter((p) => p.side === side && p.model === family);
    const byImpl = new Map();
    for (const r of rows) byImpl.set(implOf(r.strategyId), [...(byImpl.get(implOf(r.strategyId)) ?? []), r]);
    const parts = [...byImpl].sort().map(([impl, rs]) => `${impl} ${mape(rs).toFixed(1)} (${signed(rs) >= 0 ? '+' : ''}${signed(rs).toFixed(1)})`);
    console.log(`${run.split('/').slice(-1)[0]} ${family}: ${side.toUpperCase()} ${mape(rows).toFixed(2)}% n=${rows.length} | ${parts.join(', ')}`);
    totals.set(family, [...(totals.get(family) ?? []), mape(rows)]);
  }
}
for (const [family, xs] of totals) console.log(`mean over runs, ${family}: ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)}%`);
