/**
 * Layer and strategy ids (contract sections 1 and 2), the CPU row rule, and the normalization that maps
 * every GPU-only or CPU-only strategy onto one canonical form so duplicates are measured once.
 */
import type { Layer, SplitDim, SyncName } from '../config/schemas.js';
import { SPLIT_DIMS, SYNC_NAMES } from '../config/schemas.js';

/** A strategy as the engine reads it (contract section 2). */
export interface Strategy {
  splitRatio: number;
  granularity: number;
  cpuThreads: number;
  cpuImpl: string;
  gpuVariant: string;
  gpuWorkGroup: number;
  sync: SyncName;
  /** The split dimension; absent means the layer type's default ("channels" / "n"), as in plans before it existed. */
  splitDim?: SplitDim;
  /**
   * GPU streams (contract section 2): > 1 cuts the GPU's share into that many chunks along its outer output
   * rows, each copied in, computed and read back on its own queue. Absent means 1, as in plans before it existed.
   */
  gpuStreams?: number;
}

/** The outer output rows of the GPU's share (M or P, less the CPU's rows for an outer split): at most one stream each. */
export function gpuOuterRows(layer: Layer, s: Strategy): number {
  const dim = splitDimOf(layer, s);
  const outer = layer.type === 'linear' ? layer.M : convHeight(layer);
  return splitsOuter(dim) ? outer - cpuRows(s.splitRatio, s.granularity, outer) : outer;
}

/** The default split dimension of a layer type (what a missing splitDim means). */
export function defaultSplitDim(layer: Layer): SplitDim {
  return SPLIT_DIMS[layer.type][0]!;
}

/** The split dimension a strategy names, or the default. */
export function splitDimOf(layer: Layer, s: { splitDim?: SplitDim | string }): SplitDim {
  return (s.splitDim as SplitDim | undefined) ?? defaultSplitDim(layer);
}

/** True for "height" and "m": the split runs along output rows (P or M), every channel / feature on both sides. */
export function splitsOuter(dim: SplitDim | string | undefined): boolean {
  return dim === 'height' || dim === 'm';
}

/** Conv output height P (contract section 1). */
function convHeight(layer: Layer & { type: 'conv2d' }): number {
  return Math.floor((layer.H + 2 * layer.padH - layer.R) / layer.strideH) + 1;
}

/** Size of the split dimension on a layer: N or M (linear), F or P (conv2d). */
export function splitExtent(layer: Layer, dim: SplitDim | string | undefined): number {
  if (!splitsOuter(dim)) return outputSize(layer);
  return layer.type === 'linear' ? layer.M : convHeight(layer);
}

/** Why a split dimension does not fit a layer (a plan error in the engine), or undefined when it does. */
export function splitDimProblem(layer: Layer, dim: SplitDim): string | undefined {
  if (!SPLIT_DIMS[layer.type].includes(dim)) return `split dimension "${dim}" is not one of ${layer.type} (${SPLIT_DIMS[layer.type].join(' | ')})`;
  if (splitsOuter(dim) && splitExtent(layer, dim) < 2) {
    return `split along ${dim === 'm' ? 'M' : 'the output height P'} needs at least 2 rows (layer has ${splitExtent(layer, dim)})`;
  }
  return undefined;
}

/**
 * The layer one side computes on its own, as a whole layer: for a split along F or N the layer with that
 * dimension set to `rows`; along M the layer of `rows` rows; along the output height a conv2d whose output
 * height is `rows` and whose input is the rows they read (the halo that R and the stride imply, padding rows
 * counted as input), unpadded in height. Feature and transfer arithmetic then prices any split the same way.
 */
export function sideLayer(layer: Layer, dim: SplitDim | string | undefined, rows: number): Layer {
  if (!splitsOuter(dim)) return withOutputSize(layer, rows);
  if (layer.type === 'linear') return { ...layer, M: rows };
  return { ...layer, H: (rows - 1) * layer.strideH + layer.R, padH: 0 };
}

/** Output dimension that is split by default: N for linear, F for conv2d. */
export function outputSize(layer: Layer): number {
  return layer.type === 'linear' ? layer.N : layer.F;
}

/** The same layer with its output dimension replaced (a single-side slice). */
export function withOutputSize(layer: Layer, rows: number): Layer {
  return layer.type === 'linear' ? { ...layer, N: rows } : { ...layer, F: rows };
}

/** `linear/M:1/N:4096/K:4096` or `conv2d/B:1/C:64/H:56/W:56/F:64/R:3/S:3/st:1x1/pad:1x1`. */
export function layerId(layer: Layer): string {
  if (layer.type === 'linear') return `linear/M:${layer.M}/N:${layer.N}/K:${layer.K}`;
  const l = layer;
  return `conv2d/B:${l.batch}/C:${l.C}/H:${l.H}/W:${l.W}/F:${l.F}/R:${l.R}/S:${l.S}/st:${l.strideH}x${l.strideW}/pad:${l.padH}x${l.padW}`;
}

