/**
 * The `figures` command: `coexec figures [RUN_DIR...] [--figures-root DIR] [--no-png] [--threads N] [--force]`.
 * Regenerates tables, figures and the HTML report from results alone; never starts the engine. Without
 * RUN_DIR it takes every run folder under ROOT/results and also writes ROOT/figures/<platform>/<run-id>/
 * and ROOT/figures/summary/. Figures already drawn from the same spec are kept (render-cache.ts) unless
 * --force; the rest are drawn on up to N threads (default: every core).
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderFigures, ReportError } from './render-run.js';
import { findRunDirs } from './run-dirs.js';

/** Parses args, renders, prints one line; returns the exit status (0 ok, 1 failure, 2 usage). */
export async function figuresCommand(args: string[], root: string = process.cwd(), print: (line: string) => void = console.log): Promise<number> {
  const dirs: string[] = [];
  let figuresRoot: string | undefined;
  let noPng = false;
  let maxThreads: number | undefined;
  let force = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--figures-root') {
      figuresRoot = args[++i];
      if (!figuresRoot) { print('figures: --figures-root needs a folder'); return 2; }
    } else if (a === '--no-png') noPng = true;
    else if (a === '--force') force = true;
    else if (a === '--threads') {
      maxThreads = Number(args[++i]);
      if (!Number.isInteger(maxThreads) || maxThreads < 1) { print(`figures: --threads needs a whole number >= 1, got ${args[i] ?? 'nothing'}`); return 2; }
    } else if (a.startsWith('-')) { print(`figures: unknown option ${a} (known: --figures-root DIR, --no-png, --threads N, --force)`); return 2; }
    else dirs.push(a);
  }
  if (dirs.length === 0) {
    dirs.push(...findRunDirs(join(root, 'results')));
    if (dirs.length === 0) { print(`figures: no run folders under ${join(root, 'results')}; name one, e.g. figures results/local/<run-id>`); return 2; }
    figuresRoot ??= join(root, 'figures');
  }
  try {
    const r = await renderFigures(dirs.map((d) => resolve(d)), { figuresRoot, noPng, maxThreads, force });
    const drew = r.rendered ? `drew ${r.rendered} figure(s) on ${r.threads} thread(s)` : 'drew no figure (all up to date)';
    print(`figures: wrote ${r.files.length} files (${r.unchanged} unchanged) for ${dirs.length} run(s); ${drew}; ${(r.elapsedMs / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    if (err instanceof ReportError) { print(`figures: ${err.message}`); return 1; }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await figuresCommand(process.argv.slice(2));
}
