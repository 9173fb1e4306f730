// Raw result files stored gzip-compressed (raw/X.jsonl.gz, `coexec compact`): every reader sees the same
// lines, both forms at once is a one-line error, compact replaces the files of finished runs only and keeps
// the manifest, validate and derive as they were, and resume and import unpack before appending.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { deriveAndRehash } from '../src/analysis/derive-command.js';
import { readWallNs } from '../src/analysis/run-files.js';
import { main } from '../src/cli/main.js';
import { loadConfigs } from '../src/config/load.js';
import type { ProfileConfig } from '../src/config/schemas.js';
import type { EngineDriver } from '../src/engine/driver.js';
import { FakeDriver } from '../src/engine/fake.js';
import { readResultLines } from '../src/engine/lines.js';
import { LocalDriver } from '../src/engine/local.js';
import { killAfterLines } from './fixtures/kill-after-lines.js';
import { compressRawFile, gzipRaw, listRawFiles, rawPath, readRawText, restoreRawFile } from '../src/engine/raw-files.js';
import { sha256File } from '../src/manifest/hash.js';
import { verifyManifest } from '../src/manifest/manifest.js';
import { msg, UserError } from '../src/messages.js';
import { importBundle } from '../src/platforms/bundle.js';
import { ResultsAppender } from '../src/platforms/jsonl.js';
import { compactCommand, compactRun } from '../src/run/compact.js';
import { runExperiment } from '../src/run/execute.js';
import { runValidate } from '../src/validate/run-validate.js';
import { RUN_SMALL } from './fixtures/make-run-small.js';

const ROOT = resolve(process.cwd());
const configs = loadConfigs(ROOT);
configs.profiles.set('tiny', JSON.parse(readFileSync(join(ROOT, 'test/fixtures/profiles/tiny.json'), 'utf8')));
const NOW = () => new Date('2026-11-26T06:00:00Z');
const noExperiments = { experimentsDir: '/nonexistent-experiments' };
const tmp = mkdtempSync(join(tmpdir(), 'coexec-raw-gz-'));
let n = 0;
/** A fresh folder under the test's temp folder. */
const fresh = (name: string) => { const d = join(tmp, `${++n}-${name}`); mkdirSync(d, { recursive: true }); return d; };
/** A copy of the run-small fixture at results/synthetic-small/run of a fresh results root. */
function copyFixture(): { results: string; run: string } {
  const results = fresh('results');
  const run = join(results, 'synthetic-small', 'run');
  cpSync(RUN_SMALL, run, { recursive: true });
  return { results, run };
}
const read = (path: string) => readFileSync(path);
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const base = (resultsRoot: string, driver: EngineDriver) => ({
  configs, repoRoot: ROOT, resultsRoot, experiment: 'linear-coexec', profile: 'tiny', platform: 'local',
  driver, phases: ['grid' as const], progress: false as const, now: NOW, envRoot: join(resultsRoot, 'no-sys'),
});
async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, ROOT);
  return { code, out, err };
}
/** compactCommand with its printed lines. */
async function compact(...args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await compactCommand(args, ROOT, (l) => out.push(l));
  return { code, out };
}

test.after(() => rmSync(tmp, { recursive: true, force: true }));

const LINES = [
  '{"schemaVersion":1,"jobId":"a","planId":"p","status":"ok","wallNs":5}',
  'not json',
  '{"schemaVersion":1,"jobId":"b","planId":"p","status":"invalid","wallNs":7}',
  '{"schemaVersion":1,"jobId":"c","planId":"p","status":"o', // a killed writer's half line
].join('\n');

