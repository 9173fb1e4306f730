// Host memory of the exchanged tensors: the pinned-copy / zero-copy choice and the mapped-once buffer.
#include "host_memory.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

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

std::string ProbeMappedCopies(cl_command_queue q, MappedHostBuffer& host, cl_mem device, const std::string& what) {
  // Test hook (native/tests/run.sh): a device where the copies disagree with the mappings.
  if (const char* stale = std::getenv("COEXEC_TEST_MAPPED_COPIES_STALE"); stale && *stale) return what + ": stale by COEXEC_TEST_MAPPED_COPIES_STALE";
  const size_t n = host.bytes() / sizeof(float);
  std::vector<float> expect(n), seen(n);
  for (int round = 1; round <= 2; ++round) {
    for (size_t i = 0; i < n; ++i) expect[i] = static_cast<float>((i * 7 + round * 13) % 1021) + 0.5f * round;
    // host -> device: written through the mapping, copied by the device, read back with a plain read
    std::memcpy(host.host(), expect.data(), n * sizeof(float));
    ClCheck(Cl().clEnqueueCopyBuffer(q, host.mem(), device, 0, 0, n * sizeof(float), 0, nullptr, nullptr), "clEnqueueCopyBuffer", what);
    ClCheck(Cl().clEnqueueReadBuffer(q, device, CL_TRUE, 0, n * sizeof(float), seen.data(), 0, nullptr, nullptr), "clEnqueueReadBuffer", what);
    if (std::memcmp(seen.data(), expect.data(), n * sizeof(float)) != 0)
      return what + ": a copy from the still-mapped pinned buffer did not carry what the host wrote through the mapping";
    // device -> host: written with a plain write, copied into the mapped buffer, seen through the mapping
    for (auto& v : expect) v = -v;
    std::fill(host.host(), host.host() + n, 0.0f);
    ClCheck(Cl().clEnqueueWriteBuffer(q, device, CL_TRUE, 0, n * sizeof(float), expect.data(), 0, nullptr, nullptr), "clEnqueueWriteBuffer", what);
    ClCheck(Cl().clEnqueueCopyBuffer(q, device, host.mem(), 0, 0, n * sizeof(float), 0, nullptr, nullptr), "clEnqueueCopyBuffer", what);
    ClCheck(Cl().clFinish(q), "clFinish", what);
    if (std::memcmp(host.host(), expect.data(), n * sizeof(float)) != 0)
      return what + ": a copy into the still-mapped pinned buffer did not show through the mapping";
  }
  return "";
}

}  // namespace coexec
