#!/usr/bin/env node
// How far a same-call retest moved each grid job: per sync mechanism and side (co-executed, CPU-only,
// GPU-only), the ratio retest median / run median over the jobs both measured: its median, 5th and 95th
// percentiles and the share of jobs that moved by more than 1.3x either way. The retest's jobs.json is the
// one scripts/device-round.sh measures (logs/<platform>-<experiment>/retest.tgz; gzip accepted).
//   node scripts/retest-spread.mjs RUN_DIR RETEST_JOBS.json[.gz]
// Prints a table; writes nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJobRows as readRows } from './lib/job-rows.mjs';

const [runDir, retestFile] = process.argv.slice(2);
if (!runDir || !retestFile || !existsSync(join(runDir, 'jobs.json')) || !existsSync(retestFile)) {
  console.error('usage: node scripts/retest-spread.mjs RUN_DIR RETEST_JOBS.json[.gz]');
  process.exit(2);
}
const retest = new Map(readRows(retestFile).filter((j) => j.stats).map((j) => [j.jobId, j]));
const sideOf = (s) => (s.splitRatio === 0 ? 'GPU-only' : s.splitRatio === 1 ? 'CPU-only' : 'co-executed');
const groups = new Map();
for (const job of readRows(join(runDir, 'jobs.json'))) {
  const again = retest.get(job.jobId);
  if (job.phase !== 'grid' || !job.stats || !again) continue;
  const key = `${sideOf(job.strategy)} ${job.strategy.splitRatio === 1 ? '' : job.strategy.sync}`.trim();
  groups.set(key, [...(groups.get(key) ?? []), again.stats.medianNs / job.stats.medianNs]);
}
const at = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
console.log('| jobs | n | median ratio | p5 | p95 | moved > 1.3x |\n| --- | --- | --- | --- | --- | --- |');
const all = [];
for (const [key, ratios] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
  all.push(...ratios);
  const s = [...ratios].sort((a, b) => a - b);
  const moved = s.filter((x) => x > 1.3 || x < 1 / 1.3).length / s.length;
  console.log(`| ${key} | ${s.length} | ${at(s, 0.5).toFixed(2)} | ${at(s, 0.05).toFixed(2)} | ${at(s, 0.95).toFixed(2)} | ${(100 * moved).toFixed(0)}% |`);
}
const s = all.sort((a, b) => a - b);
if (s.length > 0) console.log(`| all | ${s.length} | ${at(s, 0.5).toFixed(2)} | ${at(s, 0.05).toFixed(2)} | ${at(s, 0.95).toFixed(2)} | ${(100 * s.filter((x) => x > 1.3 || x < 1 / 1.3).length / s.length).toFixed(0)}% |`);
