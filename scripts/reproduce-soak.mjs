#!/usr/bin/env node
// Issue 11's target, measured the way a new user meets it: N times in a row (default 5), a fresh
// `git clone` of this repository at HEAD into a temporary folder, `npm ci` (from the local npm cache when
// it can: --prefer-offline), then `npx coexec reproduce`, while a background process keeps one core about
// 30% busy (a duty-cycled busy loop: BUSY_MS busy per PERIOD_MS, pinned to one core with taskset when the
// machine has one). The script starts and stops that loop itself; the loop also ends on its own when this
// script dies (it watches its parent) or after a hard limit, so nothing is left running.
//
// Per run it records: the exit status and wall time of `npm ci` and of `reproduce`, the noise line, the
// final `reproduce:` line, each experiment's VALID share and validity verdict, each claim's verdict, the
// `measurement` digest of every run folder (noise, re-measured jobs), the busy loop's achieved duty and
// the load average around the run. The JSON file is rewritten after every run, so an interrupted soak
// keeps what it measured.
//   node scripts/reproduce-soak.mjs OUT.json [--runs N] [--busy-share 0.3] [--busy-core 1] [--no-busy]
//                                   [--label TEXT] [--keep] [--profile NAME] [--limit-min M]
// Exit status: 0 when every run exited 0 within the target time (10 minutes), 1 otherwise, 2 usage.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const USAGE = 'usage: node scripts/reproduce-soak.mjs OUT.json [--runs N] [--busy-share 0.3] [--busy-core 1] [--no-busy] [--label TEXT] [--keep] [--profile NAME] [--limit-min M]';
/** The issue's target per run. */
const TARGET_S = 600;
/** The busy loop's period: short against a scheduler's time slice budget, long against its own overhead. */
const PERIOD_MS = 100;

const args = process.argv.slice(2);
const flag = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args.splice(i, 2)[1]; };
const bool = (name) => { const i = args.indexOf(name); if (i < 0) return false; args.splice(i, 1); return true; };
const runs = Number(flag('--runs') ?? 5);
const busyShare = Number(flag('--busy-share') ?? 0.3);
const busyCore = Number(flag('--busy-core') ?? 1);
const label = flag('--label');
const profile = flag('--profile') ?? 'quick';
const limitMin = Number(flag('--limit-min') ?? 30);
const noBusy = bool('--no-busy');
const keep = bool('--keep');
const out = args.shift();
const fail = (why) => { console.error(`reproduce-soak: ${why}\n${USAGE}`); process.exit(2); };
if (!out || args.length) fail(out ? `unknown argument ${args[0]}` : 'the output JSON path is missing');
if (!Number.isInteger(runs) || runs < 1) fail(`--runs ${runs}: expected a whole number >= 1`);
if (!(busyShare > 0 && busyShare < 1)) fail(`--busy-share ${busyShare}: expected a share between 0 and 1`);
if (!Number.isInteger(busyCore) || busyCore < 0) fail(`--busy-core ${busyCore}: expected a core number`);
if (!(limitMin > 0)) fail(`--limit-min ${limitMin}: expected minutes > 0`);

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const git = (...a) => spawnSync('git', ['-C', repo, ...a], { encoding: 'utf8' }).stdout.trim();
const commit = git('rev-parse', 'HEAD');
if (!/^[0-9a-f]{40}$/.test(commit)) fail(`${repo} is not a git checkout`);
const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
const outPath = resolve(out);
mkdirSync(dirname(outPath), { recursive: true });

