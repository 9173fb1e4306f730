/**
 * Features of one side of a strategy, computed from the layer, the slice's rows, the side's settings and the
 * device's compute units only (never from measurements), so the same function serves training rows and the
 * candidates ranked at selection time. CPU: flops, bytes, threads, rows per thread, reduction length. GPU:
 * flops and executed flops (tile padding included), bytes, work-groups, waves over compute units, bytes per
 * work-item, the variant's vector width, the critical path and its part queued behind the first work-group, the
 * floats a partial tile gathers one at a time on it;
 * the launch geometry follows the kernels' stated preconditions.
 */
import { convOut, elemsPerRow, sliceBytes, sliceFlops } from '../analysis/layers.js';
import type { Conv2dLayer, DeviceInfo, Layer, LinearLayer } from '../analysis/types.js';
import { isSplitKKernel, parseLocalTileVariant, parseRegTileVariant, regTileWidth, type LocalTileKnobs, type RegTileKnobs } from '../plan/gpu-variants.js';
import { poolChunkingOf, poolPass, staticRuns, type PoolChunking } from './pool-split.js';

export type SideName = 'cpu' | 'gpu';

const FLOAT_BYTES = 4;

/** A side's feature values by name, plus the category (implementation or variant) it belongs to. */
export interface SideFeatures {
  group: string;
  values: Record<string, number>;
}

export const CPU_FEATURES = [
  'flops', 'bytes', 'rows', 'threads', 'rowsPerThread', 'flopsPerThread', 'reduction', 'elemsPerRow',
  'copyBytes', 'copyBytesPerThread', 'weightBytes', 'paddedFlops', 'paddedFlopsPerThread', 'weightBytesPerThread',
] as const;
// cpuFeatures' readBytesPerThread and poolJoins are baseline terms (baseline.ts), not tree inputs: the trees of
// runs without resolved.cpuConvLayout (where they are 0 and threads) then see the same columns and fit as before.

export const GPU_FEATURES = [
  'flops', 'workFlops', 'bytes', 'rows', 'workGroups', 'waves', 'workGroupSize', 'bytesPerWorkItem', 'vectorWidth',
  'reduction', 'elemsPerRow', 'serialFlops',
] as const;

/** gemv_rows' MB: rows m one pass of a work-item sums (native/src/variants.h kGemvRowsPerPass). */
const GEMV_ROWS_PER_PASS = 8;

/** Length of the dot product behind one output element: K (linear) or C*R*S (conv2d). */
function reduction(layer: Layer): number {
  return layer.type === 'linear' ? layer.K : layer.C * layer.R * layer.S;
}

/** Launch geometry of a GPU slice: how many work-groups of how many work-items, each reading vectors of what width. */
export interface GpuGeometry {
  workGroups: number;
  /** Output elements the launch computes, padding included (a tile past the edge still runs). */
  outputsComputed: number;
  workGroupSize: number;
  vectorWidth: number;
  /**
   * Reduction elements a tiled kernel stages per step (TS or KWG; absent: it walks the reduction one element
   * at a time). Its last, partial step costs a whole one (gpuReductionWalked).
   */
  reductionStep?: number;
  /**
   * Parts the reduction is split into, each walked by work-groups of its own (gemm_splitk, conv_splitk; absent: 1): every
   * output is computed once per part, over its part of the reduction only.
   */
  reductionParts?: number;
}

/**
 * The reduction length a work-item walks: K or C*R*S rounded up to whole steps of the kernel's staged tile.
 * A partial last step is loaded, synchronized and multiplied as a full one (zeros past the end), so the
 * stem conv (C*R*S = 147) walks 160 at TS = 16: 9% more than its true reduction.
 */
export function gpuReductionWalked(layer: Layer, geo: GpuGeometry): number {
  // With reductionParts, one part's span: the reduction over the parts, rounded up to whole steps (as the kernels' kSpan).
  const k = Math.ceil(reduction(layer) / Math.max(1, geo.reductionParts ?? 1));
  return geo.reductionStep && geo.reductionStep > 1 ? Math.ceil(k / geo.reductionStep) * geo.reductionStep : k;
}

/**
 * Launch geometry of the engine's variants (native/kernels/*.cl, their preconditions): `knob` is the
 * strategy's gpuWorkGroup, the 1-D work-group size WGS or the tile edge TS of the tiled variants.
 * gemv_row (and gemv_row4, its float4 form): one work-group per output row; gemv_vec4: 4 rows (RPW) per group, float4 loads; gemm_tiled and
 * the conv GEMMs: TS x TS output tiles; conv_direct: one work-item per output element; the register-tiled
 * variants: regTileGeometry. An unknown variant
 * is treated as one work-item per output element, with the vector width its name declares (`_v4`, `_vec8`).
 */
export function gpuGeometry(layer: Layer, rows: number, variant: string, knob: number): GpuGeometry {
  const k = Math.max(1, knob);
  const elems = rows * elemsPerRow(layer);
  const tiles = (a: number, b: number): number => Math.ceil(a / k) * Math.ceil(b / k);
  const m = layer.type === 'linear' ? layer.M : 1;
  switch (variant) {
    case 'gemv_row':
      return { workGroups: rows, outputsComputed: elems, workGroupSize: k, vectorWidth: 1 };
    case 'gemv_rows': {
      // gemv_row's groups; each pass over K sums MB rows m at once, a last partial pass paying all MB (its
      // accumulators are unrolled over MB), so M = 2..8 walk K once and M = 64 eight times (H200: 14-17 us
      // kernels for M = 2..8 at N 3072 K 768, 87 us at M = 64).
      const passes = Math.ceil(m / GEMV_ROWS_PER_PASS);
      return { workGroups: rows, outputsComputed: rows * passes * GEMV_ROWS_PER_PASS, workGroupSize: k, vectorWidth: 1 };
    }
    case 'gemv_row4':  // gemv_row's groups, float4 loads, four in flight per work-item
      return { workGroups: rows, outputsComputed: elems, workGroupSize: k, vectorWidth: 4 };
    case 'gemv_vec4':
      return { workGroups: Math.ceil(rows / 4), outputsComputed: Math.ceil(rows / 4) * 4 * m, workGroupSize: k, vectorWidth: 4 };
    case 'gemm_tiled': {
      const groups = tiles(rows, m);
      return { workGroups: groups, outputsComputed: groups * k * k, workGroupSize: k * k, vectorWidth: 1, reductionStep: k };
    }
    case 'conv_im2col_gemm':
    case 'conv_1x1_gemm': {
      const pq = layer.type === 'conv2d' ? elemsPerRow(layer) / layer.batch : 1;
      const groups = tiles(pq, rows) * (layer.type === 'conv2d' ? layer.batch : 1);
      return { workGroups: groups, outputsComputed: groups * k * k, workGroupSize: k * k, vectorWidth: 1, reductionStep: k };
    }
    default: {
      const reg = parseRegTileVariant(variant);
      if (reg) return regTileGeometry(layer, rows, reg, k);
      const local = parseLocalTileVariant(variant);
      if (local) return localTileGeometry(layer, rows, local);
      const vm = /(?:^|_)v(?:ec)?(\d+)(?:_|$)/.exec(variant);
      const vw = vm ? Number(vm[1]) : 1;
      const groups = Math.ceil(Math.ceil(elems / vw) / k);
      return { workGroups: groups, outputsComputed: groups * k * vw, workGroupSize: k, vectorWidth: vw };
    }
  }
}

/**
 * Register-tiled variants (linear_reg, conv_reg, conv_reg_1x1; src/plan/gpu-variants.ts): one work-item per
 * tile of `tile` rows m or output positions x VN * VW features (gemv_reg: `tile` features over every row m;
 * conv_pq_1x1: VN * VW positions x every channel block of `tile` channels; conv_pq: VN output rows x VW output
 * columns x every channel block; its zero-padding copy before it is not counted), work-groups of `wg` work-items over the
 * flattened tiles (native/kernels, their preconditions); padded tiles are computed in full.
 */
function regTileGeometry(layer: Layer, rows: number, reg: RegTileKnobs, wg: number): GpuGeometry {
  const vectorSpan = reg.vectorWidth * reg.vectors;
  const width = regTileWidth(reg);
  const blocks = Math.ceil(rows / width);
  let tiles: number;
  let perTile = reg.tile * vectorSpan;  // outputs one work-item computes
  if (layer.type === 'linear') {
    if (reg.kernel === 'gemv_reg') {  // RN features, each over every row m (its vectors run along K)
      tiles = blocks;
      perTile = reg.tile * layer.M;
    } else tiles = blocks * Math.ceil(layer.M / reg.tile);
  } else if (reg.kernel === 'conv_reg_1x1') tiles = layer.batch * blocks * Math.ceil((layer.H * layer.W) / reg.tile);
  else if (reg.kernel === 'conv_pq_1x1') {  // one work-item per position block walks every channel block
    tiles = layer.batch * Math.ceil((layer.H * layer.W) / vectorSpan);
    perTile = vectorSpan * blocks * reg.tile;
  } else if (reg.kernel === 'conv_pq') {  // VN output rows x VW output columns, walking every channel block
    const { P, Q } = convOut(layer);
    tiles = layer.batch * Math.ceil(P / reg.vectors) * Math.ceil(Q / reg.vectorWidth);
    perTile = vectorSpan * blocks * reg.tile;
  } else {
    const { P, Q } = convOut(layer);
    tiles = layer.batch * blocks * P * Math.ceil(Q / reg.tile);
  }
  return { workGroups: Math.ceil(tiles / wg), outputsComputed: tiles * perTile, workGroupSize: wg, vectorWidth: reg.vectorWidth };
}

