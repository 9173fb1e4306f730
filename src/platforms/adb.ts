/**
 * The adb platform: an Android phone reached with `adb`. The engine cannot be built on the phone, so it is
 * cross-built beforehand with the Android NDK (see ENGINE_BUILD_HINT) and pushed with the plans to a folder
 * under /data/local/tmp; each plan runs pinned to the configured (big) cores with `taskset`, and the results
 * file is pulled back and merged into the local results without duplicates.
 *
 * The adb program is `$COEXEC_ADB` (default "adb") so tests can substitute a stand-in.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineDriver, RunOutcome, RunRequest } from '../engine/driver.js';
import { coreMaskHex, envAssignments, shellQuote, type RemotePlatformConfig } from './config.js';
import { PlatformError } from './errors.js';
import { execCommand, tail, type ExecResult } from './exec.js';
import { completeLines, ResultsAppender } from './jsonl.js';

/** Where the NDK build of the engine lands by default (repository-relative). */
export const DEFAULT_ANDROID_ENGINE = fileURLToPath(new URL('../../../native/build-android-arm64/coexec-engine', import.meta.url));

/** How to get an Android engine binary; repeated in error messages. */
export const ENGINE_BUILD_HINT =
  'cross-build it with the Android NDK: cmake -S native -B native/build-android-arm64 ' +
  '-DCMAKE_TOOLCHAIN_FILE=$ANDROID_NDK_HOME/build/cmake/android.toolchain.cmake -DANDROID_ABI=arm64-v8a ' +
  '-DANDROID_PLATFORM=android-28 -DCMAKE_BUILD_TYPE=Release && cmake --build native/build-android-arm64, ' +
  'or point adb.enginePath / COEXEC_ANDROID_ENGINE at a prebuilt binary';

/** Marker appended to every remote command: old adb versions do not pass the exit status through. */
const EXIT_MARKER = '__COEXEC_EXIT=';

/** Options for tests and callers with their own binary. */
export interface AdbDriverOptions {
  /** Local engine binary built for the phone (overrides the config and COEXEC_ANDROID_ENGINE). */
  enginePath?: string;
  log?: (message: string) => void;
}

/** Reaches a `coexec-engine` on an Android phone over adb. */
export class AdbDriver implements EngineDriver {
  readonly name: string;
  private readonly adb: string;
  private readonly remoteDir: string;
  private readonly enginePath: string;
  private readonly mask?: string;
  private readonly env: string[];
  private readonly log: (message: string) => void;
  private serial: string;
  private checked?: Promise<void>;

  constructor(private readonly platform: RemotePlatformConfig, options: AdbDriverOptions = {}) {
    this.adb = process.env.COEXEC_ADB || 'adb';
    this.serial = platform.adb?.serial || process.env.ANDROID_SERIAL || '';
    this.remoteDir = (platform.adb?.remoteDir || '/data/local/tmp/coexec').replace(/\/+$/, '');
    this.enginePath = options.enginePath ?? platform.adb?.enginePath ?? process.env.COEXEC_ANDROID_ENGINE ?? DEFAULT_ANDROID_ENGINE;
    this.mask = coreMaskHex(platform.cpu?.cores);
    this.env = envAssignments(platform.env);
    this.log = options.log ?? (() => undefined);
    this.name = `adb:${this.serial || 'default'}`;
  }

  /** Checks the phone is attached, then pushes the engine binary and makes it executable. */
  async prepare(): Promise<void> {
    if (!existsSync(this.enginePath)) {
      throw new PlatformError(`adb: no engine binary for ${this.platform.adb?.abi ?? 'arm64-v8a'} at ${this.enginePath}: ${ENGINE_BUILD_HINT}.`);
    }
    await this.checkDevice();
    await this.shell(`mkdir -p ${this.remote('plans')} ${this.remote('results')}`);
    this.log(`${this.name}: pushing ${this.enginePath}`);
    await this.adbOk(['push', this.enginePath, `${this.remoteDir}/coexec-engine`]);
    await this.shell(`chmod 755 ${this.remote('coexec-engine')}`);
  }

  /** Runs `coexec-engine info` on the phone. */
  async info(): Promise<unknown> {
    await this.checkDevice();
    const { code, stdout } = await this.shell(`cd ${this.remote('')} && ${this.engineCommand()} info`, { allowFailure: true });
    if (code !== 0) throw new PlatformError(`adb: \`coexec-engine info\` failed on ${this.serial} (exit ${code}): ${tail(stdout, 5)}`);
    try {
      return JSON.parse(stdout);
    } catch {
      throw new PlatformError(`adb: \`coexec-engine info\` on ${this.serial} did not print JSON: ${tail(stdout, 3)}`);
    }
  }

