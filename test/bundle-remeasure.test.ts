// Tests of `export --resume RUN --remeasure S`: the re-measurement round of an offline-bundle run, planned at
// home from the imported results, measured by run.sh, imported into raw/<part>.remeasure-<k>.jsonl and pooled
// into jobs.json. Real engine on PoCL, one tiny linear-coexec run; two of its lines are marked as measured
// while the hypervisor stole time (as the GPU host's call of 2026-12-05 left a third of its jobs), so the
// jobs to measure again are known exactly. A round that ran on another machine is refused at import; one
// that came back short is exported again with its missing jobs only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateCommand } from '../src/validate/validate.js';
import { cli, ENGINE, lineCount, resign, runSh, seedBuild, sha256, tempDir, testRoot } from './bundle-fixture.js';

const tmp = tempDir('coexec-bundle-remeasure-');
test.after(() => rmSync(tmp, { recursive: true, force: true }));

interface Row { jobId: string; verdict: string; reasons?: string[]; attempts?: number }
const ids = (planFile: string): string[] => (JSON.parse(readFileSync(planFile, 'utf8')) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
const rows = (runDir: string): Row[] => (JSON.parse(readFileSync(path.join(runDir, 'jobs.json'), 'utf8')) as { rows: Row[] }).rows;
const rounds = (runDir: string) => (JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { parts: { name: string; rounds?: { round: number; jobs: number }[] }[] }).parts;

test('a bundle run\'s stolen jobs are planned again at home, measured by run.sh and pooled on import', async () => {
  if (!existsSync(ENGINE)) return void console.log('SKIP: native/build/coexec-engine not built');
  const root = testRoot(tmp, 'root');
  const first = path.join(tmp, 'round1');
  const exported = await cli(root, 'export', '--experiment', 'linear-coexec', '--profile', 'tiny-bundle', '--platform', 'test-bundle',
    '--phase', 'profile,grid', '--out', first, '--results', path.join(tmp, 'results'));
  assert.is(exported.code, 0, exported.err);
  const runDir = /run folder: (\S+)/.exec(exported.out)![1]!;
  seedBuild(first);
  let r = runSh(first);
  assert.is(r.status, 0, r.stderr.slice(-3000));

  // Two lines as the engine writes them when the hypervisor took 5% of the CPUs' time (9 ticks).
  const results = path.join(first, 'results/main.jsonl');
  const lines = readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { jobId: string; stealPct?: number; stealTicks?: number });
  const stolen = [lines[1]!.jobId, lines[3]!.jobId];
  for (const line of lines) if (stolen.includes(line.jobId)) Object.assign(line, { stealPct: 5, stealTicks: 9 });
  writeFileSync(results, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  resign(path.join(first, 'results/SHA256SUMS'), 'main.jsonl', sha256(readFileSync(results)));
  const imported = await cli(root, 'import', '--bundle', first, '--run', runDir);
  assert.is(imported.code, 0, imported.err);
  const before = rows(runDir).filter((row) => row.verdict !== 'VALID');
  assert.equal(before.map((row) => row.jobId).sort(), [...stolen].sort(), 'only the stolen jobs are INVALID (the tiny profile bounds nothing else)');
  assert.ok(before.every((row) => row.reasons!.some((why) => why.includes('hypervisor'))));

  // Home plans round 1 of the main part: exactly the stolen jobs, recorded in run.json.
  const second = path.join(tmp, 'remeasure1');
  const planned = await cli(root, 'export', '--resume', runDir, '--remeasure', '30', '--out', second);
  assert.is(planned.code, 0, planned.err);
  assert.match(planned.out, /^main, round 1: 2 jobs, at most \d+ s of engine time$/m);
  assert.equal(rounds(runDir).map((p) => [p.name, p.rounds?.map((k) => [k.round, k.jobs])]), [['main', [[1, 2]]]]);
  const plan = JSON.parse(readFileSync(path.join(runDir, 'plan-main-remeasure-1.json'), 'utf8')) as { planId: string; jobs: { id: string }[] };
  assert.equal(plan.jobs.map((j) => j.id).sort(), [...stolen].sort());
  const manifest = JSON.parse(readFileSync(path.join(second, 'bundle.json'), 'utf8')) as { plans: { name: string; planId: string; jobs: number }[] };
  assert.equal(manifest.plans.map((p) => [p.name, p.planId, p.jobs]), [['main.remeasure-1', plan.planId, 2]]);

  // The run waiting for the round's results is whole: run.json and the new plan are in its manifest.
  const printed: string[] = [];
  await validateCommand([runDir], root, (l) => printed.push(l));
  assert.ok(printed.some((l) => /^integrity: .*: PASS$/.test(l)), printed.join('\n'));

  // A round whose results never came back is exported again as planned, not planned anew.
  const lost = await cli(root, 'export', '--resume', runDir, '--remeasure', '30', '--out', path.join(tmp, 'remeasure1-again'));
  assert.is(lost.code, 0, lost.err);
  assert.equal(rounds(runDir)[0]!.rounds!.length, 1);
  assert.is(readFileSync(path.join(tmp, 'remeasure1-again/plans/main.remeasure-1.json'), 'utf8'), readFileSync(path.join(second, 'plans/main.remeasure-1.json'), 'utf8'));

  seedBuild(second);
  r = runSh(second);
  assert.is(r.status, 0, r.stderr.slice(-3000));
  // The same round from another machine: refused before a line is appended (its samples would be pooled).
  const elsewhere = path.join(tmp, 'remeasure1-elsewhere');
  cpSync(second, elsewhere, { recursive: true });
  const infoFile = path.join(elsewhere, 'results/info.json');
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { cpu: { model: string } };
  info.cpu.model = 'Another CPU';
  writeFileSync(infoFile, JSON.stringify(info));
  resign(path.join(elsewhere, 'results/SHA256SUMS'), 'info.json', sha256(readFileSync(infoFile)));
  const refused = await cli(root, 'import', '--bundle', elsewhere, '--run', runDir);
  assert.is(refused.code, 1);
  assert.match(refused.err, /^error: import: this re-measurement round ran on another machine than the run's earlier results \(.* before, Another CPU x\d+; .* now\): its samples cannot be pooled/);
  assert.not.ok(existsSync(path.join(runDir, 'raw/main.remeasure-1.jsonl')));

  // The call ended after one of the two jobs: import takes that one, and the next export sends only the other.
  const partial = path.join(tmp, 'remeasure1-partial');
  cpSync(second, partial, { recursive: true });
  const partialResults = path.join(partial, 'results/main.remeasure-1.jsonl');
  const [firstLine] = readFileSync(partialResults, 'utf8').split('\n');
  writeFileSync(partialResults, `${firstLine}\n`);
  resign(path.join(partial, 'results/SHA256SUMS'), 'main.remeasure-1.jsonl', sha256(readFileSync(partialResults)));
  const half = await cli(root, 'import', '--bundle', partial, '--run', runDir);
  assert.is(half.code, 0, half.err);
  assert.match(half.out, /^main\.remeasure-1: 1 new lines, 1 jobs done, 1 missing$/m);
  const rest = path.join(tmp, 'remeasure1-rest');
  const again = await cli(root, 'export', '--resume', runDir, '--remeasure', '30', '--out', rest);
  assert.is(again.code, 0, again.err);
  assert.match(again.out, /^main, round 1: 1 jobs, at most \d+ s of engine time$/m);
  const missing = stolen.find((id) => id !== (JSON.parse(firstLine!) as { jobId: string }).jobId)!;
  assert.equal(ids(path.join(rest, 'plans/main.remeasure-1.json')), [missing]);
  seedBuild(rest);
  r = runSh(rest);
  assert.is(r.status, 0, r.stderr.slice(-3000));
  const back = await cli(root, 'import', '--bundle', rest, '--run', runDir);
  assert.is(back.code, 0, back.err);
  assert.match(back.out, /^main\.remeasure-1: 1 new lines, 1 jobs done, 0 missing$/m);
  assert.is(lineCount(path.join(runDir, 'raw/main.remeasure-1.jsonl')), 2);
  const after = rows(runDir).filter((row) => stolen.includes(row.jobId));
  assert.equal(after.map((row) => row.attempts), [2, 2]);
  // The clean attempt stands and the stolen one is left out (jobs.ts poolReplicates): VALID now.
  assert.equal(after.map((row) => row.verdict), ['VALID', 'VALID'], JSON.stringify(after));

  // Nothing left to measure again: no round, no bundle.
  const none = await cli(root, 'export', '--resume', runDir, '--remeasure', '30', '--out', path.join(tmp, 'remeasure2'));
  assert.is(none.code, 0, none.err);
  assert.match(none.out, /^no round for main: no job is INVALID only for want of time/m);
  assert.match(none.out, /nothing to measure again in \S+: no bundle written$/m);
  assert.not.ok(existsSync(path.join(tmp, 'remeasure2')));
});

test('export --remeasure refuses a missing run, bad seconds, other round-1 flags and a used folder', async () => {
  const root = existsSync(path.join(tmp, 'root')) ? path.join(tmp, 'root') : testRoot(tmp, 'root');
  let r = await cli(root, 'export', '--remeasure', '30', '--out', path.join(tmp, 'x1'));
  assert.is(r.code, 2);
  assert.match(r.err, /--remeasure S needs --resume RUN_DIR/);
  r = await cli(root, 'export', '--resume', path.join(tmp, 'no-such-run'), '--remeasure', 'soon', '--out', path.join(tmp, 'x2'));
  assert.is(r.code, 2);
  assert.match(r.err, /--remeasure soon: expected seconds of extra engine time per part, > 0/);
  r = await cli(root, 'export', '--resume', path.join(tmp, 'no-such-run'), '--remeasure', '30', '--phase', 'confirm', '--out', path.join(tmp, 'x3'));
  assert.is(r.code, 2);
  assert.match(r.err, /--phase, --strategies and --with-node do not apply/);
  r = await cli(root, 'export', '--resume', path.join(tmp, 'no-such-run'), '--remeasure', '30', '--out', path.join(tmp, 'x4'));
  assert.is(r.code, 1);
  assert.match(r.err, /no-such-run/);
  const runs = path.join(tmp, 'results/test-bundle');
  if (existsSync(runs)) {
    const runDir = path.join(runs, readdirSync(runs)[0]!);
    r = await cli(root, 'export', '--resume', runDir, '--remeasure', '30', '--out', root);
    assert.is(r.code, 2);
    assert.match(r.err, /exists and is not empty: choose a new folder/);
  }
});

test.run();
