// ThreadPool: persistent workers for the CPU slice of a layer. Layer latencies are tens of microseconds, so
// a ParallelFor must not create threads, allocate, or sleep in the common case: workers spin on a
// generation counter for a short while after each job and only then block on a condition variable.
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "cpu/cpu_layers.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void CpuRelax() { _mm_pause(); }
#elif defined(__aarch64__)
static inline void CpuRelax() { asm volatile("yield" ::: "memory"); }
#else
static inline void CpuRelax() {}
#endif

namespace coexec {

namespace {

// An idle worker first spins (lowest wake latency), then keeps polling but yields the core between polls,
// then blocks. The pure spin bridges the gap between the phases of one layer (im2col, then GEMM). The
// yielding phase matters when threads outnumber free cores (PoCL's device threads share them, or the
// machine is loaded): a worker spinning on the caller's own core would otherwise hold that core for its
// whole spin while the caller waits to post the next job (measured: 200 us per job instead of 1 us). For
// the same reason a worker that finds itself on the caller's core (unpinned pools) yields at once.
constexpr auto kPureSpin = std::chrono::microseconds(10);
constexpr auto kSpinBeforeBlock = std::chrono::microseconds(150);
// Spins between clock reads while waiting.
constexpr int kSpinsPerClockRead = 64;

// How ParallelFor hands out [0, count): one even contiguous chunk per thread (static), chunks claimed from
// a shared counter: of ceil(count / (threads * kChunksPerThread)) (dynamic, the default until 2026-12-04) or
// of BalancedChunkSize's size, never larger (balanced, the default until 2026-12-05, and since then for the calls
// that do not ask for the same units each call), or static's chunks each claimed in BalancedChunkSize pieces by
// its own thread first (affine, since 2026-12-05 for the calls that do; below).
// Measured on the 2-core PoCL machine (results/benchmarks/pool-chunking-local.txt: 2 threads, medians of 4
// alternating job medians, two runs): CPU-only within +-3% of static except linear M=16 1024x1024, 8-10%
// slower (gemmNT packs X once per call, and dynamic makes 4x the calls); inside co-execution, where PoCL's
// threads take the same cores and a worker starts late, dynamic's CPU slice took 0.13x and 0.22x of
// static's (conv, svm-fine) and 0.48x and 1.04x (linear, finish). COEXEC_POOL_CHUNKING=static|dynamic|balanced|affine
// overrides it (a measurement hook, recorded as resolved.poolChunking: each name stays its rule, so runs of one
// engine can be measured against another's).
// Affine (cache-affine with stealing): each thread owns the range static would give it and claims that
// range's chunks (BalancedChunkSize) from a cursor of its own; a thread done with its range claims the chunks
// left in the others' ranges, so a worker that starts late is covered as under dynamic. With threads of one
// speed every thread runs its own range and nothing else, the same rows every execution: an M = 1 slice whose
// weights fit in the cores' caches (8 threads, 1.2 MB of weights each beside 2 MB of L2 on the GPU host) reads
// them from the thread's own cache at each execution, where a shared counter hands each thread other rows each
// time and they come from the shared L3 (pocl-split linear 2026-12-05T1835Z, M1 N3072 K768 on 8 threads: ours
// 56.7 us with balanced chunks, OpenBLAS's static split 22-27 us). Every other job walks the ranges backwards
// (RunChunk). On the 2-core VM (2 threads, 2 MB of L2 a core; results/benchmarks/pool-affine-vm-20261205/) the
// M = 1 CPU side ran 1.09-1.34x faster than balanced, M = 8 1.10x, M = 64 1.05x.
// Affine is the rule of the calls that ask for the same units each call (linear's, whose units are rows of the
// weights); the others keep balanced: on the same VM the direct and im2col 3x3 convolutions measured 0.95-1.00x
// under affine, and what a conv unit could keep cached between calls is its input, which a network changes.
enum class ChunkRule { Static, Dynamic, Balanced, Affine };
constexpr int kChunksPerThread = 4;
// The rule COEXEC_POOL_CHUNKING forces on every call; none: each call's own (RuleFor).
const std::optional<ChunkRule> kForcedRule = []() -> std::optional<ChunkRule> {
  const char* env = std::getenv("COEXEC_POOL_CHUNKING");
  if (env && std::string(env) == "static") return ChunkRule::Static;
  if (env && std::string(env) == "dynamic") return ChunkRule::Dynamic;
  if (env && std::string(env) == "balanced") return ChunkRule::Balanced;
  if (env && std::string(env) == "affine") return ChunkRule::Affine;
  return std::nullopt;
}();

// COEXEC_POOL_CHUNK_SIZE=N: every call's chunk (the units a thread claims at once) forced to N under the
// dynamic, balanced and affine rules. A measurement hook for the benches (does claiming one unit at a time let
// the GPU host's faster cores take work from its slower ones?); jobs record it in resolved.poolChunking
// ("balanced,chunk=1"), a value the CPU features do not model.
const int kForcedChunk = []() {
  const char* env = std::getenv("COEXEC_POOL_CHUNK_SIZE");
  return env && std::atoi(env) > 0 ? std::atoi(env) : 0;
}();

// The rule of one ParallelFor call: the forced one, or per call.
ChunkRule RuleFor(bool sameUnitsEachCall) {
  if (kForcedRule) return *kForcedRule;
  return sameUnitsEachCall ? ChunkRule::Affine : ChunkRule::Balanced;
}

// One thread's range under affine chunking, on a cache line of its own: in the common case only its owner
// claims from it.
struct alignas(64) HomeRange {
  std::atomic<int> next{0};  // units of the range claimed so far
  int begin = 0, end = 0;
};

// Pins the calling thread to one core; returns false (and leaves it unpinned) if the core is not usable.
bool PinToCore(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

}  // namespace

void StaticRange(int count, int threads, int thread, int* begin, int* end) {
  const int base = count / threads, extra = count % threads;
  *begin = thread * base + (thread < extra ? thread : extra);
  *end = *begin + base + (thread < extra ? 1 : 0);
}

// The largest chunk, up to the dynamic rule's ceil(count / (threads * kChunksPerThread)), whose busiest thread
// (all threads running at one speed) takes no more than a fair share plus 1/16 of it (at least one element). The
// dynamic rule alone can leave that thread a quarter more than its share: 192 four-row tiles of linear M1 N768
// K3072 on 15 threads make 48 chunks of 4, so three threads take 4 chunks (16 tiles) where 12.8 is the share,
// and the slice ends 1.25x later. That layer's CPU side measured 26.9 us on the H200 host's 15 threads
// against OpenBLAS's 23.0 (round 20, 2126Z) while on 8 threads (32 chunks, 4 each) it was 0.6x OpenBLAS's.
// A smaller chunk costs one more claim of the shared counter per chunk, far less than a tile of a layer
// worth splitting.
int BalancedChunkSize(int count, int threads) {
  if (count <= 0 || threads <= 1) return count > 0 ? count : 1;
  const int coarsest = (count + threads * kChunksPerThread - 1) / (threads * kChunksPerThread);
  const int fair = (count + threads - 1) / threads;
  const int allowed = fair + (fair / 16 > 1 ? fair / 16 : 1);
  for (int chunk = coarsest; chunk > 1; --chunk) {
    const int chunks = (count + chunk - 1) / chunk;
    const int busiest = (chunks + threads - 1) / threads * chunk;
    if (busiest <= allowed) return chunk;
  }
  return 1;
}

struct ThreadPool::Impl {
  int threads = 1;
  std::vector<std::thread> workers;  // threads 1..threads-1; the caller of ParallelFor is thread 0

