// Where a layer is split between CPU and GPU (docs/contract.md section 2, strategy.splitDim):
//   "channels" (conv2d) / "n" (linear), the default: the CPU computes output channels / features
//     [0, cpuRows) and the GPU the rest, for every image and every row m; the GPU reads all of X.
//   "height" (conv2d): the CPU computes output rows p in [0, cpuRows) of every channel and the GPU rows
//     [cpuRows, P) (the tail), reading only input rows [ih0, ih1): its output rows' taps, the halo that
//     R, stride and padding imply included.
//   "m" (linear, M > 1): the CPU computes rows m in [0, cpuRows) of Y and the GPU the rest, from its own
//     rows of X.
// Mechanisms move exactly gpuX to the device and gpuY back (or map them); kernels get channelOffset and
// outerOffset (native/kernels: rowOffset and mOffset / pOffset / pqOffset).
#pragma once

#include <cstddef>
#include <vector>

#include "plan.h"

namespace coexec {

// `blocks` runs of `length` floats inside one tensor, the first starting at float `first`, each run
// `pitch` floats after the previous one (e.g. the same rows of every channel plane).
struct TensorRuns {
  size_t first = 0, length = 0, pitch = 0, blocks = 0;
  bool Empty() const { return length == 0 || blocks == 0; }
  // One past the last float of the last run: [first, SpanEnd()) is the smallest range holding every run.
  size_t SpanEnd() const { return Empty() ? first : first + (blocks - 1) * pitch + length; }
  size_t Floats() const { return length * blocks; }
};

struct SplitGeometry {
  bool outer = false;      // "height" or "m": the split runs along output rows, not channels / features
  int extent = 0;          // size of the split dimension: F, N, P or M
  int cpuRows = 0, gpuRows = 0;
  int channelOffset = 0;   // first output channel f / feature n the GPU computes (0 for an outer split)
  int outerOffset = 0;     // first output row p / row m the GPU computes (0 for a channel split)
  TensorRuns gpuY;         // the GPU's outputs in Y
  TensorRuns gpuX;         // the inputs the GPU reads in X (all of X for a channel split)
};

SplitGeometry MakeSplit(const Layer& layer, const Strategy& s);

// conv2d: the input rows [*ih0, *ih1) that output rows [p0, p1) read (taps outside the input are padding).
void ConvInputRows(const ConvShape& c, int p0, int p1, int* ih0, int* ih1);

// A copy between a whole host tensor and a chunk's own device buffer: `slices` x `rows` runs of `length`
// floats, at different offsets and pitches on the two sides (one clEnqueue{Write,Read}BufferRect, or a plain
// copy when it is one run).
struct BlockCopy {
  size_t hostFirst = 0, deviceFirst = 0, length = 0;
  size_t rows = 1, hostRowPitch = 0, deviceRowPitch = 0;
  size_t slices = 1, hostSlicePitch = 0, deviceSlicePitch = 0;
  bool Empty() const { return length == 0 || rows == 0 || slices == 0; }
};

// gpuStreams > 1 (sync_streams.cpp): one chunk of the GPU's share, its outer output rows [outerBegin,
// outerEnd) (rows m, or output rows p), computed as a layer of its own on its own buffers: linear, the
// chunk's rows of X and Y; conv2d, its output rows and the input rows + halo they read (ConvInputRows), with
// the padding rows above and below the input stored as zeros in its X, so the chunk layer has no vertical
// padding (H = (rows - 1) * strideH + R, padH 0) and its P is exactly its rows.
struct ShareChunk {
  int outerBegin = 0, outerEnd = 0;
  Layer layer;          // the chunk as a layer
  Strategy strategy;    // split along channels / features at the share's channel offset (the GPU's side)
  SplitGeometry split;  // MakeSplit(layer, strategy)
  BlockCopy x;          // host X -> the chunk's X (its input rows, at their place below the zero padding rows)
  BlockCopy y;          // the chunk's Y (the GPU's channels / features) -> host Y
};

// The GPU's share cut into min(streams, its outer rows) chunks along the outer output rows (M or P within
// the share; sizes differ by at most one row, the larger first). Empty without GPU rows.
std::vector<ShareChunk> MakeShareChunks(const Layer& layer, const Strategy& s, const SplitGeometry& share, int streams);

}  // namespace coexec