/**
 * Scalar loads on a launch's critical path that go through clamped per-element indices, in floats: conv_pq_1x1's
 * last, partial position block of each image (H * W not a multiple of its VN * VW positions) gathers its tile one
 * float at a time, `min(e, last)` per element (native/kernels/conv.cl), where a whole block takes VN vector loads,
 * and its work-item walks every channel block over every input channel like the others, so it gathers
 * fBlocks x C x VN * VW floats. That work-item is the launch's slowest: on PoCL's CPU device (pocl-split
 * 2026-12-04T1753Z, v16x2_f4) a (channel block, input channel) step of the partial block took 27-47 ns, one of a
 * whole block about 3 ns (C64 56x56 F256: 14 work-items per core in 207 us). C160 and C320 at 7x7 (49 positions:
 * blocks of 32 and 17) and C1024 14x14 (196: six whole blocks and one of 4) all run at the partial block's pace,
 * C1024 F256 in 1.9 ms where conv_reg takes 0.32 ms. Each image has such a block, run side by side: one walk is
 * on the critical path. Other variants: 0 (their partial tiles clamp a row pointer, not each element).
 */
export function gpuGatherLoads(layer: Layer, rows: number, variant: string): number {
  const reg = parseRegTileVariant(variant);
  if (!reg || reg.kernel !== 'conv_pq_1x1' || layer.type !== 'conv2d' || rows <= 0) return 0;
  const span = reg.vectorWidth * reg.vectors;
  if ((layer.H * layer.W) % span === 0) return 0;
  return Math.ceil(rows / reg.tile) * layer.C * span;
}

/**
 * Floats a GPU variant's helper launches move beside its main kernel, a per-variant term of the host cost fit
 * (compose.ts): conv_im2col_gemm's im2col (native/src/variants.cpp) runs before the profiled kernel, so its cost
 * lands in the host-observed rest of the side; it unrolls the input of every output position the GPU computes,
 * C*R*S floats each, whatever its channels. Split-K's sum (gemm_splitk, conv_splitk) runs after it and inside the
 * kernel time (the engine extends it to the sum's end), so its term only takes up what the kernel model leaves; it
 * reads every part's partial output and writes the output, (splits + 1) floats per output of the GPU's `rows`
 * channels or features (default: all F or N). `layer` is the GPU's own layer (sideSlice: its rows of the output height or of M
 * for an outer split). 0 for other variants.
 */
export function gpuHelperFloats(layer: Layer, variant: string, rows?: number): number {
  const local = parseLocalTileVariant(variant);
  if (local && isSplitKKernel(local.kernel)) {
    const outputs = layer.type === 'linear' ? (rows ?? layer.N) * layer.M : (rows ?? layer.F) * elemsPerRow(layer);
    return (local.splits + 1) * outputs;
  }
  if (layer.type === 'conv2d' && variant === 'conv_im2col_gemm') return elemsPerRow(layer) * layer.C * layer.R * layer.S;
  return 0;
}

/**
 * Input floats conv_reg's work-items load, a load through the checked path counted twice: per filter row inside
 * the input a tile loads the CONV_REG_SEG = (RQ - 1) * strideW + S input columns it reads, once per input channel
 * (native/kernels/conv.cl conv_reg_row); a tile whose columns reach the padding (or past W) clamps and selects each
 * of them. Its FMAs per such row are S * RQ * VN vectors, so loads per FMA differ by filter width and padding: a 1x1
 * layer loads RQ floats per RQ * VN FMAs, a 3x3 one (RQ + 2) per 3 * RQ * VN; at Q = 7 with RQ = 8 every tile is
 * checked. Each load is a scalar broadcast to a vector, which on a CPU device costs about what two vector FMAs do
 * (pocl-split 2026-12-04T1753Z, every fold's fit: 0.061-0.063 ns per load against 0.0009 ns per flop), so a
 * 1x1 layer at 7x7 runs at about half a 3x3 layer's flop rate: flops alone predicted the held-out C320 7x7 F1280
 * at 117 us against 152-185 measured (with this term 166). 0 for other variants.
 */
export function gpuInputLoads(layer: Layer, rows: number, variant: string): number {
  const reg = parseRegTileVariant(variant);
  if (!reg || reg.kernel !== 'conv_reg' || layer.type !== 'conv2d' || rows <= 0) return 0;
  const { P, Q } = convOut(layer);
  const rq = reg.tile, sw = layer.strideW, seg = (rq - 1) * sw + layer.S;
  let rowsInside = 0;
  for (let p = 0; p < P; ++p) {
    for (let r = 0; r < layer.R; ++r) {
      const ih = p * layer.strideH - layer.padH + r;
      if (ih >= 0 && ih < layer.H) ++rowsInside;
    }
  }
  let perRow = 0;
  for (let q0 = 0; q0 < Q; q0 += rq) {
    const iw0 = q0 * sw - layer.padW;
    perRow += (iw0 < 0 || iw0 + (rq - 1) * sw + layer.S - 1 >= layer.W ? 2 : 1) * seg;
  }
  return layer.batch * Math.ceil(rows / regTileWidth(reg)) * layer.C * rowsInside * perRow;
}

/**
 * Local-tiled variants (gemm_local, gemm_splitk, conv_local, conv_local_im2col, conv_splitk; native/kernels/gemm_local.cl): one
 * work-group of (MWG / MWI) x (NWG / NWI) work-items per MWG x NWG output tile, columns along features n
 * (linear) or output positions (conv: rows along the slice's channels, one batch image per grid layer); the work-group
 * size is in the id, not the strategy's gpuWorkGroup. Local reads are vectors of up to 4 floats.
 */
function localTileGeometry(layer: Layer, rows: number, t: LocalTileKnobs): GpuGeometry {
  let groups: number;
  // Split-K: each tile once per part of the reduction (splits 1 for the others).
  if (layer.type === 'linear') groups = Math.ceil(rows / t.nwg) * Math.ceil(layer.M / t.mwg) * t.splits;
  else {
    const { P, Q } = convOut(layer);
    groups = layer.batch * Math.ceil(rows / t.mwg) * Math.ceil((P * Q) / t.nwg) * t.splits;
  }
  return {
    workGroups: groups, outputsComputed: groups * t.mwg * t.nwg, workGroupSize: (t.mwg / t.mwi) * (t.nwg / t.nwi),
    vectorWidth: Math.min(4, t.nwi), reductionStep: t.kwg, ...(t.splits > 1 ? { reductionParts: t.splits } : {}),
  };
}

/**
 * Bytes a CPU conv implementation writes into its scratch copy of the input per call
 * (native/src/cpu/conv2d.cpp): im2col unrolls the input into a [C*R*S][P*Q] matrix per image (skipped for a
 * plain 1x1 layer, which already is that matrix; since 2026-12-04 14:00 inside the GEMM's units, each unit its
 * own panel in its thread's block: the thread that reads the panel writes it, and a panel that several
 * threads' units share is unrolled by each of them; counted here once, as before), direct copies it into
 * a zero-padded buffer before any output row is computed. The cost is the whole layer's, whatever the slice's
 * rows: for a thin slice it is most of the time. Linear layers copy nothing on the timed path: their packed
 * weights are made once per job (native/src/cpu/linear.cpp).
 */
export function cpuCopyBytes(layer: Layer, impl: string, convLayout?: string): number {
  if (layer.type !== 'conv2d') return 0;
  const plain1x1 = layer.R === 1 && layer.S === 1 && layer.strideH === 1 && layer.strideW === 1 && layer.padH === 0 && layer.padW === 0;
  if (impl.includes('direct') || impl.includes('flat')) {
    // resolved.cpuConvLayout "narrow-panels,unpadded-in-place" (engine from 2026-12-04 late on; absent before):
    // an unpadded input is read in place by flat (stride 1) and by direct with column stride 1, bar a copy of
    // the last image's last rows (left out here: C x a few rows).
    const flatRuns = impl.includes('flat') && layer.strideH === 1 && layer.strideW === 1;
    if (narrowConvLayout(convLayout) && layer.padH === 0 && layer.padW === 0 && (flatRuns || layer.strideW === 1)) return 0;
    return FLOAT_BYTES * layer.batch * layer.C * (layer.H + 2 * layer.padH) * (layer.W + 2 * layer.padW);
  }
  if (plain1x1 && (impl.startsWith('openblas') || impl.includes('im2col'))) return 0;
  const { P, Q } = convOut(layer);
  return FLOAT_BYTES * layer.batch * layer.C * layer.R * layer.S * P * Q;
}

