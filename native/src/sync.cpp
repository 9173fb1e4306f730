// Mechanisms: finish, event-poll, svm-coarse, svm-fine, the CPU-only path and the round trip.
//
// Common to every mechanism: the host thread enqueues the GPU work first (and flushes it), then runs the
// CPU slice itself on the job's thread pool, then waits for the GPU slice. gpuNs therefore is the host-
// observed GPU completion, which is exact when the CPU slice is shorter and an upper bound (CPU slice +
// wait) when it is longer; the profiling timestamps give the device's own view.
#include "sync.h"

#include "clblast.h"

#include <sched.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

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

namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield" ::: "memory");
#endif
}

// Spins with a pause instruction, then yields the core: when the "GPU" is the CPU itself (PoCL), a
// spinning waiter would steal a core from the device's workers.
template <typename Done>
void WaitUntil(Done done) {
  const int spins = WaitSpins();
  for (int i = 0; !done(); ++i) {
    if (i < spins) CpuRelax();
    else sched_yield();
  }
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

// Sets every launch's arguments: scalars, then tensors through bindTensor, then the completion counter
// of the main launch when there is one.
void BindArgs(LayerRun& run, const std::function<void(cl_kernel, cl_uint, TensorArg)>& bindTensor,
              void* counter) {
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

void EnqueueLaunches(LayerRun& run, Event* mainEvent) {
  cl_command_queue q = run.gpu->queue();
  if (run.variant.clblast && run.layer->conv) {
    // CLBlastSconvgemm writes Y without bias; the variant's launches (conv_bias_rows) follow it in order.
    ClblastConvRows(run.layer->conv2d, run.cpuRows, run.memX, run.memW, run.memY, q, mainEvent->out());
  } else if (run.variant.clblast) {
    // CLBlastSgemm accumulates into Y (beta = 1), so Y first gets the bias rows: part of this variant's cost.
    COEXEC_CL(Cl().clEnqueueCopyBuffer(q, run.biasRows.get(), run.memY, 0, 0, run.layer->YCount() * sizeof(float), 0,
                                       nullptr, nullptr), "clblast: bias rows into Y");
    ClblastLinearRows(run.layer->linear, run.cpuRows, run.memX, run.memW, run.memY, q, mainEvent->out());
    return;
  }
  for (size_t i = 0; i < run.variant.launches.size(); ++i) {
    const auto& L = run.variant.launches[i];
    COEXEC_CL(Cl().clEnqueueNDRangeKernel(q, run.kernels[i].get(), L.dims, nullptr, L.global, L.local, 0, nullptr,
                                          L.main ? mainEvent->out() : nullptr),
              Where(run, "enqueue " + L.kernel));
  }
}

void RunCpu(LayerRun& run, const float* X, const float* W, const float* b, float* Y, Sample& s) {
  if (run.cpuRows == 0) return;
  int64_t c0 = NowNs();
  run.cpuSlice(X, W, b, Y);
  s.cpuNs = NowNs() - c0;
}

size_t Bytes(size_t floats) { return floats * sizeof(float); }

// Copies the GPU rows [cpuRows, OUT) of every outer block (m or batch image) from src to dst.
void CopyGpuRows(const LayerRun& run, const float* src, float* dst) {
  const Layer& l = *run.layer;
  const size_t row = l.YRowStride(), block = size_t(l.Out()) * row;
  for (size_t o = 0; o < l.YOuter(); ++o) {
    std::memcpy(dst + o * block + run.cpuRows * row, src + o * block + run.cpuRows * row, Bytes(run.gpuRows * row));
  }
}

// finish / event-poll share this layout: ordinary buffers X, W, b, Y on the device, host vectors for
// the CPU side and for the combined output. Per execution the input X is written, the kernels and the
// read-back of the GPU rows (one rectangular read) are enqueued and flushed; the CPU slice runs; then the
// mechanism waits. Timed: all of it, from the input write to the GPU rows landing in the host output.
class BufferMechanism : public Mechanism {
 public:
  void Prepare(LayerRun& run) override {
    const Layer& l = *run.layer;
    y_.assign(l.YCount(), 0.0f);
    if (run.gpuRows == 0) return;
    cl_context ctx = run.gpu->context();
    cl_int err = CL_SUCCESS;
    auto make = [&](size_t floats, const char* what) {
      Buffer buf(Cl().clCreateBuffer(ctx, CL_MEM_READ_WRITE, Bytes(floats), nullptr, &err));
      ClCheck(err, "clCreateBuffer", Where(run, std::string("buffer ") + what));
      return buf;
    };
    x_ = make(l.XCount(), "X");
    w_ = make(l.WCount(), "W");
    b_ = make(l.BCount(), "b");
    yDev_ = make(l.YCount(), "Y");
    cl_command_queue q = run.gpu->queue();
    COEXEC_CL(Cl().clEnqueueWriteBuffer(q, w_.get(), CL_TRUE, 0, Bytes(l.WCount()), run.W->data(), 0, nullptr, nullptr),
              Where(run, "upload W"));
    COEXEC_CL(Cl().clEnqueueWriteBuffer(q, b_.get(), CL_TRUE, 0, Bytes(l.BCount()), run.b->data(), 0, nullptr, nullptr),
              Where(run, "upload b"));
    run.memX = x_.get();
    run.memW = w_.get();
    run.memY = yDev_.get();
    if (run.variant.clblast && !l.conv) {
      std::vector<float> rows(l.YCount());
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = (*run.b)[i % l.BCount()];
      cl_int err = CL_SUCCESS;
      run.biasRows = Buffer(Cl().clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, Bytes(rows.size()),
                                                rows.data(), &err));
      ClCheck(err, "clCreateBuffer", "clblast bias rows");
    }
    BindArgs(run, [&](cl_kernel k, cl_uint a, TensorArg t) {
      cl_mem m = t == TensorArg::X ? x_.get() : t == TensorArg::W ? w_.get() : t == TensorArg::B ? b_.get() : yDev_.get();
      COEXEC_CL(Cl().clSetKernelArg(k, a, sizeof(cl_mem), &m), Where(run, "buffer argument"));
    }, nullptr);
  }

  void Execute(LayerRun& run, Sample& s) override {
    const int64_t t0 = NowNs();
    Event read;
    if (run.gpuRows > 0) {
      const Layer& l = *run.layer;
      cl_command_queue q = run.gpu->queue();
      COEXEC_CL(Cl().clEnqueueWriteBuffer(q, x_.get(), CL_FALSE, 0, Bytes(l.XCount()), run.X->data(), 0, nullptr,
                                          nullptr), Where(run, "write X"));
      EnqueueLaunches(run, &s.mainEvent);
      const size_t row = Bytes(l.YRowStride()), pitch = row * l.Out();
      const size_t origin[3] = {run.cpuRows * row, 0, 0};
      const size_t region[3] = {run.gpuRows * row, l.YOuter(), 1};
      COEXEC_CL(Cl().clEnqueueReadBufferRect(q, yDev_.get(), CL_FALSE, origin, origin, region, pitch, 0, pitch, 0,
                                             y_.data(), 0, nullptr, read.out()), Where(run, "read back Y"));
      COEXEC_CL(Cl().clFlush(q), Where(run, "flush"));
    }
    RunCpu(run, run.X->data(), run.W->data(), run.b->data(), y_.data(), s);
    if (run.gpuRows > 0) {
      Wait(run, read.get());
      s.gpuNs = NowNs() - t0;
    }
    s.totalNs = NowNs() - t0;
  }

  const float* Output() const override { return y_.data(); }

  void PoisonOutput(LayerRun& run) override {
    std::fill(y_.begin(), y_.end(), std::numeric_limits<float>::quiet_NaN());
    if (run.gpuRows == 0) return;
    COEXEC_CL(Cl().clEnqueueWriteBuffer(run.gpu->queue(), yDev_.get(), CL_TRUE, 0, Bytes(y_.size()), y_.data(), 0,
                                        nullptr, nullptr), Where(run, "poison Y"));
  }

 protected:
  virtual void Wait(LayerRun& run, cl_event read) = 0;

 private:
  std::vector<float> y_;
  Buffer x_, w_, b_, yDev_;
};

// finish: the standard path: a blocking clFinish after the CPU slice.
class FinishMechanism : public BufferMechanism {
  void Wait(LayerRun& run, cl_event) override { COEXEC_CL(Cl().clFinish(run.gpu->queue()), Where(run, "clFinish")); }
};

// event-poll: no blocking call: spin (pause, then yield) on the read-back event's execution status.
class EventPollMechanism : public BufferMechanism {
  void Wait(LayerRun& run, cl_event read) override {
    cl_int status = CL_QUEUED;
    WaitUntil([&] {
      COEXEC_CL(Cl().clGetEventInfo(read, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr),
                Where(run, "poll event"));
      if (status < 0) throw std::runtime_error("GPU command failed with " + std::string(ClErrorName(status)));
      return status == CL_COMPLETE;
    });
  }
};

// svm-coarse: coarse-grained SVM for X, W, b and Y. Timed: map X for writing (invalidating), copy the input
// in, unmap; the kernels; the CPU slice (reading the host copies); a blocking map of Y for reading (this
// is the wait: the queue is in order); copy of the GPU rows into the host output; unmap; clFinish so the
// unmap is done before the next execution.
class SvmCoarseMechanism : public Mechanism {
 public:
  void Prepare(LayerRun& run) override {
    const Layer& l = *run.layer;
    y_.assign(l.YCount(), 0.0f);
    if (run.gpuRows == 0) return;
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
  }

  void Execute(LayerRun& run, Sample& s) override {
    const int64_t t0 = NowNs();
    cl_command_queue q = run.gpu ? run.gpu->queue() : nullptr;
    if (run.gpuRows > 0) {
      {
        SvmMapGuard mx(q, CL_MAP_WRITE_INVALIDATE_REGION, x_.get(), x_.bytes(), Where(run, "map X"));
        std::memcpy(x_.get(), run.X->data(), x_.bytes());
      }
      EnqueueLaunches(run, &s.mainEvent);
      COEXEC_CL(Cl().clFlush(q), Where(run, "flush"));
    }
    RunCpu(run, run.X->data(), run.W->data(), run.b->data(), y_.data(), s);
    if (run.gpuRows > 0) {
      {
        SvmMapGuard my(q, CL_MAP_READ, yDev_.get(), yDev_.bytes(), Where(run, "map Y"));
        s.gpuNs = NowNs() - t0;
        CopyGpuRows(run, yDev_.as<float>(), y_.data());
      }
      COEXEC_CL(Cl().clFinish(q), Where(run, "clFinish after unmap"));
    }
    s.totalNs = NowNs() - t0;
  }

  const float* Output() const override { return y_.data(); }

  void PoisonOutput(LayerRun& run) override {
    std::fill(y_.begin(), y_.end(), std::numeric_limits<float>::quiet_NaN());
    if (run.gpuRows == 0) return;
    {
      SvmMapGuard my(run.gpu->queue(), CL_MAP_WRITE_INVALIDATE_REGION, yDev_.get(), yDev_.bytes(), "poison Y");
      std::memcpy(yDev_.get(), y_.data(), yDev_.bytes());
    }
    COEXEC_CL(Cl().clFinish(run.gpu->queue()), "poison Y");
  }

 private:
  std::vector<float> y_;
  SvmBuffer x_, w_, b_, yDev_;
};

// svm-fine: X, W, b and Y live in fine-grained SVM that both sides read and write directly: no copy, no
// map, no blocking call on the critical path. The input is where the producer left it (we fill it once
// in Prepare), so "publishing" it is the enqueue itself.
// Timed: zeroing the counter, the enqueue + flush, the CPU slice writing its rows of Y in place, and the
// acquire-load wait until every work-group of the layer kernel has signalled.
//
// Shared atomic `counter_` (an int in fine-grained SVM allocated with CL_MEM_SVM_ATOMICS):
//   written by the host: relaxed store of 0 before each enqueue (the enqueue orders it before the kernel);
//   written by the device: one atomic_fetch_add_explicit(release, all-SVM-devices or device scope) per
//     work-group after that group's writes of Y (native/kernels/common.cl);
//   read by the host: acquire loads until it equals the number of work-groups; the acquire pairs with
//     each group's release, so every GPU row of Y is visible when the wait ends.
class SvmFineMechanism : public Mechanism {
 public:
  void Prepare(LayerRun& run) override {
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

  void Execute(LayerRun& run, Sample& s) override {
    const int64_t t0 = NowNs();
    int* counter = counter_.as<int>();
    if (run.gpuRows > 0) {
      __atomic_store_n(counter, 0, __ATOMIC_RELAXED);
      EnqueueLaunches(run, &s.mainEvent);
      COEXEC_CL(Cl().clFlush(run.gpu->queue()), Where(run, "flush"));
    }
    RunCpu(run, x_.as<float>(), w_.as<float>(), b_.as<float>(), y_.as<float>(), s);
    if (run.gpuRows > 0) {
      WaitUntil([&] { return __atomic_load_n(counter, __ATOMIC_ACQUIRE) >= groups_; });
      s.gpuNs = NowNs() - t0;
    }
    s.totalNs = NowNs() - t0;
  }

  const float* Output() const override { return y_.as<float>(); }

  void PoisonOutput(LayerRun& run) override {
    // The previous kernel may still be retiring after its last signal; wait so it cannot race the fill.
    COEXEC_CL(Cl().clFinish(run.gpu->queue()), "poison Y");
    float* y = y_.as<float>();
    std::fill(y, y + y_.bytes() / sizeof(float), std::numeric_limits<float>::quiet_NaN());
  }

 private:
  SvmBuffer x_, w_, b_, y_, counter_;
  int groups_ = 0;
};

// CPU only (no GPU rows): the CPU slice on host memory; no OpenCL call at all. Timed: the slice.
class CpuOnlyMechanism : public Mechanism {
 public:
  void Prepare(LayerRun& run) override { y_.assign(run.layer->YCount(), 0.0f); }
  void Execute(LayerRun& run, Sample& s) override {
    const int64_t t0 = NowNs();
    RunCpu(run, run.X->data(), run.W->data(), run.b->data(), y_.data(), s);
    s.totalNs = NowNs() - t0;
  }
  const float* Output() const override { return y_.data(); }
  void PoisonOutput(LayerRun&) override { std::fill(y_.begin(), y_.end(), std::numeric_limits<float>::quiet_NaN()); }
 private:
  std::vector<float> y_;
};

}  // namespace

std::string MechanismUnsupportedReason(const std::string& sync, const DeviceCaps& caps) {
  if (sync == "finish" || sync == "event-poll") return "";
  if (!LoadClApi(nullptr)->HasSvm()) return sync + ": the OpenCL library has no SVM entry points (OpenCL 1.x)";
  if (sync == "svm-coarse") {
    if (!(caps.svm & CL_DEVICE_SVM_COARSE_GRAIN_BUFFER)) return "svm-coarse: device lacks CL_DEVICE_SVM_COARSE_GRAIN_BUFFER";
    return "";
  }
  if (sync == "svm-fine") {
    if (!(caps.svm & CL_DEVICE_SVM_FINE_GRAIN_BUFFER)) return "svm-fine: device lacks CL_DEVICE_SVM_FINE_GRAIN_BUFFER";
    if (!(caps.svm & CL_DEVICE_SVM_ATOMICS)) return "svm-fine: device lacks CL_DEVICE_SVM_ATOMICS";
    if (!caps.openclC20 && !caps.openclC30) return "svm-fine: device has no OpenCL C 2.0/3.0 (atomics in kernels)";
    if (caps.openclC30 && !caps.openclC20 && !caps.HasFeature("__opencl_c_atomic_order_acq_rel"))
      return "svm-fine: device lacks __opencl_c_atomic_order_acq_rel";
    return "";
  }
  return "unknown mechanism " + sync;
}

std::unique_ptr<Mechanism> MakeMechanism(const std::string& sync, const DeviceCaps& caps) {
  if (std::string why = MechanismUnsupportedReason(sync, caps); !why.empty()) throw std::runtime_error(why);
  if (sync == "finish") return std::make_unique<FinishMechanism>();
  if (sync == "event-poll") return std::make_unique<EventPollMechanism>();
  if (sync == "svm-coarse") return std::make_unique<SvmCoarseMechanism>();
  return std::make_unique<SvmFineMechanism>();
}

std::unique_ptr<Mechanism> MakeCpuOnly() { return std::make_unique<CpuOnlyMechanism>(); }

// Round trip: roundtrip.cl's one-work-item kernel writes `value`; each mechanism waits its own way:
// finish: clFinish; event-poll: spin on the kernel event; svm-coarse: blocking map of the output for
// reading, read it, unmap, clFinish; svm-fine: spin on the SVM counter (see SvmFineMechanism).
struct RoundTrip::Impl {
  GpuDevice* gpu;
  std::string sync;
  Kernel kernel;
  Buffer out;          // finish, event-poll
  SvmBuffer svmOut;    // svm-coarse, svm-fine
  SvmBuffer counter;   // svm-fine
  int lastSeen = 0;
};

RoundTrip::RoundTrip(GpuDevice& gpu, const std::string& sync) : impl_(std::make_unique<Impl>()) {
  if (std::string why = MechanismUnsupportedReason(sync, gpu.caps()); !why.empty()) throw std::runtime_error(why);
  Impl& s = *impl_;
  s.gpu = &gpu;
  s.sync = sync;
  const bool fine = sync == "svm-fine";
  auto built = gpu.BuildProgram("roundtrip.cl", {}, fine);
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
    s.svmOut = SvmBuffer(gpu.context(), flags, sizeof(int), "roundtrip output");
    COEXEC_CL(Cl().clSetKernelArgSVMPointer(s.kernel.get(), 1, s.svmOut.get()), "roundtrip argument");
    if (fine) {
      s.counter = SvmBuffer(gpu.context(), flags | CL_MEM_SVM_ATOMICS, sizeof(int), "roundtrip counter");
      COEXEC_CL(Cl().clSetKernelArgSVMPointer(s.kernel.get(), 2, s.counter.get()), "roundtrip counter");
    }
  }
}

