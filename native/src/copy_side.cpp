// Copy job's GPU side (copy_side.h).
#include "copy_side.h"

namespace coexec {

namespace {
float Pattern(size_t i) { return static_cast<float>(i % 8191) * 0.5f; }
}  // namespace

CopySide::CopySide(GpuDevice& gpu, const CopySpec& spec) : gpu_(gpu), spec_(spec) {
  const size_t bytes = static_cast<size_t>(spec.bytes);
  floats_ = bytes / sizeof(float);
  cl_int err = CL_SUCCESS;
  device_ = Buffer(Cl().clCreateBuffer(gpu.context(), CL_MEM_READ_WRITE, bytes, nullptr, &err));
  ClCheck(err, "clCreateBuffer", "copy job device buffer");
  if (spec.hostMemory == "pinned") {
    pinned_ = MappedHostBuffer(gpu.context(), gpu.queue(), bytes, "copy job pinned buffer");
    host_ = pinned_.host();
  } else {
    pageable_.resize((bytes + sizeof(float) - 1) / sizeof(float));
    host_ = pageable_.data();
  }
  // The source holds the pattern, the destination something else, so Verify proves a copy happened.
  std::vector<float> other(floats_);
  const bool toDevice = spec.direction == "host-to-device";
  for (size_t i = 0; i < floats_; ++i) {
    host_[i] = toDevice ? Pattern(i) : -1.0f;
    other[i] = toDevice ? -1.0f : Pattern(i);
  }
  COEXEC_CL(Cl().clEnqueueWriteBuffer(gpu.queue(), device_.get(), CL_TRUE, 0, floats_ * sizeof(float), other.data(), 0,
                                      nullptr, nullptr), "copy job: fill the device buffer");
  for (int part = 1; part < spec.queues; ++part) {
    extraQueues_.emplace_back(Cl().clCreateCommandQueue(gpu.context(), gpu.id(), 0, &err));
    ClCheck(err, "clCreateCommandQueue", "copy job queue " + std::to_string(part));
  }
}

void CopySide::Enqueue(Event* profile) {
  const size_t part = static_cast<size_t>(spec_.bytes) / spec_.queues;
  char* bytesHost = reinterpret_cast<char*>(host_);
  for (int c = 0; c < spec_.queues; ++c) {
    cl_command_queue q = QueueOf(c);
    cl_event* ev = profile && c == 0 ? profile->out() : nullptr;  // the first part's timestamps
    void* host = bytesHost + c * part;
    if (spec_.direction == "host-to-device") {
      COEXEC_CL(Cl().clEnqueueWriteBuffer(q, device_.get(), CL_FALSE, c * part, part, host, 0, nullptr, ev), "copy to device");
    } else {
      COEXEC_CL(Cl().clEnqueueReadBuffer(q, device_.get(), CL_FALSE, c * part, part, host, 0, nullptr, ev), "copy to host");
    }
    COEXEC_CL(Cl().clFlush(q), "flush");
  }
}

void CopySide::DriverWait() {
  for (int c = 0; c < spec_.queues; ++c) COEXEC_CL(Cl().clFinish(QueueOf(c)), "clFinish");
}

bool CopySide::Verify() {
  std::vector<float> dst(floats_);
  const float* seen = host_;
  if (spec_.direction == "host-to-device") {
    COEXEC_CL(Cl().clEnqueueReadBuffer(gpu_.queue(), device_.get(), CL_TRUE, 0, floats_ * sizeof(float), dst.data(), 0,
                                       nullptr, nullptr), "copy job: read back");
    seen = dst.data();
  }
  for (size_t i = 0; i < floats_; ++i) {
    if (seen[i] != Pattern(i)) return false;
  }
  return true;
}

}  // namespace coexec
