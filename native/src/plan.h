// plan.json as the engine reads it (docs/contract.md section 3): typed jobs, and the validator that turns
// any problem into one PlanError naming the job (index and id) and the field, before anything runs.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/cpu_layers.h"
#include "json.h"

namespace coexec {

struct PlanError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Layer {
  bool conv = false;
  LinearShape linear;
  ConvShape conv2d;
  Json json;  // as given in the plan, echoed into results

  int Out() const { return conv ? conv2d.F : linear.N; }       // the split dimension
  int ReductionLength() const { return conv ? conv2d.C * conv2d.R * conv2d.S : linear.K; }
  size_t XCount() const;
  size_t WCount() const;
  size_t BCount() const { return static_cast<size_t>(Out()); }
  size_t YCount() const;
  size_t YRowStride() const;  // floats between output rows f and f+1 inside one m / batch image
  size_t YOuter() const;      // M (linear) or batch (conv): how many blocks of Out() rows Y has
  std::string Id() const;     // docs/contract.md section 1
};

struct Strategy {
  double splitRatio = 0;
  int granularity = 1;
  int cpuThreads = 1;
  std::string cpuImpl;
  std::string gpuVariant;
  int gpuWorkGroup = 64;
  std::string sync;
  Json json;

  // docs/contract.md section 2: CPU rows are a multiple of granularity; exactly 0 / 1 give 0 / OUT.
  int CpuRows(int out) const;
};

// kind "copy": one host <-> device copy of `bytes`, from/to pinned (ALLOC_HOST_PTR, mapped once) or
// pageable host memory (copy_side.h).
struct CopySpec {
  int bytes = 0;
  std::string direction;   // "host-to-device" | "device-to-host"
  std::string hostMemory;  // "pinned" | "pageable"
};

struct Job {
  std::string id;
  std::string kind;  // "layer" | "roundtrip" | "copy"
  CopySpec copy;     // kind == "copy" only
  Layer layer;       // kind == "layer" only
  Strategy strategy;
  int warmup = 3;
  int minSamples = 10, maxSamples = 200;
  double minTimeMs = 50, maxTimeMs = 2000;
  // When set: once the minimum is met, keep sampling until the 95% CI half-width of the median (in % of the
  // median, see stats.h) is at most this, or a maximum is reached.
  std::optional<double> targetMedianCiPct;
  uint64_t seed = 1;
};

struct DeviceSelector {
  std::string platformContains, deviceContains;
  std::string deviceType = "gpu-or-cpu";  // "gpu" | "cpu" | "gpu-or-cpu"
};

struct Plan {
  std::string planId;
  DeviceSelector device;
  std::vector<int> cpuAffinity;
  // The core of the GPU-driver thread (executor.h), which issues every OpenCL call of a timed execution; the
  // platform reserves it for that thread and the driver's own threads. Absent: the driver thread is not
  // pinned (the OS places it, possibly on a CPU-slice core).
  std::optional<int> driverCore;
  std::vector<Job> jobs;
};

// Names the engine accepts.
const std::vector<std::string>& SyncNames();
const std::vector<std::string>& GpuVariantNames(bool conv);
bool IsTiledVariant(const std::string& variant);  // gpuWorkGroup is the tile edge TS (work-group TS x TS)

Plan ParsePlan(const Json& doc);  // throws PlanError
Layer ParseLayer(const Json& j, const std::string& where);

// Strategy id of docs/contract.md section 2 (used by bench when no id is given).
std::string StrategyId(const Layer& layer, const Strategy& s);

}  // namespace coexec
