// The split geometry of split.h: which rows of Y each side computes and which rows of X the GPU reads.
#include "split.h"

#include <algorithm>

namespace coexec {

void ConvInputRows(const ConvShape& c, int p0, int p1, int* ih0, int* ih1) {
  *ih0 = std::clamp(p0 * c.strideH - c.padH, 0, c.H);
  *ih1 = std::clamp((p1 - 1) * c.strideH - c.padH + c.R, *ih0, c.H);
}

SplitGeometry MakeSplit(const Layer& layer, const Strategy& s) {
  SplitGeometry g;
  g.outer = s.SplitsOuter();
  g.extent = s.SplitExtent(layer);
  g.cpuRows = s.CpuRows(g.extent);
  g.gpuRows = g.extent - g.cpuRows;
  (g.outer ? g.outerOffset : g.channelOffset) = g.cpuRows;
  if (!layer.conv) {
    const auto& l = layer.linear;
    if (g.outer) {
      g.gpuY = {size_t(g.cpuRows) * l.N, size_t(g.gpuRows) * l.N, size_t(l.M) * l.N, 1};
      g.gpuX = {size_t(g.cpuRows) * l.K, size_t(g.gpuRows) * l.K, size_t(l.M) * l.K, 1};
    } else {
      g.gpuY = {size_t(g.cpuRows), size_t(g.gpuRows), size_t(l.N), size_t(l.M)};
      g.gpuX = {0, layer.XCount(), layer.XCount(), 1};
    }
    if (g.gpuRows == 0) g.gpuY.length = g.gpuX.length = 0;
    return g;
  }
  const auto& c = layer.conv2d;
  const size_t PQ = size_t(c.P()) * c.Q();
  if (g.outer) {
    g.gpuY = {size_t(g.cpuRows) * c.Q(), size_t(g.gpuRows) * c.Q(), PQ, size_t(c.batch) * c.F};
    int ih0 = 0, ih1 = 0;
    if (g.gpuRows > 0) ConvInputRows(c, g.cpuRows, c.P(), &ih0, &ih1);
    g.gpuX = {size_t(ih0) * c.W, size_t(ih1 - ih0) * c.W, size_t(c.H) * c.W, size_t(c.batch) * c.C};
  } else {
    g.gpuY = {size_t(g.cpuRows) * PQ, size_t(g.gpuRows) * PQ, size_t(c.F) * PQ, size_t(c.batch)};
    g.gpuX = {0, layer.XCount(), layer.XCount(), 1};
  }
  if (g.gpuRows == 0) g.gpuY.length = g.gpuX.length = 0;
  return g;
}

namespace {
// Folds the rows into the runs where they are contiguous on both sides, then the slices likewise, so a
// contiguous block is one plain copy.
BlockCopy Fold(BlockCopy b) {
  if (b.rows > 1 && b.hostRowPitch == b.length && b.deviceRowPitch == b.length) {
    b.length *= b.rows;
    b.hostRowPitch = b.deviceRowPitch = b.length;
    b.rows = 1;
  }
  if (b.rows == 1 && b.slices > 1 && b.hostSlicePitch == b.length && b.deviceSlicePitch == b.length) {
    b.length *= b.slices;
    b.slices = 1;
  }
  if (b.rows > 1 && b.slices > 1 && b.hostSlicePitch == b.rows * b.hostRowPitch &&
      b.deviceSlicePitch == b.rows * b.deviceRowPitch) {  // evenly spaced slices of rows are more rows
    b.rows *= b.slices;
    b.slices = 1;
  }
  if (b.rows == 1 && b.slices > 1) {  // single-row slices are rows
    b.rows = b.slices;
    b.hostRowPitch = b.hostSlicePitch;
    b.deviceRowPitch = b.deviceSlicePitch;
    b.slices = 1;
  }
  if (b.slices == 1) b.hostSlicePitch = b.deviceSlicePitch = 0;
  return b;
}
}  // namespace

std::vector<ShareChunk> MakeShareChunks(const Layer& layer, const Strategy& s, const SplitGeometry& share, int streams) {
  std::vector<ShareChunk> chunks;
  if (share.gpuRows == 0) return chunks;
  const int begin = share.outerOffset, end = layer.conv ? layer.conv2d.P() : layer.linear.M;
  const int rows = end - begin, count = std::max(1, std::min(streams, rows));
  // The chunk layers split along the default dimension: the share's channels / features, all of them for an
  // outer split (ratio 0), the same CPU rows as the share for a channel split (same extent F or N).
  Strategy cs = s;
  cs.splitDim.clear();
  if (share.outer) cs.splitRatio = 0;
  cs.gpuStreams = 1;
  const size_t ch = size_t(share.channelOffset);
  for (int i = 0, at = begin; i < count; ++i) {
    ShareChunk c;
    c.outerBegin = at;
    c.outerEnd = at + rows / count + (i < rows % count ? 1 : 0);
    at = c.outerEnd;
    const int n = c.outerEnd - c.outerBegin;
    c.layer = layer;
    c.strategy = cs;
    if (!layer.conv) {
      const auto& l = layer.linear;
      c.layer.linear.M = n;
      c.x = Fold({size_t(c.outerBegin) * l.K, 0, size_t(n) * l.K});
      c.y = Fold({size_t(c.outerBegin) * l.N + ch, ch, size_t(l.N) - ch, size_t(n), size_t(l.N), size_t(l.N)});
    } else {
      const auto& l = layer.conv2d;
      auto& k = c.layer.conv2d;
      k.H = (n - 1) * l.strideH + l.R;
      k.padH = 0;
      const int top = c.outerBegin * l.strideH - l.padH;  // the input row of the chunk layer's row 0
      int ih0 = 0, ih1 = 0;
      ConvInputRows(l, c.outerBegin, c.outerEnd, &ih0, &ih1);
      const size_t planes = size_t(l.batch) * l.C, W = size_t(l.W);
      c.x = Fold({size_t(ih0) * W, size_t(ih0 - top) * W, size_t(ih1 - ih0) * W, planes, size_t(l.H) * W,
                  size_t(k.H) * W});
      const size_t Q = size_t(l.Q()), PQ = size_t(l.P()) * Q, chunkPQ = size_t(n) * Q, F = size_t(l.F);
      c.y = Fold({ch * PQ + size_t(c.outerBegin) * Q, ch * chunkPQ, chunkPQ, F - ch, PQ, chunkPQ, size_t(l.batch),
                  F * PQ, F * chunkPQ});
    }
    c.split = MakeSplit(c.layer, c.strategy);
    chunks.push_back(std::move(c));
  }
  return chunks;
}

}  // namespace coexec