/** Rows the CPU computes: the contract's rounding rule, exact at 0 and 1. */
export function cpuRows(splitRatio: number, granularity: number, out: number): number {
  if (splitRatio === 0) return 0;
  if (splitRatio === 1) return out;
  const rows = Math.round((splitRatio * out) / granularity) * granularity;
  return Math.min(Math.max(rows, 0), out);
}

/** Ratio as written in ids: two decimals ("0.30"), more only when two would lose information. */
export function formatRatio(r: number): string {
  const two = r.toFixed(2);
  return Number(two) === r ? two : String(r);
}

/** Placeholder CPU and GPU settings the engine accepts for the side that gets no rows (it ignores them). */
export const IDLE_SIDE = {
  linear: { cpuImpl: 'simd', gpuVariant: 'gemv_row', gpuWorkGroup: 64 },
  conv2d: { cpuImpl: 'simd-im2col', gpuVariant: 'conv_direct', gpuWorkGroup: 64 },
} as const;

/**
 * `<layerId>/r:0.30/t:2/cpu:simd/gpu:gemv_row-wg128/sync:finish`. The side that gets no rows is written
 * normalized: `t:0/cpu:none` when the CPU has none, `gpu:none` when the GPU has none. A split along a
 * dimension other than the default follows the ratio, `r:0.30/split:height/...`, when both sides have rows
 * (a single side computes the same whatever the dimension); ids of default splits are unchanged.
 */
export function strategyId(layer: Layer, s: Strategy): string {
  const dim = splitDimOf(layer, s);
  const out = splitExtent(layer, dim);
  const rows = cpuRows(s.splitRatio, s.granularity, out);
  const cpu = rows === 0 ? 't:0/cpu:none' : `t:${s.cpuThreads}/cpu:${s.cpuImpl}`;
  const gpuNone = rows === out || s.gpuVariant === 'none';
  const gpu = gpuNone ? 'none' : `${s.gpuVariant}-wg${s.gpuWorkGroup}`;
  const split = dim !== defaultSplitDim(layer) && rows > 0 && !gpuNone ? `/split:${dim}` : '';
  // Only when not 1, so every id written before gpuStreams existed stays the same (the engine's StrategyId).
  const streams = !gpuNone && (s.gpuStreams ?? 1) !== 1 ? `/streams:${s.gpuStreams}` : '';
  return `${layerId(layer)}/r:${formatRatio(s.splitRatio)}${split}/${cpu}/gpu:${gpu}/sync:${s.sync}${streams}`;
}

/** Id of a bare synchronization round trip for one mechanism. */
export function roundtripId(sync: SyncName): string {
  return `roundtrip/sync:${sync}`;
}

/**
 * The canonical form of a strategy on a layer, so that equal work gets one id and one measurement. When
 * the CPU gets no rows (ratio 0, or rounding gives 0) it becomes GPU-only: ratio 0, and the idle CPU
 * settings. When the GPU gets none it becomes CPU-only: ratio 1, granularity 1, the idle GPU settings and
 * sync "finish" (no GPU work, nothing to synchronize). The idle settings are valid engine values because
 * the engine checks every field; its results ignore them.
 */
export function normalizeStrategy(layer: Layer, s: Strategy): Strategy {
  const dim = splitDimOf(layer, s);
  const out = splitExtent(layer, dim);
  const rows = cpuRows(s.splitRatio, s.granularity, out);
  const idle = IDLE_SIDE[layer.type];
  // The default dimension and single-side strategies carry no splitDim: the plan an engine gets for them is
  // the one it got before the field existed.
  const rest: Strategy = { ...s };
  delete rest.splitDim;
  // gpuStreams: absent for 1 and for CPU-only work; more streams than the share has outer rows run as that
  // many (the engine clamps), so they are written clamped and measured once.
  delete rest.gpuStreams;
  const streams = Math.min(s.gpuStreams ?? 1, gpuOuterRows(layer, s));
  if (streams > 1 && rows < out) rest.gpuStreams = streams;
  if (rows === 0) return { ...rest, splitRatio: 0, cpuThreads: 1, cpuImpl: idle.cpuImpl };
  if (rows === out) return { ...rest, splitRatio: 1, granularity: 1, gpuVariant: idle.gpuVariant, gpuWorkGroup: idle.gpuWorkGroup, sync: 'finish' };
  return dim === defaultSplitDim(layer) ? { ...rest } : { ...rest, splitDim: dim };
}