test('read transparency: the same lines from raw/X.jsonl and from raw/X.jsonl.gz', () => {
  const plain = join(fresh('plain'), 'raw');
  const packed = join(fresh('packed'), 'raw');
  mkdirSync(plain);
  mkdirSync(packed);
  writeFileSync(join(plain, 'main.jsonl'), LINES);
  writeFileSync(join(packed, 'main.jsonl'), LINES);
  const sizes = compressRawFile(join(packed, 'main.jsonl'));
  assert.equal(readdirSync(packed), ['main.jsonl.gz']);
  assert.equal(sizes, { before: Buffer.byteLength(LINES), after: readFileSync(join(packed, 'main.jsonl.gz')).length });
  const a = readResultLines(join(plain, 'main.jsonl'));
  const b = readResultLines(join(packed, 'main.jsonl'));
  assert.equal(b, a);
  assert.equal([b.lines.map((l) => l.jobId), b.bad], [['a', 'b'], 1]);
  assert.is(readRawText(join(packed, 'main.jsonl')), LINES);
  assert.is(rawPath(join(packed, '..'), 'raw/main.jsonl'), join(packed, 'main.jsonl.gz'));
  assert.is(rawPath(join(plain, '..'), 'raw/main.jsonl'), join(plain, 'main.jsonl'));
  assert.is(rawPath(join(plain, '..'), 'raw/confirm.jsonl'), undefined);
  assert.equal(readResultLines(join(packed, 'confirm.jsonl')), { lines: [], bad: 0 });
  // derive's wall times: same map from either form
  assert.equal(readWallNs(join(packed, '..')), readWallNs(join(plain, '..')));
  assert.equal([...readWallNs(join(packed, '..'))], [['a', 5], ['b', 7]]);
  assert.equal(listRawFiles(join(packed, '..')), [{ name: 'main.jsonl', physical: join(packed, 'main.jsonl.gz') }]);
});

test('both raw/X.jsonl and raw/X.jsonl.gz: a one-line error, never a silent pick', async () => {
  const { results, run } = copyFixture();
  const file = join(run, 'raw/grid.jsonl');
  writeFileSync(`${file}.gz`, gzipRaw(read(file)));
  const expected = msg.rawAmbiguous(file, `${file}.gz`);
  assert.not.match(expected, /\n/);
  for (const reader of [() => readResultLines(file), () => readRawText(file), () => readWallNs(run), () => restoreRawFile(file)]) {
    try {
      reader();
      assert.unreachable('expected the ambiguity error');
    } catch (err) {
      assert.instance(err, UserError);
      assert.is((err as Error).message, expected);
    }
  }
  // compact leaves the run alone (exit 1), naming both files; validate fails the raw file's schema check.
  const c = await compact('--results', results);
  assert.equal(c, { code: 1, out: [`compact: ${run}: left alone: ${expected}`] });
  assert.ok(existsSync(file) && existsSync(`${file}.gz`));
  const v = await runValidate(run, noExperiments);
  assert.is(v.ok, false);
  assert.ok(v.lines.includes('FAIL  schema    raw/grid.jsonl.gz: raw/grid.jsonl exists too: which holds the current lines is ambiguous'), v.lines.join('\n'));
});

