// What every mechanism shares (argument binding, launch enqueue, the GPU rows of Y), the mechanism factory
// and the CPU-only path. The mechanisms themselves: sync_buffers.cpp (finish, event-poll),
// sync_svm_coarse.cpp, sync_svm_fine.cpp.
#include "sync.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "clblast.h"

namespace coexec {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int WaitSpins() {
  static const int spins = [] {
    const char* env = std::getenv("COEXEC_WAIT_SPINS");
    return env && *env ? std::atoi(env) : 256;
  }();
  return spins;
}

int64_t EventPollIntervalNs() {
  static const int64_t interval = [] {
    const char* env = std::getenv("COEXEC_EVENT_POLL_US");
    return env && *env ? static_cast<int64_t>(std::atof(env) * 1000) : int64_t{0};
  }();
  return interval;
}

namespace sync_detail {

void PollUntilComplete(cl_event ev, const std::string& where) {
  const int64_t interval = EventPollIntervalNs();
  int64_t next = 0;
  cl_int status = CL_QUEUED;
  WaitUntil([&] {
    if (interval > 0) {
      const int64_t now = NowNs();
      if (now < next) return false;
      next = now + interval;
    }
    COEXEC_CL(Cl().clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr), where);
    if (status < 0) throw std::runtime_error("GPU command failed with " + std::string(ClErrorName(status)));
    return status == CL_COMPLETE;
  });
}

std::string Where(const LayerRun& run, const std::string& what) {
  std::string s = what;
  if (!run.variant.launches.empty()) {
    const auto& m = run.variant.launches.back();
    s += ", variant " + m.kernel + ", global " + std::to_string(m.global[0]) + "x" + std::to_string(m.global[1]) +
         "x" + std::to_string(m.global[2]) + ", local " + std::to_string(m.local[0]) + "x" +
         std::to_string(m.local[1]) + "x" + std::to_string(m.local[2]);
  }
  return s;
}

void BindArgs(LayerRun& run, const std::function<void(cl_kernel, cl_uint, TensorArg)>& bindTensor, void* counter) {
  for (size_t i = 0; i < run.variant.launches.size(); ++i) {
    const auto& L = run.variant.launches[i];
    cl_kernel k = run.kernels[i].get();
    cl_uint a = 0;
    for (int v : L.scalars) {
      COEXEC_CL(Cl().clSetKernelArg(k, a++, sizeof(int), &v), Where(run, "argument of " + L.kernel));
    }
    for (TensorArg t : L.tensors) {
      if (t == TensorArg::Col) {
        cl_mem m = run.col.get();
        COEXEC_CL(Cl().clSetKernelArg(k, a++, sizeof(cl_mem), &m), Where(run, "im2col scratch"));
      } else if (t == TensorArg::PackedW) {
        cl_mem m = run.packedW.get();
        COEXEC_CL(Cl().clSetKernelArg(k, a++, sizeof(cl_mem), &m), Where(run, "packed weights"));
      } else {
        bindTensor(k, a++, t);
      }
    }
    if (L.main && counter) {
      COEXEC_CL(Cl().clSetKernelArgSVMPointer(k, a++, counter), Where(run, "completion counter"));
    }
  }
}

void EndAfterMain(Event& afterMain, std::array<cl_ulong, 4>& ts) {
  if (!afterMain) return;
  cl_event ev = afterMain.get();
  COEXEC_CL(Cl().clWaitForEvents(1, &ev), "wait for the launch after the layer kernel");
  cl_ulong end = 0;
  COEXEC_CL(Cl().clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof end, &end, nullptr), "profiling info");
  ts[3] = std::max(ts[3], end);
  afterMain.Reset();
}

void EnqueueLaunches(LayerRun& run, Event* profile) {
  cl_command_queue q = run.gpu->queue();
  if (run.variant.clblast && run.layer->conv) {
    // CLBlastSconvgemm writes Y without bias; the variant's launches (conv_bias_rows) follow it in order.
    ClblastConvRows(run.layer->conv2d, run.cpuRows, run.memX, run.memW, run.memY, q, profile ? profile->out() : nullptr);
  } else if (run.variant.clblast) {
    // CLBlastSgemm accumulates into Y (beta = 1), so Y's GPU rows first get the bias: part of this variant's
    // cost. Only the GPU rows: the CPU may be writing its rows of the same buffer (zero-copy).
    const TensorRuns& y = run.split.gpuY;
    const size_t origin[3] = {Bytes(y.first), 0, 0};
    const size_t region[3] = {Bytes(y.length), y.blocks, 1};
    COEXEC_CL(Cl().clEnqueueCopyBufferRect(q, run.biasRows.get(), run.memY, origin, origin, region, Bytes(y.pitch), 0,
                                           Bytes(y.pitch), 0, 0, nullptr, nullptr), "clblast: bias rows into Y");
    ClblastLinearRows(run.layer->linear, run.split.channelOffset, run.split.outerOffset, run.memX, run.memW, run.memY,
                      q, profile ? profile->out() : nullptr);
    return;
  }
  for (size_t i = 0; i < run.variant.launches.size(); ++i) {
    const auto& L = run.variant.launches[i];
    cl_event* ev = L.main && profile ? profile->out() : nullptr;
    if (profile && i + 1 == run.variant.launches.size() && RunsAfterMain(run.variant, i)) ev = run.afterMain.out();
    COEXEC_CL(Cl().clEnqueueNDRangeKernel(q, run.kernels[i].get(), L.dims, nullptr, L.global, L.local, 0, nullptr, ev),
              Where(run, "enqueue " + L.kernel));
  }
}

