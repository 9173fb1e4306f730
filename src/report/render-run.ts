/**
 * `figures`: regenerates every table, figure and the HTML report of one or more run folders from their
 * derived/*.json alone (no engine, no device). The one module here that writes files:
 *   1. read and schema-check derived/*.json of each run;
 *   2. tables -> RUN/tables/<name>.md and .csv (and all.md);
 *   3. figures -> RUN/figures/<name>.vl.json (filled spec), .svg and .png;
 *   4. report -> RUN/report/index.html plus report/vendor/ (local vega, vega-lite, vega-embed);
 *   5. with `figuresRoot`: copies of each run's figures in figuresRoot/<platform>/<run-id>/ and the
 *      summary across all runs in figuresRoot/summary/ (the latest run per platform and layer kind).
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { TSchema, Static } from '@sinclair/typebox';
import {
  schemaError, LayersFile, SplitCurvesFile, PredictionsFile, AccuracyFile, SyncFile, Summary, ClaimsFile,
} from '../results-schema/index.js';
import {
  splitLatencyFigure, speedupFigure, predictionsFigure, syncFigure, decisionQualityFigure, summaryFigure,
  renderSvg, svgToPng, type FigureSpec,
} from './figure-specs.js';
import {
  layersTable, accuracyTable, syncTable, summaryTable, claimsTable, toMarkdown, toCsv, type Table,
} from './tables.js';
import { reportHtml, VENDOR_SCRIPTS } from './html.js';

/** Options of renderFigures. */
export interface RenderOptions {
  /** Where to put per-platform copies and the cross-platform summary (e.g. the repository's figures/). */
  figuresRoot?: string;
  /** Skip PNG rasterization (SVG only), for speed. */
  noPng?: boolean;
}

/** What was written, for the CLI and tests. */
export interface RenderResult { files: string[]; elapsedMs: number }

/** The derived data of one run; files that are absent stay undefined and their outputs are skipped. */
export interface RunData {
  runDir: string;
  runId: string;
  platform: string;
  synthetic: boolean;
  layers?: Static<typeof LayersFile>;
  curves?: Static<typeof SplitCurvesFile>;
  predictions?: Static<typeof PredictionsFile>;
  accuracy?: Static<typeof AccuracyFile>;
  sync?: Static<typeof SyncFile>;
  summary?: Static<typeof Summary>;
  claims?: Static<typeof ClaimsFile>;
}

/** A user error: printed as one line, no stack. */
export class ReportError extends Error {}

async function readDerived<T extends TSchema>(runDir: string, name: string, schema: T): Promise<Static<T> | undefined> {
  const path = join(runDir, 'derived', name);
  let text: string;
  try { text = await readFile(path, 'utf8'); } catch { return undefined; }
  let value: unknown;
  try { value = JSON.parse(text); } catch { throw new ReportError(`${path}: not JSON`); }
  const err = schemaError(schema, value);
  if (err) throw new ReportError(`${path}: ${err} (run validate on the folder)`);
  return value as Static<T>;
}