test('compact on a copy of run-small: .jsonl replaced by .gz, manifest rehashed, validate passes, idempotent', async () => {
  const { results, run } = copyFixture();
  const original = read(join(run, 'raw/grid.jsonl'));
  const manifestBefore = json(join(run, 'manifest.json'));
  const c = await compact('--results', results);
  assert.equal(c, { code: 0, out: [`compact: ${run}: raw 0.00 MB -> 0.00 MB (1 file gzipped)`] });
  assert.equal(readdirSync(join(run, 'raw')), ['grid.jsonl.gz']);
  const gz = read(join(run, 'raw/grid.jsonl.gz'));
  assert.ok(gunzipSync(gz).equals(original), 'the .gz holds the original bytes');
  assert.ok(gz.length < original.length / 3, `${gz.length} vs ${original.length}`);
  const manifest = json(join(run, 'manifest.json'));
  const { 'raw/grid.jsonl': gone, ...kept } = manifestBefore.files;
  assert.ok(gone);
  assert.equal(manifest.files, { ...kept, 'raw/grid.jsonl.gz': sha256File(join(run, 'raw/grid.jsonl.gz')) });
  assert.equal({ ...manifest, files: null }, { ...manifestBefore, files: null }, 'provenance fields kept');
  assert.ok(verifyManifest(run).ok);
  const v = await runValidate(run, noExperiments);
  assert.ok(v.ok, v.lines.join('\n'));
  assert.ok(v.lines.includes('PASS  schema    raw/grid.jsonl.gz (6 lines)'), v.lines.join('\n'));
  assert.ok(v.lines.includes('PASS  hash      11 files match manifest.json'), v.lines.join('\n'));
  // Again: nothing changes.
  const again = await compact(run);
  assert.equal(again, { code: 0, out: [`compact: ${run}: already compact (raw 0.00 MB)`] });
  assert.ok(read(join(run, 'raw/grid.jsonl.gz')).equals(gz));
  assert.equal(json(join(run, 'manifest.json')), manifest);
  assert.equal(compactRun(run), { kind: 'already', bytes: gz.length });
  // One changed byte in the .gz fails the hash check like any file.
  gz[gz.length - 5] = gz[gz.length - 5]! ^ 1;
  writeFileSync(join(run, 'raw/grid.jsonl.gz'), gz);
  const bad = await runValidate(run, noExperiments);
  assert.is(bad.ok, false);
  assert.ok(bad.lines.some((l) => l.startsWith('FAIL  hash      raw/grid.jsonl.gz: SHA-256 differs from manifest.json')), bad.lines.join('\n'));
});

