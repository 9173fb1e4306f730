/**
 * Writes every config schema to configs/schemas/<name>.schema.json, so editors and other tools can check
 * configs without the harness. Run after changing src/config/schemas.ts: `node dist/src/config/write-schemas.js`.
 * test/config-schemas.test.ts fails when the written files differ from the generated ones.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMAS, schemaDocument } from './schemas.js';

/** The text of every schema file, keyed by its path relative to the repository root. */
export function schemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(SCHEMAS)) {
    out[`configs/schemas/${name}.schema.json`] = `${JSON.stringify(schemaDocument(name), null, 2)}\n`;
  }
  return out;
}

/** Writes the schema files under root. */
export function writeSchemas(root: string): string[] {
  mkdirSync(join(root, 'configs/schemas'), { recursive: true });
  const files = schemaFiles();
  for (const [rel, text] of Object.entries(files)) writeFileSync(join(root, rel), text);
  return Object.keys(files);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of writeSchemas(process.cwd())) console.log(`wrote ${file}`);
}
