#!/usr/bin/env node
// How far each side's held-out prediction is from the grid's measured side, per split dimension and CPU
// implementation: for every VALID co-executed grid job, predicted / measured CPU side and GPU side (the same
// held-out predictors selection uses, as in scripts/selection-diagnosis.mjs). Prints median ratio and MAPE per
// group. Tells whether a side model misprices height splits against channel splits.
// The GPU side of svm-fine and svm-resident jobs is censored: the CPU-slice thread polls the GPU's done counter
// only once its own slice is done (native/src/executor.cpp), so a GPU share that finished first reads as the CPU
// side's end, and those rows' "predicted / measured" runs low for GPU shares smaller than the CPU's. Engines since
// s32 time them on the driver's own core where they can (resolved.gpuDoneWatched); the header line says which.
//   node scripts/split-side-errors.mjs RUN_DIR [--family NAME]
// Needs `npx tsc -p tsconfig.json` first (reads dist/). Prints; writes nothing.
import { predictStrategy } from '../dist/src/predict/compose.js';
import { gridSpaces } from '../dist/src/select/space.js';
import { loadHeldOutRun } from './lib/held-out-run.mjs';

const { jobs, cv, family, grid } = loadHeldOutRun('scripts/split-side-errors.mjs');
const groups = new Map();
const add = (key, ratio) => { if (!groups.has(key)) groups.set(key, []); groups.get(key).push(ratio); };
for (const space of gridSpaces(jobs.rows).values()) {
  const p = cv.heldOut.get(family)?.get(space.layerId);
  if (!p) continue;
  for (const c of space.candidates) {
    const s = c.strategy;
    if (!(s.splitRatio > 0 && s.splitRatio < 1)) continue;
    const j = grid.get(c.strategyId);
    if (!j) continue;
    const pr = predictStrategy(p, c.layer, s);
    const dim = s.splitDim ?? 'channel';
    if (j.cpuSideMedianNs > 0 && pr.cpuNs > 0) add(`cpu ${dim} ${s.cpuImpl}`, pr.cpuNs / j.cpuSideMedianNs);
    if (j.gpuSideMedianNs > 0 && pr.gpuNs > 0) add(`gpu ${dim} ${s.sync}`, pr.gpuNs / j.gpuSideMedianNs);
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
// Runs since the engine's GPU-done watch (s32) say per job whether its host-waited GPU side was timed on its own.
const hostWaited = [...grid.values()].filter((j) => j.strategy.sync === 'svm-fine' || j.strategy.sync === 'svm-resident');
const watched = hostWaited.filter((j) => j.resolved?.gpuDoneWatched === true).length;
const censoring = watched === hostWaited.length ? 'timed by the driver thread\'s watch (uncensored)'
  : watched === 0 ? 'censored by the CPU slice (see the header)' : `timed by the watch in ${watched} of ${hostWaited.length} jobs`;
console.log(`family ${family}; GPU rows of svm-fine and svm-resident: ${censoring}\n| side, split, setting | n | predicted / measured (median) | p10 | p90 | MAPE % |\n| --- | --- | --- | --- | --- | --- |`);
for (const [key, rs] of [...groups].sort()) {
  const s = [...rs].sort((a, b) => a - b);
  const mape = 100 * rs.reduce((a, r) => a + Math.abs(r - 1), 0) / rs.length;
  console.log(`| ${key} | ${rs.length} | ${median(rs).toFixed(2)} | ${s[Math.floor(0.1 * s.length)].toFixed(2)} | ${s[Math.floor(0.9 * s.length)].toFixed(2)} | ${mape.toFixed(1)} |`);
}
