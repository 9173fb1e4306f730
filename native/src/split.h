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

}  // namespace coexec
