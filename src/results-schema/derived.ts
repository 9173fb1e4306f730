/**
 * Schemas of the analysis outputs under derived/ (docs/contract.md section 7). These are what tables,
 * figures and claims read; each file is `{ schemaVersion, platform, rows }` except summary.json.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Layer } from './raw.js';

const open = { additionalProperties: true } as const;
const Ms = Type.Number({ minimum: 0 });
const Ratio = Type.Number({ minimum: 0, maximum: 1 });
const Positive = Type.Number({ exclusiveMinimum: 0 });

/** Wraps a row schema into the common derived-file envelope. */
function rowsFile<T extends TSchema>(row: T) {
  return Type.Object({ schemaVersion: Type.Literal(1), platform: Type.String(), rows: Type.Array(row) }, open);
}

const Pick = Type.Object({ strategyId: Type.String(), splitRatio: Ratio, latencyMs: Ms }, open);

export const LayerRow = Type.Object({
  experiment: Type.String(),
  layerId: Type.String(),
  layer: Layer,
  bestSingle: Type.Object({
    strategyId: Type.String(), side: Type.Union([Type.Literal('cpu'), Type.Literal('gpu')]), latencyMs: Ms,
  }, open),
  /** Absent where the row's latency source has no VALID GPU-only finish job (the layer keeps its row). */
  gpuFinish: Type.Optional(Type.Object({ strategyId: Type.String(), latencyMs: Ms }, open)),
  oracle: Pick,
  selected: Pick,
  speedupOracle: Positive,
  speedupSelected: Positive,
  speedupOracleVsGpuFinish: Type.Optional(Positive),
  speedupSelectedVsGpuFinish: Type.Optional(Positive),
  decisionQuality: Positive,
  /** Ideal bound with each side's time linear in its share, and oracle speedup / that bound. */
  idealSpeedupLinear: Positive,
  efficiencyLinear: Positive,
  /** Ideal bound with a fixed cost per side (analysis/affine-bound.ts); absent when a side has fewer than two measured shares. */
  idealSpeedupAffine: Type.Optional(Positive),
  efficiencyAffine: Type.Optional(Positive),
  affineBound: Type.Optional(Type.Object({ splitRatio: Ratio, latencyMs: Ms }, open)),
  /** Where every latency of the row comes from (one source per row); absent in files written before it existed. */
  latencySource: Type.Optional(Type.Union([Type.Literal('confirm'), Type.Literal('grid')])),
  /** The fastest of the predictor's top 3 by their grid measurements, scored from the row's source (absent: not derived, or no latency there). */
  selectedTop3: Type.Optional(Pick),
  decisionQualityTop3: Type.Optional(Positive),
  gridDecisionQuality: Type.Optional(Positive),
}, open);
export type LayerRow = Static<typeof LayerRow>;
export const LayersFile = rowsFile(LayerRow);
export type LayersFile = Static<typeof LayersFile>;

export const SplitCurveRow = Type.Object({
  layerId: Type.String(), splitRatio: Ratio, latencyMs: Ms, strategyId: Type.String(),
  isOracle: Type.Boolean(), isSelected: Type.Boolean(),
}, open);
export type SplitCurveRow = Static<typeof SplitCurveRow>;
export const SplitCurvesFile = rowsFile(SplitCurveRow);
export type SplitCurvesFile = Static<typeof SplitCurvesFile>;

const Side = Type.Union([Type.Literal('cpu'), Type.Literal('gpu'), Type.Literal('composed')]);

export const PredictionRow = Type.Object({
  side: Side, model: Type.String(), layerId: Type.String(), strategyId: Type.String(),
  predictedMs: Ms, measuredMs: Ms,
}, open);
export type PredictionRow = Static<typeof PredictionRow>;
export const PredictionsFile = rowsFile(PredictionRow);
export type PredictionsFile = Static<typeof PredictionsFile>;

