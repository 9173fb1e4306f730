// The four synchronization mechanisms between the CPU slice and the GPU slice of one layer execution
// (BRIEF.md section 3), each its own class behind one interface, plus the CPU-only path and the bare
// round trip. What each Execute() times is written above its class in sync.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gpu.h"
#include "plan.h"
#include "variants.h"

namespace coexec {

int64_t NowNs();  // steady clock

// Everything one layer execution needs, prepared once per job (outside any timed window).
struct LayerRun {
  const Layer* layer = nullptr;
  int cpuRows = 0, gpuRows = 0;
  const std::vector<float>* X = nullptr;  // host tensors drawn from the job's seed
  const std::vector<float>* W = nullptr;
  const std::vector<float>* b = nullptr;
  GpuDevice* gpu = nullptr;               // null when gpuRows == 0
  VariantPlan variant;
  std::vector<Kernel> kernels;            // one per variant.launches entry
  Buffer col;                             // im2col scratch (device only)
  Buffer packedW;                         // register-tiled variants: PackWeights(W), device only
  // clblast only: the buffers it works on, and Y's bias rows [M][N] copied into Y before each GEMM.
  cl_mem memX = nullptr, memW = nullptr, memY = nullptr;
  Buffer biasRows;
  // Computes Y rows [0, cpuRows) from the given tensors (the CPU implementation on the job's pool).
  std::function<void(const float* X, const float* W, const float* b, float* Y)> cpuSlice;
};

struct Sample {
  int64_t totalNs = 0;  // the whole layer execution (the timed window)
  int64_t cpuNs = 0;    // the CPU slice alone (0 without CPU rows)
  int64_t gpuNs = 0;    // first GPU enqueue -> host sees the GPU slice complete (0 without GPU rows)
  Event mainEvent;      // the layer kernel's event, for its profiling timestamps
};

class Mechanism {
 public:
  virtual ~Mechanism() = default;
  // Allocates the device side, uploads W and b once (resident, as a framework holds weights), binds
  // the kernel arguments. Untimed.
  virtual void Prepare(LayerRun& run) = 0;
  // One whole layer execution: input write/publish, both slices, the synchronization and any read-back.
  virtual void Execute(LayerRun& run, Sample& s) = 0;
  // The combined output Y after Execute.
  virtual const float* Output() const = 0;
  // Fills Y on both sides with NaN so that the checked execution proves it wrote every element.
  virtual void PoisonOutput(LayerRun& run) = 0;
};

// Throws std::runtime_error with the reason when the device lacks what the mechanism needs.
std::unique_ptr<Mechanism> MakeMechanism(const std::string& sync, const DeviceCaps& caps);
// gpuRows == 0: the CPU slice alone on host memory, no OpenCL at all.
std::unique_ptr<Mechanism> MakeCpuOnly();

// Empty when `sync` can work on this device by its capabilities, else why not.
std::string MechanismUnsupportedReason(const std::string& sync, const DeviceCaps& caps);

// The minimal kernel launched and waited for with one mechanism.
class RoundTrip {
 public:
  RoundTrip(GpuDevice& gpu, const std::string& sync);
  ~RoundTrip();
  RoundTrip(const RoundTrip&) = delete;
  RoundTrip& operator=(const RoundTrip&) = delete;
  void Execute(int value, Sample& s);  // timed inside: enqueue -> the host knows the value is written
  int LastValue();                     // untimed: the value the kernel wrote last
  const std::string& buildOptions() const { return options_; }
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string options_;
};

// Pause iterations before a waiting host thread starts yielding (COEXEC_WAIT_SPINS, default 256).
int WaitSpins();

}  // namespace coexec
