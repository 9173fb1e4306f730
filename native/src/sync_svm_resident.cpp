// svm-resident: svm-fine's memory (X, W, b and Y in fine-grained SVM that both sides read and write in place)
// with a layer kernel that is launched once per job and stays on the device: no OpenCL call per execution.
// PoCL's launch costs 20-38 us from submit to the kernel's start (2-core VM and GPU host), more than a whole
// linear M = 1 layer takes on either side; a resident kernel polling fine-grained SVM answers in about 4 us
// (native/bench/persistent_probe.c, results/benchmarks/persistent-probe-vm-20261205). It is only sensible on a
// device with cores of its own: its work-items spin between executions (the harness plans it only there).
//
// Prepare (untimed) launches the kernel built with -DCOEXEC_RESIDENT (native/kernels/common.cl) on a queue
// of its own with P "physical" work-groups, as many as the device runs at once, which deal the launch's
// work-groups among themselves; then one handshake execution proves that all P answer.
// Per execution, on the calling thread (no hop to the driver thread): zero the done counter (relaxed), then
// bump the epoch (release store); the CPU slice writes its rows of Y; the same thread spins with acquire
// loads until the counter equals P. The destructor stores epoch -1, which ends the kernel, and finishes the
// queue.
//
// Shared atomics, both ints in fine-grained SVM allocated with CL_MEM_SVM_ATOMICS:
//   epoch_:   written by the host only (release: orders the counter's zeroing before it); read by the first
//             work-item of each physical group (acquire);
//   counter:  zeroed by the host before each bump; one release add per physical group after its writes of Y;
//             the host's acquire load that sees P makes every GPU row of Y visible.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <utility>

#include "sync.h"

namespace coexec {

using namespace sync_detail;

namespace {

constexpr int64_t kHandshakeTimeoutNs = 5'000'000'000;

// How many work-groups the device runs at once: its compute units, or fewer where PoCL is told to start fewer
// workers (Debian's PoCL 3.1 reports every core as a compute unit whatever POCL_CPU_MAX_CU_NUM says, while
// POCL_MAX_PTHREAD_COUNT does limit its workers). COEXEC_RESIDENT_GROUPS overrides both. Too many would
// deadlock (a group that never starts never signals): the handshake in Prepare turns that into an error.
int ResidentGroups(const DeviceCaps& caps) {
  if (const char* e = std::getenv("COEXEC_RESIDENT_GROUPS"); e && *e) return std::max(1, std::atoi(e));
  int groups = static_cast<int>(caps.computeUnits);
  if (const char* e = std::getenv("POCL_MAX_PTHREAD_COUNT"); e && *e && std::atoi(e) > 0)
    groups = std::min(groups, std::atoi(e));
  return std::max(1, groups);
}

// A failed handshake, remembered per device and group count for the rest of the process: every later job
// that would wait the same 5 s for the same answer fails at once with the first one's reason (a plan of
// hundreds of resident jobs would otherwise spend minutes of a device's time budget waiting).
std::string& RememberedHandshakeFailure(cl_device_id device, int groups) {
  static std::mutex mu;
  static std::map<std::pair<cl_device_id, int>, std::string> failures;
  std::lock_guard<std::mutex> lock(mu);
  return failures[{device, groups}];
}

class SvmResidentMechanism : public Mechanism {
 public:
  ~SvmResidentMechanism() override { Stop(); }

  void Prepare(LayerRun& run) override {
    run_ = &run;
    if (run.variant.clblast || run.variant.launches.size() != 1)
      throw std::runtime_error("svm-resident runs one layer kernel per job; this variant enqueues " +
                               std::string(run.variant.clblast ? "CLBlast" : "helper kernels before its own"));
    mem_.Prepare(run, "svm-resident");
    cl_context ctx = run.gpu->context();
    // The resident arguments follow the counter (COEXEC_SIGNAL_PARAM under COEXEC_RESIDENT): the epoch, then
    // the launch's work-groups per dimension, which the physical groups deal among themselves.
    const LaunchSpec& launch = run.variant.launches.back();
    cl_kernel k = run.kernels.back().get();
    physical_ = static_cast<int>(std::min<size_t>(ResidentGroups(run.gpu->caps()), launch.Groups()));
    // A stealing cursor packs its chunk's range into the halves of a positive int (common.cl, coexecClaim).
    if (ResidentDealSteals() && (launch.Groups() + physical_ - 1) / physical_ > 0x7FFF)
      throw std::runtime_error("svm-resident: " + std::to_string(launch.Groups()) + " work-groups over " +
                               std::to_string(physical_) + " resident groups is over 32767 each, the most a stealing "
                               "cursor holds (COEXEC_RESIDENT_DEAL=static has no such limit)");
    epoch_ = ResidentEpochBuffer(ctx, physical_, "svm-resident epoch");
    cl_uint a = static_cast<cl_uint>(launch.scalars.size() + launch.tensors.size() + 1);
    COEXEC_CL(Cl().clSetKernelArgSVMPointer(k, a++, epoch_.get()), Where(run, "resident epoch"));
    for (int d = 0; d < 3; ++d) {
      const int groups = static_cast<int>(launch.global[d] / launch.local[d]);
      COEXEC_CL(Cl().clSetKernelArg(k, a++, sizeof(int), &groups), Where(run, "resident work-groups"));
    }
    std::string& failed = RememberedHandshakeFailure(run.gpu->id(), physical_);
    if (!failed.empty()) throw std::runtime_error(failed + " (an earlier job's handshake on this device; not retried)");
    const size_t global[3] = {physical_ * launch.local[0], launch.local[1], launch.local[2]};

    cl_int err = CL_SUCCESS;
    queue_ = Queue(Cl().clCreateCommandQueue(ctx, run.gpu->id(), 0, &err));
    ClCheck(err, "clCreateCommandQueue", Where(run, "svm-resident queue"));
    COEXEC_CL(Cl().clEnqueueNDRangeKernel(queue_.get(), k, launch.dims, nullptr, global, launch.local, 0, nullptr, nullptr),
              Where(run, "enqueue the resident " + launch.kernel));
    COEXEC_CL(Cl().clFlush(queue_.get()), Where(run, "flush the resident kernel"));
    running_ = true;
    submit_ = GpuSubmitChoice{GpuSubmit::Resident, ""};

    // Handshake: one execution that every physical group must answer.
    Enqueue(nullptr);
    const int64_t deadline = NowNs() + kHandshakeTimeoutNs;
    while (!HostSeesGpuDone()) {
      if (NowNs() > deadline) {
        const int answered = __atomic_load_n(mem_.counter.as<int>(), __ATOMIC_ACQUIRE);
        Stop();
        failed = "svm-resident: " + std::to_string(answered) + " of " + std::to_string(physical_) +
                 " resident work-groups answered within 5 s: the device runs fewer work-groups at once "
                 "(set COEXEC_RESIDENT_GROUPS, or POCL_MAX_PTHREAD_COUNT for PoCL)";
        throw std::runtime_error(failed);
      }
      CpuRelax();
    }
  }

