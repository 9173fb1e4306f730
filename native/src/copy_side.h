// The GPU side of a copy job (plan kind "copy", for benchmarks): one host <-> device copy per execution,
// enqueued and waited for (clFinish) on the executor's driver thread like a layer's GPU side. The host end
// is a pinned buffer (CL_MEM_ALLOC_HOST_PTR, mapped once) or pageable memory (a plain allocation).
#pragma once

#include <memory>
#include <vector>

#include "gpu.h"
#include "host_memory.h"
#include "plan.h"
#include "sync.h"

namespace coexec {

class CopySide : public GpuSide {
 public:
  CopySide(GpuDevice& gpu, const CopySpec& spec);  // untimed: allocates and fills both ends with a pattern
  void Enqueue(Event* profile) override;
  void DriverWait() override;
  // Untimed, after the copies: true when the destination holds the source's pattern.
  bool Verify();

 private:
  GpuDevice& gpu_;
  CopySpec spec_;
  Buffer device_;
  MappedHostBuffer pinned_;
  std::vector<float> pageable_;
  float* host_ = nullptr;
  size_t floats_ = 0;
};

}  // namespace coexec
