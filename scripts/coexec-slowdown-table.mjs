#!/usr/bin/env node
// How much each side of a co-executed grid job slows against the same slice run alone, per layer and split
// dimension, beside the bytes involved: the layer's weights and input, and each side's slice (weights + input
// it reads + output it writes, analysis/layers.ts sliceBytes of the side's layer).
//   node scripts/coexec-slowdown-table.mjs RUN_DIR [--jobs]   (--jobs: a CSV line per co-executed job as well)
// Two references for "alone": `pred` is the side model trained on every single-side job of the run (in
// sample, as the composition's own fit sees it; baseline family, no slowdown applied), `meas` the median of
// the run's single-side jobs that computed exactly that slice (same side layer, threads and implementation, or
// variant and work-group), where the profile measured one. Ratios are medians over the layer's co-executed jobs;
// `cpu-only/pred` and `gpu-only/pred` are the same ratio over the layer's single-side grid jobs (the side
// model's own bias on that layer, which a co-execution slowdown must not be blamed for).
// Needs `npx tsc -p tsconfig.json` first (reads dist/). Prints; writes nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inPhase, layerId, sideSlice, sidesOf, sliceBytes } from '../dist/src/analysis/layers.js';
import { median } from '../dist/src/analysis/metrics.js';
import { readDevice, readJobs } from '../dist/src/analysis/run-files.js';
import { predictStrategy } from '../dist/src/predict/compose.js';
import { jobCpuRows, jobGpuRows, trainingJobs } from '../dist/src/predict/dataset.js';
import { trainPredictor } from '../dist/src/predict/evaluate.js';

const args = process.argv.slice(2);
const perJob = args.includes('--jobs');
const [run] = args.filter((a) => !a.startsWith('--'));
if (!run || !existsSync(join(run, 'jobs.json'))) {
  console.error('usage: node scripts/coexec-slowdown-table.mjs RUN_DIR [--jobs]');
  process.exit(2);
}
const rows = readJobs(run).rows;
const all = trainingJobs(rows);
const p = trainPredictor('baseline', all, rows.filter((j) => j.kind === 'roundtrip'), readDevice(run));
// Sides as predicted alone: no slowdown of any kind, no spreads.
const bare = {
  ...p, composition: { ...p.composition, coexecSlowdown: undefined, coexecSlowdownByBytes: undefined, slowdownDuringOverlap: undefined, cpuContention: 1, sideSpread: undefined },
};

// Single-side measurements keyed by the slice they computed.
const alone = new Map();
const put = (key, ns) => { if (ns > 0) alone.set(key, [...(alone.get(key) ?? []), ns]); };
for (const j of all) {
  const c = jobCpuRows(j), g = jobGpuRows(j);
  if (c > 0 && g === 0) put(`c/${layerId(j.layer)}/${j.strategy.cpuThreads}/${j.strategy.cpuImpl}`, j.cpuSideMedianNs || j.stats.medianNs);
  if (g > 0 && c === 0 && (j.strategy.gpuStreams ?? 1) <= 1) put(`g/${layerId(j.layer)}/${j.strategy.gpuVariant}/${j.strategy.gpuWorkGroup}/${j.strategy.sync}`, j.gpuSideMedianNs);
}
const aloneNs = (key) => (alone.has(key) ? median(alone.get(key)) : undefined);

