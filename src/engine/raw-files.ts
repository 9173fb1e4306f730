/**
 * The raw result files of a run folder (raw/<part>.jsonl, contract section 4) as stored on disk: as written
 * (`X.jsonl`), or gzip-compressed by `coexec compact` once the run is complete (`X.jsonl.gz`). run.json and
 * every caller keep the logical name `raw/X.jsonl`; this module is the one place that maps it to the file
 * there is. Readers see the same lines either way; a writer restores the plain file before appending.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { msg, UserError } from '../messages.js';

/** Suffix of a compacted raw file. */
export const GZ_SUFFIX = '.gz';

/**
 * The file holding the lines of the raw file `path` (a logical `.../X.jsonl`): `path` when it exists, else
 * `path.gz` when that exists, else undefined. Both present is an error: which holds the current lines
 * (an append after a restore cut short? a hand-made copy?) is not for the harness to guess.
 */
export function resolveRawFile(path: string): string | undefined {
  const plain = existsSync(path);
  const gz = existsSync(path + GZ_SUFFIX);
  if (plain && gz) throw new UserError(msg.rawAmbiguous(path, path + GZ_SUFFIX));
  return plain ? path : gz ? path + GZ_SUFFIX : undefined;
}

/** rawPath(runDir, 'raw/main.jsonl'): the physical file of a part's raw file (see resolveRawFile). */
export function rawPath(runDir: string, rawFile: string): string | undefined {
  return resolveRawFile(join(runDir, rawFile));
}

/** Bytes of a raw file as written (gunzipped when stored as .gz); a damaged .gz is a one-line error. */
export function readRawBytes(physical: string): Buffer {
  const bytes = readFileSync(physical);
  if (!physical.endsWith(GZ_SUFFIX)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new UserError(msg.rawNotGzip(physical, (err as Error).message));
  }
}

/** Text of the raw file `path` (logical name), from the .jsonl or its .gz; undefined when neither exists. */
export function readRawText(path: string): string | undefined {
  const physical = resolveRawFile(path);
  return physical === undefined ? undefined : readRawBytes(physical).toString('utf8');
}

/**
 * Before appending to the raw file `path`: when only `path.gz` exists, writes its lines back to `path` and
 * removes the .gz, so the engine and the appenders extend the plain file as always. Returns whether it did.
 * The .jsonl appears whole (written aside, then renamed) before the .gz goes, so a crash in between leaves
 * both (refused as ambiguous, nothing lost), never neither.
 */
export function restoreRawFile(path: string): boolean {
  const physical = resolveRawFile(path);
  if (physical === undefined || physical === path) return false;
  const tmp = `${path}.restore-tmp`;
  writeFileSync(tmp, readRawBytes(physical));
  renameSync(tmp, path);
  rmSync(physical);
  return true;
}

/**
 * Deterministic gzip of raw lines: level 9, and zlib's header carries no file name and mtime 0. The OS
 * byte is pinned to 3 (Unix) so the header does not depend on where Node was built; the deflate stream
 * itself is zlib's, so identical bytes are promised for the same Node, not across zlib versions.
 */
export function gzipRaw(bytes: Buffer): Buffer {
  const gz = gzipSync(bytes, { level: 9 });
  gz[9] = 3;
  return gz;
}

/**
 * Replaces the plain raw file `path` by `path.gz` (see gzipRaw); the .gz is checked to give the same bytes
 * back before the .jsonl is removed, since raw lines are measurements that cannot be made again.
 * Returns the sizes before and after.
 */
export function compressRawFile(path: string): { before: number; after: number } {
  const bytes = readFileSync(path);
  const gz = gzipRaw(bytes);
  if (!gunzipSync(gz).equals(bytes)) throw new Error(`gzip of ${path} does not give its bytes back`);
  const tmp = `${path}${GZ_SUFFIX}.tmp`;
  writeFileSync(tmp, gz);
  renameSync(tmp, path + GZ_SUFFIX);
  rmSync(path);
  return { before: bytes.length, after: gz.length };
}

/** One raw file of a run folder: its logical name (`main.jsonl`) and the file that holds it. */
export interface RawFile { name: string; physical: string }

/** The raw/*.jsonl files of a run folder by logical name (sorted), stored plain or as .gz; [] without raw/. */
export function listRawFiles(runDir: string): RawFile[] {
  const dir = join(runDir, 'raw');
  if (!existsSync(dir)) return [];
  const names = new Set<string>();
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.jsonl')) names.add(f);
    else if (f.endsWith(`.jsonl${GZ_SUFFIX}`)) names.add(f.slice(0, -GZ_SUFFIX.length));
  }
  return [...names].sort().map((name) => ({ name, physical: resolveRawFile(join(dir, name))! }));
}
