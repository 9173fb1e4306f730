// finish and event-poll: ordinary cl_mem buffers, with the host memory of host_memory.h.
//
// Device buffers W and b are written once per job (resident weights). Per execution (driver thread, timed):
//   pinned-copy: write the GPU's share of X (split.h: all of X for a channel split, its input rows plus halo
//     for a height split, its rows for an M split) from the pinned X to the same place of the device buffer;
//     the kernels; one (rectangular) read of the GPU's share of Y into the pinned Y; flush. The CPU slice
//     reads the pinned X and writes its rows of the pinned Y, so only the GPU's share crosses the bus.
//   zero-copy: unmap the GPU rows of Y mapped by the previous execution; the kernels (on X and Y themselves);
//     map the GPU rows of Y for reading; flush. The CPU slice reads X and writes its rows of Y through their
//     job-long mappings. Nothing is copied; relying on one memory for a mapped and a kernel-written region
//     of the same buffer is what unified-memory frameworks do, and the per-execution map is where a
//     non-coherent device would make the GPU rows visible.
// The wait (driver thread, timed): finish: clFinish; event-poll: spin (pause, then yield) on the status of
// the last command's event (the read-back or the map): the one OpenCL event on a timed path, because it is
// this mechanism's wait object.
// Command-buffer submission (command_buffer.h): pinned-copy records the same copies as the calls path, as
// buffer-to-buffer copies from and to the pinned buffer objects (not their mapped pointers): the GPU's share
// of X in, the kernels, the GPU's share of Y out (RecordCopyRuns: one copy, or one rectangular copy for runs
// in every channel plane or image), so an execution is one replay and a flush. That holds where a probe at
// Prepare shows such copies agree with the job-long mappings (ProbeMappedCopies) and the device records the
// share's copies; elsewhere the write of X and the read-back stay calls around a replay of the kernels
// (resolved.gpuSubmitNote says why). Zero-copy records the kernels, between the unmap and the map.
#include <cstdlib>
#include <cstring>
#include <limits>

#include "host_memory.h"
#include "sync.h"

namespace coexec {

using namespace sync_detail;

namespace {

class BufferMechanism : public Mechanism {
 public:
  explicit BufferMechanism(bool pollEvent) : pollEvent_(pollEvent) {}

