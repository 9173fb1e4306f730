/**
 * `figures`: regenerates every table, figure and the HTML report of one or more run folders from their
 * derived/*.json alone (no engine, no device). The one module here that writes files:
 *   1. read and schema-check derived/*.json of each run;
 *   2. tables -> RUN/tables/<name>.md and .csv (and all.md);
 *   3. figures -> RUN/figures/<name>.vl.json (filled spec), .svg and .png;
 *   4. report -> RUN/report/index.html plus report/vendor/ (local vega, vega-lite, vega-embed);
 *   5. with `figuresRoot`: copies of each run's figures in figuresRoot/<platform>/<run-id>/ and the
 *      summary across all runs in figuresRoot/summary/ (the latest run per platform and layer kind).
 * Outputs that are already up to date are left alone (render-cache.ts says how that is decided), and
 * the figures to draw are drawn on every core (render-pool.ts), so a second call costs little.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TSchema, Static } from '@sinclair/typebox';
import {
  schemaError, LayersFile, SplitCurvesFile, PredictionsFile, AccuracyFile, SyncFile, Summary, ClaimsFile,
} from '../results-schema/index.js';
import {
  splitLatencyFigure, speedupFigure, predictionsFigure, syncFigure, decisionQualityFigure, summaryFigure,
  type FigureSpec,
} from './figure-specs.js';
import { findFonts, PNG_SCALE } from './fonts.js';
import { renderJobs, threadsFor, type RenderJob, type Rendered } from './render-pool.js';
import { figureKey, readStamp, rendererIdentity, sha256, validRender, writeIfChanged, writeStamp, type Stamp } from './render-cache.js';
import { packageRoot } from './packages.js';
import { runSections } from './sections.js';
import {
  layersTable, accuracyTable, syncTable, summaryTable, claimsTable, toMarkdown, toCsv, type Table,
} from './tables.js';
import { reportHtml, VENDOR_SCRIPTS } from './html.js';
import { breakdownFigure, breakdownInputs } from './breakdown-figure.js';
import { boundFigure } from './bound-figure.js';
import { loadVsPytorchFor, vsPytorchFigure, vsPytorchTable, type VsPytorchFile } from './vs-pytorch-report.js';
import { loadFloorsFor, loadSameJobsFloor, sameJobsFloorTable, type FloorFile, type SameJobsFloor } from './floor-section.js';

/** Options of renderFigures. */
export interface RenderOptions {
  /** Where to put per-platform copies and the cross-platform summary (e.g. the repository's figures/). */
  figuresRoot?: string;
  /** Skip PNG rasterization (SVG only), for speed. */
  noPng?: boolean;
  /** At most this many render threads (default: os.availableParallelism()). */
  maxThreads?: number;
  /** Draw and write everything, up to date or not. */
  force?: boolean;
}

/**
 * What was done, for the CLI and tests: `files` written (new or changed), `unchanged` outputs left as
 * they were, `rendered` figures drawn (once per distinct spec), on `threads` threads.
 */
export interface RenderResult { files: string[]; unchanged: number; rendered: number; threads: number; elapsedMs: number }

