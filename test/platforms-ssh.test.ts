// Tests of the ssh platform against a real sshd that the test starts on 127.0.0.1 (random high port,
// throw-away host and client keys): build of engine sources with the remote CMake, reuse of a build,
// streaming and copying of result lines without duplicates, and the one-line errors for an unreachable
// host and a refused key. With native/build/coexec-engine present, the real engine runs through it too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SshDriver, DEFAULT_NATIVE_DIR, classifySshFailure } from '../src/platforms/ssh.js';
import { coreMaskHex, envAssignments } from '../src/platforms/config.js';
import { engineSourceHash } from '../src/platforms/sources.js';
import type { RemotePlatformConfig } from '../src/platforms/config.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const STAND_IN = path.join(REPO, 'test/fixtures/fake-adb/coexec-engine');
const SSHD = '/usr/sbin/sshd';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'coexec-ssh-test-'));
let sshd: ChildProcess | undefined;
let port = 0;

function keygen(file: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

function portOpen(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(p, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** A port the kernel just handed out and that was closed again. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as net.AddressInfo;
      server.close(() => resolve(p));
    });
  });
}

async function startSshd(): Promise<void> {
  keygen(path.join(tmp, 'host_key'));
  keygen(path.join(tmp, 'client_key'));
  keygen(path.join(tmp, 'other_key'));
  copyFileSync(path.join(tmp, 'client_key.pub'), path.join(tmp, 'authorized_keys'));
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
  mkdirSync(path.join(tmp, 'home'));
  for (let attempt = 0; attempt < 5; attempt++) {
    port = await freePort();
    const config = path.join(tmp, 'sshd_config');
    writeFileSync(config, [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${tmp}/host_key`, `PidFile ${tmp}/sshd.pid`,
      `AuthorizedKeysFile ${tmp}/authorized_keys`, 'PermitRootLogin yes', 'PasswordAuthentication no',
      'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      // A fresh HOME for the sessions: the login shell must not spend seconds in this machine's ~/.bashrc.
      `SetEnv HOME=${tmp}/home`, '',
    ].join('\n'));
    sshd = spawn(SSHD, ['-f', config, '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let exited = false;
    sshd.once('exit', () => (exited = true));
    for (let i = 0; i < 50 && !exited; i++) {
      if (await portOpen(port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    sshd.kill();
  }
  throw new Error('could not start sshd on a free port');
}

function platform(extra: Partial<NonNullable<RemotePlatformConfig['ssh']>> = {}, env?: Record<string, string>): RemotePlatformConfig {
  return {
    name: 'test-ssh', kind: 'ssh', env,
    ssh: { host: '127.0.0.1', user: 'root', port, identityFile: path.join(tmp, 'client_key'),
      knownHostsFile: path.join(tmp, 'known_hosts'), remoteDir: path.join(tmp, 'remote'), connectTimeoutS: 5, ...extra },
  };
}

/** A minimal engine source tree: CMake "builds" the stand-in engine script into build/coexec-engine. */
function standInSources(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'CMakeLists.txt'), [
    'cmake_minimum_required(VERSION 3.13)', 'project(coexec_standin NONE)',
    'configure_file(${CMAKE_SOURCE_DIR}/coexec-engine.sh ${CMAKE_BINARY_DIR}/coexec-engine COPYONLY)', '',
  ].join('\n'));
  copyFileSync(STAND_IN, path.join(dir, 'coexec-engine.sh'));
  spawnSync('chmod', ['+x', path.join(dir, 'coexec-engine.sh')]);
  mkdirSync(path.join(dir, 'build'), { recursive: true });
  writeFileSync(path.join(dir, 'build', 'junk.o'), 'build output must not be shipped');
}

function writePlan(file: string, planId: string, ids: string[]): void {
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, planId, device: {}, cpuAffinity: [], jobs: ids.map((id) => ({ id, kind: 'roundtrip', strategy: { sync: 'finish' } })) }));
}

test.before(async () => {
  if (existsSync(SSHD)) await startSshd();
});
test.after(() => {
  sshd?.kill();
  rmSync(tmp, { recursive: true, force: true });
});

test('unreachable host: one-line message with the way out', async () => {
  if (!sshd) return void console.log(`SKIP: ${SSHD} absent`);
  const closed = await freePort(); // nothing listens there now
  assert.not.ok(await portOpen(closed));
  const driver = new SshDriver(platform({ port: closed }));
  try {
    await driver.prepare();
    assert.unreachable('prepare must fail');
  } catch (error) {
    assert.is((error as Error).message,
      `ssh: cannot reach root@127.0.0.1:${closed} (Connection refused). Check the host, or run \`ssh -p ${closed} -i ${tmp}/client_key root@127.0.0.1 true\`.`);
    assert.is((error as { userError?: boolean }).userError, true);
  }
});

