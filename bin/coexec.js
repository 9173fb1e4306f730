#!/usr/bin/env node
// The `coexec` command: runs the compiled CLI (build first with `npx tsc -p tsconfig.json`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('error: the harness is not built: run `npx tsc -p tsconfig.json` first');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exit(await main(process.argv.slice(2)));
