// A/B of a predictor change on shipped runs: derives each run in memory with the code of another checkout (its
// dist/, built there) and prints, per run, that code's best-family CPU, GPU and composed held-out MAPE and geomean q
// beside the run folder's derived/ files (this tree's code, after `coexec derive`). One JSON line per run:
// {"run", "cpu": [base, now], "gpu": [base, now], "composed": [base, now], "q": [base, now], "gridQ": [base, now]}. Separates what a change does from
// derived/ files that an older commit wrote (s30: 1 of 121 runs' committed q was stale by 0.38).
//   node scripts/derive-ab.mjs BASE_ROOT RUN_DIR...
// BASE_ROOT: a checkout of the base revision with `npx tsc` run in it, e.g.
//   git archive BASE src tsconfig.json package.json | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/ &&
//   (cd /tmp/base && npx tsc -p tsconfig.json)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [baseRoot, ...runs] = process.argv.slice(2);
if (!baseRoot || runs.length === 0) {
  console.error('usage: node scripts/derive-ab.mjs BASE_ROOT RUN_DIR...');
  process.exit(2);
}
const from = (path) => import(pathToFileURL(join(resolve(baseRoot), 'dist/src', path)).href);
const { deriveFromJobs, deriveRunInMemory } = await from('analysis/derive.js');
const { readJobs, readExperiments, readDevice, readPlatformClass, readWallNs } = await from('analysis/run-files.js');
const experiments = readExperiments(new URL('../experiments', import.meta.url).pathname);

/** The base code's derive of a run, as `coexec derive` reads it; bases from before deriveRunInMemory (s30) read it here. */
async function deriveWithBase(run) {
  if (deriveRunInMemory) return (await deriveRunInMemory(run, { experiments })).derived;
  const jobsFile = readJobs(run), wall = readWallNs(run);
  jobsFile.rows = jobsFile.rows.map((j) => (j.wallNs === undefined && wall.has(j.jobId) ? { ...j, wallNs: wall.get(j.jobId) } : j));
  const device = readDevice(run);
  return deriveFromJobs(jobsFile, experiments, { device, platformClass: readPlatformClass(run), gpuSideSharesCpuCores: device.sharesCpuCores === true });
}

const geomean = (xs) => (xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : null);
const best = (rows, side) => Math.min(...rows.filter((r) => r.side === side).map((r) => r.mape));
const q = (layers) => geomean(layers.map((r) => r.decisionQuality).filter((x) => x));
// The selection's grid q (gridDecisionQuality: its choice's and the oracle's grid medians). q itself takes the
// confirmation pass's latencies, which the base's choices had and another code's choices may not: grid q is
// the A/B that favours neither.
const gridQ = (layers) => geomean(layers.map((r) => r.gridDecisionQuality).filter((x) => x));
const derived = (run, file) => JSON.parse(readFileSync(join(run, 'derived', file), 'utf8')).rows;

for (const run of runs) {
  try {
    const d = await deriveWithBase(run);
    const acc = derived(run, 'predictor-accuracy.json');
    console.log(JSON.stringify({
      run, cpu: [best(d.predictorAccuracy, 'cpu'), best(acc, 'cpu')], gpu: [best(d.predictorAccuracy, 'gpu'), best(acc, 'gpu')],
      composed: [best(d.predictorAccuracy, 'composed'), best(acc, 'composed')], q: [q(d.layers), q(derived(run, 'layers.json'))],
      gridQ: [gridQ(d.layers), gridQ(derived(run, 'layers.json'))],
    }));
  } catch (e) {
    console.log(JSON.stringify({ run, error: String(e).slice(0, 200) }));
  }
}
