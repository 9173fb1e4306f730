/**
 * jobs.json (contract section 8): the statistics and VALID/INVALID verdict of every job of a run, computed
 * from the raw engine lines alone (plus the plan's per-job metadata and the environment drift).
 */
import type { ExecutionBreakdownNs, ResultLine } from '../engine/lines.js';
import { replicateBaseId, type JobMeta } from '../plan/expand.js';
import { describe, median, medianCiRanks, quantileSorted, sortedCopy, type SampleStats } from '../stats/descriptive.js';
import { type DriftFacts, stolen, type ValidityRule, verdictOf } from '../stats/verdict.js';

/** One row of jobs.json. */
export interface JobStats {
  jobId: string; experiment: string; phase: string; phases: string[]; role: string; workloads: string[];
  /** A profile slice of a training-only workload (JobMeta.trainingOnly): trained on, never tested. */
  trainingOnly?: true;
  kind: 'layer' | 'roundtrip'; layer?: unknown; strategy?: unknown; resolved?: unknown;
  status: ResultLine['status']; verdict: 'VALID' | 'INVALID'; reasons: string[];
  stats?: SampleStats;
  cpuSideMedianNs?: number; gpuSideMedianNs?: number; gpuKernelMedianNs?: number; gpuDispatchMedianNs?: number;
  /** The engine's breakdown (first replicate's when pooled); absent from engines before issue 12. */
  breakdownMedianNs?: ExecutionBreakdownNs;
  wallNs?: number;
  /** The engine's steal share while the job ran, % (the largest of the lines pooled into the row). */
  stealPct?: number;
  /** The engine's count of stolen 10 ms CPU ticks over the job (the most of the lines pooled into the row). */
  stealTicks?: number;
  replicates?: number; replicateSpreadPct?: number;
  /** Measurements pooled into this row: 1 + the re-measurement rounds that measured the job (absent: 1). */
  attempts?: number;
  /** (slowest / fastest attempt median - 1) in %, over the attempts (absent with one attempt). */
  attemptSpreadPct?: number;
  /** Co-executed jobs: the per-iteration overhead (see pairedOverheadNs); absent for single-side jobs. */
  pairedOverheadNs?: PairedOverheadNs;
}

/**
 * The overhead of co-execution per timed iteration: each sample's latency minus the slower of its own CPU
 * slice in that same iteration and the GPU side's kernel time (queued -> end, median of the profiled
 * executions: the engine profiles untimed executions only, so the GPU time cannot pair by iteration). The
 * CPU side pairs, so a slow spell of the shared machine on the CPU cancels. The CI is the distribution-free
 * 95% interval of the median (order statistics, as SampleStats.medianCi95HalfPct) widened in quadrature by
 * how far the median overhead moves when the kernel time sits at either end of its own median's 95% interval.
 */
export interface PairedOverheadNs {
  n: number; medianNs: number; ci95LowNs: number; ci95HighNs: number;
  /** Re-measured jobs: each attempt's own median overhead, in the order measured (see withAttemptSpread). */
  attemptMediansNs?: number[];
}

/**
 * The pooled overhead of a job measured in several attempts (re-measurement rounds at other times), with
 * its CI widened in quadrature by half the range of the attempts' own medians. The per-iteration CI only
 * knows the samples of one spell of the machine: on a shared 2-core VM the same layer's svm-fine overhead
 * measured 5 us in one run and 22 us in the next, each to +-1-6 us, because the spinning waiter, the
 * device's worker threads and the CPU slice contend for the same two cores differently from one spell to
 * the next. Attempts at other times show that spread, and the interval must carry it.
 */
