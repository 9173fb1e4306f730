/**
 * The results schemas compiled once, and the map from a run-folder path to the schema it must meet.
 * Validators come out typed: `check(schema, value)` narrows `value` when it returns no errors.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { TSchema, Static } from '@sinclair/typebox';
import { ResultLine } from './raw.js';
import { JobsFile } from './jobs.js';
import { Manifest } from './manifest.js';
import {
  LayersFile, SplitCurvesFile, PredictionsFile, AccuracyFile, SyncFile, Summary, ClaimsFile,
} from './derived.js';

export * from './raw.js';
export * from './jobs.js';
export * from './manifest.js';
export * from './derived.js';

const ajv = new Ajv2020({ allErrors: false, strict: false });
const compiled = new Map<TSchema, ValidateFunction>();

/** Validates `value` against `schema`; returns '' when valid, else the first error in words. */
export function schemaError<T extends TSchema>(schema: T, value: unknown): string {
  let validate = compiled.get(schema);
  if (!validate) { validate = ajv.compile(schema); compiled.set(schema, validate); }
  if (validate(value)) return '';
  const e = validate.errors?.[0];
  return e ? `${e.instancePath || '/'} ${e.message ?? 'is invalid'}` : 'is invalid';
}

/** Type guard form of schemaError. */
export function isValid<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return schemaError(schema, value) === '';
}

/** Which schema a run-folder file must satisfy; `lines` means one document per line (JSONL). */
export interface FileSchema { schema: TSchema; lines: boolean }

/** The schema for a path relative to the run folder, or undefined for files without one. */
export function schemaForPath(relPath: string): FileSchema | undefined {
  // raw/X.jsonl.gz: the same lines, compacted by `coexec compact` (the reader gunzips).
  if (/^raw\/.+\.jsonl(\.gz)?$/.test(relPath)) return { schema: ResultLine, lines: true };
  const byName: Record<string, TSchema> = {
    'jobs.json': JobsFile,
    'manifest.json': Manifest,
    'derived/layers.json': LayersFile,
    'derived/split-curves.json': SplitCurvesFile,
    'derived/predictions.json': PredictionsFile,
    'derived/predictor-accuracy.json': AccuracyFile,
    'derived/sync-overhead.json': SyncFile,
    'derived/summary.json': Summary,
    'derived/claims.json': ClaimsFile,
  };
  const schema = byName[relPath];
  return schema ? { schema, lines: false } : undefined;
}
