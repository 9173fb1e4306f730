// Round trip: roundtrip.cl's one-work-item kernel writes a value; each mechanism waits its own way, with the
// same split of work as a layer execution (sync.h GpuSide): the driver thread enqueues and does the
// OpenCL-side wait (finish: clFinish; event-poll: spin on the kernel's event; svm-coarse: blocking map of
// the output for reading, read it, unmap, clFinish); svm-fine's wait is the waiting thread's own spin on
// the SVM counter. svm-resident launches the kernel once (in the constructor, on a queue of its own) and an
// execution is the epoch's bump on the waiting thread, then svm-fine's spin (sync_svm_resident.cpp).
#include "sync.h"

namespace coexec {

struct RoundTrip::Impl {
  GpuDevice* gpu;
  std::string sync;
  Kernel kernel;
  Buffer out;          // finish, event-poll
  SvmBuffer svmOut;    // svm-coarse, svm-fine
  SvmBuffer counter;   // svm-fine, svm-resident
  SvmBuffer epoch;     // svm-resident
  Queue residentQueue; // svm-resident: the resident kernel's own queue
  int epochValue = 0;
  int64_t bumpNs = 0, doneNs = 0;  // svm-resident: the last execution's bump and the host's sight of its signal
  Event pollEvent;     // event-poll: the kernel's event, the mechanism's wait object
  int lastSeen = 0;
  ~Impl() {  // a resident kernel is ended (negative epoch) and waited for before its buffers go
    if (!residentQueue) return;
    __atomic_store_n(epoch.as<int>(), -1, __ATOMIC_RELEASE);
    Cl().clFinish(residentQueue.get());
  }
};

RoundTrip::RoundTrip(GpuDevice& gpu, const std::string& sync) : impl_(std::make_unique<Impl>()) {
  if (std::string why = MechanismUnsupportedReason(sync, gpu.caps()); !why.empty()) throw std::runtime_error(why);
  Impl& s = *impl_;
  s.gpu = &gpu;
  s.sync = sync;
  const bool resident = sync == "svm-resident";
  const bool fine = sync == "svm-fine" || resident;
  auto built = gpu.BuildProgram("roundtrip.cl", {}, fine, resident);
  options_ = built.options;
  cl_int err = CL_SUCCESS;
  s.kernel = Kernel(Cl().clCreateKernel(built.program, "roundtrip", &err));
  ClCheck(err, "clCreateKernel", "roundtrip kernel");
  if (sync == "finish" || sync == "event-poll") {
    s.out = Buffer(Cl().clCreateBuffer(gpu.context(), CL_MEM_READ_WRITE, sizeof(int), nullptr, &err));
    ClCheck(err, "clCreateBuffer", "roundtrip buffer");
    cl_mem m = s.out.get();
    COEXEC_CL(Cl().clSetKernelArg(s.kernel.get(), 1, sizeof m, &m), "roundtrip argument");
  } else {
    cl_svm_mem_flags flags = CL_MEM_READ_WRITE | (fine ? CL_MEM_SVM_FINE_GRAIN_BUFFER : 0);
    s.svmOut = SvmBuffer(gpu.context(), flags, 2 * sizeof(int), "roundtrip output");
    COEXEC_CL(Cl().clSetKernelArgSVMPointer(s.kernel.get(), 1, s.svmOut.get()), "roundtrip argument");
    if (fine) {
      s.counter = SvmBuffer(gpu.context(), flags | CL_MEM_SVM_ATOMICS, sizeof(int), "roundtrip counter");
      COEXEC_CL(Cl().clSetKernelArgSVMPointer(s.kernel.get(), 2, s.counter.get()), "roundtrip counter");
    }
    if (resident) {
      s.epoch = sync_detail::ResidentEpochBuffer(gpu.context(), 1, "roundtrip epoch");
      __atomic_store_n(s.counter.as<int>(), 0, __ATOMIC_RELAXED);
      COEXEC_CL(Cl().clSetKernelArgSVMPointer(s.kernel.get(), 3, s.epoch.get()), "roundtrip epoch");
      const int one = 1;
      for (cl_uint a = 4; a < 7; ++a) COEXEC_CL(Cl().clSetKernelArg(s.kernel.get(), a, sizeof one, &one), "roundtrip groups");
      const int unused = 0;
      COEXEC_CL(Cl().clSetKernelArg(s.kernel.get(), 0, sizeof unused, &unused), "roundtrip value");
      s.residentQueue = Queue(Cl().clCreateCommandQueue(gpu.context(), gpu.id(), 0, &err));
      ClCheck(err, "clCreateCommandQueue", "roundtrip resident queue");
      const size_t oneItem = 1;
      COEXEC_CL(Cl().clEnqueueNDRangeKernel(s.residentQueue.get(), s.kernel.get(), 1, nullptr, &oneItem, &oneItem, 0,
                                            nullptr, nullptr), "enqueue the resident roundtrip");
      COEXEC_CL(Cl().clFlush(s.residentQueue.get()), "flush the resident roundtrip");
    }
  }
}

RoundTrip::~RoundTrip() = default;

void RoundTrip::SetValue(int value) {
  if (impl_->sync == "svm-resident") {  // read by the kernel after the next bump (its release orders this store)
    impl_->svmOut.as<int>()[1] = value;
    return;
  }
  COEXEC_CL(Cl().clSetKernelArg(impl_->kernel.get(), 0, sizeof value, &value), "roundtrip value");
}

void RoundTrip::Enqueue(Event* profile) {
  Impl& s = *impl_;
  if (s.sync == "svm-resident") {
    s.bumpNs = NowNs();
    s.doneNs = 0;
    __atomic_store_n(s.counter.as<int>(), 0, __ATOMIC_RELAXED);
    __atomic_store_n(s.epoch.as<int>(), ++s.epochValue, __ATOMIC_RELEASE);
    return;
  }
  cl_command_queue q = s.gpu->queue();
  const size_t one = 1;
  if (s.sync == "svm-fine") __atomic_store_n(s.counter.as<int>(), 0, __ATOMIC_RELAXED);
  // event-poll needs the kernel's event to poll; a profiling execution of event-poll shares it.
  Event* ev = s.sync == "event-poll" ? &s.pollEvent : profile;
  COEXEC_CL(Cl().clEnqueueNDRangeKernel(q, s.kernel.get(), 1, nullptr, &one, &one, 0, nullptr, ev ? ev->out() : nullptr),
            "enqueue roundtrip");
  if (s.sync == "event-poll" && profile) {
    COEXEC_CL(Cl().clRetainEvent(s.pollEvent.get()), "retain roundtrip event");
    *profile->out() = s.pollEvent.get();
  }
  if (s.sync != "finish") COEXEC_CL(Cl().clFlush(q), "flush");
}

void RoundTrip::DriverWait() {
  Impl& s = *impl_;
  cl_command_queue q = s.gpu->queue();
  if (s.sync == "finish") {
    COEXEC_CL(Cl().clFinish(q), "clFinish");
  } else if (s.sync == "event-poll") {
    cl_event ev = s.pollEvent.get();
    cl_int status = CL_QUEUED;
    WaitUntil([&] {
      COEXEC_CL(Cl().clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr), "poll");
      if (status < 0) throw std::runtime_error(std::string("roundtrip kernel failed: ") + ClErrorName(status));
      return status == CL_COMPLETE;
    });
  } else if (s.sync == "svm-coarse") {
    {
      SvmMapGuard m(q, CL_MAP_READ, s.svmOut.get(), sizeof(int), "map roundtrip output");
      s.lastSeen = *s.svmOut.as<int>();
    }
    COEXEC_CL(Cl().clFinish(q), "clFinish after unmap");
  }
}