export function withAttemptSpread(pooled: PairedOverheadNs, attempts: readonly ResultLine[]): PairedOverheadNs {
  const medians = attempts.map((l) => pairedOverhead(l)?.medianNs).filter((m): m is number => m !== undefined);
  if (medians.length < 2) return pooled;
  const between = (Math.max(...medians) - Math.min(...medians)) / 2;
  return {
    ...pooled, attemptMediansNs: medians,
    ci95LowNs: pooled.medianNs - Math.hypot(pooled.medianNs - pooled.ci95LowNs, between),
    ci95HighNs: pooled.medianNs + Math.hypot(pooled.ci95HighNs - pooled.medianNs, between),
  };
}

/** pairedOverheadNs of a line; undefined unless it has both sides (a co-executed job). */
export function pairedOverhead(line: Pick<ResultLine, 'samplesNs' | 'cpuSideNs' | 'gpuTimestampsNs'>): PairedOverheadNs | undefined {
  const total = line.samplesNs ?? [];
  const cpu = line.cpuSideNs ?? [];
  const kernels = sortedCopy((line.gpuTimestampsNs ?? []).map((t) => t[3] - t[0]));
  const n = total.length;
  if (n === 0 || cpu.length !== n || kernels.length === 0) return undefined;
  if (cpu.some((c) => !(c > 0)) || !(kernels[0]! > 0)) return undefined;
  const [kLowRank, kHighRank] = medianCiRanks(kernels.length);
  const overheadAt = (kernel: number) => sortedCopy(total.map((t, i) => t - Math.max(cpu[i]!, kernel)));
  const overhead = overheadAt(quantileSorted(kernels, 0.5));
  const [lowRank, highRank] = medianCiRanks(n);
  const med = quantileSorted(overhead, 0.5);
  // The kernel time's CI moved through the same statistic: it matters only in iterations where the GPU side is slower.
  const atSlowKernel = quantileSorted(overheadAt(kernels[kHighRank - 1]!), 0.5);
  const atFastKernel = quantileSorted(overheadAt(kernels[kLowRank - 1]!), 0.5);
  const down = Math.hypot(med - overhead[lowRank - 1]!, med - atSlowKernel);
  const up = Math.hypot(overhead[highRank - 1]! - med, atFastKernel - med);
  return { n, medianNs: med, ci95LowNs: med - down, ci95HighNs: med + up };
}

/** A plan part's lines as buildJobs reads them: the part's own raw file and each re-measurement round's. */
export interface PartLines { phase: string; lines: ResultLine[]; rounds?: ResultLine[][] }

/** The whole document. */
export interface JobsDoc { schemaVersion: 1; runId: string; platform: string; rows: JobStats[] }

/** Meta of a job in run.json: the plan's JobMeta with every phase that asked for it. */
export type RunJobMeta = JobMeta & { phases: string[]; kind: 'layer' | 'roundtrip' };

/** Statistics of one line. */
export function jobStats(line: ResultLine, meta: RunJobMeta | undefined, experiment: string, rule: ValidityRule, drift: DriftFacts): JobStats {
  const stats = line.samplesNs && line.samplesNs.length > 0 ? describe(line.samplesNs) : undefined;
  const { verdict, reasons } = verdictOf(line.status, stats, rule, drift, line.reason, line.stealPct, line.stealTicks);
  const ts = line.gpuTimestampsNs ?? [];
  const med = (xs: number[] | undefined) => (xs && xs.length > 0 ? median(xs) : undefined);
  const row: JobStats = {
    jobId: line.jobId, experiment, phase: meta?.phase ?? 'unknown', phases: meta?.phases ?? [], role: meta?.role ?? 'unknown',
    workloads: meta?.workloads ?? [], ...(meta?.trainingOnly ? { trainingOnly: true as const } : {}),
    kind: meta?.kind ?? (line.layer ? 'layer' : 'roundtrip'),
    ...(line.layer ? { layer: line.layer } : {}), ...(line.strategy ? { strategy: line.strategy } : {}), ...(line.resolved ? { resolved: line.resolved } : {}),
    status: line.status, verdict, reasons, ...(stats ? { stats } : {}),
  };
  const cpu = med(line.cpuSideNs);
  const gpu = med(line.gpuSideNs);
  const kernel = med(ts.map((t) => t[3] - t[2]));
  const dispatch = med(ts.map((t) => t[2] - t[0]));
  if (cpu !== undefined) row.cpuSideMedianNs = cpu;
  if (gpu !== undefined) row.gpuSideMedianNs = gpu;
  if (kernel !== undefined) row.gpuKernelMedianNs = kernel;
  if (dispatch !== undefined) row.gpuDispatchMedianNs = dispatch;
  if (line.breakdownMedianNs !== undefined) row.breakdownMedianNs = line.breakdownMedianNs;
  if (line.wallNs !== undefined) row.wallNs = line.wallNs;
  if (line.stealPct !== undefined) row.stealPct = line.stealPct;
  if (line.stealTicks !== undefined) row.stealTicks = line.stealTicks;
  const paired = pairedOverhead(line);
  if (paired) row.pairedOverheadNs = paired;
  return row;
}