test('refused key: names the login problem', async () => {
  if (!sshd) return;
  const driver = new SshDriver(platform({ identityFile: path.join(tmp, 'other_key') }));
  try {
    await driver.info();
    assert.unreachable('info must fail');
  } catch (error) {
    assert.match((error as Error).message, /^ssh: root@127\.0\.0\.1:\d+ did not accept the login \(Permission denied \(publickey\)\)\. Check ssh\.user and ssh\.identityFile/);
  }
});

test('missing identity file is caught before connecting', () => {
  assert.throws(() => new SshDriver(platform({ identityFile: path.join(tmp, 'nope') })), /identity file .*nope not found/);
});

test('prepare builds the sources remotely with cmake, then reuses the build; run streams lines once', async () => {
  if (!sshd) return;
  const native = path.join(tmp, 'native-standin');
  standInSources(native);
  const logs: string[] = [];
  const driver = new SshDriver(platform({}, { COEXEC_TEST_VAR: "it's here" }), { nativeDir: native, log: (m) => logs.push(m) });
  await driver.prepare();
  const remote = path.join(tmp, 'remote');
  assert.ok(existsSync(path.join(remote, 'build/coexec-engine')), 'built by the remote cmake');
  assert.not.ok(existsSync(path.join(remote, 'src/build/junk.o')), 'build dirs are not shipped');
  assert.is(readFileSync(path.join(remote, 'build/.coexec-source-sha256'), 'utf8').trim(), await engineSourceHash(native));
  await driver.prepare();
  assert.match(logs.at(-1) ?? '', /up to date/);

  const info = (await driver.info()) as { standIn: boolean; testVar: string };
  assert.is(info.standIn, true);
  assert.is(info.testVar, "it's here", 'platform env reaches the engine');

  // Changing a source triggers a rebuild.
  writeFileSync(path.join(native, 'coexec-engine.sh'), readFileSync(STAND_IN, 'utf8') + '# changed\n');
  await driver.prepare();
  assert.match(logs.at(-1) ?? '', /copying 2 engine source files/);

  const plan = path.join(tmp, 'plan.json');
  const results = path.join(tmp, 'results', 'grid.jsonl');
  mkdirSync(path.dirname(results), { recursive: true });
  writeFileSync(results, '{"jobId":"earlier","status":"ok"}\n');
  writePlan(plan, 'p1', ['a/1', 'a/2', 'a/3']);
  const seen: string[] = [];
  const outcome = await driver.run({ planPath: plan, resultsPath: results, onLine: (l) => seen.push(l) });
  assert.is(outcome.exitCode, 0);
  assert.match(outcome.stderrTail, /stand-in engine: running/);
  const lines = readFileSync(results, 'utf8').trim().split('\n');
  assert.equal(lines.map((l) => JSON.parse(l).jobId), ['earlier', 'a/1', 'a/2', 'a/3']);
  assert.equal(seen.map((l) => JSON.parse(l).jobId), ['a/1', 'a/2', 'a/3']);

  // A resumed run of the remaining jobs appends only its own lines.
  writePlan(plan, 'p1', ['a/4']);
  await driver.run({ planPath: plan, resultsPath: results });
  assert.equal(readFileSync(results, 'utf8').trim().split('\n').map((l) => JSON.parse(l).jobId), ['earlier', 'a/1', 'a/2', 'a/3', 'a/4']);

  // A bad plan: the engine's exit status 2 and its message come back.
  writePlan(plan, 'bad-plan', ['x']);
  const bad = await driver.run({ planPath: plan, resultsPath: results });
  assert.is(bad.exitCode, 2);
  assert.match(bad.stderrTail, /unknown mechanism/);
  assert.is(readFileSync(results, 'utf8').trim().split('\n').length, 5);
  await driver.close();
});

