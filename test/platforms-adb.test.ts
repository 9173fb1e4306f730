// Tests of the adb platform against a stand-in `adb` (test/fixtures/fake-adb/adb; no phone is attached
// here): the exact command sequence (devices, push, chmod, push plan, run pinned with taskset, pull), the
// merge of pulled lines without duplicates, and the messages for no phone, an unauthorized phone, several
// phones without a serial and a missing NDK build.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdbDriver } from '../src/platforms/adb.js';
import type { RemotePlatformConfig } from '../src/platforms/config.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/fake-adb/', import.meta.url));
const ENGINE = path.join(FIXTURES, 'coexec-engine');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'coexec-adb-test-'));
const log = path.join(tmp, 'adb.log');
const root = path.join(tmp, 'device');

const pixel: RemotePlatformConfig = {
  name: 'pixel5-test', kind: 'adb', cpu: { cores: [6, 7] }, env: { COEXEC_TEST_VAR: 'on-phone' },
  adb: { serial: 'FAKE0001', remoteDir: '/data/local/tmp/coexec', abi: 'arm64-v8a' },
};

function calls(): string[][] {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => line.split('\t')) : [];
}

async function message(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

test.before.each(() => {
  rmSync(log, { force: true });
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  process.env.COEXEC_ADB = path.join(FIXTURES, 'adb');
  process.env.FAKE_ADB_LOG = log;
  process.env.FAKE_ADB_ROOT = root;
  delete process.env.FAKE_ADB_DEVICES;
  process.env.COEXEC_STANDIN_DELAY_S = '0';
});
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('prepare, info and run issue the expected adb commands, pinned to the big cores', async () => {
  const driver = new AdbDriver(pixel, { enginePath: ENGINE });
  await driver.prepare();
  const info = (await driver.info()) as { testVar: string };
  assert.is(info.testVar, 'on-phone');

  const plan = path.join(tmp, 'plan.json');
  const results = path.join(tmp, 'grid.jsonl');
  writeFileSync(plan, JSON.stringify({ schemaVersion: 1, planId: 'p', jobs: [{ id: 'j/1' }, { id: 'j/2' }] }));
  writeFileSync(results, '{"jobId":"j/0"}\n');
  const lines: string[] = [];
  const outcome = await driver.run({ planPath: plan, resultsPath: results, onLine: (l) => lines.push(l) });
  assert.is(outcome.exitCode, 0);
  assert.equal(lines.map((l) => JSON.parse(l).jobId), ['j/1', 'j/2']);
  assert.equal(readFileSync(results, 'utf8').trim().split('\n').map((l) => JSON.parse(l).jobId), ['j/0', 'j/1', 'j/2']);

  const dir = '/data/local/tmp/coexec';
  const engineCmd = 'env COEXEC_TEST_VAR=on-phone taskset c0 ./coexec-engine';
  const pulled = calls().at(-1)?.[4] ?? '';
  assert.equal(calls(), [
    ['devices'],
    ['-s', 'FAKE0001', 'shell', `mkdir -p ${dir}/plans ${dir}/results; echo __COEXEC_EXIT=$?`],
    ['-s', 'FAKE0001', 'push', ENGINE, `${dir}/coexec-engine`],
    ['-s', 'FAKE0001', 'shell', `chmod 755 ${dir}/coexec-engine; echo __COEXEC_EXIT=$?`],
    ['-s', 'FAKE0001', 'shell', `cd ${dir} && ${engineCmd} info; echo __COEXEC_EXIT=$?`],
    ['-s', 'FAKE0001', 'push', plan, `${dir}/plans/grid.json`],
    ['-s', 'FAKE0001', 'shell', `cd ${dir} && rm -f results/grid.jsonl && { ${engineCmd} run plans/grid.json --out results/grid.jsonl 2>&1 & echo $! > results/grid.pid; wait $!; }; echo __COEXEC_EXIT=$?`],
    ['-s', 'FAKE0001', 'pull', `${dir}/results/grid.jsonl`, pulled],
  ]);
  assert.ok(existsSync(path.join(root, dir, 'coexec-engine')), 'engine pushed to the device');

  // Running the same plan again pulls fresh lines (new timestamps) and appends them once each.
  await driver.run({ planPath: plan, resultsPath: results });
  assert.is(readFileSync(results, 'utf8').trim().split('\n').length, 5);
});

test('a bad plan: the engine status and message come back, nothing appended', async () => {
  const driver = new AdbDriver({ ...pixel, env: {} }, { enginePath: ENGINE });
  await driver.prepare();
  const plan = path.join(tmp, 'bad.json');
  const results = path.join(tmp, 'bad.jsonl');
  writeFileSync(plan, JSON.stringify({ schemaVersion: 1, planId: 'bad-plan', jobs: [{ id: 'x' }] }));
  const outcome = await driver.run({ planPath: plan, resultsPath: results });
  assert.is(outcome.exitCode, 2);
  assert.match(outcome.stderrTail, /unknown mechanism/);
  assert.is(existsSync(results) ? readFileSync(results, 'utf8') : '', '');
});

test('an aborted run stops the engine on the phone and keeps its lines', async () => {
  process.env.COEXEC_STANDIN_DELAY_S = '0.2';
  const driver = new AdbDriver({ ...pixel, env: {} }, { enginePath: ENGINE });
  await driver.prepare();
  const plan = path.join(tmp, 'long.json');
  const results = path.join(tmp, 'long.jsonl');
  writeFileSync(plan, JSON.stringify({ schemaVersion: 1, planId: 'long', jobs: Array.from({ length: 40 }, (_, i) => ({ id: `l/${i}` })) }));
  const controller = new AbortController();
  const onDevice = path.join(root, 'data/local/tmp/coexec/results/long.jsonl');
  const count = (): number => (existsSync(onDevice) ? readFileSync(onDevice, 'utf8').split('\n').filter(Boolean).length : 0);
  // Abort once the phone has written a line (not after a fixed delay: a loaded CI machine may not have
  // started the engine by then); the 20 s bound only keeps a broken stand-in from hanging the suite.
  const startedMs = Date.now();
  const poll = setInterval(() => { if (count() >= 1 || Date.now() - startedMs > 20000) { clearInterval(poll); controller.abort(); } }, 50);
  const outcome = await driver.run({ planPath: plan, resultsPath: results, signal: controller.signal });
  clearInterval(poll);
  assert.is.not(outcome.exitCode, 0);
  const before = count();
  await new Promise((r) => setTimeout(r, 700));
  assert.is(count(), before, 'the engine on the phone stopped');
  assert.ok(before >= 1 && before < 40);
  assert.is(readFileSync(results, 'utf8').trim().split('\n').length, before, 'lines written before the abort were pulled');
  assert.equal(calls().at(-2)?.slice(2), ['shell', `kill "$(cat /data/local/tmp/coexec/results/long.pid)" 2>/dev/null; true`]);
});

test('no phone, unauthorized phone, several phones, wrong serial', async () => {
  process.env.FAKE_ADB_DEVICES = '';
  assert.match(await message(new AdbDriver(pixel, { enginePath: ENGINE }).prepare()), /^adb: no Android device attached/);
  process.env.FAKE_ADB_DEVICES = 'FAKE0001:unauthorized';
  assert.match(await message(new AdbDriver(pixel, { enginePath: ENGINE }).info()), /^adb: device FAKE0001 is unauthorized: unlock the phone/);
  process.env.FAKE_ADB_DEVICES = 'A1:device,B2:device';
  const noSerial = { ...pixel, adb: { remoteDir: '/data/local/tmp/coexec' } };
  const prior = process.env.ANDROID_SERIAL;
  delete process.env.ANDROID_SERIAL;
  assert.is(await message(new AdbDriver(noSerial, { enginePath: ENGINE }).prepare()), 'adb: 2 devices attached (A1, B2): set adb.serial in platform pixel5-test.');
  assert.match(await message(new AdbDriver(pixel, { enginePath: ENGINE }).prepare()), /^adb: device FAKE0001 is not attached \(attached: A1, B2\)/);
  if (prior !== undefined) process.env.ANDROID_SERIAL = prior;
  // Only the device listing ran: nothing was pushed to a phone that is not there.
  assert.ok(calls().every((c) => c[0] === 'devices'));
});

test('missing NDK build and missing adb program are explained', async () => {
  assert.match(await message(new AdbDriver(pixel, { enginePath: path.join(tmp, 'none') }).prepare()), /no engine binary for arm64-v8a at .*none: cross-build it with the Android NDK/);
  process.env.COEXEC_ADB = path.join(tmp, 'no-adb-here');
  assert.match(await message(new AdbDriver(pixel, { enginePath: ENGINE }).info()), /^adb: cannot start ".*no-adb-here": install the Android platform tools, or set COEXEC_ADB/);
});

test.run();
