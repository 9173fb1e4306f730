/**
 * Progress of a run on stderr: on a terminal one live line (jobs done/total, elapsed, ETA, current job),
 * rewritten in place; elsewhere (CI logs, pipes) a plain line at most every few seconds.
 */

/** Seconds as "1m05s" / "42s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The text of a progress line. */
export function progressText(done: number, total: number, elapsedS: number, current: string): string {
  const eta = done > 0 ? (elapsedS / done) * (total - done) : NaN;
  return `[${done}/${total}] ${formatDuration(elapsedS)} elapsed, ETA ${done > 0 ? formatDuration(eta) : '?'} ${current}`;
}

/** Where progress goes and how often. */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean; columns?: number };
  intervalMs?: number;
  now?: () => number;
}

/** A progress reporter for one run. */
export class Progress {
  private done: number;
  private current = '';
  private readonly start: number;
  private lastPrint = -Infinity;
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly total: number, alreadyDone = 0, opts: ProgressOptions = {}) {
    this.done = alreadyDone;
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.intervalMs = opts.intervalMs ?? (this.tty ? 100 : 5000);
    this.now = opts.now ?? Date.now;
    this.start = this.now();
  }

  /** One more job finished. */
  jobDone(jobId: string): void {
    this.done++;
    this.current = jobId;
    this.maybePrint(false);
  }

  /** Final line (always printed). */
  finish(): void {
    this.maybePrint(true);
    if (this.tty) this.stream.write('\n');
  }

  private maybePrint(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastPrint < this.intervalMs) return;
    this.lastPrint = t;
    let text = progressText(this.done, this.total, (t - this.start) / 1000, this.current);
    if (this.tty) {
      const width = (this.stream as { columns?: number }).columns ?? 100;
      if (text.length > width - 1) text = `${text.slice(0, width - 4)}...`;
      this.stream.write(`\r\x1b[2K${text}`);
    } else {
      this.stream.write(`${text}\n`);
    }
  }
}
