/**
 * Schema of jobs.json (docs/contract.md section 8): the harness's statistics and VALID/INVALID
 * verdict per job, the input of the analysis.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Layer, Strategy } from './raw.js';

const open = { additionalProperties: true } as const;
const Ns = Type.Number({ minimum: 0 });

export const JobStats = Type.Object({
  jobId: Type.String({ minLength: 1 }),
  experiment: Type.String(),
  /** "profile" | "grid" | "confirm" | "sync"; the harness writes "unknown" for a line no plan job matches. */
  phase: Type.String(),
  kind: Type.Union([Type.Literal('layer'), Type.Literal('roundtrip')]),
  layer: Type.Optional(Layer),
  strategy: Type.Optional(Strategy),
  resolved: Type.Optional(Type.Object({}, open)),
  status: Type.Union([Type.Literal('ok'), Type.Literal('invalid'), Type.Literal('error'), Type.Literal('skipped')]),
  verdict: Type.Union([Type.Literal('VALID'), Type.Literal('INVALID')]),
  reasons: Type.Array(Type.String()),
  stats: Type.Optional(Type.Object({
    n: Type.Integer({ minimum: 0 }), medianNs: Ns, q1Ns: Ns, q3Ns: Ns, iqrNs: Ns, meanNs: Ns,
    ci95LowNs: Type.Number(), ci95HighNs: Type.Number(), sdNs: Ns, cvPct: Type.Number({ minimum: 0 }), robustCvPct: Type.Optional(Type.Number({ minimum: 0 })), medianCi95HalfPct: Type.Optional(Type.Number({ minimum: 0 })),
    outliers: Type.Integer({ minimum: 0 }),
  }, open)),
  cpuSideMedianNs: Type.Optional(Ns),
  /** The engine's steal share while the job ran, % (the largest of the lines pooled into the row). */
  stealPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  /** The engine's stolen ticks while the job ran (the most of the lines pooled into the row). */
  stealTicks: Type.Optional(Type.Integer({ minimum: 0 })),
  gpuSideMedianNs: Type.Optional(Ns),
  gpuKernelMedianNs: Type.Optional(Ns),
  gpuDispatchMedianNs: Type.Optional(Ns),
  /** Confirmation-pass replicates pooled into this row (absent: measured once). */
  replicates: Type.Optional(Type.Integer({ minimum: 2 })),
  /** Spread of the replicates' own medians: (slowest / fastest - 1) in %. */
  replicateSpreadPct: Type.Optional(Type.Number({ minimum: 0 })),
  /** Measurements pooled into this row: 1 + the re-measurement rounds that measured it (absent: 1). */
  attempts: Type.Optional(Type.Integer({ minimum: 2 })),
  /** Spread of the attempts' own medians: (slowest / fastest - 1) in %. */
  attemptSpreadPct: Type.Optional(Type.Number({ minimum: 0 })),
  /** Co-executed jobs: median and 95% CI of the per-iteration overhead (latency - slower side of the same iteration). */
  pairedOverheadNs: Type.Optional(Type.Object({
    n: Type.Integer({ minimum: 1 }), medianNs: Type.Number(), ci95LowNs: Type.Number(), ci95HighNs: Type.Number(),
    attemptMediansNs: Type.Optional(Type.Array(Type.Number(), { minItems: 2 })),
  }, open)),
}, open);
export type JobStats = Static<typeof JobStats>;

export const JobsFile = Type.Object({
  schemaVersion: Type.Literal(1),
  runId: Type.String(),
  platform: Type.String(),
  rows: Type.Array(JobStats),
}, open);
export type JobsFile = Static<typeof JobsFile>;
