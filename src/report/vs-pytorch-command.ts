/**
 * `coexec vs-pytorch RUN_DIR... --torch FILE [--out FILE.json] [--no-png]`: our predictor-selected strategy
 * per layer (derived/layers.json of co-execution runs) beside PyTorch on the same host (the JSON that
 * native/bench/torch_reference.py writes). Writes OUT (default results/yardsticks/<platform>/vs-pytorch.json)
 * with the rows and where they came from, and beside it vs-pytorch.md / .csv and figures/vs-pytorch.{vl.json,
 * svg,png} (the figures/ folder is not committed; the command redraws it). Never starts the engine.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { schemaError, LayersFile, type LayerRow } from '../results-schema/index.js';
import { layerId } from '../plan/ids.js';
import { checkTorchFile, vsPytorchRows, VsPytorchError, type OursRun } from '../analysis/vs-pytorch.js';
import { toCsv, toMarkdown } from './tables.js';
import { vsPytorchFigure, vsPytorchSummaryLines, vsPytorchTable, type VsPytorchFile } from './vs-pytorch-report.js';

export const VS_PYTORCH_USAGE = 'usage: coexec vs-pytorch RUN_DIR... --torch FILE [--out FILE.json] [--no-png]';

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new VsPytorchError(`${path}: no such file (${what})`);
  try { return JSON.parse(readFileSync(path, 'utf8')); } catch { throw new VsPytorchError(`${path}: not JSON`); }
}

/** The OpenCL device the run's platform config picks, from the engine info the run kept (raw/info.json). */
function cardOf(runDir: string, run: { platformConfig?: { opencl?: { platformContains?: string; deviceType?: string } } }): string | undefined {
  try {
    const info = JSON.parse(readFileSync(join(runDir, 'raw', 'info.json'), 'utf8')) as { opencl?: { platforms?: { name: string; devices?: { name: string; type?: string }[] }[] } };
    const want = run.platformConfig?.opencl;
    for (const p of info.opencl?.platforms ?? []) {
      if (want?.platformContains && !p.name.includes(want.platformContains)) continue;
      const d = (p.devices ?? []).find((x) => !want?.deviceType || x.type === want.deviceType);
      if (d) return d.name;
    }
  } catch { /* no engine info kept: the card stays unknown */ }
  return undefined;
}

/** Workload id -> layer id, from ROOT/configs/workloads/*.json (empty when the folder is absent). */
function workloadLayerIds(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(root, 'configs', 'workloads');
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    try {
      const file = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { workloads?: { id: string; layer: Parameters<typeof layerId>[0] }[] };
      for (const w of file.workloads ?? []) out.set(w.id, layerId(w.layer));
    } catch { /* a broken config is `coexec validate`'s to report; here it only costs the workload names */ }
  }
  return out;
}

/** One run folder's co-execution layers, with its id, date and card. */
function loadOurs(runDir: string, root: string, workloadIds: Map<string, string>): OursRun & { platform: string } {
  const layersPath = join(runDir, 'derived', 'layers.json');
  const layers = readJson(layersPath, 'derive the run first: coexec derive RUN_DIR');
  const err = schemaError(LayersFile, layers);
  if (err) throw new VsPytorchError(`${layersPath}: ${err}`);
  const file = layers as LayersFile;
  const rows: LayerRow[] = file.rows.filter((r) => r.experiment.endsWith('-coexec'));
  if (rows.length === 0) throw new VsPytorchError(`${runDir}: no layer of a co-execution experiment (linear-coexec, conv-coexec) in derived/layers.json`);
  let run: { runId?: string; createdAt?: string; platformConfig?: never; profile?: { resolved?: { workloads?: string[] } } } = {};
  try { run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')); } catch { /* optional */ }
  const workloads: Record<string, string[]> = {};
  for (const w of run.profile?.resolved?.workloads ?? []) {
    const id = workloadIds.get(w);
    if (id) (workloads[id] ??= []).push(w);
  }
  return {
    runId: run.runId ?? runDir.split('/').filter(Boolean).pop()!, runDir: relative(root, runDir) || '.', experiment: [...new Set(rows.map((r) => r.experiment))].join('+'),
    createdAt: run.createdAt, card: cardOf(runDir, run), layers: rows, platform: file.platform, workloads,
  };
}

/** Builds vs-pytorch.json's content from run folders and a torch file; throws VsPytorchError on bad input. */
export function buildVsPytorch(runDirs: string[], torchPath: string, root: string): VsPytorchFile {
  const workloadIds = workloadLayerIds(root);
  const runs = runDirs.map((d) => loadOurs(resolve(d), root, workloadIds))
    .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.runId.localeCompare(b.runId));
  const platforms = [...new Set(runs.map((r) => r.platform))];
  if (platforms.length > 1) throw new VsPytorchError(`the runs are from several platforms (${platforms.join(', ')}); compare one platform at a time`);
  const torchAbs = resolve(torchPath);
  const torchText = existsSync(torchAbs) ? readFileSync(torchAbs) : undefined;
  const torch = checkTorchFile(readJson(torchAbs, 'the JSON native/bench/torch_reference.py writes'), torchPath);
  const { rows, summary } = vsPytorchRows(runs, torch);
  return {
    schemaVersion: 1, platform: platforms[0]!, generatedBy: `coexec vs-pytorch ${runs.map((r) => r.runDir).join(' ')} --torch ${relative(root, torchAbs)}`,
    provenance: {
      runs: runs.map((r) => ({ runId: r.runId, dir: r.runDir, experiment: r.experiment, ...(r.createdAt ? { createdAt: r.createdAt } : {}), ...(r.card ? { card: r.card } : {}) })),
      torch: { file: relative(root, torchAbs), sha256: createHash('sha256').update(torchText!).digest('hex'), ...(torch.date ? { date: torch.date } : {}), ...(torch.machine ? { machine: torch.machine } : {}) },
    },
    summary, rows,
  };
}

