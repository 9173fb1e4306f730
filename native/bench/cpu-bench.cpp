// coexec-cpu-bench: our simd CPU kernels against OpenBLAS on the same thread counts, for the reference linear
// and conv2d layers of issue 13. Prints one row per (shape, threads, implementation) with the minimum and
// median latency, GFLOP/s at the minimum, and OpenBLAS's time over ours (min and median: > 1 means ours is
// faster; the target is >= 1/1.2 on one thread). The implementations of one layer are timed interleaved,
// one call each per round, so load from the neighbours on a shared machine hits them alike; on such a
// machine the minimum is what the kernel can do, the median what it did.
// It also times an empty ThreadPool::ParallelFor (the fixed cost every CPU slice pays), back to back and
// after idle gaps that let the workers go from spinning to blocked.
// Usage: coexec-cpu-bench [--threads 1,2] [--min-ms 300] [--only linear|conv|pool|slices|gemv|conv-slices|conv-passes|conv-private]
//                          [--cores 0,1] [--cpu-time] [--layers SUBSTRING] (conv-slices: only these layers; conv-passes,
//                                                                         conv-private: these layer names)
//                          [--impls SUBSTRING] (conv-passes, conv-private: only these implementations)
//                          [--isa avx512|avx2|neon|scalar]   (pin our kernels to one ISA; default: the widest)
//                          [--repeat N]  (N interleaved measurements per layer, samples pooled; the JSON keeps
//                                         each one's median too)
//                          [--json PATH] (also write every row as one JSON document)
//                          [--no-openblas] (time our kernels alone: OpenBLAS timed between them reads its own
//                                           copy of the weights, which evicts ours from the caches)
// The layers are the reference shapes of issue 13 (cpu_torch.py times the same ones with PyTorch).
// --cpu-time times with the calling thread's CPU clock instead of the wall clock: on a loaded machine it
// leaves out the time the thread was descheduled, which makes single-thread kernel comparisons usable. It
// only means something with --threads 1 (other threads' work is not counted).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cpu/cpu_layers.h"
#include "cpu/helper_threads.h"

using namespace coexec;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::vector<int> threads = {1, 2};
  std::vector<int> cores;  // empty = unpinned
  double minMs = 300;
  std::string only;
  bool cpuTime = false;
  bool noBlas = false;
  std::string isaSuffix;  // "" or "-<isa>", appended to our simd implementation names
  int repeat = 1;         // whole measurements per layer, back to back; samples are pooled
  std::string json;       // path of the JSON document to write ("" = none)
  std::string layers;     // --only conv-slices: only the reference layers whose id contains this; conv-passes: whose name
  std::string impls;      // --only conv-passes: only the implementations whose name contains this
};

bool useCpuTime = false;  // set from Options before any timing

// Milliseconds on the chosen clock.
double NowMs() {
  if (useCpuTime) {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
  }
  return std::chrono::duration<double, std::milli>(Clock::now().time_since_epoch()).count();
}

std::vector<int> ParseList(const char* s) {
  std::vector<int> v;
  for (const char* p = s; *p;) {
    v.push_back(std::atoi(p));
    p = std::strchr(p, ',');
    if (!p) break;
    ++p;
  }
  return v;
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--threads" && next) o.threads = ParseList(argv[++i]);
    else if (a == "--cores" && next) o.cores = ParseList(argv[++i]);
    else if (a == "--min-ms" && next) o.minMs = std::atof(argv[++i]);
    else if (a == "--only" && next) o.only = argv[++i];
    else if (a == "--cpu-time") o.cpuTime = true;
    else if (a == "--no-openblas") o.noBlas = true;
    else if (a == "--isa" && next) o.isaSuffix = std::string("-") + argv[++i];
    else if (a == "--repeat" && next) o.repeat = std::atoi(argv[++i]);
    else if (a == "--json" && next) o.json = argv[++i];
    else if (a == "--layers" && next) o.layers = argv[++i];
    else if (a == "--impls" && next) o.impls = argv[++i];
    else throw std::invalid_argument("unknown or incomplete option '" + a + "' (see the usage line in cpu-bench.cpp)");
  }
  return o;
}