// --- the background load -------------------------------------------------------------------------------
// One node process: spin BUSY ms, sleep the rest of the period; prints its achieved busy share at exit.
// It exits when its parent is gone (ppid changes) or after maxS seconds, whichever comes first.
const BUSY_LOOP = `
const busyMs = Number(process.argv[1]), periodMs = Number(process.argv[2]), maxS = Number(process.argv[3]), parent = process.ppid;
const t0 = Date.now(); let busy = 0;
const done = () => { const wall = Date.now() - t0; process.stdout.write(JSON.stringify({ busyMs: busy, wallMs: wall, share: wall ? busy / wall : 0 }) + '\\n'); process.exit(0); };
process.on('SIGTERM', done); process.on('SIGINT', done);
const tick = () => {
  if (process.ppid !== parent || Date.now() - t0 > maxS * 1000) return done();
  const start = Date.now(); while (Date.now() - start < busyMs) { /* spin */ }
  busy += Date.now() - start;
  setTimeout(tick, Math.max(0, periodMs - (Date.now() - start)));
};
tick();`;
const haveTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
const coreCount = availableParallelism();

/** Starts the loop; returns stop() -> Promise of its report. */
function startBusy(maxS) {
  const loopArgs = ['-e', BUSY_LOOP, String(Math.round(busyShare * PERIOD_MS)), String(PERIOD_MS), String(maxS)];
  const pinned = haveTaskset && busyCore < coreCount;
  const child = pinned ? spawn('taskset', ['-c', String(busyCore), process.execPath, ...loopArgs], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, loopArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (d) => { text += d; });
  const ended = new Promise((res) => child.on('close', () => { live.delete(child); res(); }));
  live.add(child);
  return {
    pinned: pinned ? busyCore : null,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await ended;
      live.delete(child);
      try { return JSON.parse(text.trim().split('\n').at(-1)); } catch { return null; }
    },
  };
}

// --- cleanup on exit and signals -----------------------------------------------------------------------
const live = new Set();
/** Children started in their own process group (killed as a group). */
const groups = new WeakSet();
const scratchDirs = new Set();
const stopChildren = () => {
  for (const c of live) { try { c.pid && process.kill(groups.has(c) ? -c.pid : c.pid, 'SIGTERM'); } catch { /* gone */ } }
};
const removeScratch = () => {
  if (keep) return;
  for (const d of scratchDirs) { try { rmSync(d, { recursive: true, force: true, maxRetries: 3 }); } catch (err) { console.error(`reproduce-soak: could not remove ${d}: ${err.message}`); } }
};
process.on('exit', () => { stopChildren(); removeScratch(); });
// On a signal: stop the children, give them a moment to exit (a compiler still writing into the clone
// would defeat the removal), record the interruption, then remove the clones.
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    console.error(`reproduce-soak: ${sig}, stopping`);
    stopChildren();
    const deadline = Date.now() + 5000;
    while (live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const c of live) { try { process.kill(groups.has(c) ? -c.pid : c.pid, 'SIGKILL'); } catch { /* gone */ } }
    const current = record.runs.at(-1);
    if (current && current.exitCode === undefined && !current.problem) current.problem = `interrupted by ${sig}`;
    save();
    removeScratch();
    process.exit(130);
  });
}

// --- one step: a command with its output to a log (and, for reproduce, to the screen) -------------------
// Once a signal is being handled, a step neither starts nor returns: the handler records and exits.
const NEVER = new Promise(() => {});
function step(cmd, argv, cwd, logPath, { echo = false, limitS } = {}) {
  if (stopping) return NEVER;
  return new Promise((res) => {
    const t0 = process.hrtime.bigint();
    // Own process group, so a stop or the time limit ends the whole tree (npm -> node -> engine).
    const child = spawn(cmd, argv, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', npm_config_update_notifier: 'false' } });
    live.add(child);
    groups.add(child);
    let log = '';
    let partial = '';
    const take = (d) => {
      const s = d.toString();
      log += s;
      if (!echo) return;
      partial += s;
      const lines = partial.split('\n');
      partial = lines.pop();
      for (const l of lines) console.log(`    | ${l}`);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = limitS ? setTimeout(() => { timedOut = true; try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } }, limitS * 1000) : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      if (echo && partial) console.log(`    | ${partial}`);
      writeFileSync(logPath, log);
      if (stopping) return;
      res({ exitCode: code ?? (signal ? `signal ${signal}` : null), timedOut, wallS: Number(process.hrtime.bigint() - t0) / 1e9, log });
    });
  });
}

