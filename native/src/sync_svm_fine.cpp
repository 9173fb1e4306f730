// svm-fine: X, W, b and Y live in fine-grained SVM that both sides read and write directly: no copy, no
// map, no blocking call on the critical path. The input is where its producer left it (written once in
// Prepare), so publishing it is the enqueue itself.
// Per execution: the driver thread zeroes the counter, enqueues and flushes (timed); the CPU slice writes its
// rows of Y in place; then the CPU-slice thread itself spins with acquire loads until every work-group of the
// layer kernel has signalled (no OpenCL call, no hop through the driver thread).
//
// Shared atomic `counter` (FineSvmMemory, an int in fine-grained SVM allocated with CL_MEM_SVM_ATOMICS):
//   written by the host: relaxed store of 0 before each enqueue (the enqueue orders it before the kernel);
//   written by the device: one atomic_fetch_add_explicit(release, all-SVM-devices or device scope) per
//     work-group after that group's writes of Y (native/kernels/common.cl);
//   read by the host: acquire loads until it equals the number of work-groups; the acquire pairs with
//     each group's release, so every GPU row of Y is visible when the wait ends.
#include <cstring>
#include <limits>

#include "sync.h"

namespace coexec {

using namespace sync_detail;

void sync_detail::FineSvmMemory::Prepare(LayerRun& run, const std::string& mechanism) {
  const Layer& l = *run.layer;
  cl_context ctx = run.gpu->context();
  const cl_svm_mem_flags fine = CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER;
  x = SvmBuffer(ctx, fine, Bytes(l.XCount()), mechanism + " X");
  w = SvmBuffer(ctx, fine, Bytes(l.WCount()), mechanism + " W");
  b = SvmBuffer(ctx, fine, Bytes(l.BCount()), mechanism + " b");
  y = SvmBuffer(ctx, fine, Bytes(l.YCount()), mechanism + " Y");
  counter = SvmBuffer(ctx, fine | CL_MEM_SVM_ATOMICS, sizeof(int), mechanism + " counter");
  std::memcpy(x.get(), run.X->data(), x.bytes());
  std::memcpy(w.get(), run.W->data(), w.bytes());
  std::memcpy(b.get(), run.b->data(), b.bytes());
  std::memset(y.get(), 0, y.bytes());
  __atomic_store_n(counter.as<int>(), 0, __ATOMIC_RELAXED);
  BindArgs(run, [&](cl_kernel k, cl_uint a, TensorArg t) {
    void* p = t == TensorArg::X ? x.get() : t == TensorArg::W ? w.get() : t == TensorArg::B ? b.get() : y.get();
    COEXEC_CL(Cl().clSetKernelArgSVMPointer(k, a, p), Where(run, "SVM argument"));
  }, counter.get());
}

namespace {

class SvmFineMechanism : public Mechanism {
 public:
  void Prepare(LayerRun& run) override {
    run_ = &run;
    mem_.Prepare(run, "svm-fine");
    groups_ = static_cast<int>(run.variant.launches.back().Groups());
  }

  void Enqueue(Event* profile) override {
    __atomic_store_n(mem_.counter.as<int>(), 0, __ATOMIC_RELAXED);
    EnqueueLaunches(*run_, profile);
    COEXEC_CL(Cl().clFlush(run_->gpu->queue()), Where(*run_, "flush"));
  }

  bool WaitsOnHost() const override { return true; }
  bool HostSeesGpuDone() override { return GpuDoneNow(); }
  bool WatchesGpuDone() const override { return true; }
  bool GpuDoneNow() const override { return __atomic_load_n(mem_.counter.as<int>(), __ATOMIC_ACQUIRE) >= groups_; }

  CpuTensors CpuSide() const override { return mem_.Tensors(); }
  const float* Output() const override { return mem_.y.as<float>(); }

  void PoisonOutput() override {
    // The previous kernel may still be retiring after its last signal; wait so it cannot race the fill.
    COEXEC_CL(Cl().clFinish(run_->gpu->queue()), "poison Y");
    float* y = mem_.y.as<float>();
    std::fill(y, y + mem_.y.bytes() / sizeof(float), std::numeric_limits<float>::quiet_NaN());
  }

  std::string HostMemoryPath() const override { return "svm-fine-shared"; }

 private:
  LayerRun* run_ = nullptr;
  FineSvmMemory mem_;
  int groups_ = 0;
};

}  // namespace

std::unique_ptr<Mechanism> MakeSvmFineMechanism() { return std::make_unique<SvmFineMechanism>(); }

}  // namespace coexec