/** The derived data of one run; files that are absent stay undefined and their outputs are skipped. */
export interface RunData {
  runDir: string;
  runId: string;
  platform: string;
  synthetic: boolean;
  /** run.json's createdAt (ISO time), when recorded: orders runs of one platform. */
  createdAt?: string;
  layers?: Static<typeof LayersFile>;
  curves?: Static<typeof SplitCurvesFile>;
  predictions?: Static<typeof PredictionsFile>;
  accuracy?: Static<typeof AccuracyFile>;
  sync?: Static<typeof SyncFile>;
  summary?: Static<typeof Summary>;
  claims?: Static<typeof ClaimsFile>;
  /** results/yardsticks/<platform>/vs-pytorch.json when it names this run (coexec vs-pytorch). */
  vsPytorch?: VsPytorchFile;
  /** results/repeatability/*.json files that name this run: the predictors' test-retest floor. */
  floors?: FloorFile[];
  /** The same-call retest's floor on the predictors' own held-out jobs, where the retest's jobs were kept. */
  sameJobsFloor?: SameJobsFloor;
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
  let run: { runId?: string; synthetic?: boolean; createdAt?: string } = {};
  try { run = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')); } catch { /* run.json is optional here */ }
  const predictions = await readDerived(runDir, 'predictions.json', PredictionsFile);
  let sameJobsFloor: SameJobsFloor | undefined;
  try { sameJobsFloor = loadSameJobsFloor(runDir, predictions?.rows); } catch (e) { throw new ReportError((e as Error).message); }
  return {
    runDir, runId: run.runId ?? runDir.split('/').filter(Boolean).pop() ?? runDir,
    platform: summary?.platform ?? layers?.platform ?? 'unknown', synthetic: run.synthetic === true, createdAt: run.createdAt,
    layers, summary,
    curves: await readDerived(runDir, 'split-curves.json', SplitCurvesFile),
    predictions,
    accuracy: await readDerived(runDir, 'predictor-accuracy.json', AccuracyFile),
    sync: await readDerived(runDir, 'sync-overhead.json', SyncFile),
    claims: await readDerived(runDir, 'claims.json', ClaimsFile),
    vsPytorch: loadVsPytorchFor(runDir, summary?.platform ?? layers?.platform ?? 'unknown'),
    floors: loadFloorsFor(runDir, run.runId ?? runDir.split('/').filter(Boolean).pop() ?? runDir),
    ...(sameJobsFloor ? { sameJobsFloor } : {}),
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
  if (d.vsPytorch) out.push({ name: 'vs-pytorch', table: vsPytorchTable(d.vsPytorch) });
  if (d.sameJobsFloor) out.push({ name: 'predictor-floor-same-jobs', table: sameJobsFloorTable(d.sameJobsFloor) });
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
  const breakdown = d.sync ? breakdownFigure(d.platform, breakdownInputs(d.sync.rows)) : undefined;
  if (breakdown) out.push(breakdown);
  if (d.vsPytorch) out.push(vsPytorchFigure(d.vsPytorch));
  if (layers.length) out.push(decisionQualityFigure(d.platform, layers));
  const bound = boundFigure([{ platform: d.platform, rows: layers }]);
  if (bound) out.push(bound);
  if (d.summary) out.push(summaryFigure([d.summary]));
  return out;
}

/** One folder's figures to bring up to date: which specs, and the folder's stamp. */
interface FigureDir { dir: string; figures: FigureSpec[]; stamp: Stamp; changed: boolean }

/** Output file names of a figure, SVG first. */
const imageFiles = (f: FigureSpec, png: boolean) => [`${f.name}.svg`, ...(png ? [`${f.name}.png`] : [])];

/**
 * Brings the SVG/PNG files of every folder up to date: keeps each figure whose stamp matches, reuses a
 * drawing another folder already holds (the run folder and its copy under figuresRoot share specs), draws
 * the rest once per distinct key on the worker pool, then writes files and stamps.
 */
async function updateImages(dirs: FigureDir[], png: boolean, opts: RenderOptions, files: string[]): Promise<{ rendered: number; threads: number; unchanged: number }> {
  const renderer = rendererIdentity(findFonts(), PNG_SCALE);
  const have = new Map<string, Map<string, Buffer>>(); // key -> drawn files (by extension) already on disk
  const todo: { d: FigureDir; f: FigureSpec; key: string }[] = [];
  let unchanged = 0;
  await Promise.all(dirs.map(async (d) => {
    d.stamp = await readStamp(d.dir);
    await Promise.all(d.figures.map(async (f) => {
      const key = figureKey(f.spec, renderer);
      const names = imageFiles(f, png);
      const valid = opts.force ? undefined : await validRender(d.dir, d.stamp, f.name, key, names);
      if (valid) {
        have.set(key, new Map([...valid].map(([n, b]) => [n.slice(f.name.length), b])));
        unchanged += valid.size;
      }
      else todo.push({ d, f, key });
    }));
  }));
  const jobs = new Map<string, RenderJob>();
  for (const t of todo) if (!have.has(t.key) && !jobs.has(t.key)) jobs.set(t.key, { spec: t.f.spec, png, name: join(t.d.dir, t.f.name) });
  const keys = [...jobs.keys()];
  let drawn: Rendered[];
  try {
    drawn = await renderJobs([...jobs.values()], opts.maxThreads);
  } catch (err) {
    throw new ReportError(`cannot draw ${(err as Error).message}`);
  }
  keys.forEach((k, i) => have.set(k, new Map<string, Buffer>([['.svg', Buffer.from(drawn[i]!.svg)], ...(drawn[i]!.png ? [['.png', drawn[i]!.png!] as [string, Buffer]] : [])])));
  for (const t of todo) {
    const bytes = have.get(t.key)!;
    const hashes: Record<string, string> = {};
    for (const name of imageFiles(t.f, png)) {
      const data = bytes.get(name.slice(t.f.name.length))!;
      await mkdir(t.d.dir, { recursive: true });
      await writeFile(join(t.d.dir, name), data);
      files.push(join(t.d.dir, name));
      hashes[name] = sha256(data);
    }
    // Same drawing as before (only a file was damaged): keep the hashes of files not rewritten now (a PNG
    // during --no-png), which the next call still checks against the disk.
    const before = t.d.stamp.figures[t.f.name];
    t.d.stamp.figures[t.f.name] = { key: t.key, files: { ...(before?.key === t.key ? before.files : {}), ...hashes } };
    t.d.changed = true;
  }
  await Promise.all(dirs.filter((d) => d.changed).map((d) => writeStamp(d.dir, d.stamp)));
  return { rendered: jobs.size, threads: threadsFor(jobs.size, opts.maxThreads), unchanged };
}

/** Regenerates tables, figures and the report of each run folder; see the file comment. */
export async function renderFigures(runDirs: string | string[], opts: RenderOptions = {}): Promise<RenderResult> {
  const t0 = performance.now();
  const files: string[] = [];
  let unchanged = 0;
  const dirs = Array.isArray(runDirs) ? runDirs : [runDirs];
  if (dirs.length === 0) throw new ReportError('figures: name at least one run folder');
  const runs = await Promise.all(dirs.map((d) => loadRun(resolve(d))));
  const text = async (path: string, data: string | Buffer) => {
    if (await writeIfChanged(path, data, opts.force)) files.push(path);
    else unchanged++;
  };
  const vendor = await Promise.all(VENDOR_SCRIPTS.map(async (v) => ({ to: v.to, data: await readFile(join(packageRoot(v.pkg), v.file)) })));

  const figureDirs: FigureDir[] = [];
  const figureDir = (dir: string, figures: FigureSpec[]) => figureDirs.push({ dir, figures, stamp: { schemaVersion: 1, figures: {} }, changed: false });
  await Promise.all(runs.map(async (d) => {
    const tables = runTables(d);
    const figures = runFigures(d);
    const outputs: [string, string | Buffer][] = [
      ...tables.flatMap(({ name, table }): [string, string][] => [
        [join(d.runDir, 'tables', `${name}.md`), toMarkdown(table)], [join(d.runDir, 'tables', `${name}.csv`), toCsv(table)]]),
      [join(d.runDir, 'tables', 'all.md'), tables.map((t) => toMarkdown(t.table)).join('\n')],
      ...vendor.map((v): [string, Buffer] => [join(d.runDir, 'report', 'vendor', v.to), v.data]),
      [join(d.runDir, 'report', 'index.html'), reportHtml({
        platform: d.platform, runId: d.runId, synthetic: d.synthetic, figures, tables: tables.map((t) => t.table),
        claims: d.claims?.rows ?? [], sections: runSections(d),
      })],
    ];
    const figureRoots = [join(d.runDir, 'figures'), ...(opts.figuresRoot ? [join(opts.figuresRoot, d.platform, d.runId)] : [])];
    for (const root of figureRoots) {
      for (const f of figures) outputs.push([join(root, `${f.name}.vl.json`), JSON.stringify(f.spec, null, 1) + '\n']);
      figureDir(root, figures);
    }
    for (const [path, data] of outputs) await text(path, data);
  }));

  const summaries = runs.flatMap((d) => (d.summary ? [d.summary] : []));
  if (opts.figuresRoot && summaries.length) {
    // Oldest first, so that a platform's later run replaces an earlier one's row of the same layer.
    const byTime = [...runs].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
    const bound = boundFigure(byTime.map((d) => ({ platform: d.platform, rows: d.layers?.rows ?? [] })));
    const figures = [summaryFigure(summaries), ...(bound ? [bound] : [])];
    const dir = join(opts.figuresRoot, 'summary');
    for (const f of figures) await text(join(dir, `${f.name}.vl.json`), JSON.stringify(f.spec, null, 1) + '\n');
    figureDir(dir, figures);
  }
  const images = await updateImages(figureDirs, !opts.noPng, opts, files);
  return { files, unchanged: unchanged + images.unchanged, rendered: images.rendered, threads: images.threads, elapsedMs: performance.now() - t0 };
}
