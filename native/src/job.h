// Runs one plan job (a layer execution or a bare round trip) and returns its results.jsonl record
// (docs/contract.md section 4). A job never throws: failures become status "error" / "skipped" records.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "gpu.h"
#include "json.h"
#include "plan.h"

namespace coexec {

// Opens the plan's OpenCL device on first use and remembers the outcome (device or reason) for the run.
// With a driver core, the context and queue are created while the calling thread runs on that core, so
// helper threads the OpenCL driver starts then inherit it instead of landing on CPU-slice cores.
class DeviceProvider {
 public:
  explicit DeviceProvider(DeviceSelector sel, std::optional<int> driverCore = std::nullopt)
      : sel_(std::move(sel)), driverCore_(driverCore) {}
  GpuDevice* Get(std::string* why);
 private:
  DeviceSelector sel_;
  std::optional<int> driverCore_;
  bool tried_ = false;
  std::unique_ptr<GpuDevice> device_;
  std::string why_;
};

struct JobOptions {
  std::string saveTensorsDir;  // bench --save-tensors: write X, W, b, Y as .npy after the check
};

Json RunJob(const Plan& plan, const Job& job, DeviceProvider& devices, const JobOptions& opts = {});

// The check's tolerance: 1e-5 * sqrt(reduction length) * max|reference| + 1e-6 (see job.cpp).
double CheckTolerance(int reductionLength, double maxAbsRef);

}  // namespace coexec
