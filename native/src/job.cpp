// One job, step by step: resolve the split and the implementations, draw the tensors from the seed,
// compute the double reference once, prepare the mechanism (weights uploaded once), warm up, take samples
// per the stopping rule, then run once more into a NaN-poisoned output and check it. JSON is built only
// after the timed loop; samples go into vectors reserved up front.
#include "job.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <map>
#include <pthread.h>
#include <random>
#include <sched.h>
#include <sys/stat.h>

#include "clblast.h"
#include "copy_side.h"
#include "cpu/cpu_layers.h"
#include "executor.h"
#include "host_memory.h"
#include "host_steal.h"
#include "npy.h"
#include "stats.h"
#include "sync.h"
#include "thread_herd.h"
#include "variants.h"

namespace coexec {

GpuDevice* DeviceProvider::Get(std::string* why) {
  if (!tried_) {
    tried_ = true;
    cpu_set_t before;
    bool pinned = false;
    if (driverCore_ && pthread_getaffinity_np(pthread_self(), sizeof before, &before) == 0) {
      cpu_set_t core;
      CPU_ZERO(&core);
      CPU_SET(*driverCore_, &core);
      pinned = pthread_setaffinity_np(pthread_self(), sizeof core, &core) == 0;
    }
    try {
      device_ = SelectDevice(sel_, &why_);
    } catch (const std::exception& e) {
      why_ = e.what();
    }
    if (pinned) pthread_setaffinity_np(pthread_self(), sizeof before, &before);
  }
  if (!device_) *why = why_;
  return device_.get();
}

// Float32 rounding grows like sqrt(K) for random-sign sums; 1e-5 * sqrt(K) relative to the largest
// output leaves room for any summation order (blocked, tree, FMA or not) while a missing or duplicated
// term, a wrong bias or an unwritten row still fails.
double CheckTolerance(int reductionLength, double maxAbsRef) {
  return 1e-5 * std::sqrt(static_cast<double>(reductionLength)) * maxAbsRef + 1e-6;
}

namespace {

// True unless the device's cores are known and none of them is one of the CPU pool's (unpinned pool: any).
bool DeviceMayUseCores(const std::vector<int>& deviceCores, const std::vector<int>& poolCores) {
  if (deviceCores.empty() || poolCores.empty()) return true;
  for (int c : deviceCores)
    for (int p : poolCores)
      if (c == p) return true;
  return false;
}

// Executor::watchGpuDone: the plan's driver core is its own, neither the CPU pool's nor the device's (pocl-split:
// device 0-6, driver 7, pool 8-15), so a spinning watch there takes no time from either side. COEXEC_WATCH_GPU_DONE
// =0 turns it off (an A/B), =1 on wherever there is a driver thread (tests on a machine without a spare core).
bool WatchGpuDone(const Plan& plan) {
  if (const char* e = std::getenv("COEXEC_WATCH_GPU_DONE"); e && *e) {
    if (std::string(e) == "0") return false;
    if (std::string(e) == "1") return true;
    throw std::runtime_error(std::string("COEXEC_WATCH_GPU_DONE must be 0 or 1, not '") + e + "'");
  }
  if (!plan.driverCore || plan.deviceCores.empty()) return false;
  for (int c : plan.deviceCores)
    if (c == *plan.driverCore) return false;
  for (int c : plan.cpuAffinity)
    if (c == *plan.driverCore) return false;
  return true;
}

struct SkipJob : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string IsoNow() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// Uniform in [-1, 1) from the top 24 bits of mt19937_64 (identical on every platform and library).
void Fill(std::mt19937_64& rng, std::vector<float>& v) {
  for (auto& x : v) x = static_cast<float>(rng() >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

Json IntArray(const std::vector<int64_t>& v) {
  Json a = Json::Array();
  for (auto x : v) a.Push(Json(static_cast<long long>(x)));
  return a;
}

int64_t Median(std::vector<int64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The samples of one job, reserved before the timed loop.
struct Samples {
  std::vector<int64_t> total, cpu, gpu;
  std::vector<int64_t> cpuStart, driverStart, enqueue, waitAfterCpu;  // the breakdown (breakdownMedianNs)
  std::vector<std::array<cl_ulong, 4>> timestamps;
  bool withTimestamps = false;  // GPU rows: profile separate untimed executions after the timed ones
  bool withCpu = false;
  const char* stop = nullptr;  // why the timing loop ended: the result line's "stop"
  HerdResult herd;             // threads placed before the timed loop (HerdForeignThreads)
  explicit Samples(int maxSamples) {
    for (auto* v : {&total, &cpu, &gpu, &cpuStart, &driverStart, &enqueue, &waitAfterCpu}) v->reserve(maxSamples);
    timestamps.reserve(kProfiledExecutions);
  }
  static constexpr int kProfiledExecutions = 30;
};

// Waits for a profiled execution's main kernel (untimed) and reads its four profiling timestamps.
std::array<cl_ulong, 4> Profile(Event& event) {
  std::array<cl_ulong, 4> ts{0, 0, 0, 0};
  if (!event) return ts;
  cl_event ev = event.get();
  COEXEC_CL(Cl().clWaitForEvents(1, &ev), "wait for the layer kernel");
  const cl_profiling_info what[4] = {CL_PROFILING_COMMAND_QUEUED, CL_PROFILING_COMMAND_SUBMIT,
                                     CL_PROFILING_COMMAND_START, CL_PROFILING_COMMAND_END};
  for (int i = 0; i < 4; ++i) {
    COEXEC_CL(Cl().clGetEventProfilingInfo(ev, what[i], sizeof(cl_ulong), &ts[i], nullptr), "profiling info");
  }
  event.Reset();
  return ts;
}

// The stopping rule of the timing loop, asked before each sample: stop once minSamples AND minTimeMs are met
// (and, with a targetMedianCiPct, the median's CI is that narrow), or when maxSamples OR maxTimeMs is
// reached (after at least one sample). The answer names why: "min-met", "ci-target", "max-samples" or
// "max-time".
class StopRule {
 public:
  explicit StopRule(const Job& job) : job_(job) {}

  // nullptr: take another sample.
  const char* Reason(const std::vector<int64_t>& total, double elapsedMs) {
    const size_t n = total.size();
    const bool minMet = n >= static_cast<size_t>(job_.minSamples) && elapsedMs >= job_.minTimeMs;
    const bool atSampleMax = n >= static_cast<size_t>(job_.maxSamples);
    const bool atTimeMax = n > 0 && elapsedMs >= job_.maxTimeMs;
    if (minMet && !job_.targetMedianCiPct) return "min-met";
    // At a maximum the CI is checked once more, so "ci-target" is reported whenever it holds at the end.
    if (minMet && (n >= nextCiCheck_ || atSampleMax || atTimeMax)) {
      if (CiWithinTarget(total)) return "ci-target";
      // Checks every ~n/8 samples (at least 1): O(n) each, so O(1) amortized per sample, negligible next
      // to even a microsecond-long sample, while the CI narrows only like 1/sqrt(n) anyway.
      nextCiCheck_ = n + std::max<size_t>(1, n / 8);
    }
    if (atSampleMax) return "max-samples";
    if (atTimeMax) return "max-time";
    return nullptr;
  }

 private:
  bool CiWithinTarget(const std::vector<int64_t>& total) {
    scratch_.assign(total.begin(), total.end());  // MedianCi95HalfPct reorders; the samples keep their order
    return MedianCi95HalfPct(scratch_) <= *job_.targetMedianCiPct;
  }

  const Job& job_;
  size_t nextCiCheck_ = 0;
  std::vector<int64_t> scratch_;
};

// Warm-up, then samples until the StopRule says why to stop, then (with GPU rows) min(n, 30) separate
// untimed executions that carry a profiling event on the main kernel: no OpenCL event is created on a timed
// execution, and the GPU timestamps come from these. execute(sample, profile) runs one execution;
// useProfilingQueue(on) moves the device between its timed and its profiling queue (GpuDevice), around the
// profiled executions only.
// widen (when given) adjusts each profiled execution's timestamps (Mechanism::WidenProfile).
template <typename Execute, typename UseProfilingQueue>
void TimingLoop(const Job& job, Samples& out, Execute execute, UseProfilingQueue useProfilingQueue,
                const std::function<void(std::array<cl_ulong, 4>&)>& widen = nullptr) {
  for (int i = 0; i < job.warmup; ++i) {
    Sample s;
    execute(s, nullptr);
  }
  if (out.withTimestamps && job.warmup > 0) {
    // The profiling queue's warm-up: whatever its first use starts (a driver thread, a stream) is started
    // before the herd below and stays out of the first profiled execution's timestamps.
    useProfilingQueue(true);
    Sample s;
    Event event;
    execute(s, &event);
    std::array<cl_ulong, 4> ts = Profile(event);
    if (widen) widen(ts);
    useProfilingQueue(false);
  }
  // After the warm-up, when the driver has started whatever threads this job needs.
  out.herd = HerdForeignThreads();
  StopRule rule(job);
  const int64_t start = NowNs();
  for (;;) {
    out.stop = rule.Reason(out.total, (NowNs() - start) / 1e6);
    if (out.stop) break;
    Sample s;
    execute(s, nullptr);
    out.total.push_back(s.totalNs);
    out.cpu.push_back(s.cpuNs);
    out.gpu.push_back(s.gpuNs);
    out.cpuStart.push_back(s.cpuStartNs);
    out.driverStart.push_back(s.driverStartNs);
    out.enqueue.push_back(s.enqueueNs);
    out.waitAfterCpu.push_back(s.waitAfterCpuNs);
  }
  if (!out.withTimestamps) return;
  const size_t profiled = std::min<size_t>(out.total.size(), Samples::kProfiledExecutions);
  useProfilingQueue(true);
  for (size_t i = 0; i < profiled; ++i) {
    Sample s;
    Event event;
    execute(s, &event);
    std::array<cl_ulong, 4> ts = Profile(event);
    if (widen) widen(ts);
    out.timestamps.push_back(ts);
  }
  useProfilingQueue(false);  // a throw above leaves it for the next job's SetTimedQueue (NeedDevice)
}

void PutSamples(Json& r, const Samples& s) {
  r.Set("samplesNs", IntArray(s.total));
  r.Set("cpuSideNs", IntArray(s.cpu));
  r.Set("gpuSideNs", IntArray(s.gpu));
  if (s.withTimestamps) {
    Json ts = Json::Array();
    for (const auto& t : s.timestamps) {
      Json row = Json::Array();
      for (auto v : t) row.Push(Json(static_cast<unsigned long long>(v)));
      ts.Push(std::move(row));
    }
    r.Set("gpuTimestampsNs", std::move(ts));
    // Where the time of an execution with GPU rows goes (docs/contract.md section 12), medians over samples.
    Json b = Json::Object();
    if (s.withCpu) b.Set("cpuStartDelay", Json(static_cast<long long>(Median(s.cpuStart))));
    b.Set("driverStartDelay", Json(static_cast<long long>(Median(s.driverStart))));
    b.Set("enqueue", Json(static_cast<long long>(Median(s.enqueue))));
    if (s.withCpu) {
      b.Set("cpuSlice", Json(static_cast<long long>(Median(s.cpu))));
      b.Set("waitAfterCpu", Json(static_cast<long long>(Median(s.waitAfterCpu))));
    }
    r.Set("breakdownMedianNs", std::move(b));
  }
  r.Set("medianNs", Json(static_cast<long long>(Median(s.total))));
  if (s.stop) r.Set("stop", s.stop);
  if (s.herd.moved > 0) {
    Json names = Json::Array();
    for (const auto& n : s.herd.names) names.Push(Json(n));
    r.Set("foreignThreads", Json::Object().Set("moved", s.herd.moved).Set("names", std::move(names)));
  }
  if (s.herd.helpers > 0) {
    Json cores = Json::Array();
    for (int c : s.herd.helperCores) cores.Push(c);
    r.Set("helperThreads", Json::Object().Set("count", s.herd.helpers).Set("cores", std::move(cores)));
  }
}

// A CPU OpenCL device with more compute units than the plan's deviceCores runs workers on other cores, the
// CPU slice's among them: the arrangement the plan describes is not the one measured. PoCL 5.0 as Debian
// ships it ignores POCL_CPU_MAX_CU_NUM and reads POCL_MAX_PTHREAD_COUNT; with only the former set, the
// pocl-split runs before 2026-12-03 18:00 had 16 PoCL workers, 8 of them pinned to the slice's cores.
std::string DeviceCoresMismatch(const std::vector<int>& deviceCores, const DeviceCaps& caps) {
  if (deviceCores.empty() || !(caps.type & CL_DEVICE_TYPE_CPU) || caps.computeUnits <= deviceCores.size()) return "";
  return "the CPU OpenCL device has " + std::to_string(caps.computeUnits) + " compute units but the plan's deviceCores lists " +
         std::to_string(deviceCores.size()) + " cores, so its workers would also run elsewhere: limit them (PoCL: " +
         "POCL_MAX_PTHREAD_COUNT, or POCL_CPU_MAX_CU_NUM where that version reads it)";
}

GpuDevice* NeedDevice(DeviceProvider& devices, const Plan& plan) {
  std::string why;
  GpuDevice* gpu = devices.Get(&why);
  if (!gpu) throw std::runtime_error("no OpenCL device: " + why);
  if (std::string bad = DeviceCoresMismatch(plan.deviceCores, gpu->caps()); !bad.empty()) throw std::runtime_error(bad);
  // Each job starts on the timed queue it asks for, whatever an earlier job left current.
  gpu->SetTimedQueue(TimedQueueRequest());
  return gpu;
}

// The double reference of a job's layer. Every job of one layer and seed has the same tensors, so the engine
// computes it once per process: a plan runs its jobs in one process, shuffled, about 100-200 jobs per layer,
// and on the GPU host the reference of a 256x768x3072 linear layer or a 3x3 conv took longer (0.1-0.4 s,
// single-threaded) than the job's measurement. Entries are dropped all at once past kMaxBytes.
const std::vector<double>& CachedReference(const Job& job, const std::vector<float>& X, const std::vector<float>& W,
                                           const std::vector<float>& b) {
  static std::map<std::string, std::vector<double>> cache;
  static size_t bytes = 0;
  constexpr size_t kMaxBytes = size_t{1} << 30;
  const Layer& L = job.layer;
  const std::string key = L.json.Dump() + "#seed:" + std::to_string(job.seed);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  if (bytes + L.YCount() * sizeof(double) > kMaxBytes) {
    cache.clear();
    bytes = 0;
  }
  std::vector<double> ref(L.YCount());
  if (L.conv) Conv2dReference(L.conv2d, X.data(), W.data(), b.data(), ref.data());
  else LinearReference(L.linear, X.data(), W.data(), b.data(), ref.data());
  bytes += ref.size() * sizeof(double);
  return cache.emplace(key, std::move(ref)).first->second;
}

// The cores a job that uses the device keeps out of idle (Plan::keepDeviceCoresAwake, awake_cores.h): the
// device's own, never the driver core. The driver thread spins between executions and calls sched_yield
// while it does; with only an idle-priority thread beside it, a yield can hand the core to that thread
// (measured on the 2-core VM with the driver on a device core: GPU-only svm-fine 1.2x slower with spinners).
std::vector<int> CoresToKeepAwake(const Plan& plan) {
  if (!plan.keepDeviceCoresAwake) return {};
  std::vector<int> cores;
  for (int c : plan.deviceCores) {
    if (!plan.driverCore || c != *plan.driverCore) cores.push_back(c);
  }
  return cores;
}

// Records the executor's running spinners in `resolved` ("awakeCores"); one that could not start makes the
// job an error: it would measure another arrangement than the plan asks for.
void NoteAwakeCores(Executor& executor, const Plan& plan, Json& resolved) {
  if (!plan.keepDeviceCoresAwake) return;
  if (auto failed = executor.AwakeCoresFailures(); !failed.empty()) {
    throw std::runtime_error("keepDeviceCoresAwake: " + failed.front());
  }
  Json cores = Json::Array();
  for (int c : executor.AwakeCoresRunning()) cores.Push(c);
  resolved.Set("awakeCores", std::move(cores));
}

void RunLayer(const Plan& plan, const Job& job, DeviceProvider& devices, const JobOptions& opts, Json& r) {
  const Layer& L = job.layer;
  const Strategy& S = job.strategy;
  LayerRun run;
  run.layer = &L;
  run.split = MakeSplit(L, S);
  run.cpuRows = run.split.cpuRows;
  run.gpuRows = run.split.gpuRows;

  Json resolved = Json::Object();
  resolved.Set("splitDim", S.splitDim.empty() ? SplitDimNames(L.conv).front() : S.splitDim);
  resolved.Set("cpuRows", run.cpuRows).Set("gpuRows", run.gpuRows);
  if (run.gpuRows > 0) {
    // What moves per execution at most (copies, maps, read-backs): the GPU's share of X and of Y.
    resolved.Set("gpuInputFloats", Json(static_cast<unsigned long long>(run.split.gpuX.Floats())))
        .Set("gpuOutputFloats", Json(static_cast<unsigned long long>(run.split.gpuY.Floats())));
  }
  Json cores = Json::Array();
  for (int c : plan.cpuAffinity) cores.Push(c);
  resolved.Set("cpuCores", std::move(cores));
  resolved.Set("cpuImpl", run.cpuRows > 0 ? Json(ResolvedCpuImplName(S.cpuImpl)) : Json("none"));
  resolved.Set("sync", run.gpuRows > 0 ? Json(S.sync) : Json("none"));
  resolved.Set("waitSpins", WaitSpins());
  if (EventPollIntervalNs() > 0) resolved.Set("eventPollUs", EventPollIntervalNs() / 1000.0);
  resolved.Set("driverCore", plan.driverCore ? Json(*plan.driverCore) : Json());
  r.Set("resolved", resolved);  // early copy: a failing job still says what it resolved to

  if (run.cpuRows > 0) {
    if (std::string why = CpuImplUnavailableReason(S.cpuImpl); !why.empty()) throw SkipJob(S.cpuImpl + ": " + why);
  }

  // Step 1: device side (when the GPU has rows): variant geometry, mechanism, program, kernels.
  std::unique_ptr<Mechanism> mech;
  if (run.gpuRows > 0) {
    run.gpu = NeedDevice(devices, plan);
    r.Set("device", run.gpu->caps().ToJson());
    try {
      run.variant = PlanVariant(L, S, run.split, run.gpu->caps());
    } catch (const VariantRefused& e) {
      throw SkipJob(e.what());
    }
    mech = MakeMechanism(S.sync, run.gpu->caps());
    // (clblast with any SVM mechanism is refused as an error below, as before.)
    if (S.sync == "svm-resident" && !run.variant.clblast && run.variant.launches.size() != 1)
      throw SkipJob("svm-resident keeps one layer kernel resident; " + S.gpuVariant +
                    " enqueues helper kernels beside its own");
    // svm-fine's counter counts the layer kernel's work-groups: a helper kernel after it would still be writing Y.
    if (S.sync == "svm-fine" && !run.variant.clblast && RunsAfterMain(run.variant, run.variant.launches.size() - 1))
      throw SkipJob("svm-fine signals the end of the layer kernel; " + S.gpuVariant + " enqueues a helper kernel after it");
    // gpuStreams (sync_streams.cpp): at most one chunk per outer row of the GPU's share; one chunk is the
    // single-queue path itself.
    const int outerRows = (L.conv ? L.conv2d.P() : L.linear.M) - run.split.outerOffset;
    const int streams = std::min(S.gpuStreams, outerRows);
    if (streams < S.gpuStreams)
      resolved.Set("gpuStreamsNote", "gpuStreams " + std::to_string(S.gpuStreams) + " clamped to " +
                                         std::to_string(streams) + ": the GPU's share has " +
                                         std::to_string(outerRows) + " outer rows (M or output height)");
    if (streams > 1) {
      if (ChooseHostMemory(run.gpu->caps()) != HostMemory::PinnedCopy)
        throw SkipJob("gpuStreams " + std::to_string(S.gpuStreams) + ": the device works in host memory (zero-copy), "
                      "so there are no copies to overlap with the kernels");
      mech = MakeStreamedMechanism(S);
    }
    if (run.variant.clblast) {
      if (std::string why = ClblastUnavailableReason(L.conv); !why.empty()) throw SkipJob("clblast: " + why);
      if (S.sync != "finish" && S.sync != "event-poll")
        throw std::runtime_error("clblast works on cl_mem buffers: use sync finish or event-poll, not " + S.sync);
      resolved.Set("buildOptions", "clblast:" + ClblastLibraryPath());
      r.Set("resolved", resolved);
    }
  }
  if (run.gpuRows > 0 && !run.variant.launches.empty()) {  // clblast for conv2d launches our bias kernel too
    auto built = run.gpu->BuildProgram(run.variant.file, run.variant.knobs, S.sync == "svm-fine", S.sync == "svm-resident");
    resolved.Set("buildOptions", run.variant.clblast ? "clblast:" + ClblastLibraryPath() + " " + built.options : built.options);
    const auto& main = run.variant.launches.back();
    Json global = Json::Array(), local = Json::Array();
    for (cl_uint d = 0; d < main.dims; ++d) {
      global.Push(Json(static_cast<unsigned long long>(main.global[d])));
      local.Push(Json(static_cast<unsigned long long>(main.local[d])));
    }
    // The geometry of our layer kernel (clblast's helper kernel is not one; the library picks its own).
    if (!run.variant.clblast) resolved.Set("gpuGlobal", std::move(global)).Set("gpuLocal", std::move(local));
    r.Set("resolved", resolved);
    for (const auto& launch : run.variant.launches) {
      cl_int err = CL_SUCCESS;
      run.kernels.emplace_back(Cl().clCreateKernel(built.program, launch.kernel.c_str(), &err));
      ClCheck(err, "clCreateKernel", "kernel " + launch.kernel);
    }
    if (run.variant.colCount) {
      cl_int err = CL_SUCCESS;
      run.col = Buffer(Cl().clCreateBuffer(run.gpu->context(), CL_MEM_READ_WRITE, run.variant.colCount * sizeof(float),
                                           nullptr, &err));
      ClCheck(err, "clCreateBuffer", "im2col scratch");
    }
  }
  if (!mech) {
    mech = MakeCpuOnly();
    // The device is recorded even when unused, so every line of a run names the same device.
    std::string why;
    if (GpuDevice* gpu = devices.Get(&why)) r.Set("device", gpu->caps().ToJson());
  }

  // Step 2: tensors from the seed, and the double reference (once per layer and seed in this process).
  std::vector<float> X(L.XCount()), W(L.WCount()), b(L.BCount());
  std::mt19937_64 rng(job.seed);
  Fill(rng, X);
  Fill(rng, W);
  Fill(rng, b);
  run.X = &X;
  run.W = &W;
  run.b = &b;
  if (run.variant.packTileWidth) {  // resident weights repacked once for the register-tiled kernels
    std::vector<float> packed =
        PackWeights(L, run.split.channelOffset, run.variant.packTileWidth, run.variant.packBlocked, W.data());
    cl_int err = CL_SUCCESS;
    run.packedW = Buffer(Cl().clCreateBuffer(run.gpu->context(), CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                             packed.size() * sizeof(float), packed.data(), &err));
    ClCheck(err, "clCreateBuffer", "packed weights");
  }
  const std::vector<double>& ref = CachedReference(job, X, W, b);

  // Step 3: the executor: the GPU-driver thread (with GPU rows) and the CPU pool pinned to the plan's cores.
  // When the OpenCL device may run on these same cores (PoCL), idle pool workers are parked after the slice.
  // A device pinned to other cores (plan.deviceCores, pocl-split) leaves them spinning: waking parked
  // workers at the next execution costs a futex wake and, on a VM, an idle vCPU's wake-up per worker.
  const bool park = run.gpu && (run.gpu->caps().type & CL_DEVICE_TYPE_CPU) && run.cpuRows > 0 &&
                    DeviceMayUseCores(plan.deviceCores, plan.cpuAffinity);
  if (run.cpuRows > 0) {
    // Linear's calls ask for the same units each call (cpu/linear.cpp); conv's do not.
    resolved.Set("parkCpuPool", park).Set("poolChunking", ThreadPool::Chunking(/*sameUnitsEachCall=*/!L.conv));
    // The work layout the CPU features model: linear weights packed once per job (below).
    // Since s36 ",rows-2-panels": 2 <= M <= half a gemmNN panel reads W^T packed in panels of 1, 2 or 4 registers,
    // a whole panel per unit (linear.cpp RunFewRowsPanels; features.ts fewRowsPanelCols), instead of W's rows in
    // place; a GEMV keeps the dot form. (Run 2052Z's engine, ",few-rows-panels", took the panels for M = 1 too.)
    if (!L.conv) resolved.Set("cpuLinearPacking", "weights-per-job,rows-2-panels");
    // Conv: the simd kernels compute a narrow last column panel or tile (im2col panel, direct/flat row
    // tile) with only the registers it needs, and simd-direct/flat read an unpadded (direct: and
    // column-stride-1) input in place (no copy); absent in earlier runs, whose engine paid whole panels and
    // tiles and copied every input (features.ts cpuPaddedWork, cpuCopyBytes). Since s33 ",im2col-unit-cost":
    // simd-im2col's channel chunk counts a quarter tile per unit (conv2d.cpp SimdIm2col; features.ts convSchedule).
    // Since s34 ",flat-pad-affine": simd-flat on a padded plane copies and computes with the same units per thread at
    // every call (the pool's affine rule), each thread copying the rows it reads (conv2d.cpp PadJob::spatial).
    // Since s35 ",1x1-column-runs": simd-im2col gives each thread one run of a plain 1x1 plane's columns
    // (conv2d.cpp SimdIm2colColumnRuns).
    if (L.conv)
      resolved.Set("cpuConvLayout", "narrow-panels,unpadded-in-place,im2col-unit-cost,flat-pad-affine,1x1-column-runs");
    r.Set("resolved", resolved);
  }
  ExecutorConfig config;
  config.cpuThreads = run.cpuRows > 0 ? S.cpuThreads : 0;
  config.cpuCores = plan.cpuAffinity;
  config.withGpu = run.gpuRows > 0;
  config.driverCore = plan.driverCore;
  config.parkPoolAfterSlice = park;
  config.watchGpuDone = WatchGpuDone(plan);
  // resolved.gpuDoneWatched (engines since s32): whether this job's co-executed GPU side is timed by the driver
  // thread's watch (its own end) rather than when the CPU-slice thread, done with its slice, first saw it.
  if (mech && run.cpuRows > 0 && mech->WaitsOnHost() && mech->WatchesGpuDone())
    resolved.Set("gpuDoneWatched", config.watchGpuDone);
  if (run.gpuRows > 0) config.awakeCores = CoresToKeepAwake(plan);
  Executor executor(config);
  if (run.gpuRows > 0) NoteAwakeCores(executor, plan, resolved);
  if (run.cpuRows > 0) {
    const std::string impl = S.cpuImpl;
    const int rows = run.cpuRows;
    const bool outer = run.split.outer;
    ThreadPool* p = executor.Pool();
    // A channel split: channels / features [0, rows). An outer split: every channel of output rows [0, rows)
    // (conv2d), or the linear layer of the first `rows` rows of X and Y (contiguous prefixes).
    const LinearShape cpuLinear = outer ? LinearShape{rows, L.linear.N, L.linear.K} : L.linear;
    const int linearCols = outer ? L.linear.N : rows;
    // Resident weights: the CPU side's packed copy is made once per job, like the GPU's upload.
    std::shared_ptr<const LinearCpuWeights> packedW;
    if (!L.conv) packedW = PackLinearCpuWeights(impl, cpuLinear, W.data(), 0, linearCols, S.cpuThreads);
    run.cpuSlice = [&L, impl, rows, outer, p, cpuLinear, linearCols, packedW](const float* x, const float* w,
                                                                            const float* bias, float* y) {
      if (L.conv && outer) Conv2dCpu(impl, L.conv2d, x, w, bias, y, 0, L.conv2d.F, *p, 0, rows);
      else if (L.conv) Conv2dCpu(impl, L.conv2d, x, w, bias, y, 0, rows, *p);
      else LinearCpu(impl, cpuLinear, x, w, bias, y, 0, linearCols, *p, packedW.get());
    };
  }

  // Step 4: prepare (weights resident) on the driver thread, warm up, timed samples, profiled executions.
  executor.OnDriver([&] { mech->Prepare(run); });
  resolved.Set("gpuStreams", run.gpuRows > 0 ? mech->GpuStreams() : 0);
  if (const std::vector<int> rows = mech->GpuChunkRows(); !rows.empty()) {
    Json a = Json::Array();
    for (int n : rows) a.Push(n);
    resolved.Set("gpuChunkRows", std::move(a));
  }
  resolved.Set("timedQueue", run.gpu ? TimedQueueName(run.gpu->timedQueue()) : "none");
  resolved.Set("hostMemory", mech->HostMemoryPath());
  resolved.Set("gpuSubmit", run.gpuRows > 0 ? mech->Submit().Name() : "none");
  if (!mech->Submit().note.empty()) resolved.Set("gpuSubmitNote", mech->Submit().note);
  r.Set("resolved", resolved);
  const std::function<void()> cpuWork = [&] {
    const CpuTensors t = mech->CpuSide();
    run.cpuSlice(t.X, t.W, t.b, t.Y);
  };
  auto execute = [&](Sample& s, Event* profile) {
    executor.Execute(run.gpuRows > 0 ? mech.get() : nullptr, run.cpuRows > 0 ? &cpuWork : nullptr, s, profile);
  };
  if (run.variant.clblast) {  // CLBlast compiles its kernels on first use: keep that out of every sample
    Sample s;
    execute(s, nullptr);
  }
  Samples samples(job.maxSamples);
  samples.withTimestamps = run.gpuRows > 0;
  samples.withCpu = run.cpuRows > 0;
  TimingLoop(job, samples, execute, [&](bool on) { executor.OnDriver([&] { run.gpu->UseProfilingQueue(on); }); },
             [&](std::array<cl_ulong, 4>& ts) {
               sync_detail::EndAfterMain(run.afterMain, ts);
               mech->WidenProfile(ts);
             });

  // Step 5: one more execution into a NaN-filled output, checked against the reference.
  executor.OnDriver([&] { mech->PoisonOutput(); });
  {
    Sample s;
    execute(s, nullptr);
  }
  executor.OnDriver([&] {
    if (run.gpu) COEXEC_CL(Cl().clFinish(run.gpu->queue()), "after the checked execution");
  });
  const float* y = mech->Output();
  std::vector<float> corrupted;
  if (std::getenv("COEXEC_TEST_CORRUPT")) {
    // Test hook (native/tests/run.sh): proves the check can fail by adding 1 to the last output element.
    corrupted.assign(y, y + L.YCount());
    corrupted.back() += 1.0f;
    y = corrupted.data();
  }
  double maxRef = 0, maxAbs = 0;
  size_t nonFinite = 0, worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) maxRef = std::max(maxRef, std::fabs(ref[i]));
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!std::isfinite(y[i])) { ++nonFinite; worst = i; continue; }
    double e = std::fabs(static_cast<double>(y[i]) - ref[i]);
    if (e > maxAbs) { maxAbs = e; if (nonFinite == 0) worst = i; }
  }
  const double tol = CheckTolerance(L.ReductionLength(), maxRef);
  const bool passed = nonFinite == 0 && maxAbs <= tol;
  Json check = Json::Object();
  check.Set("maxAbsErr", maxAbs).Set("maxRelErr", maxRef > 0 ? maxAbs / maxRef : maxAbs).Set("tolerance", tol);
  if (nonFinite) check.Set("nonFinite", Json(static_cast<unsigned long long>(nonFinite)));
  check.Set("passed", passed);

  if (!opts.saveTensorsDir.empty()) {
    ::mkdir(opts.saveTensorsDir.c_str(), 0755);
    const std::string d = opts.saveTensorsDir + "/";
    const auto& c = L.conv2d;
    if (L.conv) {
      WriteNpy(d + "X.npy", X.data(), {size_t(c.batch), size_t(c.C), size_t(c.H), size_t(c.W)});
      WriteNpy(d + "W.npy", W.data(), {size_t(c.F), size_t(c.C), size_t(c.R), size_t(c.S)});
      WriteNpy(d + "Y.npy", y, {size_t(c.batch), size_t(c.F), size_t(c.P()), size_t(c.Q())});
    } else {
      WriteNpy(d + "X.npy", X.data(), {size_t(L.linear.M), size_t(L.linear.K)});
      WriteNpy(d + "W.npy", W.data(), {size_t(L.linear.N), size_t(L.linear.K)});
      WriteNpy(d + "Y.npy", y, {size_t(L.linear.M), size_t(L.linear.N)});
    }
    WriteNpy(d + "b.npy", b.data(), {L.BCount()});
  }

  if (!passed) {
    char why[200];
    std::snprintf(why, sizeof why, "wrong result: max abs error %.3g > tolerance %.3g, %zu non-finite, worst at flat index %zu",
                  maxAbs, tol, nonFinite, worst);
    r.Set("status", "invalid").Set("reason", why);
  }
  PutSamples(r, samples);
  r.Set("check", std::move(check));
}

void RunRoundTripJob(const Plan& plan, const Job& job, DeviceProvider& devices, Json& r) {
  GpuDevice* gpu = NeedDevice(devices, plan);
  r.Set("device", gpu->caps().ToJson());
  RoundTrip trip(*gpu, job.strategy.sync);
  Json resolved = Json::Object()
                      .Set("sync", job.strategy.sync)
                      .Set("buildOptions", trip.buildOptions())
                      .Set("gpuGlobal", Json::Array().Push(1))
                      .Set("gpuLocal", Json::Array().Push(1))
                      .Set("driverCore", plan.driverCore ? Json(*plan.driverCore) : Json())
                      .Set("waitSpins", WaitSpins())
                      .Set("timedQueue", TimedQueueName(gpu->timedQueue()));
  ExecutorConfig config;
  config.withGpu = true;
  config.driverCore = plan.driverCore;
  config.awakeCores = CoresToKeepAwake(plan);
  Executor executor(config);
  NoteAwakeCores(executor, plan, resolved);
  r.Set("resolved", resolved);
  Samples samples(job.maxSamples);
  samples.withTimestamps = true;
  int value = 0;
  TimingLoop(job, samples, [&](Sample& s, Event* profile) {
    trip.SetValue(++value);
    executor.Execute(&trip, nullptr, s, profile);
  }, [&](bool on) { executor.OnDriver([&] { gpu->UseProfilingQueue(on); }); },
     [&](std::array<cl_ulong, 4>& ts) { trip.WidenProfile(ts); });
  const int got = trip.LastValue();
  const bool passed = got == value;
  if (!passed) r.Set("status", "invalid").Set("reason", "round trip read " + std::to_string(got) + ", expected " + std::to_string(value));
  PutSamples(r, samples);
  r.Set("check", Json::Object()
                     .Set("maxAbsErr", std::fabs(double(got) - value))
                     .Set("maxRelErr", std::fabs(double(got) - value) / std::max(1, value))
                     .Set("tolerance", 0.0)
                     .Set("passed", passed));
}

// A host <-> device copy alone, through the executor's driver thread like a layer's GPU side. Timed: the
// enqueue and clFinish of one copy; with one queue, gpuTimestampsNs from profiled executions after them. The
// check: the destination holds the source's pattern.
void RunCopyJob(const Plan& plan, const Job& job, DeviceProvider& devices, Json& r) {
  GpuDevice* gpu = NeedDevice(devices, plan);
  r.Set("device", gpu->caps().ToJson());
  Json resolved = Json::Object()
                      .Set("copyBytes", job.copy.bytes)
                      .Set("direction", job.copy.direction)
                      .Set("hostMemory", job.copy.hostMemory)
                      .Set("queues", job.copy.queues)
                      .Set("driverCore", plan.driverCore ? Json(*plan.driverCore) : Json())
                      .Set("timedQueue", TimedQueueName(gpu->timedQueue()));
  CopySide copy(*gpu, job.copy);
  ExecutorConfig config;
  config.withGpu = true;
  config.driverCore = plan.driverCore;
  config.awakeCores = CoresToKeepAwake(plan);
  Executor executor(config);
  NoteAwakeCores(executor, plan, resolved);
  r.Set("resolved", resolved);
  Samples samples(job.maxSamples);
  // One queue: separate untimed executions on the profiling queue give the copy's own start and end (the bus
  // alone, what CUDA events time for PyTorch); with several queues one event would cover only the first part.
  samples.withTimestamps = job.copy.queues == 1;
  TimingLoop(job, samples, [&](Sample& s, Event* profile) { executor.Execute(&copy, nullptr, s, profile); },
             [&](bool on) { executor.OnDriver([&] { gpu->UseProfilingQueue(on); }); });
  const bool passed = copy.Verify();
  if (!passed) r.Set("status", "invalid").Set("reason", "the copied data differs from the source");
  PutSamples(r, samples);
  r.Set("check", Json::Object().Set("maxAbsErr", passed ? 0.0 : 1.0).Set("maxRelErr", passed ? 0.0 : 1.0)
                     .Set("tolerance", 0.0).Set("passed", passed));
}

}  // namespace

Json RunJob(const Plan& plan, const Job& job, DeviceProvider& devices, const JobOptions& opts) {
  const int64_t wall0 = NowNs();
  const CpuTicks ticks0 = ReadCpuTicks();
  Json r = Json::Object();
  r.Set("schemaVersion", 1).Set("jobId", job.id).Set("planId", plan.planId).Set("status", "ok");
  if (job.kind == "layer") r.Set("layer", job.layer.json);
  if (job.kind != "copy") r.Set("strategy", job.strategy.json);
  r.Set("startedAt", IsoNow());
  try {
    if (job.kind == "roundtrip") RunRoundTripJob(plan, job, devices, r);
    else if (job.kind == "copy") RunCopyJob(plan, job, devices, r);
    else RunLayer(plan, job, devices, opts, r);
  } catch (const SkipJob& e) {
    r.Set("status", "skipped").Set("reason", e.what());
  } catch (const std::exception& e) {
    r.Set("status", "error").Set("reason", e.what());
  }
  // Field order of the contract: status and reason first, times last.
  Json out = Json::Object();
  for (const char* key : {"schemaVersion", "jobId", "planId", "status", "reason", "layer", "strategy", "resolved",
                          "device", "samplesNs", "cpuSideNs", "gpuSideNs", "gpuTimestampsNs", "breakdownMedianNs", "medianNs", "stop", "foreignThreads", "helperThreads", "check",
                          "startedAt"}) {
    if (const Json* v = r.Find(key)) out.Set(key, *v);
  }
  out.Set("wallNs", Json(static_cast<long long>(NowNs() - wall0)));
  // Over the whole job (setup included): where no tick passed or /proc/stat is missing, no field.
  // stealTicks beside the share: one or two ticks make several percent of a short job on many CPUs and say
  // little (src/stats/verdict.ts MIN_STEAL_TICKS).
  const CpuTicks ticks1 = ReadCpuTicks();
  if (const double steal = StealPct(ticks0, ticks1); steal >= 0) {
    out.Set("stealPct", steal);
    out.Set("stealTicks", Json(static_cast<long long>(ticks1.steal - ticks0.steal)));
  }
  return out;
}

}  // namespace coexec
