// Host memory of the exchanged tensors: the pinned-copy / zero-copy choice and the mapped-once buffer.
#include "host_memory.h"

#include <cstdlib>
#include <stdexcept>
#include <utility>

namespace coexec {

HostMemory ChooseHostMemory(const DeviceCaps& caps) {
  const char* forced = std::getenv("COEXEC_HOST_MEMORY");
  if (forced && *forced) {
    const std::string f = forced;
    if (f == "pinned-copy") return HostMemory::PinnedCopy;
    if (f == "zero-copy") return HostMemory::ZeroCopy;
    throw std::runtime_error("COEXEC_HOST_MEMORY: unknown value \"" + f + "\" (expected pinned-copy|zero-copy)");
  }
  return caps.hostUnifiedMemory ? HostMemory::ZeroCopy : HostMemory::PinnedCopy;
}

const char* HostMemoryName(HostMemory m) { return m == HostMemory::ZeroCopy ? "zero-copy" : "pinned-copy"; }

MappedHostBuffer::MappedHostBuffer(cl_context ctx, cl_command_queue q, size_t bytes, const std::string& what)
    : queue_(q), bytes_(bytes) {
  cl_int err = CL_SUCCESS;
  buffer_ = Buffer(Cl().clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, bytes ? bytes : 4, nullptr, &err));
  ClCheck(err, "clCreateBuffer(CL_MEM_ALLOC_HOST_PTR)", what);
  void* p = Cl().clEnqueueMapBuffer(q, buffer_.get(), CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0, bytes ? bytes : 4, 0,
                                    nullptr, nullptr, &err);
  ClCheck(err, "clEnqueueMapBuffer", what);
  host_ = static_cast<float*>(p);
}

void MappedHostBuffer::Unmap() {
  if (!host_) return;
  // Errors are ignored: nothing useful to do while tearing down a job.
  Cl().clEnqueueUnmapMemObject(queue_, buffer_.get(), host_, 0, nullptr, nullptr);
  Cl().clFinish(queue_);
  host_ = nullptr;
}

MappedHostBuffer::~MappedHostBuffer() { Unmap(); }

MappedHostBuffer::MappedHostBuffer(MappedHostBuffer&& o) noexcept
    : buffer_(std::move(o.buffer_)), queue_(o.queue_), host_(std::exchange(o.host_, nullptr)), bytes_(o.bytes_) {}

MappedHostBuffer& MappedHostBuffer::operator=(MappedHostBuffer&& o) noexcept {
  if (this != &o) {
    Unmap();
    buffer_ = std::move(o.buffer_);
    queue_ = o.queue_;
    host_ = std::exchange(o.host_, nullptr);
    bytes_ = o.bytes_;
  }
  return *this;
}

}  // namespace coexec
