#!/usr/bin/env node
// Test-retest agreement of two runs of the same experiment (src/analysis/repeatability.ts): run A's job
// medians scored as predictions of run B's, exactly as the predictors are scored. The MAPE it prints is
// the error a perfect predictor trained on one run would make on the other: the floor the machine sets.
//   node scripts/repeatability.mjs RUN_A RUN_B [--held-out] [--out FILE.json] [--note TEXT]
// --held-out keeps only the jobs of the experiment's held-out workloads (what predictor-accuracy scores).
// --note says how the two runs relate (kept in the file; e.g. scripts/device-round.sh's same-call retest).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareRuns } from '../dist/src/analysis/repeatability.js';
import { readExperiments, readJobs } from '../dist/src/analysis/run-files.js';

const args = process.argv.slice(2);
const flag = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args.splice(i, 2)[1]; };
const out = flag('--out');
const note = flag('--note');
const heldOutOnly = args.includes('--held-out');
const [runA, runB] = args.filter((a) => !a.startsWith('--'));
if (!runA || !runB || !existsSync(join(runA, 'jobs.json')) || !existsSync(join(runB, 'jobs.json'))) {
  console.error('usage: node scripts/repeatability.mjs RUN_A RUN_B [--held-out] [--out FILE.json] [--note TEXT] (run folders holding jobs.json)');
  process.exit(2);
}
const a = readJobs(runA);
const b = readJobs(runB);
const experiment = JSON.parse(readFileSync(join(runB, 'run.json'), 'utf8')).experiment;
const experimentsDir = fileURLToPath(new URL('../experiments', import.meta.url));
const heldOut = new Set(readExperiments(experimentsDir).find((e) => e.id === experiment)?.heldOut ?? []);
if (heldOutOnly && heldOut.size === 0) { console.error(`repeatability: experiment ${experiment} lists no held-out workloads`); process.exit(2); }
const only = heldOutOnly ? (j) => (j.workloads ?? []).some((w) => heldOut.has(w)) : undefined;
const rows = compareRuns(a.rows, b.rows, only);
if (rows.length === 0) { console.error('repeatability: the two runs share no VALID job'); process.exit(1); }
const pct = (x) => x.toFixed(1);
console.log(`A = ${a.runId}\nB = ${b.runId}${heldOutOnly ? ' (held-out workloads only)' : ''}\n`);
console.log('| group | n | MAPE % | median APE % | RMSPE % | within +-10% |\n| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.group} | ${r.n} | ${pct(r.mape)} | ${pct(r.medianApePct)} | ${pct(r.rmspe)} | ${(100 * r.within10).toFixed(0)}% |`);
if (out) {
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ schemaVersion: 1, generator: 'scripts/repeatability.mjs', runA: a.runId, runB: b.runId, platform: b.platform, experiment, heldOutOnly, ...(note ? { note } : {}), rows }, null, 2)}\n`);
}
