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

namespace coexec {

enum class TensorArg { X, W, B, Y, Col };

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
};

// A strategy this variant cannot run (job status "skipped" with the reason).
struct VariantRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

VariantPlan PlanVariant(const Layer& layer, const Strategy& s, int cpuRows, const DeviceCaps& caps);

// Fixed helper knobs (not strategy parameters).
constexpr int kVec4RowsPerGroup = 4;   // gemv_vec4 RPW
constexpr int kIm2colGroup = 64;       // im2col WGS

}  // namespace coexec
