/**
 * Schema of one engine result line (raw/*.jsonl, docs/contract.md section 4), with the layer and
 * strategy shapes of sections 1 and 2. Additional fields are allowed: the contract grows by adding
 * fields, never by renaming, so an older validator must accept a newer engine's extra keys.
 */
import { Type, type Static } from '@sinclair/typebox';

const open = { additionalProperties: true } as const;

/** Linear layer: Y[M,N] = X[M,K] W[N,K]^T + b. */
export const LinearLayer = Type.Object({
  type: Type.Literal('linear'),
  M: Type.Integer({ minimum: 1 }), N: Type.Integer({ minimum: 1 }), K: Type.Integer({ minimum: 1 }),
}, open);

/** conv2d NCHW, groups = 1. */
export const Conv2dLayer = Type.Object({
  type: Type.Literal('conv2d'),
  batch: Type.Integer({ minimum: 1 }), C: Type.Integer({ minimum: 1 }), H: Type.Integer({ minimum: 1 }),
  W: Type.Integer({ minimum: 1 }), F: Type.Integer({ minimum: 1 }), R: Type.Integer({ minimum: 1 }),
  S: Type.Integer({ minimum: 1 }), strideH: Type.Integer({ minimum: 1 }), strideW: Type.Integer({ minimum: 1 }),
  padH: Type.Integer({ minimum: 0 }), padW: Type.Integer({ minimum: 0 }),
}, open);

export const Layer = Type.Union([LinearLayer, Conv2dLayer]);
export type Layer = Static<typeof Layer>;

export const SyncMechanism = Type.Union([
  Type.Literal('finish'), Type.Literal('event-poll'), Type.Literal('svm-coarse'), Type.Literal('svm-fine'),
  Type.Literal('svm-resident'),
]);
export type SyncMechanism = Static<typeof SyncMechanism>;

/** A strategy as requested; roundtrip jobs carry only `sync`. */
export const Strategy = Type.Object({
  splitRatio: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  granularity: Type.Optional(Type.Integer({ minimum: 1 })),
  cpuThreads: Type.Optional(Type.Integer({ minimum: 0 })),
  cpuImpl: Type.Optional(Type.String()),
  gpuVariant: Type.Optional(Type.String()),
  gpuWorkGroup: Type.Optional(Type.Integer({ minimum: 0 })),
  sync: SyncMechanism,
  splitDim: Type.Optional(Type.Union([Type.Literal('channels'), Type.Literal('height'), Type.Literal('n'), Type.Literal('m')])),
  gpuStreams: Type.Optional(Type.Integer({ minimum: 1 })),
}, open);
export type Strategy = Static<typeof Strategy>;

const NsArray = Type.Array(Type.Integer({ minimum: 0 }));

/**
 * Why the engine's sampling ended: the minimum met with no CI target ("min-met"), the CI target met
 * ("ci-target"), or a maximum reached first ("max-samples", "max-time"; with a target: it was not met).
 */
export const StopReason = Type.Union([
  Type.Literal('min-met'), Type.Literal('ci-target'), Type.Literal('max-samples'), Type.Literal('max-time'),
]);
export type StopReason = Static<typeof StopReason>;

/** One line of raw/*.jsonl. */
export const ResultLine = Type.Object({
  schemaVersion: Type.Literal(1),
  jobId: Type.String({ minLength: 1 }),
  planId: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('invalid'), Type.Literal('error'), Type.Literal('skipped')]),
  reason: Type.Optional(Type.String()),
  layer: Type.Optional(Layer),
  strategy: Type.Optional(Strategy),
  resolved: Type.Optional(Type.Object({
    cpuRows: Type.Optional(Type.Integer({ minimum: 0 })),
    gpuRows: Type.Optional(Type.Integer({ minimum: 0 })),
    cpuImpl: Type.Optional(Type.String()),
    gpuGlobal: Type.Optional(Type.Array(Type.Integer())),
    gpuLocal: Type.Optional(Type.Array(Type.Integer())),
    buildOptions: Type.Optional(Type.String()),
    cpuCores: Type.Optional(Type.Array(Type.Integer())),
    /** Engines from issue 14 on: the queues the GPU's share ran on (0 without GPU rows). */
    gpuStreams: Type.Optional(Type.Integer({ minimum: 0 })),
  }, open)),
  device: Type.Optional(Type.Object({
    platform: Type.String(), name: Type.String(),
    version: Type.Optional(Type.String()), driver: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()), svm: Type.Optional(Type.Array(Type.String())),
  }, open)),
  samplesNs: Type.Optional(NsArray),
  cpuSideNs: Type.Optional(NsArray),
  gpuSideNs: Type.Optional(NsArray),
  gpuTimestampsNs: Type.Optional(Type.Array(Type.Array(Type.Integer(), { minItems: 4, maxItems: 4 }))),
  /** Engines from issue 12 on: medians of the execution breakdown (contract section 12). */
  breakdownMedianNs: Type.Optional(Type.Object({
    cpuStartDelay: Type.Optional(Type.Integer()), driverStartDelay: Type.Optional(Type.Integer()),
    enqueue: Type.Optional(Type.Integer()), cpuSlice: Type.Optional(Type.Integer()), waitAfterCpu: Type.Optional(Type.Integer()),
  }, open)),
  medianNs: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Why sampling ended (engines before the CI target wrote no `stop`). */
  stop: Type.Optional(StopReason),
  check: Type.Optional(Type.Object({
    maxAbsErr: Type.Number(), maxRelErr: Type.Number(), tolerance: Type.Number(), passed: Type.Boolean(),
  }, open)),
  startedAt: Type.Optional(Type.String()),
  wallNs: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Share of every CPU's time the hypervisor gave other guests while the job ran, % (/proc/stat steal; engines since 2026-12-04). */
  stealPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  /** The same steal in ticks (10 ms of one CPU each; engines since 2026-12-04 11:30 UTC): a share made of one or two ticks is no disturbance. */
  stealTicks: Type.Optional(Type.Integer({ minimum: 0 })),
}, open);
export type ResultLine = Static<typeof ResultLine>;