  void Prepare(LayerRun& run) override {
    run_ = &run;
    const Layer& l = *run.layer;
    cl_context ctx = run.gpu->context();
    cl_command_queue q = run.gpu->queue();
    path_ = ChooseHostMemory(run.gpu->caps());
    cl_int err = CL_SUCCESS;
    auto device = [&](size_t floats, cl_mem_flags flags, const char* what) {
      Buffer buf(Cl().clCreateBuffer(ctx, flags, Bytes(floats), nullptr, &err));
      ClCheck(err, "clCreateBuffer", Where(run, std::string("buffer ") + what));
      return buf;
    };
    w_ = device(l.WCount(), CL_MEM_READ_ONLY, "W");
    b_ = device(l.BCount(), CL_MEM_READ_ONLY, "b");
    COEXEC_CL(Cl().clEnqueueWriteBuffer(q, w_.get(), CL_TRUE, 0, Bytes(l.WCount()), run.W->data(), 0, nullptr, nullptr),
              Where(run, "upload W"));
    COEXEC_CL(Cl().clEnqueueWriteBuffer(q, b_.get(), CL_TRUE, 0, Bytes(l.BCount()), run.b->data(), 0, nullptr, nullptr),
              Where(run, "upload b"));
    xHost_ = MappedHostBuffer(ctx, q, Bytes(l.XCount()), Where(run, "host X"));
    yHost_ = MappedHostBuffer(ctx, q, Bytes(l.YCount()), Where(run, "host Y"));
    std::memcpy(xHost_.host(), run.X->data(), Bytes(l.XCount()));  // the producer's write
    std::fill(yHost_.host(), yHost_.host() + l.YCount(), 0.0f);
    if (path_ == HostMemory::PinnedCopy) {
      xDev_ = device(l.XCount(), CL_MEM_READ_ONLY, "X");
      yDev_ = device(l.YCount(), CL_MEM_READ_WRITE, "Y");
    }
    run.memX = X();
    run.memW = w_.get();
    run.memY = Y();
    if (run.variant.clblast && !l.conv) {  // conv: a bias kernel follows convgemm
      std::vector<float> rows(l.YCount());
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = (*run.b)[i % l.BCount()];
      run.biasRows = Buffer(Cl().clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, Bytes(rows.size()),
                                                rows.data(), &err));
      ClCheck(err, "clCreateBuffer", "clblast bias rows");
    }
    BindArgs(run, [&](cl_kernel k, cl_uint a, TensorArg t) {
      cl_mem m = t == TensorArg::X ? X() : t == TensorArg::W ? w_.get() : t == TensorArg::B ? b_.get() : Y();
      COEXEC_CL(Cl().clSetKernelArg(k, a, sizeof(cl_mem), &m), Where(run, "buffer argument"));
    }, nullptr);
    spanFirst_ = run.split.gpuY.first;
    spanEnd_ = run.split.gpuY.SpanEnd();
    replay_ = RecordReplay(run, &submit_, [&](CommandBuffer& cb) {
      if (path_ == HostMemory::PinnedCopy) {
        std::string why;
        try {
          why = ProbeMappedCopies(q, xHost_, xDev_.get(), "X");
          if (why.empty()) why = ProbeMappedCopies(q, yHost_, yDev_.get(), "Y");
        } catch (const std::exception& e) {
          why = std::string("the probe of copies with the pinned buffers failed: ") + e.what();
        }
        std::memcpy(xHost_.host(), run.X->data(), Bytes(l.XCount()));  // what the probe overwrote
        std::fill(yHost_.host(), yHost_.host() + l.YCount(), 0.0f);
        if (why.empty()) why = ShareCopiesUnrecordableReason();
        replayCopies_ = why.empty();
        if (!replayCopies_) submit_.note = why + "; the write of X and the read-back stay calls around the replay";
      }
      // Exactly the copies of the calls path: the GPU's share of X in, the GPU's share of Y out (split.h).
      if (replayCopies_) RecordCopyRuns(cb, xHost_.mem(), xDev_.get(), run.split.gpuX, Where(run, "copy X"));
      RecordLaunches(run, cb);
      if (replayCopies_)
        RecordCopyRuns(cb, yDev_.get(), yHost_.mem(), run.split.gpuY, Where(run, "copy back the GPU's share of Y"));
    });
    COEXEC_CL(Cl().clFinish(q), Where(run, "prepare"));
  }

  void Enqueue(Event* profile) override {
    LayerRun& run = *run_;
    cl_command_queue q = run.gpu->queue();
    cl_event* last = pollEvent_ ? lastEvent_.out() : nullptr;
    const bool replay = replay_ && !profile;  // a profiled execution needs the main kernel's own event
    if (path_ == HostMemory::PinnedCopy && replay && replayCopies_) {
      replay_->Enqueue(last);
    } else if (path_ == HostMemory::PinnedCopy) {
      EnqueueWriteRuns(run, q, xDev_.get(), run.split.gpuX, xHost_.host(), nullptr, "write X");
      if (replay) replay_->Enqueue(nullptr);
      else EnqueueLaunches(run, profile);
      EnqueueReadRuns(run, q, yDev_.get(), run.split.gpuY, yHost_.host(), last, "read back Y");
    } else {
      UnmapGpuRows();
      if (replay) replay_->Enqueue(nullptr);
      else EnqueueLaunches(run, profile);
      cl_int err = CL_SUCCESS;
      gpuRowsMapped_ = Cl().clEnqueueMapBuffer(q, yHost_.mem(), CL_FALSE, CL_MAP_READ, Bytes(spanFirst_),
                                               Bytes(spanEnd_ - spanFirst_), 0, nullptr, last, &err);
      if (err != CL_SUCCESS) ClCheck(err, "clEnqueueMapBuffer", Where(run, "map the GPU rows of Y"));
    }
    COEXEC_CL(Cl().clFlush(q), Where(run, "flush"));
  }

