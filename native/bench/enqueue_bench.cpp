// coexec-enqueue-bench: the host cost of issuing the GPU side of one co-executed layer, per submit sequence
// (issue 12/14, notes: the GPU-driver thread spends 30-40 us in OpenCL calls on NVIDIA for a 9 us kernel).
// A benchmark, not a test. For each layer it prepares the engine's real GPU side once (the variant's kernels,
// resident W and b, pinned ALLOC_HOST_PTR X and Y mapped once, device X and Y), then times each sequence
// below on this thread (the driver thread: pin it with --pin), interleaved in rounds:
//   calls                 the finish path: write X from the pinned mapping, kernels, rectangular read of
//                         the GPU rows of Y into the pinned mapping (both non-blocking), flush, clFinish
//   calls-no-flush        the same without the flush (clFinish flushes)
//   calls-blocking-read   write, kernels, blocking read: no flush, no clFinish
//   calls-event-poll      write, kernels, read with an event, flush, spin on the event's status
//   calls-setargs         calls, with every kernel argument set again per execution (what setting them only
//                         when they change saves)
//   calls-plain-queue, calls-event-poll-plain-queue
//                         calls and calls-event-poll on the device's queue without profiling: the engine's timed
//                         queue since issue 12's queue change (every other calls/copy/zero-copy sequence runs on
//                         the profiling queue, the engine's old arrangement, so that the pairs compare the two)
//   copy                  clEnqueueCopyBuffer(Rect) from/to the pinned buffer objects instead of write/read from
//                         their mappings (the objects stay mapped: correctness is checked, see below)
//   cmdbuf                cl_khr_command_buffer: copy X, kernels, copy back the GPU rows recorded once; per
//                         execution one replay, flush, clFinish
//   cmdbuf-no-flush       replay, clFinish
//   cmdbuf-event-poll     replay with an event, flush, spin on the event's status
//   cmdbuf-kernels        write X and read Y as calls around a replay of the kernels alone (the form that does
//                         not rely on a still-mapped buffer object being current)
// and, on a device with host-unified memory (PoCL, phones), the engine's zero-copy path:
//   zero-copy             unmap the GPU rows of Y mapped by the previous execution, kernels on the pinned X
//                         and Y themselves, map the GPU rows for reading, flush, clFinish
//   zero-copy-plain-queue zero-copy on the queue without profiling
//   zero-copy-cmdbuf      the same with the kernels replayed from a command buffer
// The command buffers are recorded on the plain queue (the engine's timed queue), else on the profiling one.
// Every execution is checked: before it (untimed) the producer writes a new X into the pinned mapping
// (alternating two inputs) and the GPU rows of Y are set to NaN; after it, the GPU rows must match the double
// reference of that input. A sequence that reads a stale X or leaves Y unwritten shows in badSamples.
// Writes one JSON document (--out FILE, else stdout).
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "command_buffer.h"
#include "cpu/cpu_layers.h"
#include "host_memory.h"
#include "job.h"
#include "json.h"
#include "sync.h"
#include "variants.h"

