#!/usr/bin/env node
// What a plan rule that drops starved GPU variants would save, measured on shipped runs: per run, the grid's wall
// time spent on co-executed jobs whose GPU variant launches fewer work-groups for the WHOLE layer than half the
// device's workers (a thinner slice launches fewer still), and how many layers' grid-search oracle such a job is.
// On PoCL's CPU device (work-group size 1) a work-group is a worker's unit: conv_pq_1x1_v16x2_f4 on C320 7x7
// F1280 launches 2 for 7 workers and ran 1.3-2.5 ms per execution against about 70 us for the other variants.
//   node scripts/thin-launch-probe.mjs RUN_DIR... [--workers N]   (default 7: pocl-split's PoCL workers)
// Needs `npx tsc -p tsconfig.json` first (reads dist/). Prints; writes nothing.
import { readJobs } from '../dist/src/analysis/run-files.js';
import { variantStarves } from '../dist/src/plan/expand.js';
import { gridSpaces } from '../dist/src/select/space.js';

const args = process.argv.slice(2);
const at = args.indexOf('--workers');
const workers = at < 0 ? 7 : Number(args.splice(at, 2)[1]);
if (args.length === 0 || !(workers > 0)) {
  console.error('usage: node scripts/thin-launch-probe.mjs RUN_DIR... [--workers N]');
  process.exit(2);
}
// The plan's rule (src/plan/expand.ts variantStarves) on a co-executed or GPU-only job.
const starved = (s) => s.splitRatio < 1 && variantStarves({ id: s.gpuVariant }, s.gpuWorkGroup, s.layer, workers) !== undefined;
console.log('| run | grid wall s | of it starved-variant jobs s | grid oracles that are such jobs |\n| --- | --- | --- | --- |');
for (const run of args) {
  const jobs = readJobs(run).rows;
  let wall = 0, starvedWall = 0;
  for (const j of jobs) {
    if (j.kind !== 'layer' || j.phase !== 'grid' || !j.wallNs) continue;
    wall += j.wallNs;
    if (starved({ ...j.strategy, layer: j.layer })) starvedWall += j.wallNs;
  }
  let oracles = 0;
  for (const space of gridSpaces(jobs).values()) {
    const [best] = [...space.measuredNs].sort((a, b) => a[1] - b[1])[0] ?? [];
    const c = space.candidates.find((x) => x.strategyId === best);
    if (c && starved({ ...c.strategy, layer: c.layer })) oracles++;
  }
  console.log(`| ${run.split('/').slice(-2).join('/')} | ${(wall / 1e9).toFixed(1)} | ${(starvedWall / 1e9).toFixed(1)} | ${oracles} of ${gridSpaces(jobs).size} |`);
}