/** Register tiling of one ISA's kernel set (native/src/cpu/kernels_<isa>.cpp, the KernelTable fields). */
export interface CpuTiling {
  /** Floats per vector register. */
  width: number;
  /** gemmNT (linear): output columns per split tile (ntRows). */
  ntRows: number;
  /** gemmNN (conv im2col): output columns per panel (nnCols = registers x width) and rows per tile (nnRows). */
  nnCols: number;
  nnRows: number;
  /** direct conv: output channels per tile and output columns per register tile. */
  directRows: number;
  directCols: number;
  /** direct conv's wide tile: output columns per register tile (flat conv, and rows it pads no further). */
  wideCols: number;
}

export const CPU_TILING: Record<string, CpuTiling> = {
  avx512: { width: 16, ntRows: 4, nnCols: 64, nnRows: 6, directRows: 6, directCols: 32, wideCols: 64 },
  avx2: { width: 8, ntRows: 3, nnCols: 16, nnRows: 6, directRows: 6, directCols: 16, wideCols: 16 },
  neon: { width: 4, ntRows: 4, nnCols: 16, nnRows: 6, directRows: 4, directCols: 16, wideCols: 24 },
  scalar: { width: 1, ntRows: 4, nnCols: 8, nnRows: 4, directRows: 2, directCols: 8, wideCols: 8 },
};

/** The ISA assumed when neither the implementation name nor the engine's resolved name carries one: the widest. */
export const DEFAULT_CPU_ISA = 'avx512';

/**
 * Rows per thread below which OpenBLAS does not split a GEMM dimension further (its SWITCH_RATIO: 32 in the
 * x86-64 kernels the shipped hosts run, Haswell and Skylake-X).
 */
export const OPENBLAS_SWITCH_RATIO = 32;
/** m * n * k at or under which OpenBLAS runs a GEMM on one thread (SMP_THRESHOLD_MIN x GEMM_MULTITHREAD_THRESHOLD). */
const OPENBLAS_GEMM_SERIAL_MNK = 65536 * 4;
/** m * n under which OpenBLAS runs a GEMV on one thread (2304 x GEMM_MULTITHREAD_THRESHOLD). */
const OPENBLAS_GEMV_SERIAL_MN = 2304 * 4;

/**
 * How many of `threads` OpenBLAS puts to work on a column-major m x n x k GEMM. It splits m only into parts of
 * at least OPENBLAS_SWITCH_RATIO rows, halving its thread count until they are, and n into parts of about that
 * ratio times the m threads, capped so that the grid fits `threads`; it then trades threads between m and n
 * for squarer blocks, which keeps their product. So a GEMM with few output positions or few output channels
 * runs on a fraction of the threads it was given (gpu-host conv 2026-12-04T2050Z, 15 threads: C256 14x14 F64
 * 3x3 gets 3, C384 8x8 F96 1x3 gets 3), where flops / threads priced it 31-55% too fast.
 */
export function openblasGemmThreads(m: number, n: number, k: number, threads: number, ratio = OPENBLAS_SWITCH_RATIO): number {
  if (threads <= 1 || m * n * k <= OPENBLAS_GEMM_SERIAL_MNK) return 1;
  let alongM = 1;
  if (m >= 2 * ratio) {
    alongM = threads;
    while (m < alongM * ratio) alongM = Math.floor(alongM / 2);
  }
  let alongN = 1;
  if (n >= ratio * alongM) alongN = Math.min(Math.ceil(n / (ratio * alongM)), Math.floor(threads / alongM));
  return Math.max(1, alongM * alongN);
}

/**
 * The threads OpenBLAS uses for a slice of `rows` output rows: the engine's conv path (openblas-im2col) calls
 * a row-major rows x PQ x CRS GEMM per image, which OpenBLAS runs as the column-major m = P*Q, n = rows; the
 * linear path a row-major M x rows x K GEMM (m = rows, n = M), or for M = 1 a GEMV over `rows` rows, split
 * evenly unless it is tiny.
 */
function openblasThreads(layer: Layer, rows: number, threads: number): number {
  if (layer.type === 'conv2d') {
    const { P, Q } = convOut(layer);
    return openblasGemmThreads(P * Q, rows, layer.C * layer.R * layer.S, threads);
  }
  if (layer.M === 1) return rows * layer.K < OPENBLAS_GEMV_SERIAL_MN ? 1 : threads;
  return openblasGemmThreads(rows, layer.M, layer.K, threads);
}

/** The ISA an implementation name pins ("simd-im2col-avx2" -> avx2), or undefined ("simd", "openblas"). */
export function cpuIsaOf(impl: string | undefined): string | undefined {
  if (!impl) return undefined;
  const m = /-(avx512|avx2|neon|scalar)$/.exec(impl);
  return m ? m[1] : undefined;
}

/** Flops a CPU slice really executes, padding included: in total and on the busiest thread. */
export interface PaddedWork {
  flops: number;
  flopsPerThread: number;
}

/**
 * Work of `units` units split as static ParallelFor split them (contiguous runs, the first count % t threads one
 * unit more; pool-split.ts): the total and the busiest thread's sum of `work(u)`. The paths outside convSchedule
 * keep this split in every run (cpuPaddedWork says why).
 */
function splitWork(units: number, threads: number, work: (u: number) => number): PaddedWork {
  const pass = poolPass(units, threads, 'static', work);
  return { flops: pass.total, flopsPerThread: pass.busiest };
}

/**
 * The pool's rule for a slice: the one its job recorded (resolved.poolChunking); where none is recorded, static,
 * except under CONV_NARROW_LAYOUT, whose engine chunked dynamically already.
 */
function chunkingFor(poolChunking: string | undefined, convLayout: string | undefined): PoolChunking {
  return poolChunkingOf(poolChunking, narrowConvLayout(convLayout) ? 'dynamic' : 'static');
}

/**
 * How the engine's packed linear path (M above nnCols / 2) lays out its work, from resolved.cpuLinearPacking:
 * "weights-per-job" (W^T packed once per job; units are (column panel of W^T, block of X rows)), or absent in
 * runs before 2026-12-04 evening, whose engine packed X^T on every call (units (group of W rows, panel of m)).
 */
export const LINEAR_PACKS_WEIGHTS = 'weights-per-job';
/**
 * resolved.cpuLinearPacking of run 2052Z's engine (2026-12-06, s36): LINEAR_PACKS_WEIGHTS, and few rows of X (M up
 * to nnCols / 2, a GEMV included) read W^T packed in panels of 1, 2 or 4 registers, a whole panel per unit
 * (linear.cpp RunFewRowsPanels), instead of tiles of W's rows.
 */
export const LINEAR_FEW_ROWS_PANELS = `${LINEAR_PACKS_WEIGHTS},few-rows-panels`;
/** The engine after it (s36): the same panels from M = 2 on; a GEMV keeps the dot form's tiles of W rows. */
export const LINEAR_ROWS_2_PANELS = `${LINEAR_PACKS_WEIGHTS},rows-2-panels`;

function linearPacksWeights(packing?: string): boolean {
  return packing?.split(',')[0] === LINEAR_PACKS_WEIGHTS;
}

/**
 * Columns per panel of few rows of X as linear.cpp FewRowsPanelCols picks them: the widest of 4, 2, 1 registers
 * whose busiest thread gets at most 5% more columns than an even share.
 */
export function fewRowsPanelCols(rows: number, threads: number, width: number): number {
  for (const registers of [4, 2]) {
    const cols = registers * width;
    if (Math.ceil(Math.ceil(rows / cols) / threads) * cols * threads <= 1.05 * rows) return cols;
  }
  return width;
}

function linearPackedWork(layer: LinearLayer, rows: number, t: number, tl: CpuTiling, packing?: string): PaddedWork {
  if (linearPacksWeights(packing)) {
    // Panel-major units as RunSimd hands them out: blocks of up to 4 register tiles of X rows, one tile fewer
    // while there are under 8 units per thread. A partial panel still computes whole registers.
    const panels = Math.ceil(rows / tl.nnCols);
    let block = 4 * tl.nnRows;
    while (block > tl.nnRows && panels * Math.ceil(layer.M / block) < 8 * t) block -= tl.nnRows;
    const blocks = Math.ceil(layer.M / block);
    return splitWork(panels * blocks, t, (u) => 2 * tl.nnCols * layer.K * Math.min(block, layer.M - (u % blocks) * block));
  }
  // The earlier engine: groups of 8 register tiles of W rows on boundaries counted from column 0, halved while
  // there are fewer units than threads, times panels of nnCols rows of m.
  const panels = Math.ceil(layer.M / tl.nnCols);
  let group = 8 * tl.nnRows;
  while (Math.ceil(rows / group) * panels < t && group % (2 * tl.nnRows) === 0) group /= 2;
  const groups = Math.ceil(rows / group);
  return splitWork(groups * panels, t, (u) => 2 * tl.nnCols * layer.K * Math.min(group, rows - Math.floor(u / panels) * group));
}

