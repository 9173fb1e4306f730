#!/usr/bin/env node
// One line on the rounds a run folder holds so far: its VALID share and the INVALID jobs by cause
// (src/stats/invalid-causes.ts roundHealth). Exit 3 when fewer than MIN_VALID_SHARE of the layer jobs are
// VALID and steal time refused most of the others (the host's other guests decide the measurement), else 0;
// 2 on a usage error. scripts/device-round.sh asks after round 1 and stops measuring on such a host.
//   node scripts/lib/round-health.mjs RUN_DIR MIN_VALID_SHARE
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { roundHealth } from '../../dist/src/stats/invalid-causes.js';

const [runDir, minArg] = process.argv.slice(2);
const min = Number(minArg);
if (!runDir || !existsSync(join(runDir, 'jobs.json')) || !(min >= 0 && min <= 1)) {
  console.error('usage: node scripts/lib/round-health.mjs RUN_DIR MIN_VALID_SHARE (0..1; RUN_DIR holds jobs.json)');
  process.exit(2);
}
const h = roundHealth(JSON.parse(readFileSync(join(runDir, 'jobs.json'), 'utf8')).rows ?? [], min);
console.log(`round health: ${(100 * h.share).toFixed(1)}% of ${h.layerJobs} layer jobs VALID` +
  `${h.causes.invalid > 0 ? `; INVALID by cause: ${h.causes.counts.map((c) => `${c.label} ${c.jobs}`).join(', ')}` : ''}` +
  `${h.stolenHost ? `; below ${(100 * min).toFixed(0)}% and mostly steal time: the host is too busy to go on measuring on it` : ''}`);
process.exit(h.stolenHost ? 3 : 0);
