#!/usr/bin/env node
// How long `coexec figures` takes over every shipped run, measured the way a user meets it: a cold call
// (no rendered output yet), a second call with nothing changed, and a call after one run's derived data
// changed. Works on a scratch copy of results/ (derived data, run.json, manifest.json; never raw/), so the
// checkout's own outputs are untouched. With --before DIR (a built checkout of an older harness) both
// harnesses are timed in interleaved rounds, back to back, so machine load hits both alike.
//   node scripts/bench-figures.mjs [--rounds N] [--before DIR [--before-label TEXT]] [--out FILE.json]
// A before checkout: mkdir B && git archive COMMIT | tar -x -C B && ln -s "$PWD/node_modules" B/ &&
// (cd B && npx tsc -p tsconfig.json). Wall time of the whole command (node start included) is reported:
// medians, after/before ratios of the medians, every sample, and the load average around the rounds
// (other programs on the machine slow both harnesses; the ratio is the comparable number).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args.splice(i, 2)[1]; };
const rounds = Number(flag('--rounds') ?? 5);
const before = flag('--before');
const beforeLabel = flag('--before-label');
const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const out = flag('--out');
if (!Number.isInteger(rounds) || rounds < 1 || args.length) {
  console.error('usage: node scripts/bench-figures.mjs [--rounds N] [--before DIR [--before-label TEXT]] [--out FILE.json]');
  process.exit(2);
}
for (const h of [repo, ...(before ? [resolve(before)] : [])]) {
  if (!existsSync(join(h, 'dist/src/cli/main.js'))) { console.error(`bench-figures: ${h} is not built (npx tsc -p tsconfig.json there)`); process.exit(2); }
}

// Scratch copy of results/: everything a run folder's figures need, nothing rendered, no raw samples.
const scratch = mkdtempSync(join(tmpdir(), 'coexec-bench-figures-'));
const RENDERED = new Set(['figures', 'tables', 'report', 'raw']);
let runs = 0;
for (const platform of readdirSync(join(repo, 'results'))) {
  const pdir = join(repo, 'results', platform);
  if (!statSync(pdir).isDirectory()) continue;
  for (const run of readdirSync(pdir)) {
    const rdir = join(pdir, run);
    if (!existsSync(join(rdir, 'manifest.json'))) continue;
    runs++;
    for (const entry of readdirSync(rdir)) {
      if (!RENDERED.has(entry)) cpSync(join(rdir, entry), join(scratch, 'results', platform, run, entry), { recursive: true });
    }
  }
}
const cleanOutputs = () => {
  for (const platform of readdirSync(join(scratch, 'results'))) {
    for (const run of readdirSync(join(scratch, 'results', platform))) {
      for (const d of ['figures', 'tables', 'report']) rmSync(join(scratch, 'results', platform, run, d), { recursive: true, force: true });
    }
  }
  rmSync(join(scratch, 'figures'), { recursive: true, force: true });
};

// The run whose derived data the "one run changed" case edits: the first with a layers.json.
const changed = readdirSync(join(scratch, 'results')).flatMap((p) => readdirSync(join(scratch, 'results', p)).map((r) => join(scratch, 'results', p, r)))
  .sort().find((d) => existsSync(join(d, 'derived/layers.json')));
let bump = 0;
const changeOneRun = () => {
  const path = join(changed, 'derived/layers.json');
  const layers = JSON.parse(readFileSync(path, 'utf8'));
  layers.rows[0].speedupOracleVsGpuFinish = Number((layers.rows[0].speedupOracleVsGpuFinish * (1 + 1e-3 * ++bump)).toFixed(6));
  writeFileSync(path, JSON.stringify(layers, null, 1) + '\n');
};

// The CLI works on its own checkout's results/, so the scratch runs are named, as `figures` (no
// arguments) would find them, with the figures root it would use.
const runDirs = readdirSync(join(scratch, 'results')).sort()
  .flatMap((p) => readdirSync(join(scratch, 'results', p)).sort().map((r) => join(scratch, 'results', p, r)));

/** Runs `figures` with harness `h` on the scratch runs; wall seconds and the command's own line. */
function figures(h) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(h, 'bin/coexec.js'), 'figures', ...runDirs, '--figures-root', join(scratch, 'figures')], { cwd: scratch, encoding: 'utf8' });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) { console.error(`bench-figures: ${h}: figures failed:\n${r.stdout}${r.stderr}`); process.exit(1); }
  return { wallS: Number(wallS.toFixed(3)), line: r.stdout.trim().split('\n').pop() };
}

const harnesses = [...(before ? [['before', resolve(before)]] : []), ['after', repo]];
const samples = {};
const add = (name, s) => { (samples[name] ??= []).push(s); console.log(`${name.padEnd(26)} ${s.wallS.toFixed(2)} s  ${s.line}`); };
const load = [loadavg()];
for (let i = 0; i < rounds; i++) {
  for (const [label, h] of harnesses) {
    cleanOutputs();
    add(`${label}: cold`, figures(h));
    add(`${label}: nothing changed`, figures(h));
    changeOneRun();
    add(`${label}: one run changed`, figures(h));
  }
  load.push(loadavg());
}
cleanOutputs();
rmSync(scratch, { recursive: true, force: true });

const median = (xs) => { const v = [...xs].sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
const medianS = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Number(median(v.map((s) => s.wallS)).toFixed(3))]));
const scenarios = ['cold', 'nothing changed', 'one run changed'];
const maxLoad = Math.max(...load.map((l) => l[0]));
const result = {
  what: '`coexec figures` over every shipped run folder (wall time of the whole command, node start included)',
  measuredAt: new Date().toISOString(),
  runs,
  changedRun: changed.slice(join(scratch, 'results').length + 1),
  rounds,
  machine: {
    cpus: cpus().length, cpuModel: cpus()[0]?.model, availableParallelism: availableParallelism(), node: process.version,
    loadavg1mDuringRounds: load.map((l) => Number(l[0].toFixed(2))),
    loaded: maxLoad > cpus().length
      ? `yes: the 1-minute load average reached ${maxLoad.toFixed(1)} on ${cpus().length} cores (other programs ran); absolute times are pessimistic, compare the ratios`
      : 'no: the load average stayed at or below the core count',
  },
  harnesses: Object.fromEntries(harnesses.map(([label, h]) => [label, h === repo ? 'this checkout' : (beforeLabel ?? h)])),
  medianS,
  ...(before ? { afterOverBeforeMedian: Object.fromEntries(scenarios.map((s) => [s, Number((medianS[`after: ${s}`] / medianS[`before: ${s}`]).toFixed(3))])) } : {}),
  samples,
};
if (out) {
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(resolve(out), JSON.stringify(result, null, 2) + '\n');
  console.log(`bench-figures: wrote ${out}`);
} else console.log(JSON.stringify({ medianS, afterOverBeforeMedian: result.afterOverBeforeMedian, loaded: result.machine.loaded }, null, 2));