// The layers' buffers start on a cache line, as the engine's do (clSVMAlloc with 64-byte alignment): a plain vector
// starts 16 bytes into one, so two threads' adjacent output columns could share a line the engine's never do.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(64))); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(64)); }
  bool operator==(const CacheLineAllocator&) const { return true; }
  bool operator!=(const CacheLineAllocator&) const { return false; }
};
using Floats = std::vector<float, CacheLineAllocator<float>>;

Floats Filled(size_t n) {
  Floats v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>((i * 7919) % 2001) / 1000.0f - 1.0f;
  return v;
}

struct Timing {
  double minMs, medianMs;
  std::vector<double> repeatMedians;  // one per --repeat measurement
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Times the implementations of one layer interleaved, one call of each per round, so that load from the
// neighbours on a shared machine hits them alike instead of whichever happened to run during a burst.
// 3 warm-up rounds (scratch allocation, page faults, OpenBLAS thread start), then rounds until every
// implementation has 10 samples and minMs of its own time.
std::vector<Timing> MeasureInterleaved(const std::vector<std::function<void()>>& runs, double minMs) {
  for (int i = 0; i < 3; ++i)
    for (const auto& run : runs) run();
  std::vector<std::vector<double>> samples(runs.size());
  double spentMs = 0;  // of the slowest implementation so far
  while (samples[0].size() < 10 || spentMs < minMs) {
    double roundMax = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
      const double t0 = NowMs();
      runs[i]();
      samples[i].push_back(NowMs() - t0);
      roundMax = std::max(roundMax, samples[i].back());
    }
    spentMs += roundMax;
  }
  std::vector<Timing> out;
  for (auto& v : samples) {
    std::sort(v.begin(), v.end());
    out.push_back({v.front(), v[v.size() / 2], {v[v.size() / 2]}});
  }
  return out;
}

// `repeat` measurements back to back, pooled: min over all, median of all samples' per-repeat medians.
// --cores: OpenBLAS's workers are pinned one per core as the engine pins them (cpu::PinHelperThreads) once each
// run has been called, so its thread count (and with it its workers) is what the timing will use.
std::vector<int> g_benchCores;

std::vector<Timing> MeasureRepeated(const std::vector<std::function<void()>>& runs, double minMs, int repeat) {
  if (!g_benchCores.empty()) {
    for (const auto& run : runs) run();
    cpu::PinHelperThreads(g_benchCores);
  }
  std::vector<Timing> all(runs.size(), Timing{1e30, 0, {}});
  for (int r = 0; r < repeat; ++r) {
    const std::vector<Timing> one = MeasureInterleaved(runs, minMs);
    for (size_t i = 0; i < runs.size(); ++i) {
      all[i].minMs = std::min(all[i].minMs, one[i].minMs);
      all[i].repeatMedians.push_back(one[i].medianMs);
    }
  }
  for (auto& t : all) t.medianMs = Median(t.repeatMedians);
  return all;
}

// Rows of the JSON document, written at the end.
std::vector<std::string> jsonRows;

void JsonRow(const std::string& layer, int threads, const std::string& impl, const Timing& t, double flops,
             const Timing* blas) {
  std::string medians;
  for (double m : t.repeatMedians) {
    char b[32];
    std::snprintf(b, sizeof b, "%s%.4f", medians.empty() ? "" : ",", m * 1e3);
    medians += b;
  }
  char buf[768];
  std::snprintf(buf, sizeof buf,
                "{\"layer\":\"%s\",\"threads\":%d,\"impl\":\"%s\",\"minUs\":%.3f,\"medianUs\":%.3f,"
                "\"repeatMediansUs\":[%s],\"gflopsAtMedian\":%.2f",
                layer.c_str(), threads, impl.c_str(), t.minMs * 1e3, t.medianMs * 1e3, medians.c_str(),
                flops / (t.medianMs * 1e6));
  std::string row = buf;
  if (blas) {
    std::snprintf(buf, sizeof buf, ",\"blasOverOursMedian\":%.3f,\"blasOverOursMin\":%.3f",
                  blas->medianMs / t.medianMs, blas->minMs / t.minMs);
    row += buf;
  }
  jsonRows.push_back(row + "}");
}