std::unique_ptr<CommandBuffer> RecordReplay(LayerRun& run, GpuSubmitChoice* choice,
                                            const std::function<void(CommandBuffer&)>& record) {
  const std::string blocker = run.variant.clblast ? "clblast enqueues its own kernels, which cannot be recorded" : "";
  *choice = ChooseGpuSubmit(*run.gpu, blocker);
  if (choice->submit != GpuSubmit::CommandBuffer) return nullptr;
  try {
    auto cb = std::make_unique<CommandBuffer>(*run.gpu);
    record(*cb);
    cb->Finalize();
    // One untimed trial replay: a driver that records but refuses to replay falls back here, not mid-job.
    cb->Enqueue(nullptr);
    COEXEC_CL(Cl().clFinish(run.gpu->queue()), "trial replay of the command buffer");
    return cb;
  } catch (const std::exception& e) {
    if (GpuSubmitRequest() == "command-buffer") throw;
    *choice = GpuSubmitChoice{GpuSubmit::Calls, std::string("recording failed: ") + e.what()};
    return nullptr;
  }
}

void RecordLaunches(LayerRun& run, CommandBuffer& cb) {
  for (size_t i = 0; i < run.variant.launches.size(); ++i) {
    const auto& L = run.variant.launches[i];
    cb.NDRange(run.kernels[i].get(), L.dims, L.global, L.local, Where(run, "record " + L.kernel));
  }
}

void CopyRuns(const TensorRuns& runs, const float* src, float* dst) {
  if (runs.Empty()) return;
  for (size_t i = 0, at = runs.first; i < runs.blocks; ++i, at += runs.pitch) {
    std::memcpy(dst + at, src + at, Bytes(runs.length));
  }
}

namespace {
// clEnqueue{Write,Read}BufferRect over the runs: rows of `length` floats, `pitch` apart, at the same offsets
// on both sides.
void RunsRect(const TensorRuns& runs, size_t origin[3], size_t region[3]) {
  origin[0] = Bytes(runs.first);
  origin[1] = origin[2] = 0;
  region[0] = Bytes(runs.length);
  region[1] = runs.blocks;
  region[2] = 1;
}
}  // namespace

namespace {
// One non-blocking copy of the runs between a host buffer and a device buffer, either way: a plain copy
// when the runs are one block, else one rectangular copy over the blocks. The error context is built only
// when the call fails (no string work on the timed path).
void EnqueueRunsCopy(bool toDevice, const LayerRun& run, cl_command_queue q, cl_mem device, const TensorRuns& runs,
                     float* host, cl_event* event, const char* what) {
  if (runs.Empty()) return;
  cl_int code;
  const char* call;
  if (runs.blocks == 1) {
    const size_t offset = Bytes(runs.first), bytes = Bytes(runs.length);
    float* at = host + runs.first;
    code = toDevice ? Cl().clEnqueueWriteBuffer(q, device, CL_FALSE, offset, bytes, at, 0, nullptr, event)
                    : Cl().clEnqueueReadBuffer(q, device, CL_FALSE, offset, bytes, at, 0, nullptr, event);
    call = toDevice ? "clEnqueueWriteBuffer" : "clEnqueueReadBuffer";
  } else {
    size_t origin[3], region[3];
    RunsRect(runs, origin, region);
    const size_t pitch = Bytes(runs.pitch);
    code = toDevice ? Cl().clEnqueueWriteBufferRect(q, device, CL_FALSE, origin, origin, region, pitch, 0, pitch, 0, host,
                                                    0, nullptr, event)
                    : Cl().clEnqueueReadBufferRect(q, device, CL_FALSE, origin, origin, region, pitch, 0, pitch, 0, host,
                                                   0, nullptr, event);
    call = toDevice ? "clEnqueueWriteBufferRect" : "clEnqueueReadBufferRect";
  }
  if (code != CL_SUCCESS) ClCheck(code, call, Where(run, what));
}
}  // namespace

