// The GPU side of a copy job (plan kind "copy", for benchmarks): one host <-> device copy per execution,
// enqueued and waited for (clFinish) on the executor's driver thread like a layer's GPU side. The host end
// is a pinned buffer (CL_MEM_ALLOC_HOST_PTR, mapped once) or pageable memory (a plain allocation). With
// queues = k > 1 the copy is cut into k equal parts, part c on in-order queue c (part 0 on the device's own
// queue, the others on queues of the same context made here, untimed), each flushed as it is enqueued, and
// the wait is clFinish on each: a discrete GPU's copy engines then move the parts side by side, so one
// part's fixed cost overlaps another's transfer.
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
  std::vector<Queue> extraQueues_;  // parts 1..k-1 (part 0 uses the device's queue)
  cl_command_queue QueueOf(int part) const { return part == 0 ? gpu_.queue() : extraQueues_[part - 1].get(); }
};

}  // namespace coexec