/** Reads a layer id back into a layer; throws Error with the reason when it is malformed. */
export function parseLayerId(text: string): Layer {
  const parts = text.split('/');
  const kv = (part: string | undefined, key: string): string => {
    if (!part || !part.startsWith(`${key}:`)) throw new Error(`expected "${key}:" at "${part ?? ''}"`);
    return part.slice(key.length + 1);
  };
  const int = (v: string): number => {
    if (!/^\d+$/.test(v)) throw new Error(`expected an integer, found "${v}"`);
    return Number(v);
  };
  const pair = (v: string): [number, number] => {
    const m = /^(\d+)x(\d+)$/.exec(v);
    if (!m) throw new Error(`expected AxB, found "${v}"`);
    return [Number(m[1]), Number(m[2])];
  };
  if (parts[0] === 'linear' && parts.length === 4) {
    return { type: 'linear', M: int(kv(parts[1], 'M')), N: int(kv(parts[2], 'N')), K: int(kv(parts[3], 'K')) };
  }
  if (parts[0] === 'conv2d' && parts.length === 10) {
    const [strideH, strideW] = pair(kv(parts[8], 'st'));
    const [padH, padW] = pair(kv(parts[9], 'pad'));
    return {
      type: 'conv2d', batch: int(kv(parts[1], 'B')), C: int(kv(parts[2], 'C')), H: int(kv(parts[3], 'H')),
      W: int(kv(parts[4], 'W')), F: int(kv(parts[5], 'F')), R: int(kv(parts[6], 'R')), S: int(kv(parts[7], 'S')),
      strideH, strideW, padH, padW,
    };
  }
  throw new Error('expected "linear/M:../N:../K:.." or "conv2d/B:../C:../H:../W:../F:../R:../S:../st:AxB/pad:AxB"');
}

/** Reads a strategy id back into its layer and strategy (granularity is not in the id: the caller fills it). */
export function parseStrategyId(id: string): { layer: Layer; strategy: Omit<Strategy, 'granularity'> } {
  const withStreams = id.split('/');
  // The optional streams part follows the sync.
  const last = withStreams[withStreams.length - 1] ?? '';
  let gpuStreams: number | undefined;
  if (last.startsWith('streams:')) {
    const k = last.slice('streams:'.length);
    if (!/^\d+$/.test(k) || Number(k) < 2) throw new Error(`expected streams:<integer >= 2>, found "${last}"`);
    gpuStreams = Number(k);
    withStreams.pop();
  }
  const all = withStreams;
  if (all.length < 6) throw new Error('expected <layerId>/r:../[split:../]t:../cpu:../gpu:../sync:..[/streams:..]');
  // The optional split part sits between the ratio and the threads.
  const splitAt = all.length - 5;
  const named = all[splitAt]?.startsWith('split:') ? all[splitAt]!.slice('split:'.length) : undefined;
  const parts = named === undefined ? all : [...all.slice(0, splitAt), ...all.slice(splitAt + 1)];
  if (parts.length < 6) throw new Error('expected <layerId>/r:../[split:../]t:../cpu:../gpu:../sync:..[/streams:..]');
  const tail = parts.slice(-5);
  const layer = parseLayerId(parts.slice(0, -5).join('/'));
  let splitDim: SplitDim | undefined;
  if (named !== undefined) {
    if (!(SPLIT_DIMS[layer.type] as string[]).includes(named)) {
      throw new Error(`expected split:${SPLIT_DIMS[layer.type].join('|')} for a ${layer.type} layer, found "split:${named}"`);
    }
    splitDim = named as SplitDim;
  }
  const [r, t, cpu, gpu, sync] = tail.map((p, i) => {
    const key = ['r', 't', 'cpu', 'gpu', 'sync'][i]!;
    if (!p.startsWith(`${key}:`)) throw new Error(`expected "${key}:" at "${p}"`);
    return p.slice(key.length + 1);
  }) as [string, string, string, string, string];
  const splitRatio = Number(r);
  if (!(splitRatio >= 0 && splitRatio <= 1)) throw new Error(`expected a ratio in [0, 1], found "${r}"`);
  if (!/^\d+$/.test(t)) throw new Error(`expected a thread count, found "${t}"`);
  if (!SYNC_NAMES.includes(sync as SyncName)) throw new Error(`expected one of ${SYNC_NAMES.join(', ')}, found "${sync}"`);
  let gpuVariant = 'none';
  let gpuWorkGroup = 0;
  if (gpu !== 'none') {
    const m = /^([a-z0-9_]+)-wg(\d+)$/.exec(gpu);
    if (!m) throw new Error(`expected gpu:<variant>-wg<size> or gpu:none, found "gpu:${gpu}"`);
    gpuVariant = m[1]!;
    gpuWorkGroup = Number(m[2]);
  }
  return {
    layer,
    strategy: {
      splitRatio, cpuThreads: Number(t), cpuImpl: cpu, gpuVariant, gpuWorkGroup, sync: sync as SyncName,
      ...(splitDim ? { splitDim } : {}), ...(gpuStreams ? { gpuStreams } : {}),
    },
  };
}