test('compact through the CLI: help, and the byte counts of the fixture', async () => {
  const help = await cli('compact', '--help');
  assert.is(help.code, 0);
  assert.match(help.out[0]!, /^Usage: coexec compact \[RUN_DIR\.\.\.\] \[--results DIR\]/);
  assert.match((await cli('--help')).out[0]!, /\n {2}compact \[RUN_DIR\.\.\.\] {6}store finished runs' raw\/\*\.jsonl gzip-compressed/);
  const { results, run } = copyFixture();
  const before = read(join(run, 'raw/grid.jsonl')).length;
  const r = compactRun(run);
  assert.equal(r, { kind: 'compacted', files: 1, before, after: read(join(run, 'raw/grid.jsonl.gz')).length });
  const none = fresh('empty-results');
  assert.equal(await compact('--results', none), { code: 2, out: [`compact: no run folders under ${none}; name one, e.g. compact results/local/<run-id>`] });
  assert.equal(await compact('--bogus'), { code: 2, out: ['compact: unknown option --bogus (known: --results DIR)'] });
  assert.ok(existsSync(results));
});

test('compact refuses a run whose manifest does not match (rehashing would bless the change)', async () => {
  const { run } = copyFixture();
  const jobs = read(join(run, 'jobs.json'));
  jobs[jobs.length - 2] = jobs[jobs.length - 2]! ^ 1;
  writeFileSync(join(run, 'jobs.json'), jobs);
  const c = await compact(run);
  assert.equal(c, { code: 1, out: [`compact: ${run}: left alone: manifest.json does not match the folder (jobs.json: SHA-256 differs from manifest.json (expected ${json(join(run, 'manifest.json')).files['jobs.json'].slice(0, 12)}..., found ${sha256File(join(run, 'jobs.json'))!.slice(0, 12)}...)): see coexec validate`] });
  assert.ok(existsSync(join(run, 'raw/grid.jsonl')) && !existsSync(join(run, 'raw/grid.jsonl.gz')));
});

/** Derives `run`, compacts it, derives again: every derived file must be the same (stopwatch fields aside). */
async function assertSameDerive(run: string): Promise<Map<string, string>> {
  await deriveAndRehash(run, ROOT);
  const derivedDir = join(run, 'derived');
  const list = () => readdirSync(derivedDir, { recursive: true }).map(String).filter((f) => f.endsWith('.json')).sort();
  const files = list();
  const snapshot = new Map(files.map((f) => [f, readFileSync(join(derivedDir, f), 'utf8')]));
  const wall = readWallNs(run);
  assert.is(compactRun(run).kind, 'compacted');
  assert.equal(readWallNs(run), wall);
  await deriveAndRehash(run, ROOT);
  assert.equal(list(), files);
  // selectionMs is a stopwatch reading of the selection (different on every derive, compacted or not):
  // it and the two aggregates built from it are the only fields allowed to differ.
  const timing = /"(selectionMs|selectionMsPerLayer|selectionOverGridWall)": [0-9.e-]+/g;
  for (const f of files) {
    const after = readFileSync(join(derivedDir, f), 'utf8');
    assert.is(after.replace(timing, '"$1": T'), snapshot.get(f)!.replace(timing, '"$1": T'), f);
  }
  assert.ok(verifyManifest(run).ok);
  return snapshot;
}

test('derive gives the same derived files before and after compaction (run-small, and a fake run with wall times)', async () => {
  const { run } = copyFixture();
  assert.is(readWallNs(run).size, 6);
  await assertSameDerive(run);
  // run-small's timed layer has no raw wall time; a fake grid run has one for every job, so the grid wall
  // time in layers.json (read from the raw lines) shows that the .gz was read.
  const fake = await runExperiment(base(fresh('derive-fake'), new FakeDriver()));
  assert.is(readWallNs(fake.runDir).size, 18);
  const snapshot = await assertSameDerive(fake.runDir);
  const gridWallMs = (JSON.parse(snapshot.get('layers.json')!).rows as { gridWallMs?: number }[]).map((r) => r.gridWallMs);
  assert.equal(gridWallMs, [23.015104, 23.023168]);
});

test('compact leaves an incomplete run alone, with a note', async () => {
  const dir = fresh('incomplete');
  const first = await runExperiment(base(dir, new FakeDriver({ stopAfter: 7, halfLineOnStop: true })));
  assert.equal([first.finished, first.complete], [7, false]);
  const rawBefore = read(join(first.runDir, 'raw/main.jsonl'));
  const c = await compact('--results', dir);
  assert.equal(c, { code: 0, out: [`compact: ${first.runDir}: left alone: incomplete, 7 of 18 jobs have a line (it may be resumed)`] });
  assert.ok(read(join(first.runDir, 'raw/main.jsonl')).equals(rawBefore));
  assert.ok(!existsSync(join(first.runDir, 'raw/main.jsonl.gz')));
});

test('resume after compaction: a compacted part is restored and appended to; a new part starts plain', async () => {
  const dir = fresh('resume');
  // An incomplete run whose raw file is gzipped by hand (compact itself would not): resume unpacks it.
  const first = await runExperiment(base(dir, new FakeDriver({ stopAfter: 7, halfLineOnStop: true })));
  const raw = join(first.runDir, 'raw/main.jsonl');
  compressRawFile(raw);
  assert.equal(readResultLines(raw).lines.length, 7);
  const again = new FakeDriver();
  const second = await runExperiment({ ...base(dir, again), resumeDir: first.runDir });
  assert.equal([second.finished, second.measuredNow, second.complete], [18, 11, true]);
  assert.is(again.runs[0]!.length, 11, 'only the missing jobs ran');
  assert.ok(existsSync(raw) && !existsSync(`${raw}.gz`), 'restored, .gz removed');
  const { lines, bad } = readResultLines(raw);
  assert.equal([lines.length, new Set(lines.map((l) => l.jobId)).size, bad], [18, 18, 0]);
  assert.ok(verifyManifest(first.runDir).ok);
  // Now complete: compact, then add a confirmation pass. main stays packed, confirm.jsonl is new.
  const plainSize = read(raw).length;
  const compacted = compactRun(first.runDir);
  assert.equal(compacted, { kind: 'compacted', files: 1, before: plainSize, after: read(`${raw}.gz`).length });
  const jobsBefore = json(join(first.runDir, 'jobs.json'));
  const ids = ['linear/M:1/N:768/K:768/r:0.50/t:1/cpu:simd/gpu:gemv_row-wg64/sync:svm-fine'];
  const c = await runExperiment({ ...base(dir, new FakeDriver()), phases: ['confirm'], strategyIds: ids, resumeDir: first.runDir });
  assert.equal([c.total, c.finished, c.measuredNow], [19, 19, 1]);
  assert.equal(readdirSync(join(first.runDir, 'raw')).sort(), ['confirm.jsonl', 'main.jsonl.gz']);
  assert.equal(c.jobs.rows.filter((r) => r.phase !== 'confirm'), jobsBefore.rows, 'round 1 statistics read from the .gz');
  assert.ok(verifyManifest(first.runDir).ok);
  assert.ok((await runValidate(first.runDir, noExperiments)).lines.includes('PASS  schema    raw/main.jsonl.gz (18 lines)'));
});

/** A hand-made bundle folder that ran: bundle.json, plans/main.json and results/main.jsonl. */
function bundleWith(ids: string[], lines: string[]): string {
  const dir = fresh('bundle');
  mkdirSync(join(dir, 'plans'));
  mkdirSync(join(dir, 'results'));
  writeFileSync(join(dir, 'plans/main.json'), JSON.stringify({ schemaVersion: 1, planId: 'P', jobs: ids.map((id) => ({ id })) }));
  writeFileSync(join(dir, 'results/main.jsonl'), lines.map((l) => `${l}\n`).join(''));
  writeFileSync(join(dir, 'results/info.json'), '{}');
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify({
    schemaVersion: 1, kind: 'coexec-bundle', createdAt: '', platform: 'p', sourceSha256: '', files: {},
    plans: [{ name: 'main', path: 'plans/main.json', planId: 'P', jobs: ids.length, sha256: '', exportedFromSha256: '' }],
  }));
  return dir;
}
const line = (id: string) => JSON.stringify({ schemaVersion: 1, jobId: id, planId: 'P', status: 'ok' });