namespace coexec {
namespace {

struct Options {
  std::string out, platform, deviceType = "gpu-or-cpu", layers = "linear,conv";
  std::string linearVariant = "gemv_row", convVariant = "conv_im2col_gemm";
  int linearWg = 64, convWg = 16;
  int pin = -1, samples = 300, warmup = 20, rounds = 5;
  double ratio = 0.5;
  LinearShape linear{1, 3072, 768};
  ConvShape conv;  // resnet50/conv2_1x1 by default (set in Parse)
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr const char* kUsage =
    "usage: coexec-enqueue-bench [--out FILE] [--pin CORE] [--platform SUBSTR] [--device-type gpu|cpu|gpu-or-cpu]\n"
    "  [--layers linear,conv] [--ratio R (CPU share; the GPU computes the rest)] [--samples N] [--warmup N]\n"
    "  [--rounds N] [--linear M,N,K] [--linear-variant V] [--linear-wg N]\n"
    "  [--conv C,H,W,F,R,S,stride,pad] [--conv-variant V] [--conv-wg N]\n";

std::vector<int> Ints(const std::string& flag, const std::string& text, size_t count) {
  std::vector<int> v;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    long x = std::strtol(part.c_str(), &end, 10);
    if (part.empty() || *end || x < 0) throw UsageError(flag + " expects " + std::to_string(count) + " integers, got \"" + text + "\"");
    v.push_back(static_cast<int>(x));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (v.size() != count) throw UsageError(flag + " expects " + std::to_string(count) + " comma-separated integers");
  return v;
}

Options Parse(int argc, char** argv) {
  Options o;
  o.conv.C = 64, o.conv.H = 56, o.conv.W = 56, o.conv.F = 64, o.conv.R = 1, o.conv.S = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) throw UsageError(a + " needs a value");
    const std::string v = argv[++i];
    auto integer = [&] { return Ints(a, v, 1)[0]; };
    if (a == "--out") o.out = v;
    else if (a == "--pin") o.pin = integer();
    else if (a == "--platform") o.platform = v;
    else if (a == "--device-type") o.deviceType = v;
    else if (a == "--layers") o.layers = v;
    else if (a == "--samples") o.samples = std::max(1, integer());
    else if (a == "--warmup") o.warmup = integer();
    else if (a == "--rounds") o.rounds = std::max(1, integer());
    else if (a == "--linear-variant") o.linearVariant = v;
    else if (a == "--conv-variant") o.convVariant = v;
    else if (a == "--linear-wg") o.linearWg = integer();
    else if (a == "--conv-wg") o.convWg = integer();
    else if (a == "--ratio") {
      char* end = nullptr;
      o.ratio = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || o.ratio < 0 || o.ratio >= 1) throw UsageError("--ratio expects a number in [0, 1)");
    } else if (a == "--linear") {
      auto n = Ints(a, v, 3);
      o.linear = LinearShape{n[0], n[1], n[2]};
    } else if (a == "--conv") {
      auto n = Ints(a, v, 8);
      o.conv.C = n[0], o.conv.H = n[1], o.conv.W = n[2], o.conv.F = n[3], o.conv.R = n[4], o.conv.S = n[5];
      o.conv.strideH = o.conv.strideW = n[6];
      o.conv.padH = o.conv.padW = n[7];
    } else {
      throw UsageError("unknown flag " + a);
    }
  }
  if (o.deviceType != "gpu" && o.deviceType != "cpu" && o.deviceType != "gpu-or-cpu")
    throw UsageError("--device-type expects gpu, cpu or gpu-or-cpu");
  return o;
}

struct Stat {
  static Json Of(std::vector<int64_t> v) {
    Json j = Json::Object();
    if (v.empty()) return j;
    std::sort(v.begin(), v.end());
    auto q = [&](double p) { return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))] / 1e3; };
    j.Set("median", q(0.5)).Set("p10", q(0.1)).Set("p90", q(0.9)).Set("n", Json(static_cast<long long>(v.size())));
    return j;
  }
};

// One execution's times: named host calls in order, the end of the enqueue part, the end of the wait.
struct Timer {
  int64_t t0 = 0, enqueueEnd = 0, end = 0;
  std::vector<std::pair<const char*, int64_t>> calls;
  template <typename F>
  void Call(const char* name, F f) {
    const int64_t a = NowNs();
    f();
    calls.emplace_back(name, NowNs() - a);
  }
};

