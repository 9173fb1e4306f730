/**
 * A fake engine for tests: it answers `info` with a given document and "runs" a plan by writing
 * contract-shaped result lines whose times are a deterministic function of each job (see fakeResult), so
 * the whole pipeline can be checked against exact numbers without OpenCL. It can stop after a number of
 * jobs (like a killed engine) and mark chosen jobs invalid or error.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { EngineDriver, RunOutcome, RunRequest } from './driver.js';
import type { EngineJob, EnginePlan } from '../plan/expand.js';
import type { Layer } from '../config/schemas.js';
import { SYNC_NAMES } from '../config/schemas.js';
import { type Strategy, cpuRows, outputSize, splitExtent } from '../plan/ids.js';
import type { ResultLine } from './lines.js';

/** Sync cost the fake adds per mechanism, in ns (svm-resident: a resident kernel's execution costs a few us). */
export const FAKE_SYNC_NS: Record<string, number> = {
  finish: 40_000, 'event-poll': 30_000, 'svm-coarse': 25_000, 'svm-fine': 10_000, 'svm-resident': 3_000,
};

/** Multiply-accumulates per output row of the split dimension. */
export function macsPerRow(layer: Layer): number {
  if (layer.type === 'linear') return layer.M * layer.K;
  const P = Math.floor((layer.H + 2 * layer.padH - layer.R) / layer.strideH) + 1;
  const Q = Math.floor((layer.W + 2 * layer.padW - layer.S) / layer.strideW) + 1;
  return layer.batch * layer.C * layer.R * layer.S * P * Q;
}

/** An info document shaped like the engine's: one PoCL CPU device with fine-grained SVM. */
export const FAKE_INFO = {
  schemaVersion: 1,
  opencl: { platforms: [{ name: 'Portable Computing Language', devices: [{ name: 'cpu-fake', type: 'cpu', svm: ['coarse', 'fine-buffer', 'atomics'], syncs: [...SYNC_NAMES] }] }] },
};

/**
 * The fake line for a job. Sides: cpuNs = cpuRows * macs / threads ns, gpuNs = 20 us + gpuRows * macs / 2 ns;
 * latency = max(cpu, gpu) + the mechanism's sync cost (GPU work only). Sample i is latency * (1 + d_i s / 100)
 * with d = (-1, 0, +1) repeating and s = shape.spreadPct (default 1), and n = shape.samples (default
 * minSamples); wallNs = (warmup + n) * latency. Round trips take 5 us + the sync cost. GPU timestamp rows are
 * [queued, queued + 2 us, queued + 5 us, start + gpuNs - 20 us], except under svm-resident, whose rows come from
 * the host clock as the engine's do (queued = submit = start = the epoch bump, end = the done counter seen:
 * zero dispatch, end - start = gpuNs) and whose lines resolve gpuSubmit "resident" and hostMemory
 * "svm-fine-shared".
 */