/**
 * One line standing for the replicates of a job (`id`, `id~r2`, ...): samples and side times pooled, wall
 * times summed, the status of the first replicate that failed. The replicates ran at scattered places of the
 * pass, so the pooled median is less at the mercy of one slow spell of the machine than any single one.
 */
export function poolReplicates(baseId: string, all: readonly ResultLine[], rule: Pick<ValidityRule, 'maxStealPct'> = {}): ResultLine {
  // Lines measured while the hypervisor stole time are left out when another line of the job was not: they
  // are not this job's numbers (verdict.ts stolen). With every line stolen they all count, and the verdict says so.
  const clean = all.filter((l) => !stolen(l.stealPct, rule, l.stealTicks));
  const lines = clean.length > 0 ? clean : all;
  if (lines.length === 1) return { ...lines[0]!, jobId: baseId };
  const failed = lines.find((l) => l.status !== 'ok');
  const pooled: ResultLine = { ...lines[0]!, jobId: baseId, status: failed?.status ?? 'ok' };
  if (failed?.reason !== undefined) pooled.reason = failed.reason;
  const samples = (k: 'samplesNs' | 'cpuSideNs' | 'gpuSideNs'): number[] => lines.flatMap((l) => l[k] ?? []);
  const timestamps = lines.flatMap((l) => l.gpuTimestampsNs ?? []);
  for (const k of ['samplesNs', 'cpuSideNs', 'gpuSideNs'] as const) {
    const all = samples(k);
    if (all.length > 0) pooled[k] = all; else delete pooled[k];
  }
  if (timestamps.length > 0) pooled.gpuTimestampsNs = timestamps; else delete pooled.gpuTimestampsNs;
  const walls = lines.map((l) => l.wallNs).filter((w): w is number => w !== undefined);
  if (walls.length > 0) pooled.wallNs = walls.reduce((s, w) => s + w, 0);
  const steals = lines.map((l) => l.stealPct).filter((x): x is number => x !== undefined);
  if (steals.length > 0) pooled.stealPct = Math.max(...steals); else delete pooled.stealPct;
  // The most ticks of any kept line: with the largest share, it makes the pooled row as stolen as its worst line.
  const ticks = lines.map((l) => l.stealTicks).filter((x): x is number => x !== undefined);
  if (ticks.length > 0) pooled.stealTicks = Math.max(...ticks); else delete pooled.stealTicks;
  return pooled;
}

/** (slowest / fastest - 1) in % over the replicates' own medians; undefined with fewer than two. */
function replicateSpreadPct(lines: readonly ResultLine[]): number | undefined {
  const medians = lines.filter((l) => l.samplesNs && l.samplesNs.length > 0).map((l) => median(l.samplesNs!));
  if (medians.length < 2) return undefined;
  return (Math.max(...medians) / Math.min(...medians) - 1) * 100;
}