// The engine's GPU side of one layer, prepared once; the sequences below issue it.
class PreparedGpuSide {
 public:
  PreparedGpuSide(GpuDevice& gpu, const Layer& layer, const Strategy& strategy, int cpuRows)
      : gpu_(gpu), plain_(gpu.plainQueue()), profiling_(gpu.profilingQueue()) {
    layer_ = layer;
    run_.layer = &layer_;
    run_.split = MakeSplit(layer_, strategy);  // a channel split (the strategy's default splitDim)
    if (run_.split.outer || run_.split.cpuRows != cpuRows) throw std::runtime_error("the bench measures channel splits only");
    run_.cpuRows = cpuRows;
    run_.gpuRows = layer.Out() - cpuRows;
    run_.gpu = &gpu;
    run_.variant = PlanVariant(layer_, strategy, run_.split, gpu.caps());
    if (run_.variant.clblast) throw std::runtime_error("clblast is not measured here (it enqueues its own kernels)");
    auto built = gpu.BuildProgram(run_.variant.file, run_.variant.knobs, false);
    cl_int err = CL_SUCCESS;
    zeroCopy_ = gpu.caps().hostUnifiedMemory;
    // The zero-copy sequences bind the pinned X and Y themselves: their own kernels, scratch and packed weights.
    zcRun_.layer = &layer_;
    zcRun_.split = run_.split;
    zcRun_.cpuRows = cpuRows;
    zcRun_.gpuRows = run_.gpuRows;
    zcRun_.gpu = &gpu;
    zcRun_.variant = run_.variant;
    for (LayerRun* r : {&run_, &zcRun_}) {
      for (const auto& launch : r->variant.launches) {
        r->kernels.emplace_back(Cl().clCreateKernel(built.program, launch.kernel.c_str(), &err));
        ClCheck(err, "clCreateKernel", launch.kernel);
      }
    }
    cl_context ctx = gpu.context();
    cl_command_queue q = profiling_;
    auto device = [&](size_t floats, const float* init) {
      Buffer b(Cl().clCreateBuffer(ctx, CL_MEM_READ_WRITE | (init ? CL_MEM_COPY_HOST_PTR : 0), floats * 4,
                                   const_cast<float*>(init), &err));
      ClCheck(err, "clCreateBuffer");
      return b;
    };
    if (run_.variant.colCount) run_.col = device(run_.variant.colCount, nullptr);
    if (run_.variant.colCount) zcRun_.col = device(run_.variant.colCount, nullptr);
    std::mt19937_64 rng(7);
    auto fill = [&](std::vector<float>& v, size_t n) {
      v.resize(n);
      for (auto& x : v) x = static_cast<float>(rng() >> 40) * (2.0f / 16777216.0f) - 1.0f;
    };
    fill(x_[0], layer.XCount());
    fill(x_[1], layer.XCount());
    fill(w_, layer.WCount());
    fill(b_, layer.BCount());
    if (run_.variant.packTileWidth) {
      auto packed = PackWeights(layer_, run_.split.channelOffset, run_.variant.packTileWidth, run_.variant.packBlocked, w_.data());
      run_.packedW = device(packed.size(), packed.data());
      zcRun_.packedW = device(packed.size(), packed.data());
    }
    wDev_ = device(w_.size(), w_.data());
    bDev_ = device(b_.size(), b_.data());
    xDev_ = device(layer.XCount(), nullptr);
    yDev_ = device(layer.YCount(), nullptr);
    xHost_ = MappedHostBuffer(ctx, q, layer.XCount() * 4, "pinned X");
    yHost_ = MappedHostBuffer(ctx, q, layer.YCount() * 4, "pinned Y");
    BindAll();
    sync_detail::BindArgs(zcRun_, [&](cl_kernel k, cl_uint a, TensorArg t) {
      cl_mem m = t == TensorArg::X ? xHost_.mem() : t == TensorArg::W ? wDev_.get() : t == TensorArg::B ? bDev_.get() : yHost_.mem();
      COEXEC_CL(Cl().clSetKernelArg(k, a, sizeof(cl_mem), &m), "argument");
    }, nullptr);
    for (int i = 0; i < 2; ++i) {
      std::vector<double> ref(layer.YCount());
      if (layer.conv) Conv2dReference(layer.conv2d, x_[i].data(), w_.data(), b_.data(), ref.data());
      else LinearReference(layer.linear, x_[i].data(), w_.data(), b_.data(), ref.data());
      ref_[i] = std::move(ref);
    }
    double maxRef = 0;
    for (double r : ref_[0]) maxRef = std::max(maxRef, std::fabs(r));
    tolerance_ = CheckTolerance(layer.ReductionLength(), maxRef);
    const size_t row = layer.YRowStride() * 4;
    pitch_ = row * layer.Out();
    origin_[0] = cpuRows * row, origin_[1] = origin_[2] = 0;
    region_[0] = run_.gpuRows * row, region_[1] = layer.YOuter(), region_[2] = 1;
    spanFirst_ = run_.split.gpuY.first;
    spanEnd_ = run_.split.gpuY.SpanEnd();
    COEXEC_CL(Cl().clFinish(q), "prepare");
  }

