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

}  // namespace coexec
