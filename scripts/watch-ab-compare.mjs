#!/usr/bin/env node
// Reads what scripts/watch-ab-round.sh measured (DIR/<bundle>-watch<0|1>-r<round>.jsonl) and says whether the
// GPU-done watch changes a job's latency: per job, the median over rounds of its latency median with the watch
// on and off; then per bundle and group (co-executed svm-fine / svm-resident, which the watch times, and every
// other job, which it leaves alone: their ratio is the call's own noise) the geometric mean of on / off, its
// spread over jobs (p10, p90), and the rounds' spread (the ratio of two off rounds of the same job).
//   node scripts/watch-ab-compare.mjs DIR     (needs `npx tsc -p tsconfig.json` first: reads dist/)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { geomean, median } from '../dist/src/analysis/metrics.js';

const dir = process.argv[2];
if (!dir) { console.error('usage: node scripts/watch-ab-compare.mjs DIR'); process.exit(2); }
const files = readdirSync(dir).map((f) => f.match(/^(.+)-watch([01])-r(\d+)\.jsonl$/)).filter(Boolean);
if (files.length === 0) { console.error(`watch-ab-compare: no <bundle>-watch<0|1>-r<round>.jsonl in ${dir}`); process.exit(1); }

const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
// The geometric mean's 95% interval from the standard error of the mean log ratio.
const interval = (xs) => {
  const logs = xs.map(Math.log), m = logs.reduce((a, x) => a + x, 0) / logs.length;
  const se = Math.sqrt(logs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, logs.length - 1) / logs.length);
  return `${Math.exp(m - 2 * se).toFixed(3)}-${Math.exp(m + 2 * se).toFixed(3)}`;
};

// bundle -> jobId -> { watch: [per-round medians], group, watchedLines }
const byBundle = new Map();
for (const [file, bundle, watch, round] of files) {
  if (!byBundle.has(bundle)) byBundle.set(bundle, new Map());
  const jobs = byBundle.get(bundle);
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const j = JSON.parse(line);
    if (j.status !== 'ok' || !Array.isArray(j.samplesNs) || j.samplesNs.length === 0) continue;
    const s = j.strategy;
    const coexec = s.splitRatio > 0 && s.splitRatio < 1;
    const group = coexec && (s.sync === 'svm-fine' || s.sync === 'svm-resident') ? `co-executed ${s.sync}` : 'other jobs';
    if (!jobs.has(j.jobId)) jobs.set(j.jobId, { group, on: [], off: [], watched: 0 });
    const row = jobs.get(j.jobId);
    row[watch === '1' ? 'on' : 'off'].push({ round: Number(round), ns: median(j.samplesNs) });
    if (j.resolved?.gpuDoneWatched === true) row.watched += 1;
  }
}

console.log('| bundle | group | jobs | watched lines | on / off (geomean) | 95% interval | p10 | p90 | off / off (rounds 1, 2) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [bundle, jobs] of byBundle) {
  const groups = new Map();
  for (const row of jobs.values()) {
    if (row.on.length === 0 || row.off.length === 0) continue;
    if (!groups.has(row.group)) groups.set(row.group, { ratios: [], noise: [], watched: 0 });
    const g = groups.get(row.group);
    g.ratios.push(median(row.on.map((x) => x.ns)) / median(row.off.map((x) => x.ns)));
    const off = [...row.off].sort((a, b) => a.round - b.round);
    if (off.length >= 2) g.noise.push(off[0].ns / off[1].ns);
    g.watched += row.watched;
  }
  for (const [group, g] of [...groups].sort()) {
    const noise = g.noise.length ? `${geomean(g.noise).toFixed(3)} (p10 ${quantile(g.noise, 0.1).toFixed(2)}, p90 ${quantile(g.noise, 0.9).toFixed(2)})` : '-';
    console.log(`| ${bundle} | ${group} | ${g.ratios.length} | ${g.watched} | ${geomean(g.ratios).toFixed(3)} | ${interval(g.ratios)} | ${quantile(g.ratios, 0.1).toFixed(2)} | ${quantile(g.ratios, 0.9).toFixed(2)} | ${noise} |`);
  }
}