  // Sets every kernel argument (once at preparation; per execution in calls-setargs).
  void BindAll() {
    sync_detail::BindArgs(run_, [&](cl_kernel k, cl_uint a, TensorArg t) {
      cl_mem m = t == TensorArg::X ? xDev_.get() : t == TensorArg::W ? wDev_.get() : t == TensorArg::B ? bDev_.get() : yDev_.get();
      COEXEC_CL(Cl().clSetKernelArg(k, a, sizeof(cl_mem), &m), "argument");
    }, nullptr);
  }

  // Records the command buffers (full and kernels-only); returns why not when they cannot be.
  std::string RecordCommandBuffers(Json* info) {
    for (cl_command_queue q : {plain_, profiling_}) {
      try {
        full_ = std::make_unique<CommandBuffer>(gpu_, q);
        full_->CopyBuffer(xHost_.mem(), xDev_.get(), 0, 0, xHost_.bytes(), "copy X");
        sync_detail::RecordLaunches(run_, *full_);
        full_->CopyBufferRect(yDev_.get(), yHost_.mem(), origin_, region_, pitch_, "copy back Y");
        full_->Finalize();
        full_->Enqueue(nullptr);  // a trial replay: a queue that records but refuses to replay is tried next
        COEXEC_CL(Cl().clFinish(q), "trial replay");
        kernels_ = std::make_unique<CommandBuffer>(gpu_, q);
        sync_detail::RecordLaunches(run_, *kernels_);
        kernels_->Finalize();
        if (zeroCopy_) {
          zcKernels_ = std::make_unique<CommandBuffer>(gpu_, q);
          sync_detail::RecordLaunches(zcRun_, *zcKernels_);
          zcKernels_->Finalize();
        }
        cbQueue_ = q;
        info->Set("version", full_->Version()).Set("queue", q == plain_ ? "plain (the engine's timed queue)" : "profiling");
        if (q == profiling_) info->Set("plainQueueRefused", plainRefusal_);
        return "";
      } catch (const std::exception& e) {
        full_.reset();
        kernels_.reset();
        zcKernels_.reset();
        if (q == plain_) plainRefusal_ = e.what();
        else return e.what();
      }
    }
    return "unreachable";
  }

  // Untimed, before an execution: the producer writes input `which` into the pinned X; the GPU rows of Y
  // become NaN in the pinned Y (what the host sees) so that an unwritten row fails the check.
  void Produce(int which) {
    std::memcpy(xHost_.host(), x_[which].data(), xHost_.bytes());
    ForGpuRows([&](size_t i) { yHost_.host()[i] = std::numeric_limits<float>::quiet_NaN(); });
  }

  bool Check(int which) const {
    bool ok = true;
    ForGpuRows([&](size_t i) {
      const float y = yHost_.host()[i];
      if (!std::isfinite(y) || std::fabs(y - ref_[which][i]) > tolerance_) ok = false;
    });
    return ok;
  }

  // The sequences; each fills the timer (enqueue part, then wait).
  void Calls(Timer& t, cl_command_queue q, bool flush, bool blockingRead, bool setArgs, bool poll) {
    if (setArgs) t.Call("setArgs", [&] { BindAll(); });
    t.Call("writeX", [&] {
      COEXEC_CL(Cl().clEnqueueWriteBuffer(q, xDev_.get(), CL_FALSE, 0, xHost_.bytes(), xHost_.host(), 0, nullptr, nullptr), "write X");
    });
    t.Call("kernels", [&] { Launch(q); });
    Event ev;
    t.Call("readY", [&] {
      COEXEC_CL(Cl().clEnqueueReadBufferRect(q, yDev_.get(), blockingRead ? CL_TRUE : CL_FALSE, origin_, origin_, region_, pitch_, 0,
                                             pitch_, 0, yHost_.host(), 0, nullptr, poll ? ev.out() : nullptr), "read Y");
    });
    if (flush) t.Call("flush", [&] { COEXEC_CL(Cl().clFlush(q), "flush"); });
    t.enqueueEnd = NowNs();
    if (poll) PollEvent(ev.get());
    else if (!blockingRead) COEXEC_CL(Cl().clFinish(q), "finish");
  }

