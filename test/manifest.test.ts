// manifest.json: provenance fields, and verifyManifest catching a changed byte, a lost file and an extra file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { refreshManifest, verifyManifest, writeManifest, type Manifest } from '../src/manifest/manifest.js';
import { sha256 } from '../src/manifest/hash.js';

const ROOT = resolve(process.cwd());

function fakeRun(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coexec-manifest-'));
  mkdirSync(join(dir, 'raw'));
  writeFileSync(join(dir, 'plan.json'), '{"schemaVersion":1}\n');
  writeFileSync(join(dir, 'raw/main.jsonl'), '{"jobId":"a","medianNs":100}\n{"jobId":"b","medianNs":200}\n');
  writeFileSync(join(dir, 'jobs.json'), '{"rows":[]}\n');
  writeManifest(dir, {
    runId: 'r1', platform: 'local', createdAt: '2026-11-26T06:00:00.000Z', finishedAt: '2026-11-26T06:01:00.000Z',
    repoRoot: ROOT, configs: { 'configs/profiles/quick.json': 'abc' }, seeds: { order: 1, data: 2 },
  });
  return dir;
}

test('the manifest records provenance and the hash of every other file, sorted', () => {
  const dir = fakeRun();
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    assert.equal(Object.keys(m.files), ['jobs.json', 'plan.json', 'raw/main.jsonl']);
    assert.is(m.files['plan.json'], sha256('{"schemaVersion":1}\n'));
    assert.match(m.git.commit, /^[0-9a-f]{40}$/);
    assert.is(typeof m.git.dirty, 'boolean');
    assert.match(m.lockfileSha256, /^[0-9a-f]{64}$/);
    assert.equal(m.seeds, { order: 1, data: 2 });
    assert.equal(verifyManifest(dir), { ok: true, problems: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one changed byte in a results file is caught and the file named', () => {
  const dir = fakeRun();
  try {
    const raw = join(dir, 'raw/main.jsonl');
    writeFileSync(raw, readFileSync(raw, 'utf8').replace('"medianNs":200', '"medianNs":100'));
    const v = verifyManifest(dir);
    assert.is(v.ok, false);
    assert.is(v.problems.length, 1);
    assert.match(v.problems[0]!, /^raw\/main\.jsonl: SHA-256 differs from manifest\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing file, an unlisted file and a broken manifest are caught', () => {
  const dir = fakeRun();
  try {
    unlinkSync(join(dir, 'jobs.json'));
    writeFileSync(join(dir, 'extra.txt'), 'x');
    assert.equal(verifyManifest(dir).problems, ['jobs.json: missing (listed in manifest.json)', 'extra.txt: not listed in manifest.json']);
    refreshManifest(dir);
    assert.ok(verifyManifest(dir).ok, 'refresh lists what is there now');
    appendFileSync(join(dir, 'manifest.json'), '{');
    assert.match(verifyManifest(dir).problems[0]!, /^manifest\.json: not valid JSON/);
    unlinkSync(join(dir, 'manifest.json'));
    assert.equal(verifyManifest(dir), { ok: false, problems: ['manifest.json: missing'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('regenerated tables, figures and report are outside the manifest: rendering again never breaks the hashes', () => {
  const dir = fakeRun();
  try {
    mkdirSync(join(dir, 'figures'));
    writeFileSync(join(dir, 'figures/a.svg'), '<svg/>');
    refreshManifest(dir);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    assert.equal(Object.keys(m.files), ['jobs.json', 'plan.json', 'raw/main.jsonl']);
    writeFileSync(join(dir, 'figures/a.svg'), '<svg width="2"/>'); // re-rendered
    assert.equal(verifyManifest(dir), { ok: true, problems: [] });
    // A manifest written before the exclusion may still list a figure: a changed one is not a problem either.
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, files: { ...m.files, 'figures/a.svg': 'stale' } }));
    assert.equal(verifyManifest(dir), { ok: true, problems: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
