/** Where installed npm packages live, for the report's vendor copies and the renderer's version id. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Installed folder of a package, ending in `/` (its exports map hides build/*.min.js from require.resolve). */
export function packageRoot(pkg: string): string {
  const entry = require.resolve(pkg);
  const marker = `/node_modules/${pkg}/`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot locate package ${pkg} from ${entry}`);
  return entry.slice(0, at + marker.length);
}

/** The installed version of a package, from its package.json. */
export function packageVersion(pkg: string): string {
  return (JSON.parse(readFileSync(`${packageRoot(pkg)}package.json`, 'utf8')) as { version: string }).version;
}