/**
 * Flops the engine's simd kernels execute for a slice of `rows` output rows on `threads` threads with ISA
 * `isa`, following native/src/cpu: every register tile computes all its lanes, so the columns of the
 * last, partial tile are paid in full, while row tails run a smaller instantiation (exact rows).
 *  - linear (gemmNT/GEMV), M up to nnCols / 2: units are tiles of ntRows columns; K is read in whole registers
 *    (rounded up to the vector width). With LINEAR_FEW_ROWS_PANELS (LINEAR_ROWS_2_PANELS: from M = 2 on) the
 *    units are panels of fewRowsPanelCols columns with every row of X.
 *  - linear (packed gemmNN), M above nnCols / 2: units (panel of nnCols columns of W^T, block of up to 4
 *    tiles of nnRows rows of X), panel-major, blocks cut while there are under 8 units per thread; the
 *    slice's columns rounded up to whole panels (linearPackedWork has the earlier engine's units too).
 *  - conv im2col (gemmNN): units (image, channel chunk, column panel); each panel computes nnCols columns
 *    (P*Q rounded up per image); channels are chunked in whole row tiles as SimdIm2col chooses, chunks
 *    fastest.
 *  - conv direct: units (image, channel tile, output row); each output row computes Q rounded up to directCols
 *    (or to wideCols where that is no more).
 *  - conv flat (stride 1; strided layers run as direct): units (image, channel tile, chunk) over the flattened
 *    [P][W + 2 padW] plane, chunks of whole wideCols tiles as SimdDirectFlat chooses them.
 * The units go to the threads as static ParallelFor did (contiguous runs, the first count % t threads one unit
 * more), also in runs that recorded claimed chunks (splitWork; the body says why). SimdIm2col's and SimdDirectFlat's
 * own chunking only sets what a unit is; the pool's rule then hands those units out.
 * OpenBLAS (unknown tiling, its own threads) executes the true flops, split over the threads its GEMM partition
 * uses (openblasThreads; before 2026-12-05 s19, over every thread).
 * With `convLayout` CONV_NARROW_LAYOUT (resolved.cpuConvLayout; absent in earlier runs, which keep the rules
 * above) a conv slice is counted by convSchedule: the last, partial column tile of a conv row, flat chunk or
 * im2col panel pays its columns rounded up to the vector width only, the pool hands out its units by the
 * job's `poolChunking` (pool-split.ts; dynamic where none is recorded: that engine chunked dynamically already),
 * and im2col with fewer panels than threads splits C*R*S (split-K), where the busiest thread computes one part.
 */
export function cpuPaddedWork(layer: Layer, rows: number, threads: number, impl: string, isa?: string, linearPacking?: string,
  convLayout?: string, poolChunking?: string): PaddedWork {
  const t = Math.max(1, threads);
  // convSchedule (CONV_NARROW_LAYOUT) hands out its units by the run's recorded rule; the other paths keep the
  // static split they were fitted with, even where a run recorded dynamic chunking: following that rule there too
  // left the held-out CPU MAPE of gpu-host's 15-thread linear runs where it was (2126Z 14.4% -> 14.4% on simd,
  // 2050Z 12.0% -> 12.1%) and cost older conv runs up to 3.6 points (gpu-host conv 2026-12-03T1612Z 19.7 -> 23.3).
  const chunking = chunkingFor(poolChunking, convLayout);
  // resolved.cpuConvLayout "narrow-panels,unpadded-in-place" (absent in earlier runs): the conv kernels run a
  // row's or panel's last, partial tile with only the registers it has columns for, so it pays its columns
  // rounded up to the vector width instead of to the whole tile.
  const narrow = narrowConvLayout(convLayout);
  const lastTile = (cols: number, tile: number, width: number): number =>
    narrow ? Math.floor(cols / tile) * tile + Math.ceil((cols % tile) / width) * width : Math.ceil(cols / tile) * tile;
  if (rows <= 0) return { flops: 0, flopsPerThread: 0 };
  const tl = CPU_TILING[cpuIsaOf(impl) ?? isa ?? DEFAULT_CPU_ISA] ?? CPU_TILING[DEFAULT_CPU_ISA]!;
  if (impl.startsWith('openblas')) {
    const flops = sliceFlops(layer, rows);
    return { flops, flopsPerThread: flops / openblasThreads(layer, rows, t) };
  }
  if (layer.type === 'linear') {
    const panelsFrom = linearPacking === LINEAR_FEW_ROWS_PANELS ? 1 : linearPacking === LINEAR_ROWS_2_PANELS ? 2 : Infinity;
    if (layer.M >= panelsFrom && 2 * layer.M <= tl.nnCols) {
      // Each panel computes all its registers for every row of X over the whole K (the last one zero-padded).
      const cols = fewRowsPanelCols(rows, t, tl.width);
      return splitWork(Math.ceil(rows / cols), t, () => 2 * layer.M * cols * layer.K);
    }
    if (2 * layer.M > tl.nnCols) return linearPackedWork(layer, rows, t, tl, linearPacking);
    const k = Math.ceil(layer.K / tl.width) * tl.width;
    const tiles = Math.ceil(rows / tl.ntRows);
    // A thread's run of tiles ends at the slice's end, so only the last tile may be partial.
    return splitWork(tiles, t, (u) => 2 * layer.M * k * Math.min(tl.ntRows, rows - u * tl.ntRows));
  }
  if (narrow) {
    const w = convSchedule(layer, rows, t, impl, tl, chunking, undefined, convLayout);
    return { flops: w.flops, flopsPerThread: w.flopsPerThread };
  }
  const { P, Q } = convOut(layer);
  const crs = layer.C * layer.R * layer.S;
  if (impl.includes('flat') && layer.strideH === 1 && layer.strideW === 1) {
    const tiles = Math.ceil(rows / tl.directRows);
    const wp = layer.W + 2 * layer.padW, hp = layer.H + 2 * layer.padH;
    const flat = P * wp, flatTiles = Math.ceil(flat / tl.wideCols), maxTiles = Math.max(1, Math.floor(512 / tl.wideCols));
    const wanted = Math.ceil((8 * t) / (layer.batch * tiles));
    const chunk = Math.max(1, Math.min(maxTiles, Math.ceil(flatTiles / wanted))) * tl.wideCols;
    const chunks = Math.ceil(flat / chunk);
    const chunkFastest = rows * crs > layer.C * hp * wp;
    return splitWork(layer.batch * tiles * chunks, t, (u) => {
      const rest = u % (tiles * chunks);
      const tile = chunkFastest ? Math.floor(rest / chunks) : rest % tiles;
      const ci = chunkFastest ? rest % chunks : Math.floor(rest / tiles);
      const cols = lastTile(Math.min(chunk, flat - ci * chunk), tl.wideCols, tl.width);
      return 2 * crs * cols * Math.min(tl.directRows, rows - tile * tl.directRows);
    });
  }
  if (impl.includes('direct') || impl.includes('flat')) {
    const tiles = Math.ceil(rows / tl.directRows);
    // The narrow or the wide tile, whichever pads Q less (the wide one on a tie), pays the same columns.
    const q = Math.min(lastTile(Q, tl.directCols, tl.width), lastTile(Q, tl.wideCols, tl.width));
    // Unit u: output row u % P of channel tile (u / P) % tiles (the unit order does not change the split's sums).
    return splitWork(layer.batch * tiles * P, t, (u) => {
      const tile = Math.floor(u / P) % tiles;
      return 2 * crs * q * Math.min(tl.directRows, rows - tile * tl.directRows);
    });
  }
  const pq = P * Q;
  const panels = Math.ceil(pq / tl.nnCols);
  const tiles = Math.ceil(rows / tl.nnRows);
  // The chunk SimdIm2col picks: fewest tiles on the busiest thread, ties to the larger chunk.
  let tilesPerChunk = tiles, bestCost = -1;
  for (let tpc = tiles; tpc >= 1; --tpc) {
    const cost = Math.ceil((layer.batch * panels * Math.ceil(tiles / tpc)) / t) * tpc;
    if (bestCost < 0 || cost < bestCost) [bestCost, tilesPerChunk] = [cost, tpc];
  }
  const chunkRows = tilesPerChunk * tl.nnRows;
  const chunks = Math.ceil(tiles / tilesPerChunk);
  // The last panel of each image: its columns (narrow) or a whole panel.
  const lastCols = lastTile(pq - (panels - 1) * tl.nnCols, tl.nnCols, tl.width);
  return splitWork(layer.batch * chunks * panels, t, (u) => {
    const chunk = u % chunks, panel = Math.floor(u / chunks) % panels;
    const r = Math.max(0, Math.min(chunkRows, rows - chunk * chunkRows));
    return 2 * crs * (panel === panels - 1 ? lastCols : tl.nnCols) * r;
  });
}

/**
 * resolved.cpuConvLayout of the engine from 2026-12-04 15:27 on: narrow last panels and tiles, unpadded inputs
 * read in place. Every run that carries it also records the pool's chunking (resolved.poolChunking: dynamic, or
 * balanced from commit 8e50b77 on) and has the im2col unroll inside the GEMM's units and its split-K path
 * (2026-12-04 13:52 and 15:13), which convSchedule follows; runs without it keep the older rules of
 * cpuPaddedWork and cpuCopyBytes.
 */
export const CONV_NARROW_LAYOUT = 'narrow-panels,unpadded-in-place';

/**
 * resolved.cpuConvLayout of the engine since 2026-12-06 (s33): CONV_NARROW_LAYOUT's rules, and SimdIm2col picks its
 * channel chunk counting a quarter tile per unit besides the tiles (IM2COL_UNIT_COST_TILES; convSchedule).
 */