/** mape and rmspe in percent, within10 a share 0..1; null when no held-out prediction exists (n = 0). */
export const AccuracyRow = Type.Object({
  side: Side, model: Type.String(),
  mape: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  rmspe: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  within10: Type.Union([Ratio, Type.Null()]),
  n: Type.Optional(Type.Integer({ minimum: 0 })),
}, open);
export type AccuracyRow = Static<typeof AccuracyRow>;
export const AccuracyFile = rowsFile(AccuracyRow);
export type AccuracyFile = Static<typeof AccuracyFile>;

export const SyncRow = Type.Object({
  mechanism: Type.String(), layerId: Type.String(), outputSize: Type.Integer({ minimum: 1 }),
  roundTripUs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]), coexecMs: Ms, slowerSideMs: Ms, overheadUs: Type.Number(),
}, open);
export type SyncRow = Static<typeof SyncRow>;
export const SyncFile = rowsFile(SyncRow);
export type SyncFile = Static<typeof SyncFile>;

const KindSummary = Type.Object({
  geomeanSpeedupOracle: Positive, maxSpeedupOracle: Positive,
  geomeanSpeedupSelected: Positive, maxSpeedupSelected: Positive,
  meanQ: Positive, worstQ: Positive,
  /** Selection with three measurements (the fastest of the predictor's top 3): its q over the rows that have one. */
  meanQTop3: Type.Optional(Positive), geomeanQTop3: Type.Optional(Positive), worstQTop3: Type.Optional(Positive),
  /** q on the grid's single measurements (layer rows' gridDecisionQuality), over the rows that have it. */
  geomeanGridQ: Type.Optional(Positive), worstGridQ: Type.Optional(Positive),
}, open);

export const Summary = Type.Object({
  schemaVersion: Type.Literal(1),
  platform: Type.String(),
  device: Type.Union([Type.String(), Type.Object({}, open)]),
  linear: Type.Optional(KindSummary),
  conv: Type.Optional(KindSummary),
  selectionMsPerLayer: Type.Optional(Type.Number({ minimum: 0 })),
  selectionOverGridWall: Type.Optional(Type.Number({ minimum: 0 })),
  predictor: Type.Optional(Type.Record(Type.String(), Type.Object({ model: Type.String(), mape: Type.Number() }, open))),
  /** The model family whose held-out predictors chose `selected` (null when none could be trained). */
  selectionFamily: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /**
   * Every evaluated family's first choice scored on the confirmation pass, on the `layers` of `ofLayers` where
   * the pass measured every family's choice (analysis/family-confirmed.ts); absent when there are none.
   */
  familyConfirmedQ: Type.Optional(Type.Object({
    layers: Type.Integer({ minimum: 1 }), ofLayers: Type.Integer({ minimum: 1 }),
    geomeanQ: Type.Record(Type.String(), Type.Number({ minimum: 0 })),
  }, open)),
  /** Layers with no layers.json row: a role without a strategy or without a VALID latency, in words. */
  skippedLayers: Type.Optional(Type.Array(Type.Object({ layerId: Type.String(), reason: Type.String() }, open))),
}, open);
export type Summary = Static<typeof Summary>;

/**
 * `tolerance` is the accepted range for the run's platform class, `{ min?, max? }` (contract section 11);
 * `platformClass` names that class (an added field).
 */
export const ClaimRow = Type.Object({
  id: Type.String(), text: Type.String(), experiment: Type.String(), metric: Type.String(),
  paperValue: Type.Union([Type.Number(), Type.Null()]),
  measured: Type.Union([Type.Number(), Type.Null()]),
  tolerance: Type.Object({ min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) }, open),
  platformClass: Type.Optional(Type.String()),
  unit: Type.String(),
  pass: Type.Boolean(),
  applicable: Type.Optional(Type.Boolean()),
  notThisClass: Type.Optional(Type.String()),
  data: Type.Union([Type.String(), Type.Array(Type.String())]),
}, open);
export type ClaimRow = Static<typeof ClaimRow>;
export const ClaimsFile = rowsFile(ClaimRow);
export type ClaimsFile = Static<typeof ClaimsFile>;