  void Copies(Timer& t) {
    cl_command_queue q = profiling_;
    t.Call("copyX", [&] {
      COEXEC_CL(Cl().clEnqueueCopyBuffer(q, xHost_.mem(), xDev_.get(), 0, 0, xHost_.bytes(), 0, nullptr, nullptr), "copy X");
    });
    t.Call("kernels", [&] { Launch(q); });
    t.Call("copyY", [&] {
      COEXEC_CL(Cl().clEnqueueCopyBufferRect(q, yDev_.get(), yHost_.mem(), origin_, origin_, region_, pitch_, 0, pitch_, 0, 0,
                                             nullptr, nullptr), "copy Y");
    });
    t.Call("flush", [&] { COEXEC_CL(Cl().clFlush(q), "flush"); });
    t.enqueueEnd = NowNs();
    COEXEC_CL(Cl().clFinish(q), "finish");
  }

  void Replay(Timer& t, bool flush, bool poll) {
    Event ev;
    t.Call("replay", [&] { full_->Enqueue(poll ? ev.out() : nullptr); });
    if (flush) t.Call("flush", [&] { COEXEC_CL(Cl().clFlush(cbQueue_), "flush"); });
    t.enqueueEnd = NowNs();
    if (poll) PollEvent(ev.get());
    else COEXEC_CL(Cl().clFinish(cbQueue_), "finish");
  }

  void ReplayKernels(Timer& t) {
    cl_command_queue q = cbQueue_;
    t.Call("writeX", [&] {
      COEXEC_CL(Cl().clEnqueueWriteBuffer(q, xDev_.get(), CL_FALSE, 0, xHost_.bytes(), xHost_.host(), 0, nullptr, nullptr), "write X");
    });
    t.Call("replay", [&] { kernels_->Enqueue(nullptr); });
    t.Call("readY", [&] {
      COEXEC_CL(Cl().clEnqueueReadBufferRect(q, yDev_.get(), CL_FALSE, origin_, origin_, region_, pitch_, 0, pitch_, 0,
                                             yHost_.host(), 0, nullptr, nullptr), "read Y");
    });
    t.Call("flush", [&] { COEXEC_CL(Cl().clFlush(q), "flush"); });
    t.enqueueEnd = NowNs();
    COEXEC_CL(Cl().clFinish(q), "finish");
  }

  // The engine's zero-copy path (host-unified devices): the GPU rows stay mapped from one execution's map to
  // the next execution's unmap.
  void ZeroCopy(Timer& t, bool replay, cl_command_queue calls) {
    cl_command_queue q = replay ? cbQueue_ : calls;
    if (mapped_) t.Call("unmapY", [&] { UnmapGpuRows(q); });
    if (replay) t.Call("replay", [&] { zcKernels_->Enqueue(nullptr); });
    else t.Call("kernels", [&] { Launch(q, zcRun_); });
    t.Call("mapY", [&] {
      cl_int err = CL_SUCCESS;
      mapped_ = Cl().clEnqueueMapBuffer(q, yHost_.mem(), CL_FALSE, CL_MAP_READ, spanFirst_ * 4, (spanEnd_ - spanFirst_) * 4,
                                        0, nullptr, nullptr, &err);
      ClCheck(err, "clEnqueueMapBuffer", "map the GPU rows of Y");
      mappedQueue_ = q;
    });
    t.Call("flush", [&] { COEXEC_CL(Cl().clFlush(q), "flush"); });
    t.enqueueEnd = NowNs();
    COEXEC_CL(Cl().clFinish(q), "finish");
  }

  // After a batch of one sequence: nothing of it stays mapped or pending.
  void Settle() {
    if (mapped_) UnmapGpuRows(mappedQueue_);
    COEXEC_CL(Cl().clFinish(profiling_), "settle");
    COEXEC_CL(Cl().clFinish(plain_), "settle");
  }

  bool ZeroCopyDevice() const { return zeroCopy_; }
  const LayerRun& run() const { return run_; }
  size_t GpuRowBytes() const { return region_[0] * region_[1]; }
  size_t XBytes() const { return xHost_.bytes(); }

