#!/usr/bin/env zx
// Harness overhead: runs every experiment with a profile (default quick) on the local platform and compares
// the wall time with the sum of the engine's own job times (wallNs of every result line). Goal: wall /
// engine <= 1.15 for the quick profile on the 2-core machine.
//   default: one process runs all experiments through the library, as `reproduce` does (configs loaded and
//            the engine's info asked once); the wall clock starts before the configs are loaded;
//   --cli:   one `coexec run` process per experiment (adds Node start-up, config loading and `info` each time).
// Usage: npx zx scripts/bench-harness.mjs [--profile quick] [--experiments a,b] [--cli] [--keep]
import { $, argv, fs, path, os } from 'zx';

$.verbose = false;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const profile = argv.profile ?? 'quick';
const experiments = (argv.experiments ?? 'sync-overhead,predictor-accuracy,linear-coexec,conv-coexec').split(',');
for (const [file, fix] of [['native/build/coexec-engine', 'bash scripts/build-engine.sh'], ['dist/src/cli/main.js', 'npx tsc -p tsconfig.json']]) {
  if (!fs.existsSync(path.join(root, file))) {
    console.error(`error: ${file} is missing: run \`${fix}\` first`);
    process.exit(1);
  }
}
const results = fs.mkdtempSync(path.join(os.tmpdir(), 'coexec-bench-'));
const dist = (m) => import(path.join(root, 'dist/src', m));

/** Sum of wallNs and line count over a run folder's raw files. */
function engineTime(runDir) {
  let ns = 0;
  let jobs = 0;
  for (const f of fs.readdirSync(path.join(runDir, 'raw'))) {
    for (const line of fs.readFileSync(path.join(runDir, 'raw', f), 'utf8').split('\n')) {
      if (line.trim()) { ns += JSON.parse(line).wallNs ?? 0; jobs++; }
    }
  }
  return { ns, jobs };
}

const rows = [];
const t0 = process.hrtime.bigint();
if (argv.cli) {
  for (const experiment of experiments) {
    const t = process.hrtime.bigint();
    await $`node ${path.join(root, 'bin/coexec.js')} run --experiment ${experiment} --profile ${profile} --results ${results}`;
    const dir = fs.readdirSync(path.join(results, 'local')).find((d) => d.startsWith(`${experiment}-`));
    rows.push({ experiment, wallS: Number(process.hrtime.bigint() - t) / 1e9, ...engineTime(path.join(results, 'local', dir)) });
  }
} else {
  const { loadConfigs } = await dist('config/load.js');
  const { LocalDriver } = await dist('engine/local.js');
  const { runExperiment } = await dist('run/execute.js');
  const configs = loadConfigs(root);
  const driver = new LocalDriver(configs.platforms.get('local'), root);
  for (const experiment of experiments) {
    const t = process.hrtime.bigint();
    const r = await runExperiment({ configs, repoRoot: root, resultsRoot: results, experiment, profile, platform: 'local', driver, progress: false });
    rows.push({ experiment, wallS: Number(process.hrtime.bigint() - t) / 1e9, ...engineTime(r.runDir) });
  }
}
const wallAll = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`profile ${profile}, mode ${argv.cli ? 'one CLI process per experiment' : 'one process'}`);
console.log('experiment            jobs   wall s  engine s  wall/engine');
for (const r of rows) {
  console.log(`${r.experiment.padEnd(20)} ${String(r.jobs).padStart(5)} ${r.wallS.toFixed(1).padStart(8)} ${(r.ns / 1e9).toFixed(1).padStart(9)} ${(r.wallS / (r.ns / 1e9)).toFixed(3).padStart(12)}`);
}
const engineAll = rows.reduce((s, r) => s + r.ns, 0) / 1e9;
console.log(`${'all'.padEnd(20)} ${String(rows.reduce((s, r) => s + r.jobs, 0)).padStart(5)} ${wallAll.toFixed(1).padStart(8)} ${engineAll.toFixed(1).padStart(9)} ${(wallAll / engineAll).toFixed(3).padStart(12)}`);
if (argv.keep) console.log(`results kept in ${results}`);
else fs.rmSync(results, { recursive: true, force: true });
