// GPU kernel variants as launch lists: for a layer, a strategy and the rows the GPU owns, which kernels to
// enqueue (in order), with which knobs, scalar arguments, tensor arguments and NDRange. The preconditions
// written above each kernel in native/kernels are re-checked here before anything is enqueued.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gpu.h"
#include "plan.h"
#include "split.h"

namespace coexec {

// PackedW: the weights packed for the register-tiled kernels (PackWeights), device only, like Col.
enum class TensorArg { X, W, B, Y, Col, PackedW };

struct LaunchSpec {
  std::string kernel;
  cl_uint dims = 1;
  size_t global[3] = {1, 1, 1};
  size_t local[3] = {1, 1, 1};
  std::vector<int> scalars;         // the first arguments, in order
  std::vector<TensorArg> tensors;   // then these
  bool main = false;                // the layer kernel: profiled, and the one that signals completion
  size_t Groups() const { return (global[0] / local[0]) * (global[1] / local[1]) * (global[2] / local[2]); }
};

struct VariantPlan {
  std::string file;                                 // kernel file in native/kernels
  std::vector<std::pair<std::string, int>> knobs;   // -D values
  std::vector<LaunchSpec> launches;
  size_t colCount = 0;                              // im2col scratch floats (0: none)
  bool clblast = false;                             // CLBlastSgemm instead of our kernels (no launches)
  int packTileWidth = 0;                            // > 0: binds PackedW, rows padded to this (PackWeights)
  bool packBlocked = false;                         // PackedW layout: tile-blocked (CPU devices) or k-major
};

// The GPU's weight rows [channelOffset, F or N) transposed (k over the reduction length C*R*S or K, j over
// the GPU's rows, zero-padded to a multiple of tileWidth, the kernel's VN * VW) into Wp[k][j], or with blocked into
// Wp[j / tileWidth][k][j % tileWidth]: the layouts of the register-tiled kernels (native/kernels, WP_BLOCKED
// above linear_reg and conv_reg). Done once per job, untimed, as a framework repacks resident weights.
std::vector<float> PackWeights(const Layer& layer, int channelOffset, int tileWidth, bool blocked, const float* W);

// A strategy this variant cannot run (job status "skipped" with the reason).
struct VariantRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Whether launch i of `v` runs after its main (layer) kernel, as split-K's sum does: its end is the layer
// kernels' end (EnqueueLaunches, LayerRun::afterMain), and svm-fine's counter, which the main kernel bumps, cannot
// wait for it.
inline bool RunsAfterMain(const VariantPlan& v, size_t i) {
  for (size_t j = 0; j < i && j < v.launches.size(); ++j)
    if (v.launches[j].main) return true;
  return false;
}

// Every variant's kernels take the split's channel offset and outer offset (split.h, native/kernels); a
// variant that cannot compute an outer sub-block refuses a "height" / "m" split here.
VariantPlan PlanVariant(const Layer& layer, const Strategy& s, const SplitGeometry& split, const DeviceCaps& caps);

// Every GPU variant id the engine accepts for a layer kind, each with its kernel, kernel file, fixed knobs,
// what gpuWorkGroup means for it, shape requirements and sync restrictions (`coexec-engine info`, "layers").
Json GpuVariantCatalog(bool conv);
// The variant families whose ids carry knobs beyond what GpuVariantCatalog lists (the local-tiled kernels):
// per kernel, the id pattern, each knob's values and the constraints between them (`coexec-engine info`).
Json GpuVariantFamilies(bool conv);

// Fixed helper knobs (not strategy parameters).
constexpr int kVec4RowsPerGroup = 4;   // gemv_vec4 RPW
constexpr int kGemvRowsPerPass = 8;    // gemv_rows MB: rows m a work-item sums at once (its work-group at least as large)
constexpr int kIm2colGroup = 64;       // im2col WGS

}  // namespace coexec