  // The current job. Written by the caller before it bumps `generation` (release); read by workers after
  // they observe the new generation (acquire).
  const std::function<void(int, int, int)>* body = nullptr;
  int count = 0;

  std::atomic<unsigned> generation{0};  // bumped once per job by the caller
  std::atomic<int> pending{0};          // workers that have not finished the current job
  std::atomic<int> sleepers{0};         // workers blocked (or about to block) on `wake`
  std::atomic<unsigned> parkRequests{0};  // bumped by Park(); a spinning worker that sees it change blocks
  std::atomic<int> callerCpu{-1};         // core the last ParallelFor ran on (a hint, relaxed)
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable wake;

  bool callerPinned = false;
  cpu_set_t callerMask;  // the caller's affinity before the pool pinned it, restored by the destructor

  // The current job's rule; dynamic and balanced chunking: the next unclaimed element and the chunk size.
  ChunkRule rule = ChunkRule::Balanced;
  std::atomic<int> next{0};
  int chunk = 1;
  // Affine chunking: each thread's range of the current job (written by the caller before the generation bump).
  std::vector<HomeRange> homes;
  bool backwards = false;  // whether this job walks the ranges from their ends (every other job)

  // Pass recording (SetPassRecorder): where records go, whether the current job is recorded, when the caller
  // posted it, and each thread's times in it (a cache line each: every thread writes only its own).
  struct alignas(64) ThreadTimes {
    double firstStartUs = -1, lastEndUs = -1, busyUs = 0;
  };
  std::vector<PoolPassTimes>* recorder = nullptr;
  bool recording = false;
  std::chrono::steady_clock::time_point posted;
  std::vector<ThreadTimes> times;