test('import after compaction: the .gz is restored and only new lines appended; nothing new keeps it packed', async () => {
  const runDir = fresh('import-run');
  mkdirSync(join(runDir, 'raw'));
  const raw = join(runDir, 'raw/main.jsonl');
  writeFileSync(raw, `${line('a')}\n${line('b')}\n`);
  compressRawFile(raw);
  const packed = read(`${raw}.gz`);
  // The bundle brings a and b again: nothing new, the .gz stays as it was.
  const same = await importBundle(bundleWith(['a', 'b', 'c'], [line('a'), line('b')]), runDir);
  assert.equal([same.plans[0]!.newLines, same.plans[0]!.done], [0, 2]);
  assert.ok(!existsSync(raw) && read(`${raw}.gz`).equals(packed));
  // Now with c: restored, c appended once.
  const more = await importBundle(bundleWith(['a', 'b', 'c'], [line('a'), line('b'), line('c')]), runDir);
  assert.equal([more.plans[0]!.newLines, more.plans[0]!.done, more.plans[0]!.missing], [1, 3, 0]);
  assert.ok(!existsSync(`${raw}.gz`));
  assert.is(readFileSync(raw, 'utf8'), `${line('a')}\n${line('b')}\n${line('c')}\n`);
});

test('the appender: a compacted file cut short mid-line gets a newline before the new lines', async () => {
  const raw = join(fresh('appender'), 'main.jsonl');
  writeFileSync(raw, `${line('a')}\n{"half`);
  compressRawFile(raw);
  const seen: string[] = [];
  const appender = new ResultsAppender(raw, (l) => seen.push(l));
  assert.is(await appender.append([line('a'), line('b')]), 1);
  assert.is(await appender.append([line('b'), line('c')]), 1);
  assert.equal(seen, [line('b'), line('c')]);
  assert.is(readFileSync(raw, 'utf8'), `${line('a')}\n{"half\n${line('b')}\n${line('c')}\n`);
});

