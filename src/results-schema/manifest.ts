/**
 * Schema of manifest.json (docs/contract.md section 9): provenance of a run folder and the SHA-256 of
 * every other file in it.
 */
import { Type, type Static } from '@sinclair/typebox';

const open = { additionalProperties: true } as const;
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const Manifest = Type.Object({
  schemaVersion: Type.Literal(1),
  runId: Type.String(),
  platform: Type.String(),
  createdAt: Type.String(),
  finishedAt: Type.Optional(Type.String()),
  git: Type.Object({ commit: Type.String(), dirty: Type.Boolean() }, open),
  lockfileSha256: Type.Optional(Type.String()),
  engine: Type.Optional(Type.Object({
    binarySha256: Type.Optional(Type.String()),
    kernelsSha256: Type.Optional(Type.Record(Type.String(), Type.String())),
  }, open)),
  configs: Type.Optional(Type.Record(Type.String(), Type.String())),
  seeds: Type.Optional(Type.Record(Type.String(), Type.Integer())),
  /** Path relative to the run folder, '/'-separated -> SHA-256 hex. */
  files: Type.Record(Type.String(), Sha256),
}, open);
export type Manifest = Static<typeof Manifest>;