  double SincePostUs() const {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - posted).count();
  }
  // Runs one chunk of the current job, timing it when the job is recorded.
  void Run(int begin, int end, int thread) {
    if (!recording) {
      (*body)(begin, end, thread);
      return;
    }
    const double start = SincePostUs();
    (*body)(begin, end, thread);
    const double stop = SincePostUs();
    ThreadTimes& t = times[static_cast<size_t>(thread)];
    if (t.firstStartUs < 0) t.firstStartUs = start;
    t.lastEndUs = stop;
    t.busyUs += stop - start;
  }
  // Starts recording a job (the caller, before posting it) and appends its record once every thread is done.
  void BeginRecord() {
    recording = recorder != nullptr;
    if (!recording) return;
    for (ThreadTimes& t : times) t = ThreadTimes{};
    posted = std::chrono::steady_clock::now();
  }
  void EndRecord() {
    if (!recording) return;
    PoolPassTimes r;
    r.count = count;
    r.wallUs = SincePostUs();
    for (const ThreadTimes& t : times) {
      r.firstStartUs.push_back(t.firstStartUs);
      r.lastEndUs.push_back(t.lastEndUs);
      r.busyUs.push_back(t.busyUs);
    }
    recorder->push_back(std::move(r));
  }

  // The body must not throw: on a worker thread an exception would end the process.
  void RunChunk(int thread) {
    if (rule == ChunkRule::Static) {
      int begin = 0, end = 0;
      StaticRange(count, threads, thread, &begin, &end);
      if (begin < end) Run(begin, end, thread);
      return;
    }
    if (rule == ChunkRule::Affine) {
      // Its own range first, then whatever is left of the next threads' ranges. Every other job walks the
      // ranges from their ends: a range larger than the core's cache then starts on the rows the last job
      // read last, which are still there, where walking it the same way each time finds none of it cached
      // (each row is evicted before it is read again).
      for (int k = 0; k < threads; ++k) {
        HomeRange& home = homes[static_cast<size_t>((thread + k) % threads)];
        for (;;) {
          const int offset = home.next.fetch_add(chunk, std::memory_order_relaxed);
          if (offset >= home.end - home.begin) break;
          if (backwards) {
            const int end = home.end - offset;
            Run(end - chunk > home.begin ? end - chunk : home.begin, end, thread);
          } else {
            const int begin = home.begin + offset;
            Run(begin, begin + chunk < home.end ? begin + chunk : home.end, thread);
          }
        }
      }
      return;
    }
    // Dynamic: claim contiguous chunks until none is left, so a worker that starts late (descheduled, or
    // its core busy with a driver thread) takes fewer chunks instead of stalling the slice.
    for (;;) {
      const int begin = next.fetch_add(chunk, std::memory_order_relaxed);
      if (begin >= count) return;
      const int end = begin + chunk < count ? begin + chunk : count;
      Run(begin, end, thread);
    }
  }

  // Waits for a generation other than `seen`; returns false when the pool is stopping.
  // `parked` is the Park() count read before this worker reported its last job done, so a Park() issued
  // after ParallelFor returned is always noticed.
  bool WaitForJob(unsigned seen, unsigned parked) {
    const auto start = std::chrono::steady_clock::now();
    bool yielding = sched_getcpu() == callerCpu.load(std::memory_order_relaxed);
    for (bool spinning = true; spinning;) {
      for (int i = 0; i < kSpinsPerClockRead; ++i) {
        if (generation.load(std::memory_order_acquire) != seen) return true;
        if (stop.load(std::memory_order_relaxed)) return false;
        if (parkRequests.load(std::memory_order_relaxed) != parked) {
          spinning = false;
          break;
        }
        if (yielding) std::this_thread::yield();
        else CpuRelax();
      }
      const auto waited = std::chrono::steady_clock::now() - start;
      yielding = waited > kPureSpin || sched_getcpu() == callerCpu.load(std::memory_order_relaxed);
      if (waited > kSpinBeforeBlock) spinning = false;
    }
    // Announce the sleep before re-checking under the lock; the caller reads `sleepers` after bumping the
    // generation (both seq_cst), so one of the two always sees the other and no wake-up is lost.
    sleepers.fetch_add(1, std::memory_order_seq_cst);
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] {
        return generation.load(std::memory_order_seq_cst) != seen || stop.load(std::memory_order_relaxed);
      });
    }
    sleepers.fetch_sub(1, std::memory_order_relaxed);
    return !stop.load(std::memory_order_relaxed) || generation.load(std::memory_order_acquire) != seen;
  }

  void WorkerLoop(int thread) {
    unsigned seen = 0, parked = parkRequests.load(std::memory_order_relaxed);
    for (;;) {
      if (!WaitForJob(seen, parked)) return;
      seen = generation.load(std::memory_order_acquire);
      if (stop.load(std::memory_order_relaxed)) return;
      RunChunk(thread);
      parked = parkRequests.load(std::memory_order_relaxed);
      pending.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
};

ThreadPool::ThreadPool(int threads, const std::vector<int>& cores) : impl_(new Impl) {
  impl_->threads = threads < 1 ? 1 : threads;
  impl_->homes = std::vector<HomeRange>(static_cast<size_t>(impl_->threads));
  impl_->times = std::vector<Impl::ThreadTimes>(static_cast<size_t>(impl_->threads));
  if (!cores.empty()) {
    // The caller is worker 0, so it is pinned too (to cores[0]); its old mask comes back in the destructor.
    if (pthread_getaffinity_np(pthread_self(), sizeof(impl_->callerMask), &impl_->callerMask) == 0)
      impl_->callerPinned = PinToCore(cores[0]);
    if (!impl_->callerPinned) std::fprintf(stderr, "warning: cannot pin CPU worker 0 to core %d\n", cores[0]);
  }
  for (int t = 1; t < impl_->threads; ++t) {
    const int core = cores.empty() ? -1 : cores[static_cast<size_t>(t) % cores.size()];
    impl_->workers.emplace_back([this, t, core] {
      if (core >= 0 && !PinToCore(core)) std::fprintf(stderr, "warning: cannot pin CPU worker %d to core %d\n", t, core);
      impl_->WorkerLoop(t);
    });
  }
}

ThreadPool::~ThreadPool() {
  impl_->stop.store(true, std::memory_order_seq_cst);
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
  }
  impl_->wake.notify_all();
  for (auto& w : impl_->workers) w.join();
  if (impl_->callerPinned) pthread_setaffinity_np(pthread_self(), sizeof(impl_->callerMask), &impl_->callerMask);
  delete impl_;
}

