/**
 * The local driver: runs native/build/coexec-engine on this machine with the platform's environment. It
 * builds the engine with scripts/build-engine.sh when the binary is missing, lets the engine append to
 * the results file itself (so a killed harness loses nothing the engine wrote), and follows that file
 * for progress.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineDriver, RunOutcome, RunRequest } from './driver.js';
import type { PlatformConfig } from '../config/schemas.js';
import { LineFollower } from './lines.js';
import { msg, UserError } from '../messages.js';

/** Where the engine binary is built. */
export function engineBinaryPath(repoRoot: string): string {
  return process.env.COEXEC_ENGINE ?? join(repoRoot, 'native/build/coexec-engine');
}

/** Drives the engine binary on this machine. */
export class LocalDriver implements EngineDriver {
  readonly name = 'local';
  readonly binary: string;
  private readonly env: NodeJS.ProcessEnv;

  /**
   * @param binary engine path (default native/build/coexec-engine or $COEXEC_ENGINE)
   * @param abortSignalName how an abort stops the engine: SIGTERM normally; tests use SIGKILL to model a crash
   */
  constructor(
    private readonly platform: PlatformConfig, private readonly repoRoot: string, binary?: string,
    private readonly abortSignalName: NodeJS.Signals = 'SIGTERM',
  ) {
    this.binary = binary ?? engineBinaryPath(repoRoot);
    this.env = { ...process.env, ...(platform.env ?? {}) };
  }

  async prepare(): Promise<void> {
    if (existsSync(this.binary)) return;
    process.stderr.write(`engine not found at ${this.binary}: building it with scripts/build-engine.sh ...\n`);
    const built = spawnSync('bash', [join(this.repoRoot, 'scripts/build-engine.sh')], { cwd: this.repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    if (built.status !== 0 || !existsSync(this.binary)) throw new UserError(msg.engineMissing(this.binary));
  }

  private infoCache?: unknown;

  /** The engine's info, asked once per driver: the device does not change while the harness runs. */
  async info(): Promise<unknown> {
    if (this.infoCache === undefined) this.infoCache = await this.readInfo();
    return this.infoCache;
  }

  private async readInfo(): Promise<unknown> {
    await this.prepare();
    const out = spawnSync(this.binary, ['info'], { env: this.env, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (out.error) throw new UserError(msg.engineInfoNotJson(this.name, out.error.message));
    try {
      return JSON.parse(out.stdout);
    } catch (err) {
      const detail = out.stderr.trim().split('\n').slice(-1)[0] || (err as Error).message;
      throw new UserError(msg.engineInfoNotJson(this.name, `exit ${out.status}: ${detail}`));
    }
  }

  run(request: RunRequest): Promise<RunOutcome> {
    return new Promise((resolve, reject) => {
      const follower = new LineFollower(request.resultsPath, (line) => request.onLine?.(line));
      const child = spawn(this.binary, ['run', request.planPath, '--out', request.resultsPath], {
        env: this.env, stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderrTail = '';
      child.stderr.on('data', (d: Buffer) => { stderrTail = (stderrTail + d.toString('utf8')).slice(-4000); });
      const timer = setInterval(() => follower.poll(), 200);
      const abort = () => child.kill(this.abortSignalName);
      request.signal?.addEventListener('abort', abort, { once: true });
      child.on('error', (err) => { clearInterval(timer); reject(err); });
      child.on('close', (code, signal) => {
        clearInterval(timer);
        request.signal?.removeEventListener('abort', abort);
        follower.poll();
        resolve({ exitCode: code ?? (signal === 'SIGKILL' ? 137 : 143), stderrTail });
      });
    });
  }
}