/** Reads and checks every derived file of a run folder. */
export async function loadRun(runDir: string): Promise<RunData> {
  const summary = await readDerived(runDir, 'summary.json', Summary);
  const layers = await readDerived(runDir, 'layers.json', LayersFile);
  if (!summary && !layers) throw new ReportError(`${runDir}: no derived/summary.json or derived/layers.json; is this a run folder?`);
  let run: { runId?: string; synthetic?: boolean } = {};
  try { run = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')); } catch { /* run.json is optional here */ }
  return {
    runDir, runId: run.runId ?? runDir.split('/').filter(Boolean).pop() ?? runDir,
    platform: summary?.platform ?? layers?.platform ?? 'unknown', synthetic: run.synthetic === true,
    layers, summary,
    curves: await readDerived(runDir, 'split-curves.json', SplitCurvesFile),
    predictions: await readDerived(runDir, 'predictions.json', PredictionsFile),
    accuracy: await readDerived(runDir, 'predictor-accuracy.json', AccuracyFile),
    sync: await readDerived(runDir, 'sync-overhead.json', SyncFile),
    claims: await readDerived(runDir, 'claims.json', ClaimsFile),
  };
}

const experimentsOf = (d: RunData) => [...new Set((d.layers?.rows ?? []).map((r) => r.experiment))];

/** Every table of a run, named by file stem. */
export function runTables(d: RunData): { name: string; table: Table }[] {
  const out: { name: string; table: Table }[] = [];
  if (d.claims) out.push({ name: 'claims', table: claimsTable(d.claims.rows) });
  if (d.summary) out.push({ name: 'summary', table: summaryTable(d.summary) });
  for (const e of experimentsOf(d)) out.push({ name: `layers-${e}`, table: layersTable(e, d.layers!.rows) });
  if (d.accuracy) out.push({ name: 'predictor-accuracy', table: accuracyTable(d.accuracy.rows) });
  if (d.sync) out.push({ name: 'sync-overhead', table: syncTable(d.sync.rows) });
  return out;
}

/** Every per-run figure spec of a run. */
export function runFigures(d: RunData): FigureSpec[] {
  const out: FigureSpec[] = [];
  const layers = d.layers?.rows ?? [];
  for (const e of experimentsOf(d)) {
    if (d.curves) out.push(splitLatencyFigure(d.platform, e, layers, d.curves.rows));
    out.push(speedupFigure(d.platform, e, layers));
  }
  if (d.predictions && d.predictions.rows.length) out.push(predictionsFigure(d.platform, d.predictions.rows));
  if (d.sync && d.sync.rows.length) out.push(syncFigure(d.platform, d.sync.rows));
  if (layers.length) out.push(decisionQualityFigure(d.platform, layers));
  if (d.summary) out.push(summaryFigure([d.summary]));
  return out;
}

async function put(path: string, data: string | Buffer, files: string[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
  files.push(path);
}

async function writeFigure(dir: string, f: FigureSpec, opts: RenderOptions, files: string[]): Promise<void> {
  const svg = await renderSvg(f.spec);
  await put(join(dir, `${f.name}.vl.json`), JSON.stringify(f.spec, null, 1) + '\n', files);
  await put(join(dir, `${f.name}.svg`), svg, files);
  if (!opts.noPng) await put(join(dir, `${f.name}.png`), svgToPng(svg), files);
}

/** Installed folder of a package (its exports map hides build/*.min.js from require.resolve). */
function packageRoot(require: NodeRequire, pkg: string): string {
  const entry = require.resolve(pkg);
  const marker = `/node_modules/${pkg}/`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot locate package ${pkg} from ${entry}`);
  return entry.slice(0, at + marker.length);
}

/** Regenerates tables, figures and the report of each run folder; see the file comment. */
export async function renderFigures(runDirs: string | string[], opts: RenderOptions = {}): Promise<RenderResult> {
  const t0 = performance.now();
  const files: string[] = [];
  const dirs = Array.isArray(runDirs) ? runDirs : [runDirs];
  if (dirs.length === 0) throw new ReportError('figures: name at least one run folder');
  const runs = await Promise.all(dirs.map((d) => loadRun(resolve(d))));
  const require = createRequire(import.meta.url);

  for (const d of runs) {
    const tables = runTables(d);
    for (const { name, table } of tables) {
      await put(join(d.runDir, 'tables', `${name}.md`), toMarkdown(table), files);
      await put(join(d.runDir, 'tables', `${name}.csv`), toCsv(table), files);
    }
    await put(join(d.runDir, 'tables', 'all.md'), tables.map((t) => toMarkdown(t.table)).join('\n'), files);

    const figures = runFigures(d);
    for (const f of figures) {
      await writeFigure(join(d.runDir, 'figures'), f, opts, files);
      if (opts.figuresRoot) await writeFigure(join(opts.figuresRoot, d.platform, d.runId), f, opts, files);
    }

    for (const v of VENDOR_SCRIPTS) {
      const to = join(d.runDir, 'report', 'vendor', v.to);
      await mkdir(dirname(to), { recursive: true });
      await copyFile(join(packageRoot(require, v.pkg), v.file), to);
      files.push(to);
    }
    await put(join(d.runDir, 'report', 'index.html'), reportHtml({
      platform: d.platform, runId: d.runId, synthetic: d.synthetic, figures, tables: tables.map((t) => t.table),
      claims: d.claims?.rows ?? [],
    }), files);
  }

  const summaries = runs.flatMap((d) => (d.summary ? [d.summary] : []));
  if (opts.figuresRoot && summaries.length) await writeFigure(join(opts.figuresRoot, 'summary'), summaryFigure(summaries), opts, files);
  return { files, elapsedMs: performance.now() - t0 };
}