/** A file's lines with each job id once (its first line); `duplicates` counts the rest. */
function firstLinePerJob(lines: readonly ResultLine[]): { unique: ResultLine[]; duplicates: number } {
  const seen = new Set<string>();
  const unique: ResultLine[] = [];
  for (const line of lines) {
    if (seen.has(line.jobId)) continue;
    seen.add(line.jobId);
    unique.push(line);
  }
  return { unique, duplicates: lines.length - unique.length };
}

/** Lines grouped by the job they replicate, in the order each job first appears. */
function groupReplicates(lines: readonly ResultLine[]): Map<string, ResultLine[]> {
  const groups = new Map<string, ResultLine[]>();
  for (const l of lines) {
    const base = replicateBaseId(l.jobId);
    groups.set(base, [...(groups.get(base) ?? []), l]);
  }
  return groups;
}

/**
 * Rows for every line of every part, in the plan's order of parts and lines. A job id seen twice in a
 * part's file (should not happen: resume skips finished jobs) keeps its first line; `duplicates` counts the
 * rest. Replicates of a confirmation-pass job are pooled into one row under the plain id, and so are the
 * lines of the part's re-measurement rounds (`rounds`, one line per job and round): every attempt's
 * samples count, none is picked over another (see poolReplicates; docs/contract.md section 12).
 */
export function buildJobs(
  runId: string, platform: string, experiment: string, parts: PartLines[],
  meta: Record<string, RunJobMeta>, rule: ValidityRule, drift: DriftFacts,
): { doc: JobsDoc; duplicates: number } {
  const rows: JobStats[] = [];
  let duplicates = 0;
  for (const part of parts) {
    const { unique, duplicates: extra } = firstLinePerJob(part.lines);
    duplicates += extra;
    const retries = new Map<string, ResultLine[]>();
    for (const round of part.rounds ?? []) {
      const r = firstLinePerJob(round);
      duplicates += r.duplicates;
      for (const line of r.unique) {
        const base = part.phase === 'confirm' ? replicateBaseId(line.jobId) : line.jobId;
        retries.set(base, [...(retries.get(base) ?? []), line]);
      }
    }
    const withAttempts = (row: JobStats, first: readonly ResultLine[], again: readonly ResultLine[]) => {
      if (again.length === 0) return row;
      row.attempts = 1 + again.length;
      const firstPooled = first.length === 1 ? first[0]! : poolReplicates(row.jobId, first, rule);
      const spread = replicateSpreadPct([firstPooled, ...again]);
      if (spread !== undefined) row.attemptSpreadPct = spread;
      return row;
    };
    if (part.phase !== 'confirm') {
      for (const line of unique) {
        const again = retries.get(line.jobId) ?? [];
        const pooled = again.length > 0 ? poolReplicates(line.jobId, [line, ...again], rule) : line;
        const row = jobStats(pooled, meta[line.jobId], experiment, rule, drift);
        if (row.pairedOverheadNs && again.length > 0) row.pairedOverheadNs = withAttemptSpread(row.pairedOverheadNs, [line, ...again]);
        rows.push(withAttempts(row, [line], again));
      }
      continue;
    }
    for (const [baseId, replicas] of groupReplicates(unique)) {
      const m = { ...(meta[baseId] ?? { role: 'coexec', workloads: [], kind: 'layer' as const }), phase: 'confirm' as const, phases: ['confirm'] };
      const again = retries.get(baseId) ?? [];
      const row = jobStats(poolReplicates(baseId, [...replicas, ...again], rule), m as RunJobMeta, experiment, rule, drift);
      const spread = replicateSpreadPct(replicas);
      if (replicas.length > 1) row.replicates = replicas.length;
      if (spread !== undefined) row.replicateSpreadPct = spread;
      rows.push(withAttempts(row, replicas, again));
    }
  }
  return { doc: { schemaVersion: 1, runId, platform, rows }, duplicates };
}