const weightBytes = (l) => 4 * (l.type === 'linear' ? l.N * l.K : l.F * l.C * l.R * l.S);
const inputBytes = (l) => 4 * (l.type === 'linear' ? l.M * l.K : l.batch * l.C * l.H * l.W);
const kb = (b) => (b / 1024).toFixed(0);
// The side models' own bias on each layer: measured / predicted over its single-side grid jobs.
const soloBias = new Map();
for (const j of all) {
  if (!inPhase(j, 'grid') || (j.strategy.gpuStreams ?? 1) > 1) continue;
  const s = sidesOf(j.layer, j.strategy);
  if (s.cpu === s.gpu) continue;
  const pr = predictStrategy(bare, j.layer, j.strategy);
  const ratio = s.cpu ? (j.cpuSideMedianNs || j.stats.medianNs) / pr.cpuNs : j.gpuSideMedianNs / pr.gpuNs;
  if (!(ratio > 0)) continue;
  const key = `${s.cpu ? 'c' : 'g'}/${layerId(j.layer)}`;
  soloBias.set(key, [...(soloBias.get(key) ?? []), ratio]);
}
const bias = (side, l) => { const v = soloBias.get(`${side}/${layerId(l)}`); return v ? median(v).toFixed(2) : '-'; };
const groups = new Map();
if (perJob) {
  console.log('job,run,layer,dim,r,cpuImpl,gpuVariant,sync,cpuOverPred,cpuOverAlone,gpuOverPred,gpuOverAlone,cpuSliceBytes,gpuSliceBytes,weightBytes,inputBytes,'
    + 'predCpuNs,predGpuNs,cpuOnlyOverPred,gpuOnlyOverPred');
}
for (const j of all) {
  if (!inPhase(j, 'grid') || !(j.cpuSideMedianNs > 0) || !(j.gpuSideMedianNs > 0) || (j.strategy.gpuStreams ?? 1) > 1) continue;
  const s = sidesOf(j.layer, j.strategy);
  if (!s.cpu || !s.gpu) continue;
  const pr = predictStrategy(bare, j.layer, j.strategy);
  const cs = sideSlice(j.layer, j.strategy, s.rowsCpu), gs = sideSlice(j.layer, j.strategy, s.rowsGpu);
  const cAlone = aloneNs(`c/${layerId(withRows(cs))}/${j.strategy.cpuThreads}/${j.strategy.cpuImpl}`);
  const gAlone = aloneNs(`g/${layerId(withRows(gs))}/${j.strategy.gpuVariant}/${j.strategy.gpuWorkGroup}/${j.strategy.sync}`);
  const row = {
    cpuPred: j.cpuSideMedianNs / pr.cpuNs, gpuPred: j.gpuSideMedianNs / pr.gpuNs,
    cpuMeas: cAlone ? j.cpuSideMedianNs / cAlone : undefined, gpuMeas: gAlone ? j.gpuSideMedianNs / gAlone : undefined,
    cpuSliceBytes: sliceBytes(cs.layer, cs.rows), gpuSliceBytes: sliceBytes(gs.layer, gs.rows), r: j.strategy.splitRatio,
  };
  const key = `${layerId(j.layer)} ${j.strategy.splitDim ?? 'outer'}`;
  groups.set(key, [...(groups.get(key) ?? []), { j, row }]);
  if (perJob) {
    console.log(['job', run.split('/').pop(), key.replace(' ', ','), row.r, j.strategy.cpuImpl, j.strategy.gpuVariant, j.strategy.sync, row.cpuPred.toFixed(3), row.cpuMeas?.toFixed(3) ?? '',
      row.gpuPred.toFixed(3), row.gpuMeas?.toFixed(3) ?? '', row.cpuSliceBytes, row.gpuSliceBytes, weightBytes(j.layer), inputBytes(j.layer), pr.cpuNs.toFixed(0), pr.gpuNs.toFixed(0), bias('c', j.layer), bias('g', j.layer)].join(','));
  }
}

/** The side's layer as a whole layer of `rows` output rows (its id keys the single-side jobs). */
function withRows(side) {
  const l = side.layer;
  return l.type === 'linear' ? { ...l, N: side.rows } : { ...l, F: side.rows };
}

const fmt = (xs) => {
  const v = xs.filter((x) => x !== undefined);
  return v.length === 0 ? '-' : `${median(v).toFixed(2)} (${v.length})`;
};
console.log(`# ${run}`);
console.log('| layer | dim | W KB | X KB | jobs | cpu/pred | cpu/meas | cpu-only/pred | gpu/pred | gpu/meas | gpu-only/pred | cpu slice KB | gpu slice KB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [key, list] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
  const [id, dim] = key.split(' ');
  const l = list[0].j.layer;
  const r = list.map((x) => x.row);
  console.log(`| ${id.replace(/^(linear|conv2d)\//, '')} | ${dim} | ${kb(weightBytes(l))} | ${kb(inputBytes(l))} | ${r.length} | ${fmt(r.map((x) => x.cpuPred))} | ${fmt(r.map((x) => x.cpuMeas))} | ${bias('c', l)} | ${fmt(r.map((x) => x.gpuPred))} | ${fmt(r.map((x) => x.gpuMeas))} | ${bias('g', l)} | ${kb(median(r.map((x) => x.cpuSliceBytes)))} | ${kb(median(r.map((x) => x.gpuSliceBytes)))} |`);
}
