// svm-fine: X, W, b and Y live in fine-grained SVM that both sides read and write directly: no copy, no
// map, no blocking call on the critical path. The input is where its producer left it (written once in
// Prepare), so publishing it is the enqueue itself.
// Per execution: the driver thread zeroes the counter, enqueues and flushes (timed); the CPU slice writes its
// rows of Y in place; then the CPU-slice thread itself spins with acquire loads until every work-group of the
// layer kernel has signalled (no OpenCL call, no hop through the driver thread).
//
// Shared atomic `counter_` (an int in fine-grained SVM allocated with CL_MEM_SVM_ATOMICS):
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

namespace {

class SvmFineMechanism : public Mechanism {
 public:
  void Prepare(LayerRun& run) override {
    run_ = &run;
    const Layer& l = *run.layer;
    cl_context ctx = run.gpu->context();
    const cl_svm_mem_flags fine = CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER;
    x_ = SvmBuffer(ctx, fine, Bytes(l.XCount()), "svm-fine X");
    w_ = SvmBuffer(ctx, fine, Bytes(l.WCount()), "svm-fine W");
    b_ = SvmBuffer(ctx, fine, Bytes(l.BCount()), "svm-fine b");
    y_ = SvmBuffer(ctx, fine, Bytes(l.YCount()), "svm-fine Y");
    counter_ = SvmBuffer(ctx, fine | CL_MEM_SVM_ATOMICS, sizeof(int), "svm-fine counter");
    std::memcpy(x_.get(), run.X->data(), x_.bytes());
    std::memcpy(w_.get(), run.W->data(), w_.bytes());
    std::memcpy(b_.get(), run.b->data(), b_.bytes());
    std::memset(y_.get(), 0, y_.bytes());
    groups_ = static_cast<int>(run.variant.launches.back().Groups());
    BindArgs(run, [&](cl_kernel k, cl_uint a, TensorArg t) {
      void* p = t == TensorArg::X ? x_.get() : t == TensorArg::W ? w_.get() : t == TensorArg::B ? b_.get() : y_.get();
      COEXEC_CL(Cl().clSetKernelArgSVMPointer(k, a, p), Where(run, "SVM argument"));
    }, counter_.get());
  }

  void Enqueue(Event* profile) override {
    __atomic_store_n(counter_.as<int>(), 0, __ATOMIC_RELAXED);
    EnqueueLaunches(*run_, profile);
    COEXEC_CL(Cl().clFlush(run_->gpu->queue()), Where(*run_, "flush"));
  }

  bool WaitsOnHost() const override { return true; }
  bool HostSeesGpuDone() override { return __atomic_load_n(counter_.as<int>(), __ATOMIC_ACQUIRE) >= groups_; }

  CpuTensors CpuSide() const override { return {x_.as<float>(), w_.as<float>(), b_.as<float>(), y_.as<float>()}; }
  const float* Output() const override { return y_.as<float>(); }

  void PoisonOutput() override {
    // The previous kernel may still be retiring after its last signal; wait so it cannot race the fill.
    COEXEC_CL(Cl().clFinish(run_->gpu->queue()), "poison Y");
    float* y = y_.as<float>();
    std::fill(y, y + y_.bytes() / sizeof(float), std::numeric_limits<float>::quiet_NaN());
  }

  std::string HostMemoryPath() const override { return "svm-fine-shared"; }

 private:
  LayerRun* run_ = nullptr;
  SvmBuffer x_, w_, b_, y_, counter_;
  int groups_ = 0;
};

}  // namespace

std::unique_ptr<Mechanism> MakeSvmFineMechanism() { return std::make_unique<SvmFineMechanism>(); }

}  // namespace coexec