// --- what a reproduce printed ----------------------------------------------------------------------------
/** The blocks after "measurement validity" and "claims", the noise line, the final line and the run folders. */
function parseReproduce(log) {
  const lines = log.split('\n');
  const block = (head) => {
    const i = lines.findIndex((l) => l.startsWith(head));
    if (i < 0) return [];
    const rows = [];
    for (let j = i + 1; j < lines.length && lines[j].startsWith('  '); j++) rows.push(lines[j].trim());
    return rows;
  };
  const verdictOf = (l) => { const m = /^(PASS|FAIL|N\/A|UNDECIDED|INFO)\s+([^:]+):\s*(.*)$/.exec(l); return m ? { verdict: m[1], experiment: m[2], text: m[3] } : null; };
  const validity = block('measurement validity').map(verdictOf).filter(Boolean).map((v) => {
    const share = /([0-9.]+)% of (\d+) layer jobs VALID/.exec(v.text);
    return { experiment: v.experiment, verdict: v.verdict, validPct: share ? Number(share[1]) : null, layerJobs: share ? Number(share[2]) : null, text: v.text };
  });
  const claims = block('claims (').map(verdictOf).filter(Boolean).map((v) => ({ experiment: v.experiment, verdict: v.verdict, claim: v.text.split(':')[0], text: v.text }));
  const finalLine = [...lines].reverse().find((l) => l.startsWith('reproduce:')) ?? null;
  const noiseLine = lines.map((l) => l.trim()).find((l) => l.startsWith('noise:')) ?? null;
  const reports = finalLine ? (/report: (.*)$/.exec(finalLine)?.[1] ?? '').split(', ').filter(Boolean) : [];
  return { noiseLine, validity, claims, finalLine, runDirs: reports.map((r) => r.replace(/\/report\/index\.html$/, '')) };
}

/** summary.json's `measurement` of a run folder (noise digest without per-repetition medians, re-measured jobs, VALID share). */
function measurementOf(runDir) {
  try {
    const m = JSON.parse(readFileSync(join(runDir, 'derived/summary.json'), 'utf8')).measurement;
    if (!m) return null;
    const s = (x) => x && { what: x.what, medianCi95HalfPct: x.medianCi95HalfPct, runToRunCvPct: x.runToRunCvPct };
    return { ...m, noise: m.noise && { ...m.noise, cpu: s(m.noise.cpu), gpuRoundTrip: s(m.noise.gpuRoundTrip) } };
  } catch { return null; }
}

// --- the soak --------------------------------------------------------------------------------------------
const round2 = (x) => Math.round(x * 100) / 100;
const record = {
  what: `${runs} x (fresh git clone at HEAD, npm ci --prefer-offline, npx coexec reproduce --profile ${profile}) while one core is kept ~${Math.round(busyShare * 100)}% busy`,
  ...(label ? { label } : {}),
  commit, dirtyWorkTree: dirty, startedAt: new Date().toISOString(),
  machine: { hostname: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, loadAvgAtStart: loadavg().map(round2) },
  background: noBusy ? null : { busyMsPerPeriod: Math.round(busyShare * PERIOD_MS), periodMs: PERIOD_MS, pinnedCore: haveTaskset && busyCore < coreCount ? busyCore : null },
  targetS: TARGET_S,
  runs: [],
};
const save = () => writeFileSync(outPath, `${JSON.stringify(record, null, 2)}\n`);
console.log(`reproduce-soak: ${record.what}; commit ${commit.slice(0, 12)}${dirty ? ' (work tree has uncommitted changes: they are not in the clones)' : ''}; writing ${outPath}`);

