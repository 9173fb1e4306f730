#!/usr/bin/env node
// Test-retest agreement of two runs of the same experiment (src/analysis/repeatability.ts): run A's job
// medians scored as predictions of run B's, exactly as the predictors are scored. The MAPE it prints is
// the error a perfect predictor trained on one run would make on the other: the floor the machine sets.
//   node scripts/repeatability.mjs RUN_A RUN_B [--held-out] [--out FILE.json] [--note TEXT]
// --held-out keeps only the jobs of the experiment's held-out workloads (what predictor-accuracy scores).
// --note says how the two runs relate (kept in the file; e.g. scripts/device-round.sh's same-call retest).
// It also prints (and stores as `decisionQuality`) the retest decision quality both ways: per layer, run A's
// grid-search choice scored by run B's grid (`aChoiceInB`: the grid q a perfect predictor trained on run A would
// reach in run B) and the reverse (`bChoiceInA`).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareRuns, retestDecisionQuality } from '../dist/src/analysis/repeatability.js';
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
console.log('| group | n | MAPE % | median APE % | RMSPE % | within +-10% | median B / A |\n| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.group} | ${r.n} | ${pct(r.mape)} | ${pct(r.medianApePct)} | ${pct(r.rmspe)} | ${(100 * r.within10).toFixed(0)}% | ${r.medianRatio.toFixed(3)} |`);
// Held-out filtering narrows the MAPE rows only: a layer's grid choice needs its whole grid. Both directions:
// A's choice scored by B's grid is B's floor, B's choice scored by A's grid is A's.
const decisionQuality = { aChoiceInB: retestDecisionQuality(a.rows, b.rows), bChoiceInA: retestDecisionQuality(b.rows, a.rows) };
for (const [key, chooser, scorer] of [['aChoiceInB', 'A', 'B'], ['bChoiceInA', 'B', 'A']]) {
  const dq = decisionQuality[key];
  if (!dq) continue;
  const short = (l, id) => id.slice(l.layerId.length + 1);
  const confirmed = dq.confirmed
    ? `; where ${scorer}'s confirmation pass re-measured the choice (${dq.confirmed.layers} of ${dq.layers.length} layers): geomean ${dq.confirmed.geomean.toFixed(3)}, worst ${dq.confirmed.worst.toFixed(3)}`
    : '';
  console.log(`\nRetest decision quality, run ${chooser}'s fastest grid strategy scored by run ${scorer}'s grid: geomean ${dq.geomean.toFixed(3)}, worst ${dq.worst.toFixed(3)}${confirmed}`);
  console.log(`| layer | candidates | q | q in ${scorer}'s confirmation pass | ${chooser}'s choice | ${scorer}'s fastest |\n| --- | --- | --- | --- | --- | --- |`);
  for (const l of dq.layers) console.log(`| ${l.layerId} | ${l.candidates} | ${l.q.toFixed(3)} | ${l.qConfirmed?.toFixed(3) ?? '-'} | ${short(l, l.choiceInA)} | ${short(l, l.bestInB)} |`);
}
const hasDecisionQuality = decisionQuality.aChoiceInB !== undefined;
if (out) {
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ schemaVersion: 1, generator: 'scripts/repeatability.mjs', runA: a.runId, runB: b.runId, platform: b.platform, experiment, heldOutOnly, ...(note ? { note } : {}), rows, ...(hasDecisionQuality ? { decisionQuality } : {}) }, null, 2)}\n`);
}
