/**
 * The ssh platform: a Linux board or laptop reached with the system ssh and scp. The engine's sources are
 * copied there and built with the board's own CMake and compiler (so it gets a binary for its own CPU), a
 * build is reused while the sources hash the same, and each plan runs remotely while its result lines
 * stream back; the remote results file is copied at the end so no line is lost if the stream breaks.
 */

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineDriver, RunOutcome, RunRequest } from '../engine/driver.js';
import { envAssignments, shellQuote, type RemotePlatformConfig } from './config.js';
import { PlatformError } from './errors.js';
import { execCommand, tail, type ExecOptions, type ExecResult } from './exec.js';
import { completeLines, ResultsAppender } from './jsonl.js';
import { engineSourceHash, listEngineSources } from './sources.js';

/** The repository's native/ folder, found from this module's place (dist/src/platforms/ssh.js). */
export const DEFAULT_NATIVE_DIR = fileURLToPath(new URL('../../../native/', import.meta.url));

/** Where the build marker sits: the source hash the remote binary was built from. */
const MARKER = 'build/.coexec-source-sha256';
const ENGINE = 'build/coexec-engine';
/** Exit status our remote scripts use when `cd` into the remote folder fails. */
const NO_REMOTE_DIR = 97;

/** Options for tests and callers that ship other sources. */
export interface SshDriverOptions {
  /** Local engine source folder (default: the repository's native/). */
  nativeDir?: string;
  /** Receives progress messages (build, reuse); default: silent. */
  log?: (message: string) => void;
}

/** Reaches a `coexec-engine` on another Linux machine over ssh. */
export class SshDriver implements EngineDriver {
  readonly name: string;
  private readonly target: string;
  private readonly port: number;
  private readonly remoteDir: string;
  private readonly identityFile?: string;
  private readonly knownHostsFile?: string;
  private readonly connectTimeoutS: number;
  private readonly env: string[];
  private readonly nativeDir: string;
  private readonly log: (message: string) => void;
  /** Socket of the shared connection (OpenSSH ControlMaster): one key exchange for all ssh and scp calls. */
  private readonly controlPath: string;
  private connected?: Promise<void>;

  constructor(private readonly platform: RemotePlatformConfig, options: SshDriverOptions = {}) {
    const ssh = platform.ssh;
    if (!ssh || typeof ssh.host !== 'string' || ssh.host === '') {
      throw new PlatformError(`platform ${platform.name}: kind "ssh" needs ssh.host (e.g. "ssh": { "host": "board.local", "user": "pi" })`);
    }
    this.target = ssh.user ? `${ssh.user}@${ssh.host}` : ssh.host;
    this.port = ssh.port ?? 22;
    // A relative remoteDir is relative to the remote home, for ssh and scp alike.
    this.remoteDir = ssh.remoteDir ?? 'coexec';
    this.identityFile = ssh.identityFile ? expandHome(ssh.identityFile) : undefined;
    this.knownHostsFile = ssh.knownHostsFile ? expandHome(ssh.knownHostsFile) : undefined;
    this.connectTimeoutS = ssh.connectTimeoutS ?? 10;
    this.env = envAssignments(platform.env);
    this.nativeDir = options.nativeDir ?? DEFAULT_NATIVE_DIR;
    this.log = options.log ?? (() => undefined);
    this.name = `ssh:${this.target}`;
    this.controlPath = path.join(os.tmpdir(), `coexec-ssh-${process.pid}-%C`);
    if (this.identityFile && !existsSync(this.identityFile)) {
      throw new PlatformError(`ssh: identity file ${this.identityFile} not found (ssh.identityFile of platform ${platform.name}).`);
    }
  }

