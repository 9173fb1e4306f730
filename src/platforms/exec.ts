/**
 * Runs a local program (ssh, scp, adb, tar) and collects its output, optionally line by line as it
 * arrives. One place for spawning so every driver handles exit codes, aborts and missing programs alike.
 * COEXEC_DEBUG_EXEC=1 prints each command's duration on stderr (slow remote logins show up there).
 */

import { spawn } from 'node:child_process';
import { PlatformError } from './errors.js';

/** How to run one command. */
export interface ExecOptions {
  /** Bytes to write to stdin (closed afterwards); stdin is empty otherwise. */
  input?: string | Buffer;
  /** Called with each complete stdout line (without the newline) as soon as it arrives. */
  onStdoutLine?: (line: string) => void;
  /** Called with each stderr chunk (for live engine messages). */
  onStderr?: (chunk: string) => void;
  /** Kills the child (SIGTERM) when aborted. */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** What a finished command left behind. */
export interface ExecResult {
  /** Exit status; 128 + signal number when killed by a signal. */
  code: number;
  stdout: string;
  stderr: string;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Runs `program args` without a shell; resolves with its status, never rejects on a non-zero exit. */
export function execCommand(program: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      signal: options.signal,
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (!options.onStdoutLine) return;
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        options.onStdoutLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new PlatformError(`cannot start "${program}": not found on PATH. Install it or set its path.`));
      } else if (error.name === 'AbortError') {
        // The close event still follows and reports the signal.
      } else {
        reject(error);
      }
    });
    const startedMs = Date.now();
    child.on('close', (code, signal) => {
      if (process.env.COEXEC_DEBUG_EXEC) console.error(`[exec ${Date.now() - startedMs} ms] ${program} ${args.slice(-1)[0]?.slice(0, 60)}`);
      resolve({ code: code ?? 128 + (signal ? SIGNAL_NUMBERS[signal] ?? 0 : 0), stdout, stderr });
    });
    // A child that exits before reading stdin must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** The last `maxLines` non-empty lines of a text, for error messages. */
export function tail(text: string, maxLines = 20): string {
  return text.split('\n').filter((line) => line.trim() !== '').slice(-maxLines).join('\n');
}
