/** SHA-256 helpers for provenance: of bytes, of a file, and of every file under a folder. */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Hex SHA-256 of bytes or text. */
export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hex SHA-256 of a file, or undefined when it cannot be read. */
export function sha256File(path: string): string | undefined {
  try { return sha256(readFileSync(path)); } catch { return undefined; }
}

/** Every plain file under dir, as '/'-separated paths relative to dir, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}
