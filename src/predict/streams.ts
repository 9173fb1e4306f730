/**
 * The GPU side of a strategy with gpuStreams k > 1 (contract section 2; native/src/sync_streams.cpp): the
 * GPU's share is cut into k chunks along its outer output rows (M or the output height), and each chunk's
 * input copy, kernel(s) and read-back run on a queue of its own, so one chunk's copies overlap another's
 * kernel. Priced as a three-stage flow shop: input copies serialize on the host-to-device copy engine,
 * kernels on the GPU (one after another, or a later chunk's only as far as it fills the compute units:
 * laterShare), read-backs on the device-to-host engine, the stages of different chunks overlapping; plus
 * the mechanism's fixed host cost once and a fitted cost per extra chunk (its own queue's enqueues, flush
 * and wait, less what the kernel pricing missed of their overlap). Each chunk's copies come from the composition's per-byte host cost
 * terms, its kernel from the GPU side model on the chunk's own layer (a thinner kernel need not fill the
 * GPU, so k chunks cost more than one share's kernel).
 */
import { convOut } from '../analysis/layers.js';
import * as planIds from '../plan/ids.js';
import type { Layer, Strategy } from '../analysis/types.js';
import type { TransferBytes } from './features.js';

const FLOAT_BYTES = 4;

/** One chunk of the GPU's share: the layer it computes, its rows along F or N, and what it copies. */
export interface StreamChunk {
  /** The chunk as a layer of its own: M rows (linear) or output height n with its input rows and halo (conv2d, unpadded in height). */
  layer: Layer;
  /** Its output rows along N or F (the GPU's channels / features). */
  rows: number;
  /** Outer rows it covers (M rows or output rows), for the tests and the report. */
  outerRows: number;
  /** Input rows copied in (only real rows: zero padding rows are written once before timing) and the output read back. */
  transfer: TransferBytes;
}

/**
 * The chunks the engine cuts a GPU share into (MakeShareChunks, native/src/split.cpp): the share's outer
 * rows (after the CPU's rows on an outer split, all of them on a channel split) in min(k, rows) contiguous
 * runs, the first rows % count one row longer. `rowsCpu` are the CPU's rows along the strategy's split dimension.
 */
export function streamChunks(layer: Layer, s: Pick<Strategy, 'splitDim'>, rowsCpu: number, streams: number): StreamChunk[] {
  const outer = planIds.splitsOuter(s.splitDim);
  const outerExtent = layer.type === 'linear' ? layer.M : convOut(layer).P;
  const begin = outer ? rowsCpu : 0;
  // The GPU's channels / features: all of them on an outer split, those after the CPU's on a channel split.
  const channels = layer.type === 'linear' ? layer.N - (outer ? 0 : rowsCpu) : layer.F - (outer ? 0 : rowsCpu);
  const total = outerExtent - begin;
  if (total <= 0 || channels <= 0) return [];
  const count = Math.max(1, Math.min(streams, total));
  const chunks: StreamChunk[] = [];
  for (let i = 0, at = begin; i < count; ++i) {
    const n = Math.floor(total / count) + (i < total % count ? 1 : 0);
    if (layer.type === 'linear') {
      chunks.push({
        layer: { ...layer, M: n, N: channels }, rows: channels, outerRows: n,
        transfer: { inputBytes: FLOAT_BYTES * n * layer.K, outputBytes: FLOAT_BYTES * n * channels, outputRows: channels },
      });
    } else {
      const { Q } = convOut(layer);
      // ConvInputRows: the real input rows the chunk's output rows read (its halo included, padding not).
      const ih0 = Math.min(Math.max(at * layer.strideH - layer.padH, 0), layer.H);
      const ih1 = Math.min(Math.max((at + n - 1) * layer.strideH - layer.padH + layer.R, ih0), layer.H);
      chunks.push({
        layer: { ...layer, H: (n - 1) * layer.strideH + layer.R, padH: 0, F: channels }, rows: channels, outerRows: n,
        transfer: {
          inputBytes: FLOAT_BYTES * layer.batch * layer.C * (ih1 - ih0) * layer.W,
          outputBytes: FLOAT_BYTES * layer.batch * channels * n * Q, outputRows: channels,
        },
      });
    }
    at += n;
  }
  return chunks;
}

/** One chunk's stage times (ns): its input copy, its kernel(s), its read-back. */
export interface ChunkStages {
  inNs: number;
  kernelNs: number;
  outNs: number;
}

/**
 * When the last chunk's read-back ends, from the first input copy's start: each stage serves the chunks in
 * order, one at a time (one copy engine per direction, kernels one after another), and a chunk's stage
 * starts when its previous stage and the stage's previous chunk are both done. For k equal chunks this is
 * in + kernel + out + (k - 1) max(in, kernel, out).
 */
export function pipelineNs(chunks: readonly ChunkStages[]): number {
  let inEnd = 0, kernelEnd = 0, outEnd = 0;
  for (const c of chunks) {
    inEnd += c.inNs;
    kernelEnd = Math.max(inEnd, kernelEnd) + c.kernelNs;
    outEnd = Math.max(kernelEnd, outEnd) + c.outNs;
  }
  return outEnd;
}

/** What pricing a streamed GPU side needs from the composition and the GPU side model. */
export interface StreamPricing {
  /** The mechanism's fixed host cost (paid once: the first enqueue and the wait), variant shift included. */
  fixedNs: number;
  /** Fitted cost of each chunk beyond the first (its queue's enqueues, flush and wait). */
  perExtraChunkNs: number;
  /**
   * Where given, the share of the compute units a chunk's launch fills (work-groups / compute units): a
   * later chunk's kernel is then paid in full only when it fills the GPU, else in that share (laterShare).
   * Absent: the kernels run one after another, each paid in full.
   */
  occupancy?: (chunk: StreamChunk) => number;
  /** A chunk's copy times from its transfer sizes (the mechanism's per-byte host cost terms). */
  copyNs: (t: TransferBytes) => { inNs: number; outNs: number };
  /** A chunk's kernel time (the GPU side model on the chunk's layer). */
  kernelNs: (chunk: StreamChunk) => number;
}

/**
 * The host-observed GPU side of a streamed share: fixed + (chunks - 1) x per-chunk cost + the chunks'
 * pipeline. The per-chunk cost is fitted and may be negative (a later chunk's kernel that hides partly under
 * its neighbour's, when kernels are priced one after another), so the side is never priced below the fixed
 * cost and the copies of the busier direction, which one copy engine must carry one after another.
 */
export function streamedGpuNs(chunks: readonly StreamChunk[], p: StreamPricing): number {
  const stages = chunks.map((c, i) => ({ ...p.copyNs(c.transfer), kernelNs: laterShare(p, c, i) * p.kernelNs(c) }));
  const copies = Math.max(stages.reduce((t, st) => t + st.inNs, 0), stages.reduce((t, st) => t + st.outNs, 0));
  return Math.max(0, p.fixedNs + Math.max(copies, Math.max(0, chunks.length - 1) * p.perExtraChunkNs + pipelineNs(stages)));
}

/**
 * The share of chunk i's kernel time that the kernel stage pays: all of the first's; of a later one, all of
 * it without an occupancy, else the share of the compute units it fills, at most 1 (a GPU runs launches of
 * different queues side by side when the earlier one leaves compute units idle).
 */
function laterShare(p: StreamPricing, chunk: StreamChunk, i: number): number {
  return i === 0 || !p.occupancy ? 1 : Math.min(1, Math.max(0, p.occupancy(chunk)));
}
