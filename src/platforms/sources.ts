/**
 * The engine's sources as shipped to another machine (an ssh host builds them, a bundle carries them):
 * everything under native/ except build output, with one SHA-256 over the set so a remote build can be
 * reused exactly when the sources it was built from are unchanged.
 */

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Directory names under native/ that hold build output or tool caches, never sources. */
const SKIPPED_DIRS = /^(build.*|cmake-build-.*|CMakeFiles|\.cache|\.git|Testing|__pycache__)$/;
/** Files CMake, Python (running a bench script) or editors leave behind. */
const SKIPPED_FILES = /^(CMakeCache\.txt|compile_commands\.json|\.DS_Store|.*~|.*\.swp|.*\.pyc)$/;

/** Relative, '/'-separated paths of every source file under nativeDir, sorted. */
export async function listEngineSources(nativeDir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(relDir: string): Promise<void> {
    const entries = await readdir(path.join(nativeDir, relDir), { withFileTypes: true });
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.test(entry.name)) await walk(rel);
      } else if (entry.isFile() && !SKIPPED_FILES.test(entry.name)) {
        found.push(rel);
      }
    }
  }
  await walk('');
  return found.sort();
}

/** SHA-256 of bytes, hex. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file, hex. */
export async function sha256File(filePath: string): Promise<string> {
  return sha256Hex(await readFile(filePath));
}

/**
 * One hash over the source set: SHA-256 of the `sha256sum`-style listing ("<hash>  <path>\n" per file,
 * sorted by path), so a renamed or added file changes it as well as an edited one.
 */
export async function engineSourceHash(nativeDir: string, files?: readonly string[]): Promise<string> {
  const list = files ?? (await listEngineSources(nativeDir));
  let listing = '';
  for (const rel of list) listing += `${await sha256File(path.join(nativeDir, rel))}  ${rel}\n`;
  return sha256Hex(listing);
}