  /** Copies the engine sources and builds them remotely, unless the build there matches them already. */
  async prepare(): Promise<void> {
    await this.connect();
    const files = await listEngineSources(this.nativeDir);
    if (files.length === 0) throw new PlatformError(`ssh: no engine sources under ${this.nativeDir}.`);
    const localHash = await engineSourceHash(this.nativeDir, files);
    const probe = await this.ssh(
      `cat ${this.dir(MARKER)} 2>/dev/null; echo; ` +
        `test -x ${this.dir(ENGINE)} && echo BINARY_OK; command -v cmake >/dev/null 2>&1 && echo CMAKE_OK; true`,
    );
    this.throwIfSshFailed(probe);
    const [remoteHash = ''] = probe.stdout.split('\n');
    if (remoteHash.trim() === localHash && probe.stdout.includes('BINARY_OK')) {
      this.log(`${this.name}: engine build is up to date (sources ${localHash.slice(0, 12)})`);
      return;
    }
    if (!probe.stdout.includes('CMAKE_OK')) {
      throw new PlatformError(
        `ssh: cmake not found on ${this.target}: install CMake and a C++17 compiler there (e.g. \`sudo apt install cmake g++ ocl-icd-opencl-dev\`).`,
      );
    }
    this.log(`${this.name}: copying ${files.length} engine source files and building in ${this.remoteDir}`);
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'coexec-ssh-'));
    try {
      const archive = path.join(tmp, 'native-src.tar.gz');
      const list = path.join(tmp, 'files.txt');
      await writeFile(list, files.join('\n') + '\n');
      const packed = await execCommand('tar', ['-czf', archive, '-C', this.nativeDir, '-T', list]);
      if (packed.code !== 0) throw new Error(`tar failed packing ${this.nativeDir}: ${tail(packed.stderr)}`);
      // The archive travels on stdin: one connection instead of mkdir + scp + build. Sources are replaced
      // whole; build/ stays so CMake rebuilds only what changed.
      const build = await this.ssh(
        `mkdir -p ${this.dir('')} && cd ${this.dir('')} || exit ${NO_REMOTE_DIR}; ` +
          `rm -rf src ${MARKER} && mkdir src && tar -xzf - -C src && ` +
          `cmake -S src -B build -DCMAKE_BUILD_TYPE=Release && ` +
          `cmake --build build --target coexec-engine -j "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" && ` +
          `printf '%s\\n' ${localHash} > ${MARKER}`,
        { input: await readFile(archive) },
      );
      this.throwIfSshFailed(build);
      if (build.code === NO_REMOTE_DIR) throw new PlatformError(`ssh: cannot create ${this.remoteDir} on ${this.target}: check ssh.remoteDir.`);
      if (build.code !== 0) {
        throw new PlatformError(
          `ssh: building the engine on ${this.target} failed (exit ${build.code}); last lines:\n${tail(build.stdout + build.stderr, 15)}`,
        );
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Runs `coexec-engine info` remotely and parses its JSON. */
  async info(): Promise<unknown> {
    await this.connect();
    const result = await this.ssh(`cd ${this.dir('')} || exit ${NO_REMOTE_DIR}; ${this.engineCommand()} info`);
    this.throwIfSshFailed(result);
    if (result.code !== 0) {
      throw new PlatformError(`ssh: \`coexec-engine info\` failed on ${this.target} (exit ${result.code}): ${tail(result.stderr, 5)}`);
    }
    try {
      return JSON.parse(result.stdout);
    } catch {
      throw new PlatformError(`ssh: \`coexec-engine info\` on ${this.target} did not print JSON: ${tail(result.stdout, 3)}`);
    }
  }

  /** Copies the plan, runs it remotely while streaming result lines, then copies the remote results. */
  async run(request: RunRequest): Promise<RunOutcome> {
    await this.connect();
    const stem = runStem(request.resultsPath);
    const remotePlan = `runs/${stem}.plan.json`;
    const remoteResults = `runs/${stem}.jsonl`;
    const appender = new ResultsAppender(request.resultsPath, request.onLine);

    // The plan travels on stdin of the same connection that runs it. A fresh remote results file per run:
    // everything in it belongs to this run, and the local file (which may hold lines from earlier runs)
    // filters what it already has.
    const script = [
      `cd ${this.dir('')} || exit ${NO_REMOTE_DIR}`,
      `mkdir -p runs && cat > ${remotePlan} || exit ${NO_REMOTE_DIR}`,
      `: > ${remoteResults}`,
      // Engine stdout goes to stderr so that our stdout carries only result lines.
      `${this.engineCommand()} run ${remotePlan} --out ${remoteResults} >&2 &`,
      'pid=$!',
      `echo $pid > runs/${stem}.pid`,
      // GNU tail follows the file until the engine exits; elsewhere the final copy brings the lines.
      `if tail --version >/dev/null 2>&1; then tail -n +1 -s 0.2 -f --pid=$pid ${remoteResults}; fi`,
      'wait $pid; rc=$?',
      `rm -f runs/${stem}.pid`,
      'exit $rc',
    ].join('\n');
    let stopping: Promise<unknown> | undefined;
    const onAbort = (): void => {
      // Killing the local ssh does not stop the remote engine: ask it to stop, keeping what it wrote.
      stopping = this.ssh(`cd ${this.dir('')} && kill "$(cat runs/${stem}.pid)" 2>/dev/null`);
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let result: ExecResult;
    let streamError: unknown;
    try {
      result = await this.ssh(script, {
        onStdoutLine: (line) => {
          appender.append([line]).catch((error: unknown) => (streamError ??= error));
        },
        signal: request.signal,
        input: await readFile(request.planPath),
      });
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
    await stopping;
    if (result.code === 255) this.throwIfSshFailed(result);
    if (result.code === NO_REMOTE_DIR) {
      throw new PlatformError(`ssh: cannot write the plan into ${this.remoteDir} on ${this.target}: run prepare first, or check ssh.remoteDir.`);
    }

    // The remote file is the record; the stream may have missed lines (dropped connection, no GNU tail).
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'coexec-ssh-'));
    try {
      const local = path.join(tmp, 'results.jsonl');
      const copied = await this.scpFrom(this.dir(remoteResults), local);
      if (copied.code === 0) {
        await appender.append(completeLines(await readFile(local, 'utf8')));
      } else if (!request.signal?.aborted) {
        this.throwIfSshFailed(copied);
        throw new PlatformError(`ssh: could not copy ${this.remoteDir}/${remoteResults} back from ${this.target}: ${tail(copied.stderr, 3)}`);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
      await appender.append([]);
    }
    if (streamError) throw streamError;
    return { exitCode: result.code, stderrTail: tail(result.stderr) };
  }

  /** Ends the shared connection now (it also ends by itself after a minute unused). */
  async close(): Promise<void> {
    if (!this.connected) return;
    this.connected = undefined;
    await execCommand('ssh', [...this.commonOptions(), '-O', 'exit', '-p', String(this.port), this.target]);
  }

  /**
   * Opens the shared connection once; its failure is the one place where an unreachable host or a refused
   * key shows up. The master runs in the background (-f), so its stderr goes to a file: a pipe would stay
   * open as long as the master lives.
   */
  private connect(): Promise<void> {
    this.connected ??= (async () => {
      // Another driver of this process may hold a master to the same host already (the path hashes
      // host, port and user): reuse it rather than start a second one.
      const check = await execCommand('ssh', ['-o', `ControlPath=${this.controlPath}`, '-O', 'check', '-p', String(this.port), this.target]);
      if (check.code === 0) return;
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'coexec-ssh-'));
      const errFile = path.join(tmp, 'stderr');
      const fd = openSync(errFile, 'w');
      try {
        const code = await new Promise<number>((resolve, reject) => {
          const child = spawn('ssh', [
            ...this.baseOptions(), '-o', 'ControlMaster=yes', '-o', `ControlPath=${this.controlPath}`,
            '-o', 'ControlPersist=60', '-f', '-N', '-p', String(this.port), this.target,
          ], { stdio: ['ignore', 'ignore', fd] });
          child.once('error', (error: NodeJS.ErrnoException) =>
            reject(error.code === 'ENOENT' ? new PlatformError('ssh: the `ssh` program is not installed here (install openssh-client).') : error));
          child.once('exit', (c) => resolve(c ?? 255));
        });
        if (code !== 0) {
          const stderr = readFileSync(errFile, 'utf8');
          throw classifySshFailure(stderr, this.target, this.port, this.identityFile) ??
            new PlatformError(`ssh: cannot connect to ${this.target}:${this.port} (${tail(stderr, 1) || `exit ${code}`}).`);
        }
      } finally {
        closeSync(fd);
        await rm(tmp, { recursive: true, force: true });
      }
    })();
    // A failed attempt is not cached: the next call tries again.
    this.connected.catch(() => (this.connected = undefined));
    return this.connected;
  }

  /** The engine invocation with the platform's environment. */
  private engineCommand(): string {
    return this.env.length > 0 ? `env ${this.env.join(' ')} ${ENGINE}` : ENGINE;
  }

  /** A path inside the remote folder, quoted for the remote shell. */
  private dir(rel: string): string {
    return shellQuote(rel === '' ? this.remoteDir : `${this.remoteDir}/${rel}`);
  }

  /** Options for every ssh and scp call; they share the master connection when there is one. */
  private commonOptions(): string[] {
    return [...this.baseOptions(), '-o', 'ControlMaster=no', '-o', `ControlPath=${this.controlPath}`];
  }

  private baseOptions(): string[] {
    const options = [
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=accept-new',
      '-o', `ConnectTimeout=${this.connectTimeoutS}`,
      '-o', 'LogLevel=ERROR',
    ];
    if (this.identityFile) options.push('-i', this.identityFile, '-o', 'IdentitiesOnly=yes');
    if (this.knownHostsFile) options.push('-o', `UserKnownHostsFile=${this.knownHostsFile}`);
    return options;
  }

  private ssh(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    return execCommand('ssh', [...this.commonOptions(), '-p', String(this.port), this.target, script], options);
  }

  private scpFrom(remoteQuoted: string, localPath: string): Promise<ExecResult> {
    return execCommand('scp', ['-q', ...this.commonOptions(), '-P', String(this.port), `${this.target}:${unquote(remoteQuoted)}`, localPath]);
  }

  /** Turns ssh's own failures (exit 255 with its message) into one-line user errors. */
  private throwIfSshFailed(result: ExecResult): void {
    if (result.code === 0) return;
    const error = classifySshFailure(result.stderr, this.target, this.port, this.identityFile);
    if (error) throw error;
  }
}