export const CONV_UNIT_COST_LAYOUT = `${CONV_NARROW_LAYOUT},im2col-unit-cost`;

/** SimdIm2col's cost of a unit in row tiles, beside its tiles, under CONV_UNIT_COST_LAYOUT (conv2d.cpp kUnitCostQuarterTiles / 4). */
export const IM2COL_UNIT_COST_TILES = 0.25;

/**
 * resolved.cpuConvLayout of the engine since 2026-12-06 (s34): CONV_UNIT_COST_LAYOUT's rules, and simd-flat on a padded
 * plane that it computes tiles fastest in two chunks or more runs its copy in (image, padded row, channel) order and
 * both passes under the pool's affine rule, so that each thread copies the rows it then reads (conv2d.cpp
 * PadJob::spatial): a copy shared across cores took as long on 8 threads as on one
 * (results/benchmarks/conv-passes-gpu-host-20261206-s34/).
 */
export const CONV_FLAT_AFFINE_LAYOUT = `${CONV_UNIT_COST_LAYOUT},flat-pad-affine`;

/**
 * resolved.cpuConvLayout of the engine since 2026-12-06 (s35): CONV_FLAT_AFFINE_LAYOUT's rules, and simd-im2col on a
 * plain 1x1 plane with a register tile's width of output positions per thread or more gives each thread one run of
 * whole vectors (an even share to the vector) and every row of the slice over it, in units of a tile's width from
 * the run's start, under the pool's affine rule (conv2d.cpp SimdIm2colColumnRuns): 64-column panels left the busiest
 * of 8 threads 7 of C64 56x56's 49 (on the GPU host it gained on C256 56x56 1x1 and C144 56x56 F24, not on C64 56x56
 * 1x1: results/benchmarks/cpu-8t-ab-gpu-host-20261206-s35/).
 */
export const CONV_COLUMN_RUNS_LAYOUT = `${CONV_FLAT_AFFINE_LAYOUT},1x1-column-runs`;

/** The conv layouts built on CONV_NARROW_LAYOUT, oldest first: each adds one rule to the one before it. */
const NARROW_CONV_LAYOUTS = [CONV_NARROW_LAYOUT, CONV_UNIT_COST_LAYOUT, CONV_FLAT_AFFINE_LAYOUT, CONV_COLUMN_RUNS_LAYOUT];

/** Whether a run's conv CPU slices follow CONV_NARROW_LAYOUT's rules (that layout, or one built on it). */
export function narrowConvLayout(convLayout: string | undefined): boolean {
  return convLayout !== undefined && NARROW_CONV_LAYOUTS.includes(convLayout);
}

/** Whether the recorded conv layout has `layout`'s rules: it is that layout or one built on it later. */
function convLayoutHas(convLayout: string | undefined, layout: string): boolean {
  const at = convLayout === undefined ? -1 : NARROW_CONV_LAYOUTS.indexOf(convLayout);
  return at >= 0 && at >= NARROW_CONV_LAYOUTS.indexOf(layout);
}

/** A pass of equal-cost units (a copy pass: `per` floats each): its total and its busiest thread's floats. */
function evenPass(units: number, threads: number, chunking: PoolChunking, per: number): { total: number; busiest: number } {
  return poolPass(units, threads, chunking, () => per, () => 1);
}

/**
 * A conv CPU slice as the engine of CONV_NARROW_LAYOUT runs it (native/src/cpu/conv2d.cpp): executed flops
 * (tile padding included), in total and on the busiest thread of its compute pass, and the floats its copy
 * passes write (or, for split-K's sum, read back), in total and on the critical path (the busiest thread of
 * each parallel pass plus any serial copy before it). Every pass hands its units out by `chunking`, the job's
 * recorded pool rule (pool-split.ts).
 *  - im2col, plain 1x1: X read in place, no copy; under CONV_COLUMN_RUNS_LAYOUT with a tile's width per thread,
 *    each thread's run of columns (columnRunsSchedule).
 *  - im2col fused (a column panel per thread or more): units (image, panel, channel chunk), chunks fastest;
 *    a thread unrolls a panel (C*R*S x its columns) whenever its next unit is on another panel than the
 *    last it unrolled, so a panel that several threads' units share is unrolled by each of them.
 *  - im2col split-K (fewer panels than threads, the part count and the test as SimdIm2col picks them): units
 *    (image, panel, part of C*R*S), each unrolling its part of the panel and computing every row of the
 *    slice over it; a second pass over (image, panel, row) reads all parts' partial rows back.
 *  - im2col otherwise: a shared unroll pass over (image, C*R*S row), then the GEMM units as fused.
 *  - direct: the padded, phase-split copy (one unit per padded input row) or, read in place, the serial copy
 *    of the last image's last rows (C x those rows x Wq: nearly all of a 7x7 input); units (image, channel
 *    tile, output row) in the order SimdDirect picks; a row pays Q up to its tile's vector width.
 *  - flat (stride 1): the padded plane (or, in place, the serial copy of the last plane's tail), chunks of
 *    the flattened plane as SimdDirectFlat picks them (under CONV_FLAT_AFFINE_LAYOUT a padded plane computed tiles
 *    fastest in two chunks or more runs both passes by the affine rule, whatever the job's); what the busiest
 *    thread's units read and write as for direct
 *    (since s29: gpu-host conv 2026-12-06T0650Z, held-out CPU MAPE of simd-flat 25.6 -> 24.6%; no change on the
 *    2-core VM, where the fit leaves the term at 0).
 */
export interface ConvSchedule extends PaddedWork {
  copyFloats: number;
  copyFloatsPerThread: number;
  /** Input and weight floats the busiest reader's units load and output floats it stores (direct, flat, im2col). */
  readFloatsPerThread?: number;
  /**
   * The busiest thread's register-tile loads (direct): input vectors and weight broadcasts, which do not shrink with
   * a tile's channels or a row's last columns the way its FMAs do.
   */
  tileLoadsPerThread?: number;
  /** ParallelFor calls: a copy or sum pass before or after the compute pass is another wake-up and join. */
  passes: number;
}

