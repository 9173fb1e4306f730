// The CLI: help and exit codes, one-line user errors, and `info` / `run` through the local driver with a
// stand-in engine executable (a Node script printing the fake engine's lines), so no OpenCL is needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { main } from '../src/cli/main.js';
import { DELEGATED, delegatedCommand } from '../src/cli/commands.js';
import { yardsticksCommand } from '../src/report/yardsticks.js';
import { reproduceCommand } from '../src/reproduce/reproduce.js';
import { compactCommand } from '../src/run/compact.js';
import { figuresCommand } from '../src/report/figures.js';

const ROOT = resolve(process.cwd());

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, ROOT);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A stand-in `coexec-engine`: `info` prints FAKE_INFO, `run PLAN --out FILE` appends fakeResult lines. */
function standInEngine(dir: string): string {
  const fake = pathToFileURL(join(ROOT, 'dist/src/engine/fake.js')).href;
  const path = join(dir, 'coexec-engine');
  writeFileSync(path, `#!/usr/bin/env node
import { appendFileSync, readFileSync } from 'node:fs';
import { FAKE_INFO, fakeResult } from '${fake}';
const [cmd, plan, flag, out] = process.argv.slice(2);
if (cmd === 'info') { console.log(JSON.stringify(FAKE_INFO)); process.exit(0); }
if (cmd !== 'run' || flag !== '--out') { console.error('bad flags'); process.exit(2); }
const p = JSON.parse(readFileSync(plan, 'utf8'));
for (const job of p.jobs) appendFileSync(out, JSON.stringify(fakeResult(p, job, '2026-11-26T06:00:00.000Z')) + '\\n');
`);
  chmodSync(path, 0o755);
  return path;
}