/** CLI entry; returns the exit status (0 ok, 1 bad input, 2 usage). */
export async function vsPytorchCommand(args: string[], root: string = process.cwd(), print: (line: string) => void = console.log): Promise<number> {
  const dirs: string[] = [];
  let torch: string | undefined;
  let out: string | undefined;
  let png = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--torch' || a === '--out') {
      const v = args[++i];
      if (!v) { print(`vs-pytorch: ${a} needs a file; ${VS_PYTORCH_USAGE}`); return 2; }
      if (a === '--torch') torch = v; else out = v;
    } else if (a === '--no-png') png = false;
    else if (a.startsWith('-')) { print(`vs-pytorch: unknown option ${a}; ${VS_PYTORCH_USAGE}`); return 2; }
    else dirs.push(a);
  }
  if (!torch || dirs.length === 0) { print(VS_PYTORCH_USAGE); return 2; }
  if (out !== undefined && !out.endsWith('.json')) { print(`vs-pytorch: --out names the JSON file to write (ending in .json), got ${out}`); return 2; }
  let file: VsPytorchFile;
  try {
    file = buildVsPytorch(dirs, torch, root);
  } catch (err) {
    if (err instanceof VsPytorchError) { print(`vs-pytorch: ${err.message}`); return 1; }
    throw err;
  }
  const jsonPath = out ? resolve(out) : join(root, 'results', 'yardsticks', file.platform, 'vs-pytorch.json');
  const dir = dirname(jsonPath);
  const stem = jsonPath.replace(/\.json$/, '');
  mkdirSync(join(dir, 'figures'), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(file, null, 1) + '\n');
  const table = vsPytorchTable(file);
  const note = `<!-- generated by \`${file.generatedBy}\`; do not edit -->\n\n`;
  writeFileSync(`${stem}.md`, note + toMarkdown(table) + '\n' + vsPytorchSummaryLines(file).join('\n') + '\n');
  writeFileSync(`${stem}.csv`, toCsv(table));
  const figure = vsPytorchFigure(file);
  const figStem = join(dir, 'figures', figure.name);
  writeFileSync(`${figStem}.vl.json`, JSON.stringify(figure.spec, null, 1) + '\n');
  // Loaded here only: vega is heavy and the rows above need none of it.
  const { renderSvg, svgToPng } = await import('./render-figure.js');
  const svg = await renderSvg(figure.spec);
  writeFileSync(`${figStem}.svg`, svg);
  if (png) writeFileSync(`${figStem}.png`, svgToPng(svg));
  const s = file.summary;
  print(`vs-pytorch: ${file.rows.length} layers (${s.layersCompared} with both sides; geomean ${s.geomeanSpeedup?.toFixed(2) ?? 'n/a'}x; ` +
    `${s.missingTorch.length} missing from PyTorch, ${s.missingOurs.length} in no run) -> ${relative(root, jsonPath)}, .md, .csv, figures/${figure.name}.svg`);
  return 0;
}