bool RoundTrip::WaitsOnHost() const { return impl_->sync == "svm-fine" || impl_->sync == "svm-resident"; }
bool RoundTrip::EnqueuesOnCaller() const { return impl_->sync == "svm-resident"; }

bool RoundTrip::HostSeesGpuDone() {
  Impl& s = *impl_;
  if (!WaitsOnHost()) return true;
  if (__atomic_load_n(s.counter.as<int>(), __ATOMIC_ACQUIRE) < 1) return false;
  s.lastSeen = *s.svmOut.as<int>();
  if (!s.doneNs) s.doneNs = NowNs();
  return true;
}

void RoundTrip::WidenProfile(std::array<cl_ulong, 4>& ts) const {
  const Impl& s = *impl_;
  if (s.sync != "svm-resident") return;
  const auto bump = static_cast<cl_ulong>(s.bumpNs);
  ts = {bump, bump, bump, static_cast<cl_ulong>(s.doneNs ? s.doneNs : s.bumpNs)};
}

int RoundTrip::LastValue() {
  Impl& s = *impl_;
  if (s.sync == "finish" || s.sync == "event-poll") {
    int v = 0;
    COEXEC_CL(Cl().clEnqueueReadBuffer(s.gpu->queue(), s.out.get(), CL_TRUE, 0, sizeof v, &v, 0, nullptr, nullptr),
              "read roundtrip output");
    return v;
  }
  return s.lastSeen;
}

}  // namespace coexec
