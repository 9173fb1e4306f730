/**
 * Reading results.jsonl files that an engine may still be appending to, or that a killed engine left with
 * a half-written last line: complete lines are parsed, a trailing partial line is ignored (and can be cut
 * off before more lines are appended).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, truncateSync } from 'node:fs';
import { readRawText } from './raw-files.js';

/**
 * Engine breakdown of an execution with GPU rows, in ns: t0 -> CPU slice start, t0 -> the driver thread's first
 * OpenCL call, the driver thread's enqueue calls, the CPU slice, end of the slice -> end of the window (CPU
 * fields only with CPU rows).
 */
export interface ExecutionBreakdownNs {
  cpuStartDelay?: number; driverStartDelay?: number; enqueue?: number; cpuSlice?: number; waitAfterCpu?: number;
}

/** One engine result line, as far as the harness reads it (contract section 4). */
export interface ResultLine {
  schemaVersion: number;
  jobId: string;
  planId: string;
  status: 'ok' | 'invalid' | 'error' | 'skipped';
  reason?: string;
  layer?: unknown;
  strategy?: unknown;
  resolved?: Record<string, unknown>;
  device?: Record<string, unknown>;
  samplesNs?: number[];
  cpuSideNs?: number[];
  gpuSideNs?: number[];
  gpuTimestampsNs?: [number, number, number, number][];
  /** Where the time of an execution with GPU rows goes, medians over the samples (contract section 12). */
  breakdownMedianNs?: ExecutionBreakdownNs;
  medianNs?: number;
  stop?: 'min-met' | 'ci-target' | 'max-samples' | 'max-time';
  check?: { maxAbsErr: number; maxRelErr: number; tolerance: number; passed: boolean };
  startedAt?: string;
  wallNs?: number;
  /** Share of every CPU's time the hypervisor gave other guests while the job ran, % (host_steal.h). */
  stealPct?: number;
  /** The same in stolen ticks (10 ms of one CPU each; host_steal.h). */
  stealTicks?: number;
}

/**
 * Complete, parseable lines of a results file (missing file: none). Unparseable complete lines are returned
 * as bad. A run folder's raw file compacted to `path.gz` (raw-files.ts) is read when `path` is absent.
 */
export function readResultLines(path: string): { lines: ResultLine[]; bad: number } {
  const text = readRawText(path);
  if (text === undefined) return { lines: [], bad: 0 };
  const end = text.lastIndexOf('\n');
  const lines: ResultLine[] = [];
  let bad = 0;
  if (end < 0) return { lines, bad };
  for (const raw of text.slice(0, end).split('\n')) {
    if (!raw.trim()) continue;
    try {
      const obj = JSON.parse(raw) as ResultLine;
      if (obj && typeof obj.jobId === 'string') lines.push(obj); else bad++;
    } catch { bad++; }
  }
  return { lines, bad };
}

/** Cuts a trailing partial line (a killed writer's) so that appended lines start on a fresh line. */
export function dropPartialLine(path: string): boolean {
  if (!existsSync(path)) return false;
  const size = statSync(path).size;
  if (size === 0) return false;
  const text = readFileSync(path, 'utf8');
  if (text.endsWith('\n')) return false;
  truncateSync(path, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
  return true;
}

/** Follows a growing file and calls onLine for each complete new line; poll() reads what is there now. */
export class LineFollower {
  private offset: number;
  private rest = '';
  constructor(private readonly path: string, private readonly onLine: (line: string) => void) {
    this.offset = existsSync(path) ? statSync(path).size : 0;
  }

  /** Reads bytes appended since the last call and emits complete lines. */
  poll(): void {
    if (!existsSync(this.path)) return;
    const size = statSync(this.path).size;
    if (size <= this.offset) return;
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.rest + buf.toString('utf8');
      const parts = text.split('\n');
      this.rest = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) this.onLine(line);
    } finally {
      closeSync(fd);
    }
  }
}
