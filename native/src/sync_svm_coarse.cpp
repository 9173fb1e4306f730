// svm-coarse: coarse-grained SVM for X, W and b and Y; W and b written once per job.
// Per execution (driver thread, timed): map the span of X holding the GPU's share (split.h) for writing
// (invalidating), copy the producer's input rows of that share in (only they move), unmap; the kernels;
// flush. The CPU slice reads the producer's host X and writes its rows into the host output. The wait: a
// blocking map, for reading, of the span of Y holding the GPU rows (the queue is in order, so it returns
// once the kernels are done); copy of the GPU rows into the host output; unmap; clFinish so the unmap is
// done before the next execution.
// Command-buffer submission (command_buffer.h) replays the recorded kernels in place of their NDRange calls;
// the maps and unmaps stay calls (they cannot be recorded).
#include <cstring>
#include <limits>

#include "sync.h"

namespace coexec {

using namespace sync_detail;

namespace {

class SvmCoarseMechanism : public Mechanism {
 public:
  void Prepare(LayerRun& run) override {
    run_ = &run;
    const Layer& l = *run.layer;
    y_.assign(l.YCount(), 0.0f);
    cl_context ctx = run.gpu->context();
    x_ = SvmBuffer(ctx, CL_MEM_READ_WRITE, Bytes(l.XCount()), "svm-coarse X");
    w_ = SvmBuffer(ctx, CL_MEM_READ_WRITE, Bytes(l.WCount()), "svm-coarse W");
    b_ = SvmBuffer(ctx, CL_MEM_READ_WRITE, Bytes(l.BCount()), "svm-coarse b");
    yDev_ = SvmBuffer(ctx, CL_MEM_READ_WRITE, Bytes(l.YCount()), "svm-coarse Y");
    cl_command_queue q = run.gpu->queue();
    {
      SvmMapGuard mw(q, CL_MAP_WRITE_INVALIDATE_REGION, w_.get(), w_.bytes(), "upload W");
      std::memcpy(w_.get(), run.W->data(), w_.bytes());
    }
    {
      SvmMapGuard mb(q, CL_MAP_WRITE_INVALIDATE_REGION, b_.get(), b_.bytes(), "upload b");
      std::memcpy(b_.get(), run.b->data(), b_.bytes());
    }
    COEXEC_CL(Cl().clFinish(q), Where(run, "upload"));
    BindArgs(run, [&](cl_kernel k, cl_uint a, TensorArg t) {
      void* p = t == TensorArg::X ? x_.get() : t == TensorArg::W ? w_.get() : t == TensorArg::B ? b_.get() : yDev_.get();
      COEXEC_CL(Cl().clSetKernelArgSVMPointer(k, a, p), Where(run, "SVM argument"));
    }, nullptr);
    replay_ = RecordReplay(run, &submit_, [&](CommandBuffer& cb) { RecordLaunches(run, cb); });
  }

  void Enqueue(Event* profile) override {
    LayerRun& run = *run_;
    cl_command_queue q = run.gpu->queue();
    const TensorRuns& x = run.split.gpuX;
    if (!x.Empty()) {
      // Invalidating the whole span is safe: the CPU slice reads the producer's X, never this copy.
      SvmMapGuard mx(q, CL_MAP_WRITE_INVALIDATE_REGION, x_.as<float>() + x.first, Bytes(x.SpanEnd() - x.first),
                     "svm-coarse: map X");
      CopyRuns(x, run.X->data(), x_.as<float>());
    }
    if (replay_ && !profile) replay_->Enqueue(nullptr);  // a profiled execution needs the kernel's own event
    else EnqueueLaunches(run, profile);
    COEXEC_CL(Cl().clFlush(q), Where(run, "flush"));
  }

  void DriverWait() override {
    LayerRun& run = *run_;
    cl_command_queue q = run.gpu->queue();
    {
      const TensorRuns& y = run.split.gpuY;
      SvmMapGuard my(q, CL_MAP_READ, yDev_.as<float>() + y.first, Bytes(y.SpanEnd() - y.first),
                     "svm-coarse: map the GPU rows of Y");
      CopyRuns(y, yDev_.as<float>(), y_.data());
    }
    COEXEC_CL(Cl().clFinish(q), Where(run, "clFinish after unmap"));
  }

  CpuTensors CpuSide() const override { return {run_->X->data(), run_->W->data(), run_->b->data(), y_.data()}; }
  const float* Output() const override { return y_.data(); }

  void PoisonOutput() override {
    std::fill(y_.begin(), y_.end(), std::numeric_limits<float>::quiet_NaN());
    {
      SvmMapGuard my(run_->gpu->queue(), CL_MAP_WRITE_INVALIDATE_REGION, yDev_.get(), yDev_.bytes(), "poison Y");
      std::memcpy(yDev_.get(), y_.data(), yDev_.bytes());
    }
    COEXEC_CL(Cl().clFinish(run_->gpu->queue()), "poison Y");
  }

  std::string HostMemoryPath() const override { return "svm-coarse-map"; }

 private:
  LayerRun* run_ = nullptr;
  mutable std::vector<float> y_;
  SvmBuffer x_, w_, b_, yDev_;
  std::unique_ptr<CommandBuffer> replay_;  // command-buffer submission: the kernels
};

}  // namespace

std::unique_ptr<Mechanism> MakeSvmCoarseMechanism() { return std::make_unique<SvmCoarseMechanism>(); }

}  // namespace coexec