void Row(const std::string& layer, int threads, const std::string& impl, const Timing& t, double flops,
         const Timing* blas) {
  std::printf("%-30s t=%-2d %-19s min %8.3f ms  median %8.3f ms  %6.1f GFLOP/s", layer.c_str(), threads,
              impl.c_str(), t.minMs, t.medianMs, flops / (t.minMs * 1e6));
  if (blas) std::printf("  ratio min %.2f median %.2f", blas->minMs / t.minMs, blas->medianMs / t.medianMs);
  std::printf("\n");
  std::fflush(stdout);
  JsonRow(layer, threads, impl, t, flops, blas);
}

// Empty ParallelFor latency on the wall clock, in microseconds, after a busy-wait gap of gapUs.
void PoolLatency(ThreadPool& pool) {
  volatile int sink = 0;
  const std::function<void(int, int, int)> body = [&sink](int b, int e, int) { sink = sink + e - b; };
  for (int gapUs : {0, 50, 1000}) {
    std::vector<double> us;
    for (int i = 0; i < 2000; ++i) {
      const auto idle = Clock::now();
      while (Clock::now() - idle < std::chrono::microseconds(gapUs)) {
      }
      const auto t0 = Clock::now();
      pool.ParallelFor(pool.Threads() * 8, body);
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    std::printf("pool t=%d  empty ParallelFor after %4d us idle: min %6.2f us  median %6.2f us  p90 %7.2f us\n",
                pool.Threads(), gapUs, us.front(), us[us.size() / 2], us[us.size() * 9 / 10]);
  }
}

// CPU slices of the reference conv layers of experiment conv-coexec, as the engine computes them (--only
// conv-slices; not part of the default run): output channels [0, rows) at 10/20/30/50/100% of F, rounded as
// the plans round them (to the nearest 16 channels, at least 16), and output rows [0, rows) at the same
// shares (nearest row, at least one) with every channel. A slice's time against its share of the whole
// layer shows the per-call cost that does not shrink with the slice. The three simd implementations of one
// slice are timed interleaved.
void ConvSlices(ThreadPool& pool, const Options& o) {
  struct Ref {
    const char* id;
    ConvShape s;
  };
  //                                        batch  C    H     W    F  R  S sh sw ph pw
  const Ref refs[] = {{"inception-v3/7b-1x3", {1, 384, 8, 8, 384, 1, 3, 1, 1, 0, 1}},
                      {"inception-v3/7b-3x1", {1, 384, 8, 8, 384, 3, 1, 1, 1, 1, 0}},
                      {"resnet50/conv5_3x3", {1, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1}},
                      {"resnet18/layer3-3x3", {1, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1}},
                      {"inception-v3/6b-1x7", {1, 128, 17, 17, 128, 1, 7, 1, 1, 0, 3}},
                      {"mobilenetv2/last-1x1", {1, 320, 7, 7, 1280, 1, 1, 1, 1, 0, 0}},
                      {"resnet50/conv3_3x3", {1, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1}},
                      {"resnet18/layer1-3x3", {1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1}},
                      {"resnet50/conv2_reduce", {1, 256, 56, 56, 64, 1, 1, 1, 1, 0, 0}},
                      {"resnet18/conv1", {1, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3}},
                      // pocl-split's two 1x1 layers with few channels (conv-coexec's host-pocl profile)
                      {"mobilenetv2/b2-project-1x1", {1, 144, 56, 56, 24, 1, 1, 1, 1, 0, 0}},
                      {"resnet50/conv2_1x1", {1, 64, 56, 56, 64, 1, 1, 1, 1, 0, 0}}};
  for (const Ref& ref : refs) {
    const ConvShape& s = ref.s;
    if (!o.layers.empty() && std::string(ref.id).find(o.layers) == std::string::npos) continue;
    const auto X = Filled(static_cast<size_t>(s.batch) * s.C * s.H * s.W),
               W = Filled(static_cast<size_t>(s.F) * s.C * s.R * s.S), b = Filled(s.F);
    Floats Y(static_cast<size_t>(s.batch) * s.F * s.P() * s.Q());
    for (const double r : {0.1, 0.2, 0.3, 0.5, 1.0})
      for (const bool alongH : {false, true}) {
        if (alongH && r == 1.0) continue;  // the same call as the whole F
        int rows = alongH ? static_cast<int>(r * s.P() + 0.5) : static_cast<int>(r * s.F / 16 + 0.5) * 16;
        if (rows < (alongH ? 1 : 16)) rows = alongH ? 1 : 16;
        if (rows > (alongH ? s.P() : s.F)) rows = alongH ? s.P() : s.F;
        const int f1 = alongH ? s.F : rows, p1 = alongH ? rows : s.P();
        char name[128];
        std::snprintf(name, sizeof name, "conv %s %dx%dx%d F=%d %dx%d/s%d %s %.1f (%d)", ref.id, s.C, s.H, s.W, s.F,
                      s.R, s.S, s.strideH, alongH ? "h-slice" : "f-slice", r, rows);
        const std::vector<std::string> impls = {"simd-im2col" + o.isaSuffix, "simd-direct" + o.isaSuffix,
                                                "simd-flat" + o.isaSuffix};
        std::vector<std::function<void()>> runs;
        for (const auto& impl : impls)
          runs.push_back([&, impl] { Conv2dCpu(impl, s, X.data(), W.data(), b.data(), Y.data(), 0, f1, pool, 0, p1); });
        const std::vector<Timing> t = MeasureRepeated(runs, o.minMs, o.repeat);
        const double flops = 2.0 * s.batch * f1 * p1 * s.Q() * s.C * s.R * s.S;
        for (size_t i = 0; i < impls.size(); ++i)
          Row(name, pool.Threads(), ResolvedCpuImplName(impls[i]), t[i], flops, nullptr);
      }
  }
}

// A reference conv layer's name in the rows and the JSON (its shape, stride and padding).
std::string ConvName(const ConvShape& s) {
  char name[80];
  std::snprintf(name, sizeof name, "conv %dx%dx%d F=%d %dx%d/s%d pad%d", s.C, s.H, s.W, s.F, s.R, s.S, s.strideH,
                s.padH);
  return name;
}

// Medians over executions of one ParallelFor pass's records (see ConvPasses).
struct PassSummary {
  int units = 0;
  double wallUs = 0, wakeUs = 0, meanBusyUs = 0, maxBusyUs = 0, sumBusyUs = 0, endSpreadUs = 0;
};

// Pass k of every execution: records[e * passes + k] for e in [0, executions).
PassSummary SummarizePass(const std::vector<PoolPassTimes>& records, size_t passes, size_t k) {
  std::vector<double> wall, wake, meanBusy, maxBusy, sumBusy, endSpread;
  for (size_t i = k; i < records.size(); i += passes) {
    const PoolPassTimes& r = records[i];
    double latestStart = 0, most = 0, sum = 0, firstEnd = 1e30, lastEnd = 0;
    int ran = 0;
    for (size_t t = 0; t < r.busyUs.size(); ++t) {
      if (r.firstStartUs[t] < 0) continue;  // a thread that ran no chunk
      ++ran;
      latestStart = std::max(latestStart, r.firstStartUs[t]);
      most = std::max(most, r.busyUs[t]);
      sum += r.busyUs[t];
      firstEnd = std::min(firstEnd, r.lastEndUs[t]);
      lastEnd = std::max(lastEnd, r.lastEndUs[t]);
    }
    wall.push_back(r.wallUs);
    wake.push_back(latestStart);
    meanBusy.push_back(ran ? sum / ran : 0);
    maxBusy.push_back(most);
    sumBusy.push_back(sum);
    endSpread.push_back(ran ? lastEnd - firstEnd : 0);
  }
  return {records[k].count, Median(wall), Median(wake), Median(meanBusy), Median(maxBusy), Median(sumBusy),
          Median(endSpread)};
}

// Wall time of each execution of `run`, back to back, for at least 20 executions and `minMs` (ConvPasses,
// ConvPrivate).
std::vector<double> TimedExecutionsUs(const std::function<void()>& run, double minMs) {
  std::vector<double> executionUs;
  const auto start = Clock::now();
  while (executionUs.size() < 20 || std::chrono::duration<double, std::milli>(Clock::now() - start).count() < minMs) {
    const auto t0 = Clock::now();
    run();
    executionUs.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  return executionUs;
}

// Where a multi-threaded conv layer's time goes (--only conv-passes; not part of the default run): each
// reference conv layer under each of our implementations, executed with the pool's pass recorder set
// (ThreadPool::SetPassRecorder), then per ParallelFor pass of one execution (a copy pass, the compute pass, a sum
// pass) the medians over executions of: its wall time from post to last thread done; the latest thread's first
// chunk start (the wake-up); the mean and the largest thread's time inside its chunks, and their sum over threads
// (against one thread's time of the same pass: the work grown by running in parallel); and the spread of the
// threads' last chunk ends (the imbalance). Prints one row per pass; --json writes them with the layer rows'.
void ConvPasses(ThreadPool& pool, const Options& o, const std::vector<ConvShape>& convs) {
  for (const ConvShape& s : convs) {
    const auto X = Filled(static_cast<size_t>(s.batch) * s.C * s.H * s.W),
               W = Filled(static_cast<size_t>(s.F) * s.C * s.R * s.S), b = Filled(s.F);
    Floats Y(static_cast<size_t>(s.batch) * s.F * s.P() * s.Q());
    const std::string name = ConvName(s);
    if (!o.layers.empty() && name.find(o.layers) == std::string::npos) continue;
    for (const std::string base : {"simd-im2col", "simd-direct", "simd-flat"}) {
      const std::string impl = base + o.isaSuffix;
      if (!o.impls.empty() && base.find(o.impls) == std::string::npos) continue;
      const auto run = [&] { Conv2dCpu(impl, s, X.data(), W.data(), b.data(), Y.data(), 0, s.F, pool); };
      for (int i = 0; i < 5; ++i) run();  // scratch allocation, page faults
      std::vector<PoolPassTimes> records;
      pool.SetPassRecorder(&records);
      const std::vector<double> executionUs = TimedExecutionsUs(run, o.minMs);
      pool.SetPassRecorder(nullptr);
      const size_t executions = executionUs.size(), passes = records.size() / executions;
      if (passes == 0 || records.size() % executions != 0) {
        std::fprintf(stderr, "error: %s %s: %zu passes over %zu executions\n", name.c_str(), impl.c_str(), records.size(),
                     executions);
        continue;
      }
      std::string passJson;
      for (size_t k = 0; k < passes; ++k) {
        const PassSummary p = SummarizePass(records, passes, k);
        std::printf("%-30s t=%-2d %-19s pass %zu/%zu units %5d  wall %8.1f us  wake %6.1f  busy mean %8.1f max %8.1f"
                    " sum %9.1f  end spread %7.1f\n",
                    name.c_str(), pool.Threads(), ResolvedCpuImplName(impl).c_str(), k + 1, passes, p.units, p.wallUs,
                    p.wakeUs, p.meanBusyUs, p.maxBusyUs, p.sumBusyUs, p.endSpreadUs);
        char buf[320];
        std::snprintf(buf, sizeof buf,
                      "%s{\"units\":%d,\"wallUs\":%.2f,\"wakeUs\":%.2f,\"meanBusyUs\":%.2f,\"maxBusyUs\":%.2f,"
                      "\"sumBusyUs\":%.2f,\"endSpreadUs\":%.2f}",
                      passJson.empty() ? "" : ",", p.units, p.wallUs, p.wakeUs, p.meanBusyUs, p.maxBusyUs, p.sumBusyUs,
                      p.endSpreadUs);
        passJson += buf;
      }
      std::printf("%-30s t=%-2d %-19s execution median %8.1f us over %zu executions\n", name.c_str(), pool.Threads(),
                  ResolvedCpuImplName(impl).c_str(), Median(executionUs), executions);
      std::fflush(stdout);
      char head[256];
      std::snprintf(head, sizeof head, "{\"layer\":\"%s\",\"threads\":%d,\"impl\":\"%s\",\"executions\":%zu,"
                    "\"executionMedianUs\":%.2f,\"passes\":[",
                    name.c_str(), pool.Threads(), ResolvedCpuImplName(impl).c_str(), executions, Median(executionUs));
      jsonRows.push_back(std::string(head) + passJson + "]}");
    }
  }
}

// Threads of one process, each computing a whole layer alone on buffers of its own (--only conv-private; not part of
// the default run): `threads` std::threads, pinned one per core of --cores, each with a one-thread pool and its own X,
// W, b and Y (allocated and first touched by that thread), started together after a warm-up, each timing its own
// executions for --min-ms. Read beside conv-passes on the same cores: its busy sum is what one layer split over the
// threads cost, this is what the threads of one process cost each other when they share no data, and
// cpu-thread-probe.sh's one-thread "solo" timings are what each core does alone. One row per layer and
// implementation: each thread's median execution, then their mean, largest and sum.
void ConvPrivate(const Options& o, int threads, const std::vector<ConvShape>& convs) {
  for (const ConvShape& s : convs) {
    const std::string name = ConvName(s);
    if (!o.layers.empty() && name.find(o.layers) == std::string::npos) continue;
    for (const std::string base : {"simd-im2col", "simd-direct", "simd-flat"}) {
      const std::string impl = base + o.isaSuffix;
      if (!o.impls.empty() && base.find(o.impls) == std::string::npos) continue;
      std::vector<double> medians(static_cast<size_t>(threads), 0);
      std::atomic<int> ready{0};
      std::vector<std::thread> team;
      for (int t = 0; t < threads; ++t)
        team.emplace_back([&, t] {
          const std::vector<int> core =
              o.cores.empty() ? std::vector<int>{} : std::vector<int>{o.cores[static_cast<size_t>(t) % o.cores.size()]};
          ThreadPool pool(1, core);  // pins this thread (worker 0) to its core
          const auto X = Filled(static_cast<size_t>(s.batch) * s.C * s.H * s.W),
                     W = Filled(static_cast<size_t>(s.F) * s.C * s.R * s.S), b = Filled(s.F);
          Floats Y(static_cast<size_t>(s.batch) * s.F * s.P() * s.Q());
          const auto run = [&] { Conv2dCpu(impl, s, X.data(), W.data(), b.data(), Y.data(), 0, s.F, pool); };
          for (int i = 0; i < 5; ++i) run();  // scratch allocation, page faults
          ready.fetch_add(1);
          while (ready.load() < threads) {
          }  // start together: every thread's timed executions overlap the others'
          medians[static_cast<size_t>(t)] = Median(TimedExecutionsUs(run, o.minMs));
        });
      for (std::thread& member : team) member.join();
      double sum = 0, most = 0;
      std::string each;
      for (double m : medians) {
        sum += m;
        most = std::max(most, m);
        char buf[16];
        std::snprintf(buf, sizeof buf, " %.1f", m);
        each += buf;
      }
      std::printf("%-30s t=%-2d %-19s private  median mean %8.1f max %8.1f sum %9.1f  per thread us:%s\n", name.c_str(),
                  threads, ResolvedCpuImplName(impl).c_str(), sum / threads, most, sum, each.c_str());
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = Parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  useCpuTime = o.cpuTime;
  g_benchCores = o.cores;
  if (o.repeat < 1) {
    std::fprintf(stderr, "error: --repeat needs a count >= 1\n");
    return 2;
  }
  if (o.cpuTime && (o.threads.size() != 1 || o.threads[0] != 1)) {
    std::fprintf(stderr, "error: --cpu-time needs --threads 1\n");
    return 2;
  }
  if (const std::string why = CpuImplUnavailableReason("simd" + o.isaSuffix); !why.empty()) {
    std::fprintf(stderr, "error: %s\n", why.c_str());
    return 2;
  }
  const bool blas = !o.noBlas && CpuImplUnavailableReason("openblas").empty();
  std::printf("simd resolves to %s; OpenBLAS: %s; clock: %s\n", ResolvedSimdName().c_str(),
              blas ? "loaded" : CpuImplUnavailableReason("openblas").c_str(), o.cpuTime ? "thread CPU time" : "wall");

  const LinearShape linears[] = {{1, 3072, 768}, {64, 3072, 768}, {256, 3072, 768}};
  //                      batch  C    H    W    F  R  S sh sw ph pw
  const std::vector<ConvShape> convs = {{1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1},
                             {1, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1},
                             {1, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3},
                             {1, 256, 56, 56, 64, 1, 1, 1, 1, 0, 0}};
  for (int t : o.threads) {
    ThreadPool pool(t, o.cores);
    if (o.only == "pool" || (o.only.empty() && !o.cpuTime)) PoolLatency(pool);
    if (o.only.empty() || o.only == "linear")
      for (const LinearShape& s : linears) {
        const auto X = Filled(static_cast<size_t>(s.M) * s.K), W = Filled(static_cast<size_t>(s.N) * s.K),
                   b = Filled(s.N);
        Floats Y(static_cast<size_t>(s.M) * s.N);
        const double flops = 2.0 * s.M * s.N * s.K;
        char name[80];
        std::snprintf(name, sizeof name, "linear M=%d N=%d K=%d", s.M, s.N, s.K);
        std::vector<std::string> impls = {"simd" + o.isaSuffix};
        if (blas) impls.insert(impls.begin(), "openblas");
        std::vector<std::function<void()>> runs;
        // Weights packed once before timing, as the engine does once per job.
        for (const auto& impl : impls)
          runs.push_back([&, impl, packed = std::shared_ptr<const LinearCpuWeights>(
                                       PackLinearCpuWeights(impl, s, W.data(), 0, s.N, pool.Threads()))] {
            LinearCpu(impl, s, X.data(), W.data(), b.data(), Y.data(), 0, s.N, pool, packed.get());
          });
        const std::vector<Timing> t = MeasureRepeated(runs, o.minMs, o.repeat);
        for (size_t i = 0; i < impls.size(); ++i)
          Row(name, pool.Threads(), ResolvedCpuImplName(impls[i]), t[i], flops, blas && i > 0 ? &t[0] : nullptr);
      }
    // Thin slices, as the CPU side of a split computes them (--only slices; not part of the default run):
    // linear along N (output columns [0, rows) of Y) and along M (the first rows of X, every column).
    // A slice's time against its share of the whole layer says whether the work is spread well.
    // --only gemv: the M = 1 layers of the co-execution experiments, whole and as the CPU slices of splits
    // along N (the shape where 15 threads left one thread a quarter more tiles than its share before
    // BalancedChunkSize; compare runs with COEXEC_POOL_CHUNKING=dynamic, native/bench/gemv-chunking-probe.sh).
    const bool gemvOnly = o.only == "gemv";
    const std::vector<LinearShape> sliceShapes =
        gemvOnly ? std::vector<LinearShape>{{1, 1536, 384}, {1, 3072, 768}, {1, 768, 3072}, {1, 4096, 4096}}
                 : std::vector<LinearShape>{{8, 3072, 768}, {64, 3072, 768}, {256, 3072, 768}};
    const std::vector<double> sliceRatios =
        gemvOnly ? std::vector<double>{0.3, 0.5, 0.7, 0.9, 1.0} : std::vector<double>{-48.0, -96.0, 0.1, 0.2, 0.3, 0.5, 1.0};
    if (o.only == "slices" || gemvOnly)
      for (const LinearShape& s : sliceShapes) {
        const auto X = Filled(static_cast<size_t>(s.M) * s.K), W = Filled(static_cast<size_t>(s.N) * s.K),
                   b = Filled(s.N);
        Floats Y(static_cast<size_t>(s.M) * s.N);
        // r < 0 names a slice of -r columns along N (a few register panels), where a per-call cost that does
        // not shrink with the slice shows against a known amount of work.
        for (const double r : sliceRatios)
          for (const bool alongM : {false, true}) {
            if (alongM && (r < 0 || r == 1.0 || s.M < 10)) continue;
            const int rows = r < 0 ? static_cast<int>(-r)
                             : alongM ? static_cast<int>(r * s.M + 0.5) : static_cast<int>(r * s.N / 4 + 0.5) * 4;
            const LinearShape part = alongM ? LinearShape{rows, s.N, s.K} : s;
            const int cols = alongM ? s.N : rows;
            char name[96];
            std::snprintf(name, sizeof name, "linear M=%d N=%d K=%d %s %.1f (%d)", s.M, s.N, s.K,
                          alongM ? "m-slice" : "n-slice", r < 0 ? static_cast<double>(rows) / s.N : r, rows);
            std::vector<std::string> impls = {"simd" + o.isaSuffix};
            if (blas) impls.insert(impls.begin(), "openblas");
            std::vector<std::function<void()>> runs;
            for (const auto& impl : impls)
              runs.push_back([&, impl, packed = std::shared_ptr<const LinearCpuWeights>(
                                           PackLinearCpuWeights(impl, part, W.data(), 0, cols, pool.Threads()))] {
                LinearCpu(impl, part, X.data(), W.data(), b.data(), Y.data(), 0, cols, pool, packed.get());
              });
            const std::vector<Timing> t = MeasureRepeated(runs, o.minMs, o.repeat);
            for (size_t i = 0; i < impls.size(); ++i)
              Row(name, pool.Threads(), ResolvedCpuImplName(impls[i]), t[i], 2.0 * part.M * cols * s.K,
                  blas && i > 0 ? &t[0] : nullptr);
          }
      }
    if (o.only == "conv-slices") ConvSlices(pool, o);
    if (o.only == "conv-passes" || o.only == "conv-private") {
      // The reference conv layers, and pocl-split's layers that its CPU side runs slowest against PoCL's (conv-coexec,
      // host-pocl profile).
      std::vector<ConvShape> passConvs = convs;
      passConvs.push_back({1, 64, 56, 56, 64, 1, 1, 1, 1, 0, 0});
      passConvs.push_back({1, 384, 8, 8, 384, 1, 3, 1, 1, 0, 1});
      passConvs.push_back({1, 320, 7, 7, 1280, 1, 1, 1, 1, 0, 0});
      if (o.only == "conv-passes") {
        ConvPasses(pool, o, passConvs);
      } else {
        pool.Park();  // its idle workers block now, off the cores the private threads take
        ConvPrivate(o, pool.Threads(), passConvs);
      }
    }
    if (o.only.empty() || o.only == "conv")
      for (const ConvShape& s : convs) {
        const auto X = Filled(static_cast<size_t>(s.batch) * s.C * s.H * s.W),
                   W = Filled(static_cast<size_t>(s.F) * s.C * s.R * s.S), b = Filled(s.F);
        Floats Y(static_cast<size_t>(s.batch) * s.F * s.P() * s.Q());
        const double flops = 2.0 * s.batch * s.F * s.P() * s.Q() * s.C * s.R * s.S;
        const std::string name = ConvName(s);
        std::vector<std::string> impls = {"simd-im2col" + o.isaSuffix, "simd-direct" + o.isaSuffix,
                                          "simd-flat" + o.isaSuffix};
        if (blas) impls.insert(impls.begin(), "openblas-im2col");
        std::vector<std::function<void()>> runs;
        for (const auto& impl : impls)
          runs.push_back([&, impl] { Conv2dCpu(impl, s, X.data(), W.data(), b.data(), Y.data(), 0, s.F, pool); });
        const std::vector<Timing> t = MeasureRepeated(runs, o.minMs, o.repeat);
        for (size_t i = 0; i < impls.size(); ++i)
          Row(name, pool.Threads(), ResolvedCpuImplName(impls[i]), t[i], flops, blas && i > 0 ? &t[0] : nullptr);
      }
  }
  if (!o.json.empty()) {
    FILE* f = std::fopen(o.json.c_str(), "w");
    if (!f) {
      std::fprintf(stderr, "error: cannot write %s\n", o.json.c_str());
      return 1;
    }
    std::string cores;
    for (int c : o.cores) cores += (cores.empty() ? "" : ",") + std::to_string(c);
    std::fprintf(f, "{\"tool\":\"coexec-cpu-bench\",\"simd\":\"%s\",\"openblas\":%s,\"clock\":\"%s\",\"cores\":[%s],"
                 "\"repeat\":%d,\"minMsPerMeasurement\":%.0f,\"rows\":[\n",
                 ResolvedSimdName().c_str(), blas ? "true" : "false", o.cpuTime ? "thread-cpu" : "wall", cores.c_str(),
                 o.repeat, o.minMs);
    for (size_t i = 0; i < jsonRows.size(); ++i)
      std::fprintf(f, "  %s%s\n", jsonRows[i].c_str(), i + 1 < jsonRows.size() ? "," : "");
    std::fprintf(f, "]}\n");
    std::fclose(f);
  }
  return 0;
}