test('deterministic gzip: same content, same bytes; no name and no time in the header', () => {
  const text = read(join(RUN_SMALL, 'raw/grid.jsonl'));
  const [a, b] = [fresh('det-a'), fresh('det-b')];
  writeFileSync(join(a, 'x.jsonl'), text);
  writeFileSync(join(b, 'x.jsonl'), text);
  compressRawFile(join(a, 'x.jsonl'));
  compressRawFile(join(b, 'x.jsonl'));
  const gz = read(join(a, 'x.jsonl.gz'));
  assert.ok(gz.equals(read(join(b, 'x.jsonl.gz'))));
  assert.ok(gz.equals(gzipRaw(text)));
  // magic, deflate, FLG 0 (no name, comment or extra), MTIME 0, XFL 2 (level 9), OS 3 (Unix)
  assert.equal([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
});

const engine = join(ROOT, 'native/build/coexec-engine');
test('real engine: killed mid-way, raw file gzipped, resume restores it and measures each job once', async () => {
  if (!existsSync(engine)) { console.log('  (skipped: native/build/coexec-engine not built)'); return; }
  const dir = fresh('real');
  const tiny: ProfileConfig = {
    schemaVersion: 1, name: 'tiny', description: 'test', measurement: { warmup: 0, minSamples: 3, minTimeMs: 100, maxSamples: 1000, maxTimeMs: 200 },
    seeds: { order: 3, data: 4 }, validity: { maxCvPct: 1000, minSamples: 1, maxFreqDriftPct: 100, maxTempRiseC: 100 },
    experiments: { 'linear-coexec': { workloads: ['whisper-tiny/dec-q-m1'], space: { splitRatios: [0, 0.3, 0.5, 0.7, 1], cpuThreads: [1], cpuImpls: ['simd'], gpuVariants: ['gemv_row'], workGroups: [64], syncs: ['finish'] } } },
  };
  const withTiny = { ...configs, profiles: new Map([...configs.profiles, ['tiny', tiny]]) };
  const platform = configs.platforms.get('local')!;
  const controller = new AbortController();
  const watching = killAfterLines(platform, ROOT, engine, 1, controller);
  // noise: false: the calibration's lines would count towards the kill.
  const opts = { ...base(dir, watching), configs: withTiny, profile: 'tiny', signal: controller.signal, envRoot: undefined, noise: false as const };
  const first = await runExperiment(opts);
  assert.is(first.complete, false);
  const raw = join(first.runDir, 'raw/main.jsonl');
  const had = readResultLines(raw).lines.length;
  assert.ok(had >= 1 && had < first.total, `${had} of ${first.total}`);
  compressRawFile(raw);
  const second = await runExperiment({ ...opts, driver: new LocalDriver(platform, ROOT, engine), signal: undefined, resumeDir: first.runDir });
  assert.is(second.complete, true);
  assert.is(second.measuredNow, second.total - had);
  assert.equal(readdirSync(join(first.runDir, 'raw')), ['main.jsonl']);
  const { lines, bad } = readResultLines(raw);
  const plan = json(join(first.runDir, 'plan.json'));
  assert.is(bad, 0);
  assert.equal(new Set(lines.map((l) => l.jobId)), new Set(plan.jobs.map((j: { id: string }) => j.id)));
  assert.is(lines.length, plan.jobs.length);
  // Complete now: compact, validate's hash check passes with the .gz.
  assert.is(compactRun(first.runDir).kind, 'compacted');
  assert.ok(verifyManifest(first.runDir).ok);
  assert.equal(readResultLines(raw).lines, lines);
});

test.run();