 private:
  void Launch(cl_command_queue q) { Launch(q, run_); }
  static void Launch(cl_command_queue q, const LayerRun& r) {
    for (size_t i = 0; i < r.variant.launches.size(); ++i) {
      const auto& L = r.variant.launches[i];
      COEXEC_CL(Cl().clEnqueueNDRangeKernel(q, r.kernels[i].get(), L.dims, nullptr, L.global, L.local, 0, nullptr, nullptr),
                L.kernel);
    }
  }

  void UnmapGpuRows(cl_command_queue q) {
    COEXEC_CL(Cl().clEnqueueUnmapMemObject(q, yHost_.mem(), mapped_, 0, nullptr, nullptr), "unmap the GPU rows of Y");
    mapped_ = nullptr;
  }

  static void PollEvent(cl_event ev) {
    cl_int status = CL_QUEUED;
    WaitUntil([&] {
      COEXEC_CL(Cl().clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr), "poll");
      if (status < 0) throw std::runtime_error(std::string("command failed: ") + ClErrorName(status));
      return status == CL_COMPLETE;
    });
  }

  template <typename F>
  void ForGpuRows(F f) const {
    const size_t row = layer_.YRowStride(), block = row * layer_.Out();
    for (size_t o = 0; o < layer_.YOuter(); ++o)
      for (size_t i = o * block + run_.cpuRows * row; i < (o + 1) * block; ++i) f(i);
  }

  GpuDevice& gpu_;
  cl_command_queue plain_, profiling_;
  cl_command_queue cbQueue_ = nullptr;
  Layer layer_;
  LayerRun run_, zcRun_;
  bool zeroCopy_ = false;
  size_t spanFirst_ = 0, spanEnd_ = 0;
  void* mapped_ = nullptr;
  cl_command_queue mappedQueue_ = nullptr;
  std::vector<float> x_[2], w_, b_;
  std::vector<double> ref_[2];
  double tolerance_ = 0;
  Buffer wDev_, bDev_, xDev_, yDev_;
  MappedHostBuffer xHost_, yHost_;
  size_t origin_[3] = {0, 0, 0}, region_[3] = {0, 0, 0}, pitch_ = 0;
  std::unique_ptr<CommandBuffer> full_, kernels_, zcKernels_;
  std::string plainRefusal_;
};

struct Sequence {
  const char* name;
  const char* description;
  bool needsCommandBuffer;
  bool zeroCopy;  // only on host-unified devices
  std::function<void(PreparedGpuSide&, Timer&)> run;
};