/** A user error for ssh's connection and authentication failures, or undefined for anything else. */
export function classifySshFailure(stderr: string, target: string, port: number, identityFile?: string): PlatformError | undefined {
  const line = stderr.split('\n').find((l) => /^(ssh|scp):|Permission denied|Host key verification|Connection closed/.test(l.trim()));
  if (!line) return undefined;
  const text = line.trim();
  const key = identityFile ? ` -i ${identityFile}` : '';
  const tryIt = `\`ssh -p ${port}${key} ${target} true\``;
  if (/Permission denied|Too many authentication failures|no mutual signature/i.test(text)) {
    const reason = text.replace(/^.*?(Permission denied|Too many)/, '$1').replace(/\.$/, '');
    return new PlatformError(`ssh: ${target}:${port} did not accept the login (${reason}). Check ssh.user and ssh.identityFile, or run ${tryIt}.`);
  }
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION/i.test(stderr)) {
    return new PlatformError(`ssh: the host key of ${target}:${port} changed or cannot be verified. Check known_hosts, or run ${tryIt}.`);
  }
  if (/connect to host|Could not resolve hostname|Connection closed|Connection reset|Connection timed out|No route to host|Network is unreachable/i.test(text)) {
    const reason = text.slice(text.lastIndexOf(': ') + 2).replace(/\.$/, '') || text;
    return new PlatformError(`ssh: cannot reach ${target}:${port} (${reason}). Check the host, or run ${tryIt}.`);
  }
  return undefined;
}

/** File-name-safe stem of the local results file, used for the remote plan and results names. */
function runStem(resultsPath: string): string {
  const stem = path.basename(resultsPath).replace(/\.jsonl$/, '').replace(/[^A-Za-z0-9_.-]/g, '_');
  return stem === '' ? 'results' : stem;
}

/** scp takes remote paths unquoted (SFTP mode); our remote paths are quoted for the shell. */
function unquote(quoted: string): string {
  return quoted.startsWith("'") ? quoted.slice(1, -1).replace(/'"'"'/g, "'") : quoted;
}

function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
}