void ThreadPool::SetPassRecorder(std::vector<PoolPassTimes>* out) { impl_->recorder = out; }

void ThreadPool::Park() { impl_->parkRequests.fetch_add(1, std::memory_order_relaxed); }

int ThreadPool::Threads() const { return impl_->threads; }

std::string ThreadPool::Chunking(bool sameUnitsEachCall) {
  std::string rule = "balanced";
  switch (RuleFor(sameUnitsEachCall)) {
    case ChunkRule::Static: return "static";
    case ChunkRule::Dynamic: rule = "dynamic"; break;
    case ChunkRule::Affine: rule = "affine"; break;
    case ChunkRule::Balanced: break;
  }
  return kForcedChunk > 0 ? rule + ",chunk=" + std::to_string(kForcedChunk) : rule;
}

void ThreadPool::ParallelFor(int count, const std::function<void(int begin, int end, int thread)>& body,
                             bool sameUnitsEachCall) {
  if (count <= 0) return;
  Impl& p = *impl_;
  p.body = &body;
  p.count = count;
  p.BeginRecord();
  if (p.threads == 1) {
    p.Run(0, count, 0);
    p.EndRecord();
    p.body = nullptr;
    return;
  }
  p.rule = RuleFor(sameUnitsEachCall);  // this and the rest are published by the generation bump below
  p.next.store(0, std::memory_order_relaxed);
  p.chunk = p.rule == ChunkRule::Dynamic
                ? (count + p.threads * kChunksPerThread - 1) / (p.threads * kChunksPerThread)
                : BalancedChunkSize(count, p.threads);
  if (kForcedChunk > 0) p.chunk = kForcedChunk;
  if (p.rule == ChunkRule::Affine) {
    for (int t = 0; t < p.threads; ++t) {
      int begin = 0, end = 0;
      StaticRange(count, p.threads, t, &begin, &end);
      HomeRange& home = p.homes[static_cast<size_t>(t)];
      home.next.store(0, std::memory_order_relaxed);
      home.begin = begin;
      home.end = end;
    }
    p.backwards = !p.backwards;
  }
  p.callerCpu.store(sched_getcpu(), std::memory_order_relaxed);
  p.pending.store(p.threads - 1, std::memory_order_relaxed);
  p.generation.fetch_add(1, std::memory_order_seq_cst);
  if (p.sleepers.load(std::memory_order_seq_cst) > 0) {
    // Taking the lock orders this notify after any sleeper's predicate check.
    { std::lock_guard<std::mutex> lock(p.mutex); }
    p.wake.notify_all();
  }
  p.RunChunk(0);
  // The chunks are equal, so the others finish about when we do: spin, but yield once it takes long
  // (more threads than free cores: a worker may be waiting for this very core).
  for (int spins = 0; p.pending.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < 64) CpuRelax();
    else std::this_thread::yield();
  }
  p.EndRecord();
  p.body = nullptr;
}

}  // namespace coexec