export function convSchedule(layer: Conv2dLayer, rows: number, threads: number, impl: string, tl: CpuTiling, chunking: PoolChunking,
  whole?: Conv2dLayer, convLayout?: string): ConvSchedule {
  const t = Math.max(1, threads);
  // The rules the recorded layout adds to CONV_NARROW_LAYOUT's (CONV_UNIT_COST_LAYOUT, CONV_FLAT_AFFINE_LAYOUT,
  // CONV_COLUMN_RUNS_LAYOUT).
  const im2colUnitCost = convLayoutHas(convLayout, CONV_UNIT_COST_LAYOUT);
  const flatPadAffine = convLayoutHas(convLayout, CONV_FLAT_AFFINE_LAYOUT);
  const columnRuns = convLayoutHas(convLayout, CONV_COLUMN_RUNS_LAYOUT);
  const { P, Q } = convOut(layer);
  const { batch, C, H, W, R, S, strideH: sh, strideW: sw, padH, padW } = layer;
  // `whole`: the layer whose first output rows `layer` is (a height split's CPU side, sideSlice's layer of P rows).
  // The engine computes those rows inside the whole layer's X, so it reads X in place by the whole layer's padding
  // and copies a serial tail only where the slice's reads reach the end of the whole X: the CPU's first rows are
  // followed by the GPU's, so mostly they do not (pocl-split conv 2026-12-06T0647Z: simd-flat's 50% height slices
  // of C64 and C144 56x56 1x1 priced with a tail copy of their own end, 2.2x their measured 22 us).
  const inX = whole ?? layer;
  const unpadded = inX.padH === 0 && inX.padW === 0;
  // Input rows after the slice's own in X (0 for a layer computed whole).
  const rowsAfter = whole ? Math.max(0, whole.H - H) : 0;
  const crs = C * R * S;
  // Copies of a column-strided layer (UnrollPanel, PadInput) move one float at a time where stride 1 moves four
  // in one 16-byte move: such a float is counted as four.
  const strided = sw > 1 ? 4 : 1;
  const lastTile = (cols: number, tile: number): number => Math.floor(cols / tile) * tile + Math.ceil((cols % tile) / tl.width) * tl.width;
  const rowsOf = (tile: number, per: number): number => Math.max(0, Math.min(per, rows - tile * per));
  // A pass of this slice's threads (poolPass): the busiest thread's flops and each thread's units in order.
  const computePass = (units: number, work: (u: number) => number, schedule?: (u: number) => number) =>
    poolPass(units, t, chunking, work, schedule);
  if (impl.includes('direct') || impl.includes('flat')) {
    const flat = impl.includes('flat') && sh === 1 && sw === 1;
    const hp = H + 2 * padH;
    if (flat) {
      const wp = W + 2 * padW, inPlace = unpadded, cols = tl.wideCols;
      const tiles = Math.ceil(rows / tl.directRows);
      const plane = P * wp, flatTiles = Math.ceil(plane / cols), maxTiles = Math.max(1, Math.floor(512 / cols));
      const wanted = Math.ceil((8 * t) / (batch * tiles));
      const chunk = Math.max(1, Math.min(maxTiles, Math.ceil(flatTiles / wanted))) * cols;
      const chunks = Math.ceil(plane / chunk);
      const chunkFastest = rows * crs > C * hp * wp;
      // CONV_FLAT_AFFINE_LAYOUT: a padded plane computed tiles fastest in two chunks or more runs its copy and its
      // compute under the affine rule.
      const affine = flatPadAffine && !inPlace && !chunkFastest && chunks >= 2;
      let copy = { total: 0, busiest: 0 };
      if (!inPlace) copy = evenPass(batch * C * Math.min(P - 1 + R, hp), t, affine ? 'affine' : chunking, wp);
      else {
        // The chunks of the last plane that would read past X read a serial copy of its tail (to X's end).
        const xRows = hp + rowsAfter;
        const reach = (ci: number): number => ci * chunk + Math.ceil(Math.min(chunk, plane - ci * chunk) / cols) * cols + (R - 1) * wp + S - 1;
        let tailChunk = chunks;
        while (tailChunk > 0 && reach(tailChunk - 1) > xRows * wp) --tailChunk;
        if (tailChunk < chunks) {
          const tail = C * (xRows - Math.floor((tailChunk * chunk) / wp)) * wp;
          copy = { total: tail, busiest: tail };
        }
      }
      // Unit u (SimdDirectFlat's order): channel tile and chunk of its image, the chunk's length in flattened outputs.
      const unitTile = (u: number): number => {
        const rest = u % (tiles * chunks);
        return chunkFastest ? Math.floor(rest / chunks) : rest % tiles;
      };
      const unitChunk = (u: number): number => {
        const rest = u % (tiles * chunks);
        return chunkFastest ? rest % chunks : Math.floor(rest / tiles);
      };
      const span = (ci: number): number => Math.min(chunk, plane - ci * chunk);
      const flatWork = (u: number): number => 2 * crs * lastTile(span(unitChunk(u)), cols) * rowsOf(unitTile(u), tl.directRows);
      const pass = affine ? poolPass(batch * tiles * chunks, t, 'affine', flatWork) : computePass(batch * tiles * chunks, flatWork);
      // What each thread's units read and write, as for direct below: a chunk's input window (C planes of the chunk
      // plus the filter's reach) when the unit is on another chunk than the thread's previous one, a channel tile's
      // weights when on another tile, and the unit's outputs.
      let reads = 0;
      for (const share of pass.shares) {
        let mine = 0, lastChunk = -1, lastTileIndex = -1;
        for (const [a, b] of share) {
          for (let u = a; u < b; ++u) {
            const ci = unitChunk(u), tile = unitTile(u), chunkId = Math.floor(u / (tiles * chunks)) * chunks + ci;
            if (chunkId !== lastChunk) mine += C * (span(ci) + (R - 1) * wp + S - 1);
            if (tile !== lastTileIndex) mine += rowsOf(tile, tl.directRows) * crs;
            mine += rowsOf(tile, tl.directRows) * span(ci);
            lastChunk = chunkId;
            lastTileIndex = tile;
          }
        }
        reads = Math.max(reads, mine);
      }
      return {
        flops: pass.total, flopsPerThread: pass.busiest, copyFloats: copy.total, copyFloatsPerThread: copy.busiest, readFloatsPerThread: reads,
        passes: inPlace ? 1 : 2,
      };
    }
    const roundUp = (cols: number): number => Math.ceil(Q / cols) * cols;
    const cols = roundUp(tl.wideCols) <= roundUp(tl.directCols) ? tl.wideCols : tl.directCols;
    const wq = roundUp(cols) + Math.floor((S - 1) / sw);
    let copy = { total: 0, busiest: 0 };
    let xpImage: number;
    if (unpadded && sw === 1) {
      xpImage = C * H * W;
      // The last image's output rows whose last register tile would read past X read a serial copy of their
      // input rows, each row padded to Wq; rows of the whole layer after the slice's count (SimdDirect's tailFrom).
      const xRows = H + rowsAfter, xP = P + rowsAfter / sh;
      let tailFrom = Math.floor(xP);
      while (tailFrom > 0 && ((tailFrom - 1) * sh + R - 1) * W + roundUp(cols) + S - 2 >= xRows * W) --tailFrom;
      if (tailFrom < P) {
        const tail = C * (xRows - tailFrom * sh) * wq;
        copy = { total: tail, busiest: tail };
      }
    } else {
      xpImage = C * hp * sw * wq;
      copy = evenPass(batch * C * Math.min((P - 1) * sh + R, hp), t, chunking, sw * wq * strided);
    }
    const tiles = Math.ceil(rows / tl.directRows);
    const rowFastest = rows * crs > xpImage;
    const q = lastTile(Q, cols);
    const tileOf = (u: number): number => (rowFastest ? Math.floor(u / P) % tiles : u % tiles);
    const pass = computePass(batch * tiles * P, (u) => 2 * crs * q * rowsOf(tileOf(u), tl.directRows));
    // What each thread's units read: an output row's input window (C x R input rows, of which a next row
    // shares all but sh) and a channel tile's weights, each when it differs from the thread's previous unit's.
    const rowFloats = xpImage / (C * (unpadded && sw === 1 ? H : hp));
    // The register tiles' loads (MicroDirect): per tap and input channel a tile of FB channels x NV vectors loads
    // its NV input vectors and broadcasts FB weights for FB x NV FMAs; a row runs Q / cols whole tiles of cols /
    // width vectors and a tail tile of the vectors its last columns need.
    const wholeTiles = Math.floor(Q / cols), tailVectors = Math.ceil((Q - wholeTiles * cols) / tl.width);
    const rowTiles = wholeTiles + (tailVectors > 0 ? 1 : 0), rowVectors = wholeTiles * (cols / tl.width) + tailVectors;
    const unitLoads = (u: number): number => crs * (rowVectors + rowTiles * rowsOf(tileOf(u), tl.directRows));
    let reads = 0, loads = 0;
    for (const share of pass.shares) {
      let mine = 0, mineLoads = 0, lastRow = -2, lastTile = -1;
      for (const [a, b] of share) {
        for (let u = a; u < b; ++u) {
          mineLoads += unitLoads(u);
          const img = Math.floor(u / (tiles * P)), p = rowFastest ? u % P : Math.floor(u / tiles) % P, tile = tileOf(u);
          const row = img * P + p;
          if (row !== lastRow) mine += C * rowFloats * (row === lastRow + 1 ? Math.min(R, sh) : R);
          if (tile !== lastTile) mine += rowsOf(tile, tl.directRows) * crs;
          mine += rowsOf(tile, tl.directRows) * Q;
          lastRow = row;
          lastTile = tile;
        }
      }
      reads = Math.max(reads, mine);
      loads = Math.max(loads, mineLoads);
    }
    return {
      flops: pass.total, flopsPerThread: pass.busiest, copyFloats: copy.total, copyFloatsPerThread: copy.busiest, readFloatsPerThread: reads,
      tileLoadsPerThread: loads, passes: unpadded && sw === 1 ? 1 : 2,
    };
  }
  // im2col
  const pq = P * Q, cols = tl.nnCols;
  const panels = Math.ceil(pq / cols);
  const panelCols = (panel: number): number => (panel === panels - 1 ? pq - (panels - 1) * cols : cols);
  const tiles = Math.ceil(rows / tl.nnRows);
  // SimdIm2col's channel chunk: the fewest tiles on the busiest thread, plus a unit's own cost under
  // CONV_UNIT_COST_LAYOUT; ties to the larger chunk.
  const unitCost = im2colUnitCost ? IM2COL_UNIT_COST_TILES : 0;
  let tilesPerChunk = tiles, bestCost = -1;
  for (let tpc = tiles; tpc >= 1; --tpc) {
    const cost = Math.ceil((batch * panels * Math.ceil(tiles / tpc)) / t) * (tpc + unitCost);
    if (bestCost < 0 || cost < bestCost) [bestCost, tilesPerChunk] = [cost, tpc];
  }
  const chunkRows = tilesPerChunk * tl.nnRows, chunks = Math.ceil(tiles / tilesPerChunk);
  const inPlace = R === 1 && S === 1 && sh === 1 && sw === 1 && padH === 0 && padW === 0;
  const imageVectors = Math.ceil(pq / tl.width), vectorsPerUnit = cols / tl.width;
  if (columnRuns && inPlace && t > 1 && batch * imageVectors >= t * vectorsPerUnit) return columnRunsSchedule(batch, imageVectors, pq, crs, rows, t, tl);
  const fused = !inPlace && batch * panels >= t;
  // SimdIm2col's part count: a part per thread's share of panels, then more while that lowers the busiest
  // thread's K rows (plus 16 rows' worth per partial block) and still moves fewer floats than the shared unroll.
  const minPart = 32, partCost = 16;
  const tasks = batch * panels, unrolled = chunks * crs, maxParts = Math.floor(crs / minPart);
  let parts = Math.min(Math.ceil(t / tasks), maxParts);
  const busiestK = (n: number): number => Math.ceil((tasks * n) / t) * (Math.ceil(crs / n) + partCost);
  for (let more = parts + 1; more <= maxParts && unrolled > 2 * more * rows; ++more) if (busiestK(more) < busiestK(parts)) parts = more;
  if (!inPlace && !fused && parts >= 2 && unrolled > 2 * parts * rows) {
    const kPart = Math.ceil(crs / parts), n = Math.ceil(crs / kPart);
    const kOf = (u: number): number => Math.min(kPart, crs - (u % n) * kPart);
    const panelOf = (u: number): number => Math.floor(u / n) % panels;
    const pass = computePass(batch * panels * n, (u) => 2 * rows * kOf(u) * lastTile(panelCols(panelOf(u)), cols));
    // Each unit unrolls its K rows of its panel, reads the slice's weights over them and stores a partial block.
    let unroll = 0, busiestUnroll = 0, reads = 0;
    for (const s of pass.shares) {
      let mine = 0, loads = 0;
      for (const [a, b] of s) {
        for (let u = a; u < b; ++u) {
          mine += kOf(u) * panelCols(panelOf(u)) * strided;
          loads += rows * kOf(u) + rows * panelCols(panelOf(u));
        }
      }
      unroll += mine;
      busiestUnroll = Math.max(busiestUnroll, mine);
      reads = Math.max(reads, loads);
    }
    // The sum: one unit per (image, panel, output row), reading the row's columns of every part.
    const sum = computePass(batch * panels * rows, (u) => n * panelCols(Math.floor(u / rows) % panels), () => 1);
    return { flops: pass.total, flopsPerThread: pass.busiest, copyFloats: unroll + sum.total, copyFloatsPerThread: busiestUnroll + sum.busiest, readFloatsPerThread: reads, passes: 2 };
  }
  const units = batch * chunks * panels;
  const pass = computePass(units, (u) => {
    const chunk = u % chunks, panel = Math.floor(u / chunks) % panels;
    return 2 * crs * lastTile(panelCols(panel), cols) * rowsOf(chunk, chunkRows);
  });
  let copy = { total: 0, busiest: 0 }, reads = 0;
  // A thread's units, in order: a unit on another panel than its previous one unrolls it (fused: a thread
  // keeps the panel it unrolled last, held[thread], across its chunks) or reads it (in place, or from the shared
  // unroll); a unit on another chunk reads that chunk's weights; every unit writes its rows of its panel.
  for (const share of pass.shares) {
    let unrolled = 0, mine = 0, held = -1, lastChunk = -1;
    for (const [a, b] of share) {
      for (let u = a; u < b; ++u) {
        const panelIndex = Math.floor(u / chunks), chunk = u % chunks, n = panelCols(panelIndex % panels);
        if (panelIndex !== held) {
          if (fused) unrolled += crs * n * strided;
          else mine += crs * n;
        }
        if (chunk !== lastChunk) mine += rowsOf(chunk, chunkRows) * crs;
        mine += rowsOf(chunk, chunkRows) * n;
        held = panelIndex;
        lastChunk = chunk;
      }
    }
    copy.total += unrolled;
    copy.busiest = Math.max(copy.busiest, unrolled);
    reads = Math.max(reads, mine);
  }
  if (!fused && !inPlace) copy = evenPass(batch * crs, t, chunking, pq * strided);
  return {
    flops: pass.total, flopsPerThread: pass.busiest, copyFloats: copy.total, copyFloatsPerThread: copy.busiest, readFloatsPerThread: reads,
    passes: fused || inPlace ? 1 : 2,
  };
}