std::vector<Sequence> Sequences(cl_command_queue profiling, cl_command_queue plain) {
  return {
      {"calls", "write X, kernels, read the GPU rows of Y (non-blocking), flush, clFinish: the finish path", false, false,
       [=](PreparedGpuSide& g, Timer& t) { g.Calls(t, profiling, true, false, false, false); }},
      {"calls-no-flush", "calls without the flush (clFinish flushes)", false, false,
       [=](PreparedGpuSide& g, Timer& t) { g.Calls(t, profiling, false, false, false, false); }},
      {"calls-blocking-read", "write X, kernels, blocking read of the GPU rows: no flush, no clFinish", false, false,
       [=](PreparedGpuSide& g, Timer& t) { g.Calls(t, profiling, false, true, false, false); }},
      {"calls-event-poll", "calls with an event on the read, flush, spin on the event status", false, false,
       [=](PreparedGpuSide& g, Timer& t) { g.Calls(t, profiling, true, false, false, true); }},
      {"calls-setargs", "calls with every kernel argument set again per execution", false, false,
       [=](PreparedGpuSide& g, Timer& t) { g.Calls(t, profiling, true, false, true, false); }},
      {"calls-plain-queue", "calls on a queue without profiling", false, false,
       [=](PreparedGpuSide& g, Timer& t) { g.Calls(t, plain, true, false, false, false); }},
      {"calls-event-poll-plain-queue", "calls-event-poll on a queue without profiling", false, false,
       [=](PreparedGpuSide& g, Timer& t) { g.Calls(t, plain, true, false, false, true); }},
      {"copy", "clEnqueueCopyBuffer from the pinned X object, kernels, clEnqueueCopyBufferRect into the pinned Y object "
               "(both stay mapped), flush, clFinish", false, false,
       [](PreparedGpuSide& g, Timer& t) { g.Copies(t); }},
      {"cmdbuf", "one command-buffer replay (copy X, kernels, copy back the GPU rows), flush, clFinish", true, false,
       [](PreparedGpuSide& g, Timer& t) { g.Replay(t, true, false); }},
      {"cmdbuf-no-flush", "replay, clFinish", true, false, [](PreparedGpuSide& g, Timer& t) { g.Replay(t, false, false); }},
      {"cmdbuf-event-poll", "replay with an event, flush, spin on the event status", true, false,
       [](PreparedGpuSide& g, Timer& t) { g.Replay(t, true, true); }},
      {"cmdbuf-kernels", "write X, replay of the kernels alone, read the GPU rows, flush, clFinish", true, false,
       [](PreparedGpuSide& g, Timer& t) { g.ReplayKernels(t); }},
      {"zero-copy", "unmap the GPU rows of Y, kernels on the pinned X and Y, map the GPU rows, flush, clFinish: "
                    "the finish path on a host-unified device", false, true,
       [=](PreparedGpuSide& g, Timer& t) { g.ZeroCopy(t, false, profiling); }},
      {"zero-copy-plain-queue", "zero-copy on a queue without profiling", false, true,
       [=](PreparedGpuSide& g, Timer& t) { g.ZeroCopy(t, false, plain); }},
      {"zero-copy-cmdbuf", "zero-copy with the kernels replayed from a command buffer", true, true,
       [=](PreparedGpuSide& g, Timer& t) { g.ZeroCopy(t, true, profiling); }},
  };
}

