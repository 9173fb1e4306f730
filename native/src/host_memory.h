// Host memory of the tensors exchanged per execution (X in, Y out) for the buffer mechanisms (finish,
// event-poll), chosen once per job from the device:
//   pinned-copy: the device has its own memory (no CL_DEVICE_HOST_UNIFIED_MEMORY, e.g. NVIDIA). X and Y live
//     in pinned host buffers (CL_MEM_ALLOC_HOST_PTR, mapped once for the whole job), and each execution copies
//     X to a device buffer and the GPU's rows of Y back from one, straight from/to the pinned pages (DMA, no
//     staging by the driver).
//   zero-copy: the device works in host memory (PoCL, Mali, Adreno). X and Y are CL_MEM_ALLOC_HOST_PTR buffers
//     that the kernels use directly; the host reaches them through a mapping, and the only per-execution
//     commands are a map of the GPU's rows of Y after the kernels (the point where the host may read them)
//     and its unmap before the next kernels. Nothing is copied.
// COEXEC_HOST_MEMORY=pinned-copy|zero-copy overrides the choice (tests run both paths on one device).
#pragma once

#include <string>

#include "gpu.h"
#include "ocl.h"

namespace coexec {

enum class HostMemory { PinnedCopy, ZeroCopy };

HostMemory ChooseHostMemory(const DeviceCaps& caps);  // throws on a bad COEXEC_HOST_MEMORY
const char* HostMemoryName(HostMemory m);              // "pinned-copy" | "zero-copy": resolved.hostMemory

// A CL_MEM_ALLOC_HOST_PTR buffer mapped once (blocking, read and write) until destruction, which unmaps it
// and waits for the unmap. host() is valid for the whole job.
class MappedHostBuffer {
 public:
  MappedHostBuffer() = default;
  MappedHostBuffer(cl_context ctx, cl_command_queue q, size_t bytes, const std::string& what);
  ~MappedHostBuffer();
  MappedHostBuffer(MappedHostBuffer&& o) noexcept;
  MappedHostBuffer& operator=(MappedHostBuffer&& o) noexcept;
  MappedHostBuffer(const MappedHostBuffer&) = delete;
  MappedHostBuffer& operator=(const MappedHostBuffer&) = delete;
  cl_mem mem() const { return buffer_.get(); }
  float* host() const { return host_; }
  size_t bytes() const { return bytes_; }

 private:
  void Unmap();
  Buffer buffer_;
  cl_command_queue queue_ = nullptr;
  float* host_ = nullptr;
  size_t bytes_ = 0;
};

// Empty when buffer-to-buffer copies agree with a job-long mapping of `host`, else what differed: twice,
// with different data, the host writes through the mapping and a copy host -> `device` must carry it, and a
// copy `device` -> host must show through the mapping. The OpenCL specification leaves commands on a
// mapped region undefined (a device may keep its own copy of an ALLOC_HOST_PTR buffer current only at
// map/unmap), so a command buffer records such copies only where this holds. Untimed; overwrites both
// buffers (the caller restores what they held).
std::string ProbeMappedCopies(cl_command_queue q, MappedHostBuffer& host, cl_mem device, const std::string& what);

}  // namespace coexec
