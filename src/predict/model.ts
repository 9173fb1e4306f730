/**
 * The model file every family writes: versioned JSON with the family, the side, the feature names, the
 * groups seen in training, the hyper-parameters and the SHA-256 of the training data, plus the family's
 * fitted numbers. Loading validates against MODEL_SCHEMA (ajv) and rejects unknown versions by name; the
 * loaded model predicts exactly what the saved one did because every number round-trips through JSON.
 */
import { createHash } from 'node:crypto';
import { Ajv } from 'ajv';
import type { SideFeatures, SideName } from './features.js';
import type { FlatTree } from './tree.js';

export const MODEL_SCHEMA_VERSION = 1;

export type Family = 'baseline' | 'forest' | 'gbt';

/** One training example of one side: features and the measured time. */
export interface TrainingRow {
  features: SideFeatures;
  /** Measured time of the side, ns. */
  timeNs: number;
  layerId: string;
  strategyId: string;
}

/** Non-negative coefficients of the baseline's terms for one group. */
export interface LinearCoefficients {
  coef: number[];
}

export interface ModelFile {
  schemaVersion: number;
  family: Family;
  side: SideName;
  featureNames: string[];
  /** Groups (implementation or variant, prefixed by the layer type) seen in training, in one-hot order. */
  groups: string[];
  params: Record<string, number>;
  trainingDataSha256: string;
  nTrain: number;
  /** baseline: the terms (1 or a feature name) and coefficients per group, plus one fitted on every group. */
  terms?: string[];
  perGroup?: Record<string, LinearCoefficients>;
  pooled?: LinearCoefficients;
  /** forest and gbt: trees over log(time ns). */
  trees?: FlatTree[];
  /** gbt: the starting value (mean log time) and the shrinkage applied to every tree. */
  init?: number;
  shrinkage?: number;
}

const treeSchema = {
  type: 'object',
  required: ['feature', 'threshold', 'left', 'right', 'value'],
  additionalProperties: false,
  properties: {
    feature: { type: 'array', items: { type: 'integer' } },
    threshold: { type: 'array', items: { type: 'number' } },
    left: { type: 'array', items: { type: 'integer' } },
    right: { type: 'array', items: { type: 'integer' } },
    value: { type: 'array', items: { type: 'number' } },
  },
} as const;

const coefSchema = {
  type: 'object', required: ['coef'], additionalProperties: false,
  properties: { coef: { type: 'array', items: { type: 'number', minimum: 0 } } },
} as const;

/** JSON Schema of a model file. */
export const MODEL_SCHEMA = {
  $id: 'coexec/model.schema.json',
  type: 'object',
  required: ['schemaVersion', 'family', 'side', 'featureNames', 'groups', 'params', 'trainingDataSha256', 'nTrain'],
  additionalProperties: false,
  properties: {
    schemaVersion: { const: MODEL_SCHEMA_VERSION },
    family: { enum: ['baseline', 'forest', 'gbt'] },
    side: { enum: ['cpu', 'gpu'] },
    featureNames: { type: 'array', items: { type: 'string' } },
    groups: { type: 'array', items: { type: 'string' } },
    params: { type: 'object', additionalProperties: { type: 'number' } },
    trainingDataSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    nTrain: { type: 'integer', minimum: 1 },
    terms: { type: 'array', items: { type: 'string' } },
    perGroup: { type: 'object', additionalProperties: coefSchema },
    pooled: coefSchema,
    trees: { type: 'array', items: treeSchema },
    init: { type: 'number' },
    shrinkage: { type: 'number' },
  },
  allOf: [
    { if: { properties: { family: { const: 'baseline' } } }, then: { required: ['terms', 'perGroup', 'pooled'] } },
    { if: { properties: { family: { const: 'forest' } } }, then: { required: ['trees'] } },
    { if: { properties: { family: { const: 'gbt' } } }, then: { required: ['trees', 'init', 'shrinkage'] } },
  ],
} as const;

const validateModel = new Ajv({ allErrors: true }).compile<ModelFile>(MODEL_SCHEMA);

/** SHA-256 of the training rows as the models see them (group, features in name order, time). */
export function trainingDataSha256(rows: readonly TrainingRow[], names: readonly string[]): string {
  const canonical = rows.map((r) => [r.features.group, names.map((n) => r.features.values[n] ?? 0), r.timeNs]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** Serializes a model (stable key order as built). */
export function saveModel(model: ModelFile): string {
  return JSON.stringify(model, null, 1) + '\n';
}

/** Parses and validates a model file; throws one line naming the first problem. */
export function loadModel(text: string): ModelFile {
  const data: unknown = JSON.parse(text);
  const version = (data as { schemaVersion?: unknown })?.schemaVersion;
  if (version !== MODEL_SCHEMA_VERSION) {
    throw new Error(`model file has schemaVersion ${String(version)}; this analysis reads version ${MODEL_SCHEMA_VERSION}`);
  }
  if (!validateModel(data)) {
    const e = validateModel.errors?.[0];
    throw new Error(`model file is invalid: ${e?.instancePath || '/'} ${e?.message ?? ''}`.trim());
  }
  return data;
}
