/**
 * Skipping what is already rendered. A figure's key is the SHA-256 of its filled vega-lite spec (the
 * template with the run's derived data in it, so it changes with either) and of the renderer's id
 * (RENDER_VERSION, the vega, vega-lite and resvg versions, the fonts, the PNG scale). Each output folder
 * keeps a stamp, `.render-stamp.json`, beside the (git-ignored) SVG and PNG files: per figure its key and
 * the SHA-256 of each file written. A figure is redrawn when its key changed or any of its files is
 * missing or differs from the stamp (deleted, truncated, edited). Text outputs (tables, filled specs, the
 * HTML page, vendor scripts) are cheap to build, so they are compared byte for byte instead.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { packageVersion } from './packages.js';

/** Bump when a change to the drawing code (render-figure.ts) changes pixels for the same spec. */
export const RENDER_VERSION = 1;

/** Stamp file name, in each folder of rendered figures. */
export const STAMP_FILE = '.render-stamp.json';

/** What one stamp records. */
export interface Stamp { schemaVersion: 1; figures: Record<string, { key: string; files: Record<string, string> }> }

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

let rendererId: string | undefined;
/** Everything besides the spec that decides the pixels; `fonts` are the font files the PNGs use. */
export function rendererIdentity(fonts: string[], pngScale: number): string {
  rendererId ??= JSON.stringify({
    renderVersion: RENDER_VERSION, vega: packageVersion('vega'), vegaLite: packageVersion('vega-lite'),
    resvg: packageVersion('@resvg/resvg-js'), fonts, pngScale,
  });
  return rendererId;
}

/** The cache key of a filled spec under the given renderer identity. */
export function figureKey(spec: Record<string, unknown>, renderer: string): string {
  return sha256(`${renderer}\n${JSON.stringify(spec)}`);
}

/** Reads a folder's stamp; a missing or unreadable stamp is an empty one (everything gets drawn). */
export async function readStamp(dir: string): Promise<Stamp> {
  try {
    const s = JSON.parse(await readFile(join(dir, STAMP_FILE), 'utf8')) as Stamp;
    if (s.schemaVersion === 1 && s.figures && typeof s.figures === 'object') return s;
  } catch { /* absent or corrupt: start afresh */ }
  return { schemaVersion: 1, figures: {} };
}

/** Writes a stamp atomically (a crash leaves the old stamp or the new one, never half of one). */
export async function writeStamp(dir: string, stamp: Stamp): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${STAMP_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(stamp, null, 1) + '\n');
  await rename(tmp, join(dir, STAMP_FILE));
}

/**
 * The files of figure `name` in `dir` when the stamp says they were drawn from `key` and every one of
 * `files` is on disk with the recorded hash; undefined when the figure must be drawn (again).
 */
export async function validRender(dir: string, stamp: Stamp, name: string, key: string, files: string[]): Promise<Map<string, Buffer> | undefined> {
  const entry = stamp.figures[name];
  if (!entry || entry.key !== key) return undefined;
  const out = new Map<string, Buffer>();
  for (const f of files) {
    const want = entry.files[f];
    if (!want) return undefined;
    let data: Buffer;
    try { data = await readFile(join(dir, f)); } catch { return undefined; }
    if (sha256(data) !== want) return undefined;
    out.set(f, data);
  }
  return out;
}

/** Writes `data` to `path` unless the file already holds exactly that (or `always`); true when written. */
export async function writeIfChanged(path: string, data: string | Buffer, always = false): Promise<boolean> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    if (!always && (await readFile(path)).equals(bytes)) return false;
  } catch { /* absent: write it */ }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return true;
}
