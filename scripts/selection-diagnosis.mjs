#!/usr/bin/env node
// Which prediction misled a layer's selection: re-runs the held-out evaluation exactly as derive does (same
// folds, same fixed split) and prints, per grid layer, the selected strategy and the grid oracle (and the best
// CPU-only and GPU-only) with each one's predicted CPU side, GPU side (host cost + kernel) and composed latency
// beside the grid's measured median, CPU side, GPU side and kernel time (us).
//   node scripts/selection-diagnosis.mjs RUN_DIR [--family NAME]   (default: the family derive would pick)
// Needs `npx tsc -p tsconfig.json` first (reads dist/). Prints; writes nothing.
import { predictStrategy } from '../dist/src/predict/compose.js';
import { chooseRoles } from '../dist/src/select/confirm.js';
import { gridSpaces } from '../dist/src/select/space.js';
import { loadHeldOutRun } from './lib/held-out-run.mjs';

const { jobs, cv, family, grid } = loadHeldOutRun('scripts/selection-diagnosis.mjs');
// The held-out composed MAPE of every family, lowest first.
const composed = cv.accuracy.filter((a) => a.side === 'composed' && cv.heldOut.has(a.model)).sort((a, b) => a.mape - b.mape || a.model.localeCompare(b.model));
console.log(`family ${family}; held-out composed MAPE: ${composed.map((a) => `${a.model} ${a.mape.toFixed(1)}%`).join(', ')}`);
const us = (ns) => (ns === undefined || ns === null ? '-' : (ns / 1e3).toFixed(1));
for (const space of [...gridSpaces(jobs.rows).values()].sort((a, b) => (a.layerId < b.layerId ? -1 : 1))) {
  const p = cv.heldOut.get(family).get(space.layerId);
  if (!p) continue;
  const roles = chooseRoles(space, p).roles;
  const q = space.measuredNs.get(roles.oracle) / (space.measuredNs.get(roles.selected) ?? Infinity);
  console.log(`\n## ${space.layerId}: grid q ${q.toFixed(2)}`);
  console.log('| role | strategy | pred cpu | pred gpu | pred composed | grid median | cpu side | gpu side | kernel |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const role of ['selected', 'oracle', 'bestCpu', 'bestGpu']) {
    const id = roles[role];
    const c = id && space.candidates.find((x) => x.strategyId === id);
    if (!c) continue;
    const pr = predictStrategy(p, c.layer, c.strategy);
    const j = grid.get(id);
    const short = id.slice(space.layerId.length + 1);
    console.log(`| ${role} | ${short} | ${us(pr.cpuNs)} | ${us(pr.gpuNs)} | ${us(pr.composedNs)} | ${us(j?.stats?.medianNs)} | ${us(j?.cpuSideMedianNs)} | ${us(j?.gpuSideMedianNs)} | ${us(j?.gpuKernelMedianNs)} |`);
  }
}