test('an aborted run stops the remote engine and keeps the lines it wrote', async () => {
  if (!sshd) return;
  const native = path.join(tmp, 'native-standin');
  if (!existsSync(native)) standInSources(native);
  const driver = new SshDriver(platform({}, { COEXEC_STANDIN_DELAY_S: '0.3' }), { nativeDir: native });
  await driver.prepare();
  const plan = path.join(tmp, 'long-plan.json');
  const results = path.join(tmp, 'aborted.jsonl');
  writePlan(plan, 'long', Array.from({ length: 30 }, (_, i) => `long/${i}`));
  const controller = new AbortController();
  const outcome = await driver.run({ planPath: plan, resultsPath: results, signal: controller.signal, onLine: () => controller.abort() });
  assert.is.not(outcome.exitCode, 0);
  const remoteFile = path.join(tmp, 'remote/runs/aborted.jsonl');
  const count = (): number => readFileSync(remoteFile, 'utf8').split('\n').filter(Boolean).length;
  const before = count();
  await new Promise((r) => setTimeout(r, 900));
  assert.is(count(), before, 'the remote engine stopped');
  assert.ok(before < 30);
  const local = readFileSync(results, 'utf8').trim().split('\n');
  assert.ok(local.length >= 1 && local.length <= before);
  assert.is(new Set(local).size, local.length, 'no duplicates');
  await driver.close();
});

test('ssh failure messages (pure)', () => {
  const t = 'pi@board';
  assert.is(classifySshFailure('ssh: connect to host board port 22: Connection timed out\r\n', t, 22)?.message,
    'ssh: cannot reach pi@board:22 (Connection timed out). Check the host, or run `ssh -p 22 pi@board true`.');
  assert.is(classifySshFailure('ssh: Could not resolve hostname board: Name or service not known\n', t, 22)?.message,
    'ssh: cannot reach pi@board:22 (Name or service not known). Check the host, or run `ssh -p 22 pi@board true`.');
  assert.match(classifySshFailure('Host key verification failed.\n', t, 2222)?.message ?? '', /^ssh: the host key of pi@board:2222 changed/);
  assert.is(classifySshFailure('coexec-engine: plan.json: jobs[0]: bad field\n', t, 22), undefined, 'engine messages are not ssh failures');
  assert.is(coreMaskHex([6, 7]), 'c0');
  assert.is(coreMaskHex([0, 2, 40]), '10000000005');
  assert.is(coreMaskHex([]), undefined);
  assert.equal(envAssignments({ B: "it's", A: '/x y' }), ["A='/x y'", `B='it'"'"'s'`]);
  assert.throws(() => envAssignments({ 'A-B': '1' }), /expected a shell variable name/);
});

test('the real engine runs through ssh (when native/build/coexec-engine exists)', async () => {
  const engine = path.join(REPO, 'native/build/coexec-engine');
  if (!sshd) return;
  if (!existsSync(engine)) return void console.log('SKIP: native/build/coexec-engine not built');
  // Seed the remote folder with the local build and its source hash: prepare() must take it as is
  // (building the real engine twice would not fit the suite's time budget; the build path is tested above).
  const remote = path.join(tmp, 'remote-real');
  mkdirSync(path.join(remote, 'build'), { recursive: true });
  copyFileSync(engine, path.join(remote, 'build/coexec-engine'));
  spawnSync('chmod', ['+x', path.join(remote, 'build/coexec-engine')]);
  writeFileSync(path.join(remote, 'build/.coexec-source-sha256'), (await engineSourceHash(DEFAULT_NATIVE_DIR)) + '\n');
  const logs: string[] = [];
  const driver = new SshDriver(platform({ remoteDir: remote }), { log: (m) => logs.push(m) });
  await driver.prepare();
  assert.match(logs.at(-1) ?? '', /up to date/);
  const info = await driver.info();
  assert.type(info, 'object');
  const plan = path.join(tmp, 'real-plan.json');
  const results = path.join(tmp, 'real.jsonl');
  const id = 'linear/M:1/N:8/K:16/r:1.00/t:1/cpu:simd/gpu:none/sync:finish';
  writeFileSync(plan, JSON.stringify({
    schemaVersion: 1, planId: 'ssh-real', device: { platformContains: '', deviceContains: '', deviceType: 'gpu-or-cpu' },
    cpuAffinity: [], jobs: [{ id, kind: 'layer', layer: { type: 'linear', M: 1, N: 8, K: 16 },
      strategy: { splitRatio: 1, granularity: 1, cpuThreads: 1, cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64, sync: 'finish' },
      warmup: 1, minSamples: 3, minTimeMs: 1, maxSamples: 5, maxTimeMs: 200, seed: 7 }],
  }));
  const outcome = await driver.run({ planPath: plan, resultsPath: results });
  assert.is(outcome.exitCode, 0, outcome.stderrTail);
  const lines = readFileSync(results, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, 1);
  assert.is(lines[0].jobId, id);
  assert.is(lines[0].status, 'ok', JSON.stringify(lines[0]).slice(0, 300));
  await driver.close();
});

test.run();