Json MeasureLayer(GpuDevice& gpu, const Options& o, bool conv) {
  Layer layer;
  layer.conv = conv;
  if (conv) layer.conv2d = o.conv;
  else layer.linear = o.linear;
  Strategy s;
  s.splitRatio = o.ratio;
  s.gpuVariant = conv ? o.convVariant : o.linearVariant;
  s.gpuWorkGroup = conv ? o.convWg : o.linearWg;
  s.sync = "finish";
  const int cpuRows = s.CpuRows(layer.Out());
  Json out = Json::Object();
  out.Set("layer", layer.Id()).Set("gpuVariant", s.gpuVariant).Set("gpuWorkGroup", s.gpuWorkGroup)
      .Set("cpuRows", cpuRows).Set("gpuRows", layer.Out() - cpuRows);
  PreparedGpuSide side(gpu, layer, s, cpuRows);
  out.Set("launches", Json(static_cast<long long>(side.run().variant.launches.size())))
      .Set("xBytes", Json(static_cast<long long>(side.XBytes())))
      .Set("yGpuBytes", Json(static_cast<long long>(side.GpuRowBytes())));
  Json cb = Json::Object();
  const std::string cbWhy = side.RecordCommandBuffers(&cb);
  cb.Set("available", cbWhy.empty());
  if (!cbWhy.empty()) cb.Set("reason", cbWhy);
  out.Set("commandBuffer", cb);

  auto sequences = Sequences(gpu.profilingQueue(), gpu.plainQueue());
  struct Acc {
    std::vector<int64_t> enqueue, latency;
    std::map<std::string, std::vector<int64_t>> calls;
    int bad = 0, checked = 0;
    std::string error;
  };
  std::vector<Acc> acc(sequences.size());
  const int perRound = std::max(1, o.samples / o.rounds);
  int which = 0;
  auto once = [&](Sequence& seq, Acc& a, bool keep) {
    which ^= 1;
    side.Produce(which);
    Timer t;
    t.t0 = NowNs();
    seq.run(side, t);
    t.end = NowNs();
    const bool ok = side.Check(which);
    a.checked++;
    if (!ok) a.bad++;
    if (!keep) return;
    a.enqueue.push_back(t.enqueueEnd - t.t0);
    a.latency.push_back(t.end - t.t0);
    for (auto& [name, ns] : t.calls) a.calls[name].push_back(ns);
  };
  std::vector<size_t> order(sequences.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937 shuffle(11);
  for (int round = 0; round < o.rounds; ++round) {
    std::shuffle(order.begin(), order.end(), shuffle);  // interleaved, shuffled: drift spreads over all sequences
    for (size_t i : order) {
      Acc& a = acc[i];
      if (!a.error.empty() || (sequences[i].needsCommandBuffer && !cbWhy.empty())) continue;
      if (sequences[i].zeroCopy && !side.ZeroCopyDevice()) continue;
      try {
        for (int w = 0; w < (round == 0 ? o.warmup : 2); ++w) once(sequences[i], a, false);
        for (int n = 0; n < perRound; ++n) once(sequences[i], a, true);
      } catch (const std::exception& e) {
        a.error = e.what();
      }
      side.Settle();
    }
  }
  Json rows = Json::Array();
  for (size_t i = 0; i < sequences.size(); ++i) {
    const Acc& a = acc[i];
    Json r = Json::Object();
    r.Set("name", sequences[i].name).Set("description", sequences[i].description);
    if (sequences[i].zeroCopy && !side.ZeroCopyDevice()) {
      r.Set("skipped", "the device has no host-unified memory (the engine copies there)");
    } else if (sequences[i].needsCommandBuffer && !cbWhy.empty()) {
      r.Set("skipped", cbWhy);
    } else if (!a.error.empty()) {
      r.Set("error", a.error);
    } else {
      Json calls = Json::Object();
      for (const auto& [name, ns] : a.calls) calls.Set(name, Stat::Of(ns));
      r.Set("enqueueUs", Stat::Of(a.enqueue)).Set("latencyUs", Stat::Of(a.latency)).Set("callsUs", calls);
    }
    r.Set("checkedExecutions", a.checked).Set("badExecutions", a.bad).Set("correct", a.checked > 0 && a.bad == 0);
    rows.Push(std::move(r));
  }
  out.Set("sequences", std::move(rows));
  return out;
}

int Main(int argc, char** argv) {
  Options o;
  try {
    o = Parse(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "coexec-enqueue-bench: %s\n%s", e.what(), kUsage);
    return 2;
  }
  try {
    if (o.pin >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(o.pin, &set);
      if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
        throw std::runtime_error("cannot pin this thread to core " + std::to_string(o.pin));
    }
    DeviceSelector sel;
    sel.platformContains = o.platform;
    sel.deviceType = o.deviceType;
    std::string why;
    auto gpu = SelectDevice(sel, &why);
    if (!gpu) throw std::runtime_error("no OpenCL device: " + why);
    Json doc = Json::Object();
    doc.Set("schemaVersion", 1).Set("tool", "coexec-enqueue-bench").Set("device", gpu->caps().ToJson())
        .Set("pinnedCore", o.pin >= 0 ? Json(o.pin) : Json()).Set("samplesPerSequence", o.samples)
        .Set("rounds", o.rounds).Set("waitSpins", WaitSpins());
    const std::string unsupported = CommandBufferUnsupportedReason(*gpu);  // on the plain queue (the timed one)
    doc.Set("commandBufferOnEngineQueue", unsupported.empty() ? Json("supported") : Json(unsupported));
    Json layers = Json::Array();
    for (const char* kind : {"linear", "conv"}) {
      if (("," + o.layers + ",").find(std::string(",") + kind + ",") == std::string::npos) continue;
      try {
        layers.Push(MeasureLayer(*gpu, o, std::string(kind) == "conv"));
      } catch (const std::exception& e) {
        layers.Push(Json::Object().Set("layerKind", kind).Set("error", e.what()));
      }
    }
    doc.Set("layers", std::move(layers));
    const std::string text = doc.Dump() + "\n";
    std::FILE* f = o.out.empty() ? stdout : std::fopen(o.out.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + o.out);
    std::fputs(text.c_str(), f);
    if (f != stdout) std::fclose(f);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "coexec-enqueue-bench: %s\n", e.what());
    return 1;
  }
}

}  // namespace
}  // namespace coexec

int main(int argc, char** argv) { return coexec::Main(argc, argv); }