export function fakeResult(
  plan: EnginePlan, job: EngineJob, startedAt: string, status: ResultLine['status'] = 'ok', shape: { spreadPct?: number; samples?: number } = {},
): ResultLine {
  const n = shape.samples ?? job.minSamples;
  const spread = shape.spreadPct ?? 1;
  let base: number;
  let cpuNs = 0;
  let gpuNs = 0;
  let resolved: Record<string, unknown> = {};
  const sync = job.strategy.sync;
  if (job.kind === 'roundtrip' || !job.layer) {
    base = 5_000 + (FAKE_SYNC_NS[sync] ?? 0);
  } else {
    const s = job.strategy as Strategy;
    const out = splitExtent(job.layer, s.splitDim);
    const rows = cpuRows(s.splitRatio, s.granularity, out);
    // Multiply-adds per row of the split dimension (exact integers, so a default split prices as before).
    const macs = (outputSize(job.layer) * macsPerRow(job.layer)) / out;
    cpuNs = rows > 0 ? Math.round((rows * macs) / Math.max(1, s.cpuThreads)) : 0;
    gpuNs = rows < out ? Math.round(20_000 + ((out - rows) * macs) / 2) : 0;
    base = Math.max(cpuNs, gpuNs) + (rows < out ? FAKE_SYNC_NS[sync] ?? 0 : 0);
    resolved = { cpuRows: rows, gpuRows: out - rows, cpuImpl: s.cpuImpl, cpuCores: plan.cpuAffinity };
  }
  const resident = sync === 'svm-resident' && (job.kind === 'roundtrip' || gpuNs > 0);
  if (resident) resolved = { ...resolved, gpuSubmit: 'resident', hostMemory: 'svm-fine-shared' };
  const timestampRow = (i: number): [number, number, number, number] => (resident
    ? [i * 1e6, i * 1e6, i * 1e6, i * 1e6 + gpuNs]
    : [i * 1e6, i * 1e6 + 2_000, i * 1e6 + 5_000, i * 1e6 + 5_000 + gpuNs - 20_000]);
  const samplesNs = Array.from({ length: n }, (_, i) => Math.round(base * (1 + (((i % 3) - 1) * spread) / 100)));
  const line: ResultLine = {
    schemaVersion: 1, jobId: job.id, planId: plan.planId, status,
    ...(status !== 'ok' ? { reason: status === 'invalid' ? 'maxRelErr 0.5 > tolerance 1e-4' : 'fake failure' } : {}),
    ...(job.layer ? { layer: job.layer } : {}), strategy: job.strategy, resolved,
    device: { platform: 'Portable Computing Language', name: 'cpu-fake', version: 'OpenCL 3.0 fake', driver: '0', type: 'cpu', svm: ['coarse', 'fine-buffer', 'atomics'] },
    samplesNs,
    cpuSideNs: samplesNs.map(() => cpuNs),
    gpuSideNs: samplesNs.map(() => gpuNs),
    ...(gpuNs > 0 ? { gpuTimestampsNs: samplesNs.map((_, i) => timestampRow(i)) } : {}),
    medianNs: [...samplesNs].sort((a, b) => a - b)[Math.floor(n / 2)]!,
    check: { maxAbsErr: status === 'invalid' ? 0.5 : 1e-7, maxRelErr: status === 'invalid' ? 0.5 : 1e-7, tolerance: 1e-4, passed: status !== 'invalid' },
    startedAt, wallNs: (job.warmup + n) * base,
  };
  return line;
}

/** Options of the fake. */
export interface FakeOptions {
  info?: unknown;
  /** Stop after writing this many lines in one run() (exit 137, like SIGKILL), optionally leaving a half line. */
  stopAfter?: number;
  halfLineOnStop?: boolean;
  /** Job ids reported invalid / error. */
  invalid?: Set<string>;
  errors?: Set<string>;
  /** Fixed start time written into lines. */
  startedAt?: string;
  /** Per job: the samples' spread in % (default 1) and count (default minSamples), e.g. noisy until given more time. */
  shapeOf?: (job: EngineJob) => { spreadPct?: number; samples?: number };
}

/** The fake driver; `runs` records the job ids of each run() call. */
export class FakeDriver implements EngineDriver {
  readonly name = 'fake';
  readonly runs: string[][] = [];
  constructor(private readonly opts: FakeOptions = {}) {}

  async prepare(): Promise<void> {}

  async info(): Promise<unknown> {
    return this.opts.info ?? FAKE_INFO;
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    const plan = JSON.parse(readFileSync(request.planPath, 'utf8')) as EnginePlan;
    const ids: string[] = [];
    this.runs.push(ids);
    for (const job of plan.jobs) {
      if (request.signal?.aborted) return { exitCode: 143, stderrTail: 'terminated' };
      if (this.opts.stopAfter !== undefined && ids.length >= this.opts.stopAfter) {
        if (this.opts.halfLineOnStop) appendFileSync(request.resultsPath, '{"schemaVersion":1,"jobId":"half');
        return { exitCode: 137, stderrTail: 'killed' };
      }
      const status = this.opts.invalid?.has(job.id) ? 'invalid' : this.opts.errors?.has(job.id) ? 'error' : 'ok';
      const line = JSON.stringify(fakeResult(plan, job, this.opts.startedAt ?? '2026-11-26T06:00:00.000Z', status, this.opts.shapeOf?.(job)));
      appendFileSync(request.resultsPath, `${line}\n`);
      ids.push(job.id);
      request.onLine?.(line);
    }
    return { exitCode: 0, stderrTail: '' };
  }
}
