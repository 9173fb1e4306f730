/**
 * Finds the run folders under a results root: results/<platform>/<run-id>/ holding a manifest.json,
 * sorted by path (run ids start with a timestamp, so later runs come last).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every results/<platform>/<run-id>/ with a manifest.json; [] when the folder does not exist. */
export function findRunDirs(resultsRoot: string): string[] {
  if (!existsSync(resultsRoot)) return [];
  const out: string[] = [];
  for (const platform of readdirSync(resultsRoot).sort()) {
    const pdir = join(resultsRoot, platform);
    if (!statSync(pdir).isDirectory()) continue;
    for (const run of readdirSync(pdir).sort()) {
      const rdir = join(pdir, run);
      if (statSync(rdir).isDirectory() && existsSync(join(rdir, 'manifest.json'))) out.push(rdir);
    }
  }
  return out;
}