/**
 * SimdIm2colColumnRuns (CONV_COLUMN_RUNS_LAYOUT): thread r's run of the batch's vectors (the first vectors % threads
 * runs one longer), cut into units of a register tile's width from its start, every row over each; a unit that reaches
 * into the next image is one GEMM call per image, each computing whole vectors. The units go out by the affine rule.
 */
function columnRunsSchedule(batch: number, imageVectors: number, pq: number, crs: number, rows: number, threads: number, tl: CpuTiling): ConvSchedule {
  const vectors = batch * imageVectors, perUnit = tl.nnCols / tl.width;
  const unitsPerThread = Math.ceil(Math.ceil(vectors / threads) / perUnit);
  const runs = staticRuns(vectors, threads);
  // The output columns unit u computes (whole vectors) and the input columns it reads (up to each plane's end).
  const unitColumns = (u: number): { computed: number; read: number } => {
    const [runBegin, runEnd] = runs[Math.floor(u / unitsPerThread)]!;
    let v = runBegin + (u % unitsPerThread) * perUnit, computed = 0, read = 0;
    const v1 = Math.min(v + perUnit, runEnd);
    while (v < v1) {
      const img = Math.floor(v / imageVectors), stop = Math.min(v1, (img + 1) * imageVectors);
      const c0 = (v - img * imageVectors) * tl.width, c1 = Math.min((stop - img * imageVectors) * tl.width, pq);
      computed += Math.ceil((c1 - c0) / tl.width) * tl.width;
      read += c1 - c0;
      v = stop;
    }
    return { computed, read };
  };
  const pass = poolPass(threads * unitsPerThread, threads, 'affine', (u) => 2 * crs * rows * unitColumns(u).computed);
  // Each thread reads the slice's weights, its columns of X and writes its columns of the slice's rows.
  let reads = 0;
  for (const share of pass.shares) {
    let columns = 0;
    for (const [a, b] of share) for (let u = a; u < b; ++u) columns += unitColumns(u).read;
    if (columns > 0) reads = Math.max(reads, rows * crs + columns * (crs + rows));
  }
  return { flops: pass.total, flopsPerThread: pass.busiest, copyFloats: 0, copyFloatsPerThread: 0, readFloatsPerThread: reads, passes: 1 };
}

/**
 * Bytes a CPU slice's copies write, in total and on the critical path. With CONV_NARROW_LAYOUT (conv) as
 * convSchedule counts them for the slice's rows and threads: a thin channel slice still unrolls or pads the
 * whole input, a panel that several threads share is unrolled by each, split-K's sum reads its partial
 * blocks back, and an in-place direct or flat slice copies the last rows serially. Otherwise cpuCopyBytes, shared evenly.
 */
export function cpuCopyWork(layer: Layer, rows: number, threads: number, impl: string, isa?: string, convLayout?: string, poolChunking?: string,
  whole?: Layer): {
  bytes: number; bytesPerThread: number; readBytesPerThread: number; passes: number; tileLoadsPerThread: number;
} {
  const t = Math.max(1, threads);
  if (layer.type === 'conv2d' && narrowConvLayout(convLayout) && !impl.startsWith('openblas') && rows > 0) {
    const tl = CPU_TILING[cpuIsaOf(impl) ?? isa ?? DEFAULT_CPU_ISA] ?? CPU_TILING[DEFAULT_CPU_ISA]!;
    const w = convSchedule(layer, rows, t, impl, tl, chunkingFor(poolChunking, convLayout), whole?.type === 'conv2d' ? whole : undefined,
      convLayout);
    return {
      bytes: FLOAT_BYTES * w.copyFloats, bytesPerThread: FLOAT_BYTES * w.copyFloatsPerThread, readBytesPerThread: FLOAT_BYTES * (w.readFloatsPerThread ?? 0),
      passes: w.passes, tileLoadsPerThread: w.tileLoadsPerThread ?? 0,
    };
  }
  const bytes = cpuCopyBytes(layer, impl, convLayout);
  // OpenBLAS's conv GEMM (CONV_NARROW_LAYOUT runs; earlier runs keep their models): the output floats each of its
  // threads writes. With a short reduction (C*R*S of 16-64 on the 1x1 layers) a GEMM is bound by its output, which
  // OpenBLAS zeroes and then stores: gpu-host conv 2026-12-06T0650Z priced C16 112x112 and C64 56x56 1x1 slices
  // 30-69% too fast by their flops (held-out CPU MAPE of openblas-im2col 28.5 -> 20.1% with this term).
  let readBytesPerThread = 0;
  if (layer.type === 'conv2d' && impl.startsWith('openblas') && narrowConvLayout(convLayout) && rows > 0) {
    const { P, Q } = convOut(layer);
    readBytesPerThread = FLOAT_BYTES * layer.batch * P * Q * rows / openblasThreads(layer, rows, t);
  }
  return { bytes, bytesPerThread: bytes / t, readBytesPerThread, passes: 1, tileLoadsPerThread: 0 };
}

/**
 * CPU features of a slice of `rows` output rows computed by `threads` threads with implementation `impl`;
 * `isa` is the kernel set the engine resolved (e.g. from resolved.cpuImpl "simd-im2col-avx512") when known.
 * `whole`: for the CPU side of a split along the output height, the layer whose first rows `layer` is (see
 * convSchedule); absent for a layer computed whole or sliced along its channels.
 */