RoundTrip::~RoundTrip() = default;

void RoundTrip::Execute(int value, Sample& smp) {
  Impl& s = *impl_;
  cl_command_queue q = s.gpu->queue();
  const size_t one = 1;
  COEXEC_CL(Cl().clSetKernelArg(s.kernel.get(), 0, sizeof value, &value), "roundtrip value");  // untimed
  const int64_t t0 = NowNs();
  if (s.sync == "svm-fine") __atomic_store_n(s.counter.as<int>(), 0, __ATOMIC_RELAXED);
  COEXEC_CL(Cl().clEnqueueNDRangeKernel(q, s.kernel.get(), 1, nullptr, &one, &one, 0, nullptr, smp.mainEvent.out()),
            "enqueue roundtrip");
  if (s.sync == "finish") {
    COEXEC_CL(Cl().clFinish(q), "clFinish");
  } else if (s.sync == "event-poll") {
    COEXEC_CL(Cl().clFlush(q), "flush");
    cl_event ev = smp.mainEvent.get();
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
  } else {
    COEXEC_CL(Cl().clFlush(q), "flush");
    int* counter = s.counter.as<int>();
    WaitUntil([&] { return __atomic_load_n(counter, __ATOMIC_ACQUIRE) >= 1; });
    s.lastSeen = *s.svmOut.as<int>();
  }
  smp.totalNs = smp.gpuNs = NowNs() - t0;
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