  void DriverWait() override {
    LayerRun& run = *run_;
    if (!pollEvent_) {
      COEXEC_CL(Cl().clFinish(run.gpu->queue()), Where(run, "clFinish"));
      return;
    }
    PollUntilComplete(lastEvent_.get(), Where(run, "poll event"));
  }

  CpuTensors CpuSide() const override { return {xHost_.host(), run_->W->data(), run_->b->data(), yHost_.host()}; }
  const float* Output() const override { return yHost_.host(); }

  void PoisonOutput() override {
    LayerRun& run = *run_;
    cl_command_queue q = run.gpu->queue();
    COEXEC_CL(Cl().clFinish(q), "poison Y");
    float* y = yHost_.host();
    std::fill(y, y + run.layer->YCount(), std::numeric_limits<float>::quiet_NaN());
    if (path_ == HostMemory::PinnedCopy) {
      COEXEC_CL(Cl().clEnqueueWriteBuffer(q, yDev_.get(), CL_TRUE, 0, yHost_.bytes(), y, 0, nullptr, nullptr),
                Where(run, "poison Y"));
    }
  }

  std::string HostMemoryPath() const override { return HostMemoryName(path_); }

  ~BufferMechanism() override {
    // No check: nothing useful to do about a failing unmap while tearing down (yHost_ then waits for it).
    if (gpuRowsMapped_) Cl().clEnqueueUnmapMemObject(run_->gpu->queue(), yHost_.mem(), gpuRowsMapped_, 0, nullptr, nullptr);
  }

 private:
  // Empty when the device records the copies of the GPU's share of X and Y (a scratch command buffer takes
  // them; an outer split's rows of every channel plane are a rectangular copy), else why not.
  std::string ShareCopiesUnrecordableReason() {
    // Test hook (native/tests/run.sh): a device that refuses to record these copies.
    if (const char* refuse = std::getenv("COEXEC_TEST_SHARE_COPIES_UNRECORDABLE"); refuse && *refuse)
      return "the copies of the GPU's share of X and Y cannot be recorded: refused by COEXEC_TEST_SHARE_COPIES_UNRECORDABLE";
    try {
      CommandBuffer scratch(*run_->gpu);
      RecordCopyRuns(scratch, xHost_.mem(), xDev_.get(), run_->split.gpuX, "copy X");
      RecordCopyRuns(scratch, yDev_.get(), yHost_.mem(), run_->split.gpuY, "copy back Y");
      return "";
    } catch (const std::exception& e) {
      return std::string("the copies of the GPU's share of X and Y cannot be recorded: ") + e.what();
    }
  }

  cl_mem X() const { return path_ == HostMemory::PinnedCopy ? xDev_.get() : xHost_.mem(); }
  cl_mem Y() const { return path_ == HostMemory::PinnedCopy ? yDev_.get() : yHost_.mem(); }

  void UnmapGpuRows() {
    if (!gpuRowsMapped_) return;
    COEXEC_CL(Cl().clEnqueueUnmapMemObject(run_->gpu->queue(), yHost_.mem(), gpuRowsMapped_, 0, nullptr, nullptr),
              Where(*run_, "unmap the GPU rows of Y"));
    gpuRowsMapped_ = nullptr;
  }

  const bool pollEvent_;
  LayerRun* run_ = nullptr;
  HostMemory path_ = HostMemory::PinnedCopy;
  Buffer w_, b_, xDev_, yDev_;
  MappedHostBuffer xHost_, yHost_;
  size_t spanFirst_ = 0, spanEnd_ = 0;
  void* gpuRowsMapped_ = nullptr;  // zero-copy: the GPU rows' mapping of the last execution
  Event lastEvent_;                // event-poll: the last command of the execution
  std::unique_ptr<CommandBuffer> replay_;  // command-buffer submission: one execution's commands
  bool replayCopies_ = false;              // pinned-copy: the replay holds the copies of X and Y too
};

}  // namespace

std::unique_ptr<Mechanism> MakeFinishMechanism() { return std::make_unique<BufferMechanism>(false); }
std::unique_ptr<Mechanism> MakeEventPollMechanism() { return std::make_unique<BufferMechanism>(true); }

}  // namespace coexec