  /** Pushes the plan, runs it pinned to the configured cores, pulls the results and appends new lines. */
  async run(request: RunRequest): Promise<RunOutcome> {
    await this.checkDevice();
    const stem = path.basename(request.resultsPath).replace(/\.jsonl$/, '').replace(/[^A-Za-z0-9_.-]/g, '_') || 'results';
    const plan = `plans/${stem}.json`;
    const results = `results/${stem}.jsonl`;
    await this.adbOk(['push', request.planPath, `${this.remoteDir}/${plan}`]);
    // A fresh results file per run: all its lines are this run's; the local file filters the rest.
    const pidFile = `results/${stem}.pid`;
    // Stopping adb does not stop the engine on the phone: on abort, kill it by the pid it left (env and
    // taskset exec the engine, so $! is the engine itself); lines already written are pulled below.
    let stopping: Promise<unknown> | undefined;
    const onAbort = (): void => {
      stopping = this.invoke(['shell', `kill "$(cat ${this.remote(pidFile)})" 2>/dev/null; true`]);
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let ran: { code: number; stdout: string };
    try {
      ran = await this.shell(
        `cd ${this.remote('')} && rm -f ${results} && { ${this.engineCommand()} run ${plan} --out ${results} 2>&1 & ` +
          `echo $! > ${pidFile}; wait $!; }`,
        { allowFailure: true, signal: request.signal },
      );
    } catch (error) {
      // Aborted: adb was killed before it printed the exit marker.
      if (!request.signal?.aborted) throw error;
      ran = { code: 130, stdout: 'aborted' };
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
    await stopping;
    const appender = new ResultsAppender(request.resultsPath, request.onLine);
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'coexec-adb-'));
    try {
      const local = path.join(tmp, 'results.jsonl');
      const pulled = await this.invoke(['pull', `${this.remoteDir}/${results}`, local]);
      // No results file: the engine stopped before the first job (bad plan); its message says why.
      if (pulled.code === 0) await appender.append(completeLines(await readFile(local, 'utf8')));
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return { exitCode: ran.code, stderrTail: tail(ran.stdout) };
  }

  /** The engine invocation: environment, then core pinning, then the binary. */
  private engineCommand(): string {
    const parts = [];
    if (this.env.length > 0) parts.push('env', ...this.env);
    if (this.mask) parts.push('taskset', this.mask);
    parts.push('./coexec-engine');
    return parts.join(' ');
  }

  private remote(rel: string): string {
    return shellQuote(rel === '' ? this.remoteDir : `${this.remoteDir}/${rel}`);
  }

  /** `adb devices` once per driver: a clear message for no phone, an unauthorized one, or an ambiguous choice. */
  private checkDevice(): Promise<void> {
    this.checked ??= (async () => {
      const { code, stdout, stderr } = await this.invoke(['devices'], false);
      if (code !== 0) throw new PlatformError(`adb: \`${this.adb} devices\` failed (exit ${code}): ${tail(stderr, 2)}`);
      const devices = stdout
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((fields): fields is [string, string] => fields.length >= 2 && fields[0] !== '' && !fields[0]!.startsWith('*'));
      const where = `platform ${this.platform.name}`;
      if (devices.length === 0) {
        throw new PlatformError(`adb: no Android device attached (\`${this.adb} devices\` lists none). Connect the phone with USB debugging on, or check the cable.`);
      }
      if (this.serial === '') {
        if (devices.length > 1) {
          throw new PlatformError(`adb: ${devices.length} devices attached (${devices.map((d) => d[0]).join(', ')}): set adb.serial in ${where}.`);
        }
        this.serial = devices[0]![0];
      }
      const device = devices.find((d) => d[0] === this.serial);
      if (!device) {
        throw new PlatformError(`adb: device ${this.serial} is not attached (attached: ${devices.map((d) => d[0]).join(', ')}). Check adb.serial in ${where}.`);
      }
      if (device[1] === 'unauthorized') {
        throw new PlatformError(`adb: device ${this.serial} is unauthorized: unlock the phone and accept the USB debugging prompt.`);
      }
      if (device[1] !== 'device') throw new PlatformError(`adb: device ${this.serial} is ${device[1]}: reconnect it, or run \`${this.adb} reconnect\`.`);
    })();
    this.checked.catch(() => (this.checked = undefined));
    return this.checked;
  }

  /** Runs a command on the phone; its exit status comes from the marker line. */
  private async shell(command: string, options: { allowFailure?: boolean; signal?: AbortSignal } = {}): Promise<{ code: number; stdout: string }> {
    const result = await this.invoke(['shell', `${command}; echo ${EXIT_MARKER}$?`], true, options.signal);
    const at = result.stdout.lastIndexOf(EXIT_MARKER);
    if (at < 0) {
      throw new PlatformError(`adb: lost the connection to ${this.serial} during \`${command}\`: ${tail(result.stderr || result.stdout, 3)}`);
    }
    const code = Number.parseInt(result.stdout.slice(at + EXIT_MARKER.length), 10);
    const stdout = result.stdout.slice(0, at);
    if (code !== 0 && !options.allowFailure) {
      throw new PlatformError(`adb: \`${command}\` failed on ${this.serial} (exit ${code}): ${tail(stdout + result.stderr, 3)}`);
    }
    return { code, stdout };
  }

  private async adbOk(args: string[]): Promise<void> {
    const result = await this.invoke(args);
    if (result.code !== 0) throw new PlatformError(`adb: \`adb ${args.join(' ')}\` failed (exit ${result.code}): ${tail(result.stderr || result.stdout, 3)}`);
  }

  /** One adb invocation, addressed to the chosen device unless `withSerial` is false. */
  private async invoke(args: string[], withSerial = true, signal?: AbortSignal): Promise<ExecResult> {
    const full = withSerial ? ['-s', this.serial, ...args] : args;
    try {
      return await execCommand(this.adb, full, { signal });
    } catch (error) {
      if (error instanceof PlatformError) {
        throw new PlatformError(`adb: cannot start "${this.adb}": install the Android platform tools, or set COEXEC_ADB to the adb binary.`);
      }
      throw error;
    }
  }
}
