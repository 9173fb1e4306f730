/**
 * The user's alternative beside our selection (issue 14 item 3): per layer, the latency of the strategy the
 * predictor selected in a co-execution run (derived/layers.json `selected`, measured, never predicted) next
 * to PyTorch on the same host: CPU on all cores, CUDA with resident tensors (kernel time, for reference) and
 * CUDA with the input and output copied through pinned memory (what a framework user pays per call). The
 * PyTorch side comes from native/bench/torch_reference.py. Pure: reading files is vs-pytorch-command.ts's job.
 *
 * Layers are matched by layer id. A layer that only one side has is kept as a row with the other side null
 * and `missing` saying which side lacks it: it is reported, never dropped.
 */
import type { LayerRow } from '../results-schema/index.js';

/** One row of a torch_reference.py file; rows written before layer ids existed carry only `layer`. */
export interface TorchRow { layer: string; layerId?: string; workloads?: string[]; cpuUs?: number; cudaResidentUs?: number; cudaCopiesUs?: number }

/** A torch_reference.py file as far as it is read here. */
export interface TorchFile { machine?: Record<string, unknown>; date?: string; rounds?: number; rows: TorchRow[] }

/** The co-execution run whose selected strategies enter the comparison. */
export interface OursRun {
  runId: string; runDir: string; experiment: string; createdAt?: string; card?: string; layers: readonly LayerRow[];
  /** The run's workload ids per layer id (from its profile), where known. */
  workloads?: Readonly<Record<string, readonly string[]>>;
}

/** One layer of vs-pytorch.json; times in microseconds, null where that side has no value. */
export interface VsPytorchRow {
  layer: string;
  /** The run the selection comes from (null when the layer is missing from every run). */
  run: string | null;
  experiment: string | null;
  oursSelectedUs: number | null;
  /** The selected strategy id without its layer part, e.g. `r:0.00/t:0/cpu:none/gpu:gemv_vec4-wg128/sync:finish`. */
  oursStrategy: string | null;
  torchCpuUs: number | null;
  torchCudaUs: number | null;
  torchCudaCopiesUs: number | null;
  /** The faster of PyTorch CPU and PyTorch CUDA with copies: what a user would pick. */
  torchBest: 'cpu' | 'cuda-copies' | null;
  torchBestUs: number | null;
  /** torchBestUs / oursSelectedUs: above 1, our selection is faster. */
  speedupVsTorchBest: number | null;
  /**
   * The grid search's fastest strategy on the layer (the run's oracle) and torchBestUs over it: what the
   * engine can do there, apart from how well the predictors chose. Absent in files written before it.
   */
  oursOracleUs?: number | null;
  speedupOracleVsTorchBest?: number | null;
  /** PyTorch's names of the shape (issue 13 names) and the workloads that have it. */
  torchNames: string[];
  workloads: string[];
  missing?: 'torch' | 'ours';
}

/** The summary beside the rows (issue 14's targets read it). */
export interface VsPytorchSummary {
  layersCompared: number;
  geomeanSpeedup: number | null;
  worstSpeedup: number | null;
  worstLayer: string | null;
  /** Layers whose faster PyTorch option takes under 1 ms, and how many of them we beat (speedup >= 1). */
  underOneMs: number;
  underOneMsAtLeastOne: number;
  /** The same three for the grid search's best strategy (oursOracleUs). */
  oracleGeomeanSpeedup?: number | null;
  oracleWorstSpeedup?: number | null;
  underOneMsOracleAtLeastOne?: number;
  missingTorch: string[];
  missingOurs: string[];
}

/** A user error in an input file: one line, no stack. */
export class VsPytorchError extends Error {}

/**
 * The layer id of a round-1 torch row that has no `layerId`: `linear-MxKxN`, `conv-[stem-]CxHxW-fF-RxS[sN]`
 * with "same" padding (R/2, S/2) and batch 1, as torch_reference.py's shapes were written then.
 */
export function layerIdFromTorchName(name: string): string | undefined {
  const lin = /^linear-(\d+)x(\d+)x(\d+)$/.exec(name);
  if (lin) return `linear/M:${lin[1]}/N:${lin[3]}/K:${lin[2]}`;
  const conv = /^conv-(?:[a-z]+-)?(\d+)x(\d+)x(\d+)-f(\d+)-(\d+)x(\d+)(?:s(\d+))?$/.exec(name);
  if (!conv) return undefined;
  const [, c, h, w, f, r, s, st = '1'] = conv;
  return `conv2d/B:1/C:${c}/H:${h}/W:${w}/F:${f}/R:${r}/S:${s}/st:${st}x${st}/pad:${Math.floor(Number(r) / 2)}x${Math.floor(Number(s) / 2)}`;
}