for (let i = 1; i <= runs; i++) {
  const scratch = mkdtempSync(join(tmpdir(), 'coexec-soak-'));
  scratchDirs.add(scratch);
  const clone = join(scratch, 'coexec');
  const run = { run: i, startedAt: new Date().toISOString(), loadAvgBefore: loadavg().map(round2) };
  record.runs.push(run);
  save();
  console.log(`[run ${i}/${runs}] clone ${commit.slice(0, 12)} into ${clone}`);
  const cloned = spawnSync('git', ['clone', '--quiet', '--no-checkout', repo, clone], { encoding: 'utf8' });
  const checkedOut = cloned.status === 0 && spawnSync('git', ['-C', clone, 'checkout', '--quiet', '--detach', commit], { encoding: 'utf8' }).status === 0;
  if (!checkedOut) {
    run.problem = `git clone failed: ${(cloned.stderr || '').trim().split('\n').at(-1)}`;
    console.log(`[run ${i}/${runs}] ${run.problem}`);
    save();
    continue;
  }
  console.log(`[run ${i}/${runs}] npm ci --prefer-offline`);
  const ci = await step('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], clone, join(scratch, 'npm-ci.log'), { limitS: limitMin * 60 });
  run.npmCi = { exitCode: ci.exitCode, wallS: round2(ci.wallS), ...(ci.timedOut ? { timedOut: true } : {}) };
  if (ci.exitCode !== 0) {
    run.problem = `npm ci exited ${ci.exitCode}: ${ci.log.trim().split('\n').at(-1)}`;
    console.log(`[run ${i}/${runs}] ${run.problem}`);
    save();
    continue;
  }
  const busy = noBusy ? undefined : startBusy(limitMin * 60 + 60);
  console.log(`[run ${i}/${runs}] npx coexec reproduce --profile ${profile}${busy ? `, background loop ${Math.round(busyShare * 100)}% on ${busy.pinned === null ? 'any core' : `core ${busy.pinned}`}` : ''} (npm ci took ${ci.wallS.toFixed(0)} s)`);
  const rep = await step('npx', ['coexec', 'reproduce', '--profile', profile], clone, join(scratch, 'reproduce.log'), { echo: true, limitS: limitMin * 60 });
  const achieved = busy ? await busy.stop() : null;
  const parsed = parseReproduce(rep.log);
  Object.assign(run, {
    exitCode: rep.exitCode, wallS: round2(rep.wallS), withinTarget: rep.exitCode === 0 && rep.wallS <= TARGET_S,
    ...(rep.timedOut ? { timedOut: true } : {}),
    background: achieved && { achievedBusyShare: round2(achieved.share), wallS: round2(achieved.wallMs / 1000) },
    loadAvgAfter: loadavg().map(round2),
    noiseLine: parsed.noiseLine, finalLine: parsed.finalLine,
    validity: parsed.validity.map(({ text, ...v }) => v), claims: parsed.claims.map(({ text, ...c }) => ({ ...c, text })),
    measurement: Object.fromEntries(parsed.runDirs.map((d) => [d.split('/').at(-1), measurementOf(join(clone, d))])),
    ...(keep ? { clone } : {}),
  });
  save();
  console.log(`[run ${i}/${runs}] exit ${rep.exitCode} in ${(rep.wallS / 60).toFixed(1)} min; ${parsed.finalLine ?? 'no final line'}`);
  if (!keep) { rmSync(scratch, { recursive: true, force: true }); scratchDirs.delete(scratch); }
}

record.finishedAt = new Date().toISOString();
record.passed = record.runs.filter((r) => r.withinTarget).length;
save();
console.log(`reproduce-soak: ${record.passed} of ${runs} runs exited 0 within ${TARGET_S / 60} min; wall ${record.runs.map((r) => r.wallS === undefined ? '-' : `${(r.wallS / 60).toFixed(1)}`).join(', ')} min; ${outPath}`);
process.exit(record.passed === runs ? 0 : 1);