export function cpuFeatures(
  layer: Layer, rows: number, threads: number, impl: string, isa?: string, linearPacking?: string, convLayout?: string,
  poolChunking?: string, whole?: Layer,
): SideFeatures {
  const t = Math.max(1, threads);
  const flops = sliceFlops(layer, rows);
  const padded = cpuPaddedWork(layer, rows, t, impl, isa, linearPacking, convLayout, poolChunking);
  const copy = cpuCopyWork(layer, rows, t, impl, isa, convLayout, poolChunking, whole);
  const copyBytes = copy.bytes;
  return {
    group: `${layer.type}:${impl}`,
    values: {
      flops,
      bytes: sliceBytes(layer, rows),
      rows,
      threads: t,
      rowsPerThread: Math.ceil(rows / t),
      flopsPerThread: flops / t,
      reduction: reduction(layer),
      elemsPerRow: elemsPerRow(layer),
      copyBytes,
      // The copy on the critical path: the busiest thread's share of each copy pass and any serial copy (see cpuCopyWork).
      copyBytesPerThread: copy.bytesPerThread,
      readBytesPerThread: copy.readBytesPerThread,
      // The busiest thread's register-tile loads (direct conv with CONV_NARROW_LAYOUT; convSchedule): a baseline term.
      tileLoadsPerThread: copy.tileLoadsPerThread,
      // Every ParallelFor wakes and joins each thread: threads x the slice's passes (1 unless cpuCopyWork says).
      poolJoins: t * copy.passes,
      // The slice's weight rows: read once, reused only across the output row (M or P*Q): bandwidth-bound when that is short.
      weightBytes: FLOAT_BYTES * rows * reduction(layer),
      // Executed flops with the kernels' tile padding, in total and on the busiest thread (see cpuPaddedWork).
      paddedFlops: padded.flops,
      paddedFlopsPerThread: padded.flopsPerThread,
      // The busiest thread's share of the weights (its rows times the reduction): what must fit in its core's
      // cache for a thin slice (M = 1 GEMV) to run from cache rather than from the shared L3 or DRAM.
      weightBytesPerThread: FLOAT_BYTES * Math.ceil(rows / t) * reduction(layer),
    },
  };
}

/** GPU features of a slice of `rows` output rows computed by `variant` with work-group size `wg`. */
export function gpuFeatures(layer: Layer, rows: number, variant: string, wg: number, device: DeviceInfo, sync?: string): SideFeatures {
  const geo = gpuGeometry(layer, rows, variant, wg);
  const bytes = sliceBytes(layer, rows);
  const cus = Math.max(1, device.computeUnits);
  const resident = runsResident(sync);
  return {
    group: resident ? `${layer.type}:${variant}${RESIDENT_GROUP_SUFFIX}` : `${layer.type}:${variant}`,
    values: {
      flops: sliceFlops(layer, rows),
      // Executed multiply-adds x2, padding included: what a tiled kernel really pays for a thin slice.
      workFlops: 2 * geo.outputsComputed * gpuReductionWalked(layer, geo),
      bytes,
      rows,
      workGroups: geo.workGroups,
      waves: Math.ceil(geo.workGroups / cus),
      workGroupSize: geo.workGroupSize,
      bytesPerWorkItem: bytes / Math.max(1, geo.workGroups * geo.workGroupSize),
      vectorWidth: geo.vectorWidth,
      reduction: reduction(layer),
      elemsPerRow: elemsPerRow(layer),
      serialFlops: gpuSerialFlops(layer, geo, cus),
      // serialFlops split at the first work-group per compute unit (see gpuQueuedFlops): the baseline prices the
      // groups queued behind it at a fitted share of the first one's cost.
      queuedFlops: gpuQueuedFlops(layer, geo, cus),
      // Gathered loads on the critical path (gpuGatherLoads): a baseline term, not a tree input, so runs without
      // such a kernel fit as before.
      gatherLoads: gpuGatherLoads(layer, rows, variant),
      // conv_reg's input loads (gpuInputLoads), a baseline term like gatherLoads.
      inputLoads: gpuInputLoads(layer, rows, variant),
      // The bytes a resident worker keeps for itself between executions (residentBytesPerWorker); 0 for a
      // launched kernel, whose work-groups go to whichever worker is free, so no worker keeps a share warm.
      residentBytesPerWorker: resident ? residentBytesPerWorker(bytes, geo.workGroups, cus) : 0,
    },
  };
}

/** The mechanism whose kernel stays resident (native/src/sync_svm_resident.cpp): one group per worker, no launches. */
export const RESIDENT_SYNC = 'svm-resident';
/** Group suffix of a resident GPU side: its own fit, apart from the same variant launched. */
export const RESIDENT_GROUP_SUFFIX = '@resident';

// Read once: runsResident is called for every candidate strategy a selection ranks.
const RESIDENT_GROUPS_ON = process.env.COEXEC_RESIDENT_GROUPS_OFF !== '1';

/**
 * Whether a GPU side under mechanism `sync` runs as a resident kernel (and gets its own model group).
 * COEXEC_RESIDENT_GROUPS_OFF=1 prices it as the variant launched, as before 2026-12-05 s17: the switch that
 * scripts/q-over-runs.mjs compares the two with.
 */
export function runsResident(sync: string | undefined): boolean {
  return sync === RESIDENT_SYNC && RESIDENT_GROUPS_ON;
}

/**
 * The slice's bytes one resident worker touches on every execution: the resident kernel deals its launch's
 * work-groups to the device's workers in contiguous chunks of at most ceil(groups / workers) (balanced ones, which
 * workers that finish early may steal from, since s31's engine), and the same worker takes the same chunk each
 * time, so its share of the weights stays in its own cache while it fits there.
 */
export function residentBytesPerWorker(bytes: number, workGroups: number, workers: number): number {
  const groups = Math.max(1, workGroups);
  return bytes * Math.min(groups, Math.ceil(groups / Math.max(1, workers))) / groups;
}

/**
 * The launch's critical path in flops: what one work-item computes in sequence (its outputs x the reduction
 * length x 2) times the work-groups each compute unit runs, on average and at least one. Thin slices of the
 * tiled kernels are latency-bound: every work-group walks the whole reduction one tile at a time, so their
 * time follows the reduction length, not the total flops (measured on the H200: gemm_tiled at M = 1 takes
 * ~15, 25, 78 us for K = 384, 768, 3072 at any N up to 192 work-groups). A linear term in it extrapolates to
 * a reduction length no training shape had, which a tree over K cannot. Groups per compute unit are not
 * rounded up to whole waves: a GPU keeps several groups resident per unit (192 groups of 256 items ran in
 * the time of 48 on the H200's 132), so a last partial wave costs a fraction, not a full step (held-out GPU
 * MAPE on gpu-host 2026-12-03, whole waves -> average: linear 11.6 -> 9.2, conv 8.5 -> 7.4).
 */
export function gpuSerialFlops(layer: Layer, geo: GpuGeometry, computeUnits: number): number {
  const items = Math.max(1, geo.workGroups * geo.workGroupSize);
  const groupsPerUnit = Math.max(1, geo.workGroups / Math.max(1, computeUnits));
  return groupsPerUnit * 2 * gpuReductionWalked(layer, geo) * (geo.outputsComputed / items);
}

/**
 * The part of serialFlops beyond one work-group's walk: (groups per compute unit - 1) x the walk, 0 while every
 * compute unit runs at most one group. The first group on a unit pays the reduction's full latency; the groups
 * queued behind it overlap with it and with each other (a GPU keeps several resident and switches between them
 * while one waits on memory), so each costs a share of that latency, which a device that runs its groups one
 * after the other (PoCL's CPU device) pays in full. Pricing them at the first group's cost extrapolates a model
 * fitted on thin slices (one group per unit) to a wide one as if nothing overlapped: on the H200, gemm_tiled
 * K = 768 takes 26 us at M = 8 (1.5 groups per unit) and 206 us at M = 256 (23 per unit), ~8 us per queued group
 * against ~20 us for the first group's walk, and the held-out M = 256 kernel was predicted at twice its time.
 */
export function gpuQueuedFlops(layer: Layer, geo: GpuGeometry, computeUnits: number): number {
  const walk = gpuSerialFlops(layer, geo, Number.POSITIVE_INFINITY);
  return gpuSerialFlops(layer, geo, computeUnits) - walk;
}

/** Bytes the host moves for a GPU slice when the mechanism copies: the whole input in, the slice's output rows back. */
export interface TransferBytes {
  inputBytes: number;
  outputBytes: number;
  /** Output rows of the slice (N features or F channels), whose bytes outputBytes are: see host-cost.ts on telling the two apart. */
  outputRows?: number;
}

/**
 * Transfer sizes of a GPU slice of `rows` output rows (fp32): X is copied whole (every output row reads all
 * of it), only the GPU rows of Y come back. Weights are uploaded once before timing and so do not count.
 * For a split along M or the output height pass the GPU's share as its own layer (sideSlice in
 * src/analysis/layers.ts): its X is then the rows the GPU reads, halo included.
 */
export function transferBytes(layer: Layer, rows: number): TransferBytes {
  const input = layer.type === 'linear' ? layer.M * layer.K : layer.batch * layer.C * layer.H * layer.W;
  return { inputBytes: FLOAT_BYTES * input, outputBytes: FLOAT_BYTES * rows * elemsPerRow(layer), outputRows: rows };
}

/** Feature names of a side. */
export function featureNames(side: SideName): readonly string[] {
  return side === 'cpu' ? CPU_FEATURES : GPU_FEATURES;
}

/**
 * The numeric vector trees read: the side's features in order, then one indicator per known group (the
 * implementation or variant as a one-hot), so one ensemble serves every group and can share what they have in common.
 */
export function toVector(f: SideFeatures, names: readonly string[], groups: readonly string[]): number[] {
  const v = names.map((n) => f.values[n] ?? 0);
  for (const g of groups) v.push(f.group === g ? 1 : 0);
  return v;
}