/** Checks a parsed torch file's shape; throws VsPytorchError naming the first problem. */
export function checkTorchFile(value: unknown, where: string): TorchFile {
  const v = value as TorchFile;
  if (!v || typeof v !== 'object' || !Array.isArray(v.rows)) throw new VsPytorchError(`${where}: no "rows" array (expected the JSON that native/bench/torch_reference.py writes)`);
  v.rows.forEach((r, i) => {
    if (!r || typeof r.layer !== 'string') throw new VsPytorchError(`${where}: rows[${i}] has no "layer" name`);
    for (const k of ['cpuUs', 'cudaResidentUs', 'cudaCopiesUs'] as const) {
      if (r[k] !== undefined && !(typeof r[k] === 'number' && r[k]! > 0)) throw new VsPytorchError(`${where}: rows[${i}].${k} must be a positive number of microseconds`);
    }
    if (r.layerId === undefined && layerIdFromTorchName(r.layer) === undefined) {
      throw new VsPytorchError(`${where}: rows[${i}] "${r.layer}" has no layerId and its name is not linear-MxKxN or conv-CxHxW-fF-RxS[sN]`);
    }
  });
  return v;
}

/** Strategy id without its layer prefix. */
const strategyPart = (strategyId: string, layerId: string) => (strategyId.startsWith(`${layerId}/`) ? strategyId.slice(layerId.length + 1) : strategyId);

const geomean = (xs: number[]) => (xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : null);

/**
 * Rows for every layer in the runs or the torch file. When several runs have a layer, the last run given
 * wins (pass runs oldest first: a rerun replaces what it remeasured); torch rows sharing a layer id merge,
 * the first value of each field kept.
 */
export function vsPytorchRows(runs: readonly OursRun[], torch: TorchFile): { rows: VsPytorchRow[]; summary: VsPytorchSummary } {
  const ours = new Map<string, { run: OursRun; row: LayerRow }>();
  for (const run of runs) for (const row of run.layers) ours.set(row.layerId, { run, row });
  const theirs = new Map<string, { names: string[]; workloads: string[]; cpuUs?: number; cudaResidentUs?: number; cudaCopiesUs?: number }>();
  for (const t of torch.rows) {
    const id = t.layerId ?? layerIdFromTorchName(t.layer)!;
    const e = theirs.get(id) ?? { names: [], workloads: [] };
    if (t.layer !== id) e.names.push(...t.layer.split('/').filter((n) => n && !e.names.includes(n)));
    for (const w of t.workloads ?? []) if (!e.workloads.includes(w)) e.workloads.push(w);
    e.cpuUs ??= t.cpuUs;
    e.cudaResidentUs ??= t.cudaResidentUs;
    e.cudaCopiesUs ??= t.cudaCopiesUs;
    theirs.set(id, e);
  }
  const ids = [...new Set([...ours.keys(), ...theirs.keys()])];
  const rows = ids.map((id): VsPytorchRow => {
    const o = ours.get(id);
    const t = theirs.get(id);
    const options = ([['cpu', t?.cpuUs], ['cuda-copies', t?.cudaCopiesUs]] as const).filter((x): x is readonly ['cpu' | 'cuda-copies', number] => x[1] !== undefined);
    const best = options.sort((a, b) => a[1] - b[1])[0];
    const oursUs = o ? o.row.selected.latencyMs * 1e3 : null;
    const oracleUs = o ? o.row.oracle.latencyMs * 1e3 : null;
    return {
      layer: id, run: o?.run.runId ?? null, experiment: o?.row.experiment ?? null,
      oursSelectedUs: oursUs, oursStrategy: o ? strategyPart(o.row.selected.strategyId, id) : null,
      torchCpuUs: t?.cpuUs ?? null, torchCudaUs: t?.cudaResidentUs ?? null, torchCudaCopiesUs: t?.cudaCopiesUs ?? null,
      torchBest: best?.[0] ?? null, torchBestUs: best?.[1] ?? null,
      speedupVsTorchBest: best && oursUs ? best[1] / oursUs : null,
      oursOracleUs: oracleUs, speedupOracleVsTorchBest: best && oracleUs ? best[1] / oracleUs : null,
      torchNames: t?.names ?? [], workloads: [...new Set([...(o?.run.workloads?.[id] ?? []), ...(t?.workloads ?? [])])],
      ...(!o ? { missing: 'ours' as const } : !best ? { missing: 'torch' as const } : {}),
    };
  });
  // Our layers first, in run order; then PyTorch's layers no run has.
  rows.sort((a, b) => Number(a.run === null) - Number(b.run === null));
  const compared = rows.filter((r) => r.speedupVsTorchBest !== null);
  const worst = [...compared].sort((a, b) => a.speedupVsTorchBest! - b.speedupVsTorchBest!)[0];
  const under = compared.filter((r) => r.torchBestUs! < 1000);
  return {
    rows,
    summary: {
      layersCompared: compared.length, geomeanSpeedup: geomean(compared.map((r) => r.speedupVsTorchBest!)),
      worstSpeedup: worst?.speedupVsTorchBest ?? null, worstLayer: worst?.layer ?? null,
      underOneMs: under.length, underOneMsAtLeastOne: under.filter((r) => r.speedupVsTorchBest! >= 1).length,
      oracleGeomeanSpeedup: geomean(compared.map((r) => r.speedupOracleVsTorchBest!)),
      oracleWorstSpeedup: compared.length ? Math.min(...compared.map((r) => r.speedupOracleVsTorchBest!)) : null,
      underOneMsOracleAtLeastOne: under.filter((r) => r.speedupOracleVsTorchBest! >= 1).length,
      missingTorch: rows.filter((r) => r.missing === 'torch').map((r) => r.layer),
      missingOurs: rows.filter((r) => r.missing === 'ours').map((r) => r.layer),
    },
  };
}
