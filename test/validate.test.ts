/** validate: a good run passes; one flipped byte, a missed claim, too few VALID jobs or bad schemas fail. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cp, readFile, writeFile, mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runValidate } from '../src/validate/run-validate.js';
import { validateCommand } from '../src/validate/validate.js';
import { readMetric, inRange } from '../src/validate/claims.js';
import { ResultLine, schemaError } from '../src/results-schema/index.js';
import { RUN_SMALL, copyRunSmall, writeManifest, buildRunSmall } from './fixtures/make-run-small.js';

const noExperiments = { experimentsDir: '/nonexistent-experiments' };

async function editJson(path: string, edit: (doc: any) => void): Promise<void> {
  const doc = JSON.parse(await readFile(path, 'utf8'));
  edit(doc);
  await writeFile(path, JSON.stringify(doc, null, 2) + '\n');
}

test('the committed fixture is what the generator produces (byte for byte)', async () => {
  for (const [rel, value] of Object.entries(buildRunSmall())) {
    const expected = typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n';
    assert.is(await readFile(join(RUN_SMALL, rel), 'utf8'), expected, rel);
  }
});

test('good run: every check PASS, claims printed with measured, paper and range', async () => {
  const { ok, lines } = await runValidate(RUN_SMALL, noExperiments);
  assert.ok(ok, lines.join('\n'));
  assert.ok(lines.every((l) => l.startsWith('PASS')));
  const claims = lines.filter((l) => l.includes('claim '));
  assert.is(claims.length, 4);
  assert.match(claims[0]!, /measured [0-9.]+x, paper 2\.01x, range \[1, -\]/);
  assert.match(claims[0]!, /data derived\/summary\.json#linear\.maxSpeedupOracle/);
  assert.ok(lines.some((l) => /^PASS {2}hash {6}11 files match/.test(l)));
  assert.ok(lines.some((l) => l.includes('schema    raw/grid.jsonl (6 lines)')));
});

test('one flipped byte in any results file fails and names the file', async () => {
  for (const rel of ['derived/layers.json', 'raw/grid.jsonl', 'jobs.json']) {
    const dir = await copyRunSmall();
    const path = join(dir, rel);
    const bytes = await readFile(path);
    const at = bytes.indexOf('1'.charCodeAt(0), 100);
    bytes[at] = '2'.charCodeAt(0);   // still valid JSON, only the hash can notice
    await writeFile(path, bytes);
    const { ok, lines } = await runValidate(dir, noExperiments);
    assert.not.ok(ok, rel);
    const fails = lines.filter((l) => l.startsWith('FAIL'));
    assert.is(fails.length, 1, rel);
    assert.match(fails[0]!, `FAIL  hash      ${rel}: SHA-256 differs from manifest.json`);
  }
});

test('a missing file listed in the manifest fails', async () => {
  const dir = await copyRunSmall();
  await rm(join(dir, 'derived/predictions.json'));
  const { ok, lines } = await runValidate(dir, noExperiments);
  assert.not.ok(ok);
  assert.ok(lines.some((l) => l.startsWith('FAIL  hash      derived/predictions.json: missing')), lines.join('\n'));
});

test('regenerated tables/figures/report do not break the hash check, other unlisted files do', async () => {
  const dir = await copyRunSmall();
  await mkdir(join(dir, 'tables'), { recursive: true });
  await writeFile(join(dir, 'tables/claims.md'), '# regenerated');
  assert.ok((await runValidate(dir, noExperiments)).ok);
  await writeFile(join(dir, 'raw/extra.jsonl'), '');
  const { lines } = await runValidate(dir, noExperiments);
  assert.ok(lines.some((l) => l.startsWith('FAIL  hash      raw/extra.jsonl: not listed in manifest.json')), lines.join('\n'));
});

test('claims that miss their range fail even with correct hashes', async () => {
  const dir = await copyRunSmall();
  await editJson(join(dir, 'derived/summary.json'), (s) => { s.linear.maxSpeedupOracle = 0.8; });
  await editJson(join(dir, 'derived/claims.json'), (c) => { c.rows[0].measured = 0.8; c.rows[0].pass = false; });
  await writeManifest(dir);
  const { ok, lines } = await runValidate(dir, noExperiments);
  assert.not.ok(ok);
  const fails = lines.filter((l) => l.startsWith('FAIL'));
  assert.is(fails.length, 1, fails.join('\n'));
  assert.match(fails[0]!, /claim {5}linear-oracle-speedup: measured 0\.8x, paper 2\.01x, range \[1, -\]/);
});

test('a failing claim prints the reason its summary gives for the metric (<metric>Why) beside the verdict', async () => {
  const dir = await copyRunSmall();
  await editJson(join(dir, 'derived/summary.json'), (s) => { s.linear.maxSpeedupOracle = 0.8; s.linear.maxSpeedupOracleWhy = 'worst: layer X, its fixed cost leaves no room'; });
  await editJson(join(dir, 'derived/claims.json'), (c) => { c.rows[0].measured = 0.8; c.rows[0].pass = false; });
  await writeManifest(dir);
  const { lines } = await runValidate(dir, noExperiments);
  assert.ok(lines.some((l) => l.startsWith('FAIL') && l.includes('linear-oracle-speedup') && l.endsWith('; worst: layer X, its fixed cost leaves no room')), lines.join('\n'));
});

test('claims.json disagreeing with summary.json fails the claim', async () => {
  const dir = await copyRunSmall();
  await editJson(join(dir, 'derived/claims.json'), (c) => { c.rows[1].measured = 3.5; });
  await writeManifest(dir);
  const { lines } = await runValidate(dir, noExperiments);
  assert.ok(lines.some((l) => l.startsWith('FAIL') && l.includes('linear-selected-speedup') && l.includes('claims.json says 3.5')));
});

test('with experiment definitions, ranges come from experiments/<id>.json for the platform class', async () => {
  const dir = await copyRunSmall();
  const exp = await mkdtemp(join(tmpdir(), 'coexec-exp-'));
  const claim = (id: string, metric: string, expected: object) => ({ id, text: id, metric, paperValue: 2, unit: 'x', expected });
  await writeFile(join(exp, 'linear-coexec.json'), JSON.stringify({ schemaVersion: 1, id: 'linear-coexec', layerType: 'linear',
    claims: [claim('linear-oracle-speedup', 'linear.maxSpeedupOracle', { 'pocl-cpu': { min: 1 }, 'discrete-gpu': { min: 1 } })] }));
  await writeFile(join(exp, 'conv-coexec.json'), JSON.stringify({ schemaVersion: 1, id: 'conv-coexec', layerType: 'conv2d',
    claims: [claim('conv-oracle-speedup', 'conv.maxSpeedupOracle', { 'pocl-cpu': { min: 5 }, 'discrete-gpu': { max: 9 } })] }));
  const strict = await runValidate(dir, { experimentsDir: exp });
  const fails = strict.lines.filter((l) => l.startsWith('FAIL'));
  assert.is(fails.length, 1, strict.lines.join('\n'));
  assert.match(fails[0]!, /conv-oracle-speedup: measured [0-9.]+x, paper 2x, range \[5, -\] from .*conv-coexec\.json \(pocl-cpu\)/);
  const other = await runValidate(dir, { experimentsDir: exp, platformClass: 'discrete-gpu' });
  assert.ok(other.ok, other.lines.join('\n'));
  const unknown = await runValidate(dir, { experimentsDir: exp, platformClass: 'no-such-class' });
  assert.not.ok(unknown.ok);
});

test('a claim made for another platform class shows its value as "not this class" (INFO), never PASS or FAIL', async () => {
  const dir = await copyRunSmall();
  const exp = await mkdtemp(join(tmpdir(), 'coexec-exp-'));
  // The paper's claim is judged on phones only; the artifact's own claim has a pocl-cpu range and fails it.
  await writeFile(join(exp, 'linear-coexec.json'), JSON.stringify({ schemaVersion: 1, id: 'linear-coexec', layerType: 'linear', claims: [
    { id: 'paper-speedup', text: 't', metric: 'linear.maxSpeedupOracle', paperValue: 2.01, unit: 'x', judgedOn: ['unified-memory-gpu'], expected: { 'unified-memory-gpu': { min: 50 } } },
    { id: 'own-efficiency', text: 't', metric: 'linear.maxSpeedupOracle', unit: 'x', expected: { 'pocl-cpu': { min: 50 }, 'unified-memory-gpu': { min: 0 } } },
  ] }));
  await writeFile(join(exp, 'conv-coexec.json'), JSON.stringify({ schemaVersion: 1, id: 'conv-coexec', layerType: 'conv2d', claims: [] }));
  const here = await runValidate(dir, { experimentsDir: exp });
  const info = here.lines.filter((l) => l.startsWith('INFO'));
  assert.is(info.length, 1, here.lines.join('\n'));
  assert.match(info[0]!, /^INFO {2}claim {5}paper-speedup: measured [0-9.]+x, paper 2\.01x, not this class \(pocl-cpu; judged on unified-memory-gpu only\)/);
  assert.equal(here.lines.filter((l) => l.startsWith('FAIL')).map((l) => l.split(/\s+/)[2]), ['own-efficiency:'], here.lines.join('\n'));
  // On the class the paper's claim was made for it is judged (and fails its range of 50x here).
  const phone = await runValidate(dir, { experimentsDir: exp, platformClass: 'unified-memory-gpu' });
  assert.equal(phone.lines.filter((l) => l.startsWith('FAIL')).map((l) => l.split(/\s+/)[2]), ['paper-speedup:'], phone.lines.join('\n'));
  assert.is(phone.lines.filter((l) => l.startsWith('INFO')).length, 0);
  // Without the definitions, claims.json's rows decide: a row marked not applicable is never a failure.
  await editJson(join(dir, 'derived/claims.json'), (x) => {
    for (const r of x.rows) { r.applicable = false; r.notThisClass = 'judged on unified-memory-gpu only'; r.tolerance = {}; }
  });
  await writeManifest(dir);
  const fallback = await runValidate(dir, noExperiments);
  assert.ok(fallback.sections.claims.ok, fallback.lines.join('\n'));
  assert.ok(fallback.lines.some((l) => l.startsWith('INFO')), fallback.lines.join('\n'));
});

test('a claim whose 95% interval straddles its bound is UNDECIDED: validity fails (exit 3), never PASS or FAIL by chance', async () => {
  const exp = await mkdtemp(join(tmpdir(), 'coexec-exp-'));
  const claim = (id: string, metric: string, expected: object) => ({ id, text: id, metric, paperValue: 2, unit: 'x', interval: `${metric}Ci95`, expected });
  await writeFile(join(exp, 'linear-coexec.json'), JSON.stringify({ schemaVersion: 1, id: 'linear-coexec', layerType: 'linear',
    claims: [claim('linear-oracle-speedup', 'linear.maxSpeedupOracle', { 'pocl-cpu': { min: 1 } })] }));
  await writeFile(join(exp, 'conv-coexec.json'), JSON.stringify({ schemaVersion: 1, id: 'conv-coexec', layerType: 'conv2d', claims: [] }));
  const withInterval = async (low: number, high: number) => {
    const dir = await copyRunSmall();
    await editJson(join(dir, 'derived/summary.json'), (x) => { x.linear.maxSpeedupOracleCi95 = [low, high]; });
    await writeManifest(dir);
    const out: string[] = [];
    const code = await validateCommand([dir, '--experiments', exp], '/', (l) => out.push(l));
    return { code, out: out.join('\n') };
  };
  const noisy = await withInterval(0.5, 3);
  assert.is(noisy.code, 3, noisy.out);
  assert.match(noisy.out, /FAIL {2}claim-ci {2}linear-oracle-speedup: 95% interval \[0\.5, 3\] crosses the range's bound/);
  assert.match(noisy.out, /UNDECIDED {2}claim {5}linear-oracle-speedup: measured .*\(95% interval \[0\.5, 3\]\)/);
  assert.match(noisy.out, /claims: measured values against their ranges: PASS/);
  const clean = await withInterval(1.1, 3);
  assert.is(clean.code, 0, clean.out);
  assert.match(clean.out, /PASS {2}claim {5}linear-oracle-speedup/);
  const clearlyBelow = await withInterval(0.2, 0.9);
  assert.is(clearlyBelow.code, 4, clearlyBelow.out);
});

test('too small a VALID share fails', async () => {
  const dir = await copyRunSmall();
  await editJson(join(dir, 'jobs.json'), (j) => { for (const r of j.rows.slice(0, 20)) r.verdict = 'INVALID'; });
  await writeManifest(dir);
  const { ok, lines } = await runValidate(dir, noExperiments);
  assert.not.ok(ok);
  assert.ok(lines.some((l) => /^FAIL {2}valid {5}6\d\.\d% of 55 layer jobs VALID \(need >= 90%/.test(l)), lines.join('\n'));
  assert.ok((await runValidate(dir, { ...noExperiments, minValidShare: 0.5 })).ok);
});

test('below the VALID share, an INFO line counts the INVALID jobs by cause and gives the main cause\'s way out', async () => {
  const dir = await copyRunSmall();
  const steal = "the hypervisor took 5.9% of the CPUs' time (steal, 12 ticks) while this job ran, > 1%: another guest's load";
  await editJson(join(dir, 'jobs.json'), (j) => {
    for (const r of j.rows) if (r.verdict === 'INVALID') { r.verdict = 'VALID'; r.reasons = []; }
    j.rows.slice(0, 20).forEach((r: any, i: number) => {
      r.verdict = 'INVALID';
      r.reasons = i < 15 ? [steal] : i < 18 ? ['CV 12.0% > 5% with 30 samples: raise minSamples', steal] : ['4 samples < 10: raise maxTimeMs'];
    });
  });
  await writeManifest(dir);
  const { ok, sections } = await runValidate(dir, noExperiments);
  assert.not.ok(ok);
  const causes = sections.validity.lines.find((l) => l.startsWith('INFO  causes'));
  assert.ok(causes, sections.validity.lines.join('\n'));
  assert.match(causes!, /INVALID jobs by cause: steal time 18, dispersion 3, too few samples 2 \(of 20; a job may have two\)/);
  assert.match(causes!, /the most: another guest's load on the shared host \(hypervisor steal\): closing programs here does not help/);
  // Above the threshold there is nothing to explain: no causes line.
  const loose = await runValidate(dir, { ...noExperiments, minValidShare: 0.5 });
  assert.ok(loose.ok);
  assert.not.ok(loose.sections.validity.lines.some((l) => l.includes('causes')));
});

test('schema errors name the file and the line', async () => {
  const dir = await copyRunSmall();
  await writeFile(join(dir, 'raw/grid.jsonl'), (await readFile(join(dir, 'raw/grid.jsonl'), 'utf8')) + '{"schemaVersion":1,"jobId":"x"}\n');
  await editJson(join(dir, 'derived/layers.json'), (d) => { d.rows[0].speedupOracle = 'fast'; });
  await mkdir(join(dir, 'derived'), { recursive: true });
  await writeManifest(dir);
  const { lines } = await runValidate(dir, noExperiments);
  assert.ok(lines.some((l) => l.startsWith('FAIL  schema    raw/grid.jsonl') && l.includes('line 7')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('FAIL  schema    derived/layers.json') && l.includes('speedupOracle')));
});

test('raw lines: the engine\'s "stop" is one of its four reasons, and optional', () => {
  const line = { schemaVersion: 1, jobId: 'j', planId: 'p', status: 'ok' };
  for (const stop of ['min-met', 'ci-target', 'max-samples', 'max-time']) assert.is(schemaError(ResultLine, { ...line, stop }), '');
  assert.is(schemaError(ResultLine, line), '', 'lines of older engines have no stop');
  assert.ok(schemaError(ResultLine, { ...line, stop: 'tired' }).startsWith('/stop'));
});

test('validateCommand: exit 0 on good, 1 on failure, 2 on usage errors', async () => {
  const out: string[] = [];
  assert.is(await validateCommand([RUN_SMALL, '--experiments', '/nonexistent'], process.cwd(), (l) => out.push(l)), 0);
  assert.match(out.at(-1)!, /all \d+ checks PASS/);
  const dir = await copyRunSmall();
  await writeFile(join(dir, 'jobs.json'), ' ' + (await readFile(join(dir, 'jobs.json'), 'utf8')));
  assert.is(await validateCommand([dir, '--experiments', '/nonexistent'], '/', () => {}), 1);
  assert.is(await validateCommand([], '/nonexistent-root', () => {}), 2);
  assert.is(await validateCommand(['/nonexistent/run'], '/', () => {}), 2);
  assert.is(await validateCommand([RUN_SMALL, '--bogus'], '/', () => {}), 2);
});

test('validity and claims are judged apart: exit 3 validity only, 4 claims only, 5 both, 1 broken; the last line says which', async () => {
  const noisy = async (dir: string) => editJson(join(dir, 'jobs.json'), (j) => { for (const r of j.rows.slice(0, 20)) r.verdict = 'INVALID'; });
  const missed = async (dir: string) => {
    await editJson(join(dir, 'derived/summary.json'), (x) => { x.linear.maxSpeedupOracle = 0.8; });
    await editJson(join(dir, 'derived/claims.json'), (c) => { c.rows[0].measured = 0.8; c.rows[0].pass = false; });
  };
  const cases: [string, (dir: string) => Promise<void>, number, RegExp][] = [
    ['validity', noisy, 3, /\(integrity PASS, validity FAIL, claims PASS\): measurement validity FAILED \(too few VALID jobs, or a claim too noisy to decide: the machine was too noisy\), every decided claim PASSED/],
    ['claims', missed, 4, /\(integrity PASS, validity PASS, claims FAIL\): a claim FAILED on a valid measurement/],
    ['both', async (d) => { await noisy(d); await missed(d); }, 5, /\(integrity PASS, validity FAIL, claims FAIL\): measurement validity FAILED and a claim FAILED/],
  ];
  for (const [name, edit, code, last] of cases) {
    const dir = await copyRunSmall();
    await edit(dir);
    await writeManifest(dir);
    const out: string[] = [];
    assert.is(await validateCommand([dir, '--experiments', '/nonexistent'], '/', (l) => out.push(l)), code, name);
    assert.match(out.at(-1)!, last, name);
    // The three sections are printed apart, each with its verdict.
    assert.ok(out.includes('integrity: manifest, hashes and schemas of the files: PASS'), out.join('\n'));
    assert.ok(out.includes(`validity: the measurement (share of VALID jobs): ${name === 'claims' ? 'PASS' : 'FAIL'}`), out.join('\n'));
    assert.ok(out.includes(`claims: measured values against their ranges: ${name === 'validity' ? 'PASS' : 'FAIL'}`), out.join('\n'));
  }
  const broken = await copyRunSmall();
  await noisy(broken); // hash no longer matches: broken outranks the validity failure
  assert.is(await validateCommand([broken, '--experiments', '/nonexistent'], '/', () => {}), 1);
  const r = await runValidate(broken, noExperiments);
  assert.equal(r.verdicts, { integrity: false, validity: false, claims: true });
});

test('validateCommand without RUN_DIR checks every run folder under ROOT/results', async () => {
  const dir = await copyRunSmall();
  const root = await mkdtemp(join(tmpdir(), 'coexec-root-'));
  await mkdir(join(root, 'results', 'synthetic-small'), { recursive: true });
  await cp(dir, join(root, 'results', 'synthetic-small', 'run-a'), { recursive: true });
  await cp(dir, join(root, 'results', 'synthetic-small', 'run-b'), { recursive: true });
  await writeFile(join(root, 'results', 'synthetic-small', 'run-b', 'jobs.json'), '{}');
  const out: string[] = [];
  assert.is(await validateCommand([], root, (l) => out.push(l)), 1);
  assert.ok(out.some((l) => /run-a: all \d+ checks PASS/.test(l)), out.join('\n'));
  assert.ok(out.some((l) => /run-b: \d+ of \d+ checks FAIL/.test(l)));
  assert.is(out.at(-1), 'validate: 1 of 2 run folders FAIL (integrity FAIL, validity FAIL, claims PASS): run folder broken (files do not match ' +
    `manifest.json or their schema): the measurement and claims cannot be judged; folders: ${join(root, 'results', 'synthetic-small', 'run-b')}`);
  const passing: string[] = [];
  assert.is(await validateCommand([dir, dir], root, (l) => passing.push(l)), 0);
  assert.is(passing.at(-1), 'validate: all 2 run folders PASS');
});

test('an empty claims.json passes only when the run\'s experiment defines no claims', async () => {
  const dir = await copyRunSmall();
  await editJson(join(dir, 'derived/claims.json'), (c) => { c.rows = []; });
  await editJson(join(dir, 'run.json'), (r) => { r.experiment = 'linear-coexec'; });
  await writeManifest(dir);
  const none = await runValidate(dir, noExperiments);
  assert.ok(none.ok, none.lines.join('\n'));
  assert.ok(none.lines.includes("PASS  claims    none: this run's experiments define no claims"));
  const exp = await mkdtemp(join(tmpdir(), 'coexec-exp-'));
  await writeFile(join(exp, 'linear-coexec.json'), JSON.stringify({ schemaVersion: 1, id: 'linear-coexec', layerType: 'linear',
    claims: [{ id: 'linear-oracle-speedup', text: 't', metric: 'linear.maxSpeedupOracle', paperValue: 2.01, unit: 'x', expected: { 'pocl-cpu': { min: 9 } } }] }));
  const judged = await runValidate(dir, { experimentsDir: exp });
  assert.not.ok(judged.ok);
  assert.ok(judged.lines.some((l) => l.startsWith('FAIL  claim     linear-oracle-speedup')), judged.lines.join('\n'));
});

test('helpers: metric paths and ranges', () => {
  assert.is(readMetric({ a: { b: 1.5 } }, 'a.b'), 1.5);
  assert.is(readMetric({ a: { b: 'x' } }, 'a.b'), null);
  assert.is(readMetric({}, 'a.b'), null);
  assert.ok(inRange(1, { min: 1, max: 1 }));
  assert.not.ok(inRange(0.99, { min: 1 }));
  assert.not.ok(inRange(2.1, { max: 2 }));
  assert.not.ok(inRange(null, {}));
});

test.run();