void EnqueueWriteRuns(const LayerRun& run, cl_command_queue q, cl_mem device, const TensorRuns& runs, const float* host,
                      cl_event* event, const char* what) {
  // The write only reads host; OpenCL's write takes it as const void*.
  EnqueueRunsCopy(true, run, q, device, runs, const_cast<float*>(host), event, what);
}

void EnqueueReadRuns(const LayerRun& run, cl_command_queue q, cl_mem device, const TensorRuns& runs, float* host,
                     cl_event* event, const char* what) {
  EnqueueRunsCopy(false, run, q, device, runs, host, event, what);
}

void RecordCopyRuns(CommandBuffer& cb, cl_mem src, cl_mem dst, const TensorRuns& runs, const std::string& what) {
  if (runs.Empty()) return;
  if (runs.blocks == 1) {
    cb.CopyBuffer(src, dst, Bytes(runs.first), Bytes(runs.first), Bytes(runs.length), what);
    return;
  }
  size_t origin[3], region[3];
  RunsRect(runs, origin, region);
  cb.CopyBufferRect(src, dst, origin, region, Bytes(runs.pitch), what);
}

}  // namespace sync_detail

// Defined in the mechanism files.
std::unique_ptr<Mechanism> MakeFinishMechanism();
std::unique_ptr<Mechanism> MakeEventPollMechanism();
std::unique_ptr<Mechanism> MakeSvmCoarseMechanism();
std::unique_ptr<Mechanism> MakeSvmFineMechanism();
std::unique_ptr<Mechanism> MakeSvmResidentMechanism();

namespace {

// CPU only (no GPU rows): the CPU slice on host memory; no OpenCL call at all. Timed: the slice.
class CpuOnlyMechanism : public Mechanism {
 public:
  void Prepare(LayerRun& run) override {
    run_ = &run;
    y_.assign(run.layer->YCount(), 0.0f);
  }
  void Enqueue(Event*) override {}
  CpuTensors CpuSide() const override { return {run_->X->data(), run_->W->data(), run_->b->data(), y_.data()}; }
  const float* Output() const override { return y_.data(); }
  void PoisonOutput() override { std::fill(y_.begin(), y_.end(), std::numeric_limits<float>::quiet_NaN()); }
  std::string HostMemoryPath() const override { return "host"; }

 private:
  LayerRun* run_ = nullptr;
  mutable std::vector<float> y_;
};

}  // namespace

std::string MechanismUnsupportedReason(const std::string& sync, const DeviceCaps& caps) {
  if (sync == "finish" || sync == "event-poll") return "";
  if (!LoadClApi(nullptr)->HasSvm()) return sync + ": the OpenCL library has no SVM entry points (OpenCL 1.x)";
  if (sync == "svm-coarse") {
    if (!(caps.svm & CL_DEVICE_SVM_COARSE_GRAIN_BUFFER)) return "svm-coarse: device lacks CL_DEVICE_SVM_COARSE_GRAIN_BUFFER";
    return "";
  }
  if (sync == "svm-fine" || sync == "svm-resident") {  // svm-resident: svm-fine's memory and atomics
    if (!(caps.svm & CL_DEVICE_SVM_FINE_GRAIN_BUFFER)) return sync + ": device lacks CL_DEVICE_SVM_FINE_GRAIN_BUFFER";
    if (!(caps.svm & CL_DEVICE_SVM_ATOMICS)) return sync + ": device lacks CL_DEVICE_SVM_ATOMICS";
    if (!caps.openclC20 && !caps.openclC30) return sync + ": device has no OpenCL C 2.0/3.0 (atomics in kernels)";
    if (caps.openclC30 && !caps.openclC20 && !caps.HasFeature("__opencl_c_atomic_order_acq_rel"))
      return sync + ": device lacks __opencl_c_atomic_order_acq_rel";
    return "";
  }
  return "unknown mechanism " + sync;
}

std::unique_ptr<Mechanism> MakeMechanism(const std::string& sync, const DeviceCaps& caps) {
  if (std::string why = MechanismUnsupportedReason(sync, caps); !why.empty()) throw std::runtime_error(why);
  if (sync == "finish") return MakeFinishMechanism();
  if (sync == "event-poll") return MakeEventPollMechanism();
  if (sync == "svm-coarse") return MakeSvmCoarseMechanism();
  if (sync == "svm-resident") return MakeSvmResidentMechanism();
  return MakeSvmFineMechanism();
}

std::unique_ptr<Mechanism> MakeCpuOnly() { return std::make_unique<CpuOnlyMechanism>(); }

}  // namespace coexec
