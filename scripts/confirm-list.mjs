#!/usr/bin/env node
// Prints the confirmation pass's strategy ids of a run whose profile and grid phases are measured (one id
// per line): per layer the oracle, the predictor's selection, the best CPU-only and GPU-only strategies,
// GPU-only with finish, the grid's two runners-up (role runnerUp: candidates for the oracle only) and the predictor's
// next two choices (role predictedRunnerUp: a re-measured latency for a later or near-tie selection), each
// after a comment line with its layer and roles. Used between the two rounds of an offline-bundle run (no
// Node on the device):
//   node scripts/confirm-list.mjs RUN_DIR > confirm.txt
//   coexec export --resume RUN_DIR --phase confirm --strategies @confirm.txt ...
import { fileURLToPath } from 'node:url';
import { confirmListForRunDir } from '../dist/src/analysis/derive.js';

const runDir = process.argv[2];
if (!runDir) {
  console.error('usage: node scripts/confirm-list.mjs RUN_DIR');
  process.exit(2);
}
const experimentsDir = fileURLToPath(new URL('../experiments', import.meta.url));
const list = confirmListForRunDir(runDir, experimentsDir);
for (const c of list) console.log(`# ${c.layerId}: ${c.roles.join(', ')}\n${c.strategyId}`);
console.error(`${list.length} strategies to confirm for ${new Set(list.map((c) => c.layerId)).size} layers`);