  // The whole per-execution GPU side: two stores, cheaper than waking the driver thread.
  bool EnqueuesOnCaller() const override { return true; }

  void Enqueue(Event* profile) override {
    (void)profile;  // no event: WidenProfile fills the profiled execution's timestamps from the host clock
    bumpNs_ = NowNs();
    doneNs_ = 0;
    __atomic_store_n(mem_.counter.as<int>(), 0, __ATOMIC_RELAXED);
    __atomic_store_n(epoch_.as<int>(), ++epochValue_, __ATOMIC_RELEASE);
  }

  bool WaitsOnHost() const override { return true; }
  bool HostSeesGpuDone() override {
    if (!GpuDoneNow()) return false;
    if (!doneNs_) doneNs_ = NowNs();
    return true;
  }
  bool WatchesGpuDone() const override { return true; }
  bool GpuDoneNow() const override { return __atomic_load_n(mem_.counter.as<int>(), __ATOMIC_ACQUIRE) >= physical_; }
  void NoteGpuDoneNs(int64_t ns) override {
    if (ns > 0 && (!doneNs_ || ns < doneNs_)) doneNs_ = ns;
  }

  // A resident kernel has no event per execution: queued = submit = start = the epoch's bump, end = when the
  // host saw the last group's signal, all on the host's steady clock. So its dispatch is 0 and its kernel
  // time is the GPU side as the host sees it.
  void WidenProfile(std::array<cl_ulong, 4>& ts) override {
    const auto bump = static_cast<cl_ulong>(bumpNs_);
    ts = {bump, bump, bump, static_cast<cl_ulong>(doneNs_ ? doneNs_ : bumpNs_)};
  }

  CpuTensors CpuSide() const override { return mem_.Tensors(); }
  const float* Output() const override { return mem_.y.as<float>(); }

  void PoisonOutput() override {
    // Every group signalled the last execution and waits for the next epoch: none of them writes Y now.
    float* y = mem_.y.as<float>();
    std::fill(y, y + mem_.y.bytes() / sizeof(float), std::numeric_limits<float>::quiet_NaN());
  }

  std::string HostMemoryPath() const override { return "svm-fine-shared"; }

 private:
  // Ends the kernel (a negative epoch) and waits for it; no throw, since the destructor calls it.
  void Stop() {
    if (!running_) return;
    running_ = false;
    __atomic_store_n(epoch_.as<int>(), -1, __ATOMIC_RELEASE);
    Cl().clFinish(queue_.get());
  }

  LayerRun* run_ = nullptr;
  FineSvmMemory mem_;
  SvmBuffer epoch_;
  Queue queue_;
  int physical_ = 0;
  int epochValue_ = 0;
  bool running_ = false;
  int64_t bumpNs_ = 0, doneNs_ = 0;
};

}  // namespace

SvmBuffer sync_detail::ResidentEpochBuffer(cl_context ctx, int groups, const std::string& what) {
  constexpr int kLineInts = 16;  // COEXEC_CURSOR's stride: a cursor per 64-byte line
  SvmBuffer buffer(ctx, CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER | CL_MEM_SVM_ATOMICS,
                   sizeof(int) * kLineInts * static_cast<size_t>(1 + groups), what);
  // Zero throughout: the epoch, and every cursor's range [0, 0), exhausted. No kernel runs on it yet.
  std::fill(buffer.as<int>(), buffer.as<int>() + kLineInts * (1 + groups), 0);
  return buffer;
}

std::unique_ptr<Mechanism> MakeSvmResidentMechanism() { return std::make_unique<SvmResidentMechanism>(); }

}  // namespace coexec