test('help: exit 0 with --help, 2 without a command; per-command help', async () => {
  const h = await cli('--help');
  assert.is(h.code, 0);
  for (const c of ['platforms', 'info', 'run', 'export', 'import', 'reproduce', 'figures', 'validate']) assert.match(h.out, new RegExp(`\\n  ${c}`));
  assert.is((await cli()).code, 2);
  const r = await cli('run', '--help');
  assert.is(r.code, 0);
  assert.match(r.out, /--resume RUN_DIR/);
  // Every command the main help lists has its own help.
  const listed = [...h.out.matchAll(/^  ([a-z]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'h');
  assert.ok(listed.includes('derive') && listed.includes('yardsticks'), listed.join(' '));
  for (const c of listed) {
    const each = await cli(c, '--help');
    assert.equal([c, each.code], [c, 0]);
    assert.match(each.out, new RegExp(`^Usage: coexec ${c}`));
  }
});

test('yardsticks with a missing input file: exit 2, one line, no stack', async () => {
  const lines: string[] = [];
  assert.is(await yardsticksCommand(['/nonexistent/engine.jsonl', '--out', join(tmpdir(), 'coexec-ys-test')], ROOT, (l) => lines.push(l)), 2);
  assert.equal(lines, ['yardsticks: /nonexistent/engine.jsonl: no such file (the JSONL that native/bench/yardsticks.sh or torch_yardstick.py wrote)']);
});

test('usage errors exit 2 with one line and no stack', async () => {
  const u = await cli('frobnicate');
  assert.equal([u.code, u.err], [2, 'error: unknown command "frobnicate": see `coexec --help`']);
  const m = await cli('run', '--experiment', 'linear-coexec');
  assert.equal([m.code, m.err], [2, 'error: run needs --profile: see `coexec run --help`']);
  const b = await cli('run', '--bogus');
  assert.is(b.code, 2);
  assert.match(b.err, /^error: run: Unknown option '--bogus'/);
  const p = await cli('run', '--experiment', 'linear-coexec', '--profile', 'quick', '--phase', 'search');
  assert.equal([p.code, p.err], [2, 'error: --phase search: expected one of sync, profile, grid, confirm: see `coexec --help`']);
});

test('platforms lists every config and marks the tested one', async () => {
  const r = await cli('platforms');
  assert.is(r.code, 0);
  assert.match(r.out, /^local\s+local\s+pocl-cpu\s+yes/m);
  assert.match(r.out, /^pixel5\s+adb\s+unified-memory-gpu\s+no/m);
  assert.match(r.out, /^gpu-host\s+bundle\s+discrete-gpu\s+no/m);
});

test('info and run through the local driver with a stand-in engine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-cli-'));
  const saved = process.env.COEXEC_ENGINE;
  process.env.COEXEC_ENGINE = standInEngine(dir);
  try {
    const info = await cli('info');
    assert.is(info.code, 0, info.err);
    assert.match(info.out, /picked: cpu-fake \(Portable Computing Language\): no OpenCL GPU found/);
    const unknown = await cli('run', '--experiment', 'nope', '--profile', 'quick');
    assert.is(unknown.code, 1);
    assert.match(unknown.err, /^error: unknown experiment "nope": expected one of/);
    const results = join(dir, 'results');
    const run = await cli('run', '--experiment', 'linear-coexec', '--profile', 'quick', '--phase', 'grid', '--results', results);
    assert.is(run.code, 0, run.err);
    // every planned job finished now and VALID (the count follows the shipped quick profile)
    assert.match(run.out, /jobs: (\d+)\/\1 finished \(\1 now\), \1 VALID, 0 INVALID/);
    const [runId] = readdirSync(join(results, 'local'));
    assert.ok(existsSync(join(results, 'local', runId!, 'manifest.json')));
    const resumed = await cli('run', '--resume', join(results, 'local', runId!));
    assert.is(resumed.code, 0, resumed.err);
    assert.match(resumed.out, /jobs: (\d+)\/\1 finished \(0 now\)/);
    const notRun = await cli('run', '--resume', dir);
    assert.equal([notRun.code, notRun.err], [1, `error: cannot resume ${dir}: no run.json there (is it a run folder?)`]);
    const bundle = await cli('run', '--experiment', 'linear-coexec', '--profile', 'quick', '--platform', 'gpu-host');
    assert.is(bundle.code, 1);
    assert.match(bundle.err, /^error: platform "gpu-host" is measured through an offline bundle/);
  } finally {
    if (saved === undefined) delete process.env.COEXEC_ENGINE; else process.env.COEXEC_ENGINE = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reproduce with a stand-in engine: a noise line first, validity and claims apart, a last line and exit status that agree', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-cli-'));
  const saved = process.env.COEXEC_ENGINE;
  process.env.COEXEC_ENGINE = standInEngine(dir);
  try {
    const printed: string[] = [];
    const code = await reproduceCommand(['--experiment', 'sync-overhead', '--results', join(dir, 'results'), '--no-png'], ROOT, (l) => printed.push(l));
    const r = { code, out: printed.join('\n') };
    const lines = r.out.split('\n');
    assert.match(lines[1]!, /^ {6}noise: CPU workload median CI \+-[0-9.]+% per 40-sample job, median CI \+-[0-9.]+% expected at the \d+ samples a job of its length gets; a job needs \d+ samples.*, run-to-run [0-9.]+%; GPU round trip .* \(profile quick allows 10\.0%\)$/);
    const validity = lines.indexOf('measurement validity (is the measurement good enough to judge?):');
    const claims = lines.indexOf('claims (does the result hold here?):');
    assert.ok(validity > 0 && claims > validity, r.out);
    assert.match(lines[validity + 1]!, /^ {2}PASS {2}sync-overhead: 100\.0% of \d+ layer jobs VALID/);
    assert.match(lines[claims + 1]!, /^ {2}(PASS|FAIL|UNDECIDED) {2}sync-overhead: svm-fine-overhead-vs-finish: measured .*, paper .*, range \[.*\] \(pocl-cpu/);
    // The stand-in engine's timings decide nothing about the claim: any of the three outcomes, with its exit status.
    const verdict = /^ {2}(\S+)/.exec(lines[claims + 1]!)![1]!;
    assert.is(r.code, { PASS: 0, FAIL: 4, UNDECIDED: 3 }[verdict], r.out);
    if (verdict === 'UNDECIDED') assert.ok(lines.some((l) => /^ {2}FAIL {2}sync-overhead: claim-ci {2}svm-fine-overhead-vs-finish: 95% interval/.test(l)), r.out);
    assert.match(lines.at(-1)!, {
      PASS: /^reproduce: every check PASSED \(integrity PASS, validity PASS, claims PASS; exit 0\) in [0-9.]+ min; report: /,
      FAIL: /^reproduce: a claim FAILED on a valid measurement: the claim does not hold here \(integrity PASS, validity PASS, claims FAIL; exit 4\)/,
      UNDECIDED: /^reproduce: measurement validity FAILED \(too few VALID jobs, or a claim too noisy to decide.*\(integrity PASS, validity FAIL, claims PASS; exit 3\)/,
    }[verdict]!);
  } finally {
    if (saved === undefined) delete process.env.COEXEC_ENGINE; else process.env.COEXEC_ENGINE = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a delegated command whose module is missing says so', async () => {
  DELEGATED['test-missing'] = { module: '../not-there/nothing.js', exportName: 'run' };
  try {
    await delegatedCommand('test-missing', [], ROOT);
    assert.unreachable();
  } catch (err) {
    assert.is((err as Error).message, '"test-missing" is not yet available in this build (src/not-there/nothing.ts (run) is missing)');
  } finally {
    delete DELEGATED['test-missing'];
  }
});

test('a path on the command line is taken from the working directory, not the repository root', async () => {
  const lines: string[] = [];
  const elsewhere = join(tmpdir(), 'coexec-not-the-repository');
  await compactCommand(['no-such-run-folder'], elsewhere, (l) => lines.push(l));
  await figuresCommand(['no-such-run-folder'], elsewhere, (l) => lines.push(l));
  assert.equal(lines.map((l) => l.includes(join(process.cwd(), 'no-such-run-folder')) && !l.includes(elsewhere)), [true, true], lines.join('\n'));
});

test.run();
