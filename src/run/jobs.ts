/**
 * jobs.json (contract section 8): the statistics and VALID/INVALID verdict of every job of a run, computed
 * from the raw engine lines alone (plus the plan's per-job metadata and the environment drift).
 */
import type { ResultLine } from '../engine/lines.js';
import type { JobMeta } from '../plan/expand.js';
import { describe, median, type SampleStats } from '../stats/descriptive.js';
import { type DriftFacts, type ValidityRule, verdictOf } from '../stats/verdict.js';

/** One row of jobs.json. */
export interface JobStats {
  jobId: string; experiment: string; phase: string; phases: string[]; role: string; workloads: string[];
  kind: 'layer' | 'roundtrip'; layer?: unknown; strategy?: unknown; resolved?: unknown;
  status: ResultLine['status']; verdict: 'VALID' | 'INVALID'; reasons: string[];
  stats?: SampleStats;
  cpuSideMedianNs?: number; gpuSideMedianNs?: number; gpuKernelMedianNs?: number; gpuDispatchMedianNs?: number;
  wallNs?: number;
}

/** The whole document. */
export interface JobsDoc { schemaVersion: 1; runId: string; platform: string; rows: JobStats[] }

/** Meta of a job in run.json: the plan's JobMeta with every phase that asked for it. */
export type RunJobMeta = JobMeta & { phases: string[]; kind: 'layer' | 'roundtrip' };

/** Statistics of one line. */
export function jobStats(line: ResultLine, meta: RunJobMeta | undefined, experiment: string, rule: ValidityRule, drift: DriftFacts): JobStats {
  const stats = line.samplesNs && line.samplesNs.length > 0 ? describe(line.samplesNs) : undefined;
  const { verdict, reasons } = verdictOf(line.status, stats, rule, drift, line.reason);
  const ts = line.gpuTimestampsNs ?? [];
  const med = (xs: number[] | undefined) => (xs && xs.length > 0 ? median(xs) : undefined);
  const row: JobStats = {
    jobId: line.jobId, experiment, phase: meta?.phase ?? 'unknown', phases: meta?.phases ?? [], role: meta?.role ?? 'unknown',
    workloads: meta?.workloads ?? [], kind: meta?.kind ?? (line.layer ? 'layer' : 'roundtrip'),
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
  if (line.wallNs !== undefined) row.wallNs = line.wallNs;
  return row;
}

/**
 * Rows for every line of every part, in the plan's order of parts and lines. A job id seen twice in a
 * part (should not happen: resume skips finished jobs) keeps its first line; `duplicates` counts the rest.
 */
export function buildJobs(
  runId: string, platform: string, experiment: string, parts: { phase: string; lines: ResultLine[] }[],
  meta: Record<string, RunJobMeta>, rule: ValidityRule, drift: DriftFacts,
): { doc: JobsDoc; duplicates: number } {
  const rows: JobStats[] = [];
  let duplicates = 0;
  for (const part of parts) {
    const seen = new Set<string>();
    for (const line of part.lines) {
      if (seen.has(line.jobId)) { duplicates++; continue; }
      seen.add(line.jobId);
      const m = part.phase === 'confirm' ? { ...(meta[line.jobId] ?? { role: 'coexec', workloads: [], kind: 'layer' as const }), phase: 'confirm' as const, phases: ['confirm'] } : meta[line.jobId];
      rows.push(jobStats(line, m as RunJobMeta | undefined, experiment, rule, drift));
    }
  }
  return { doc: { schemaVersion: 1, runId, platform, rows }, duplicates };
}
