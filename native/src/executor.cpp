// Executor and its GPU-driver thread (see executor.h for who runs when).
#include "executor.h"

#include "awake_cores.h"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <thread>

namespace coexec {

// One persistent thread that runs posted tasks one at a time. Between tasks it spins (lowest release
// latency: the next execution's t0 releases it), yields the core once the pause has lasted kSpin, and blocks
// after kSpinBeforeBlock without work (between jobs, or a long CPU-only stretch).
class DriverThread {
 public:
  explicit DriverThread(std::optional<int> core) : thread_([this, core] { Loop(core); }) {}

  ~DriverThread() {
    stop_.store(true, std::memory_order_seq_cst);
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
    thread_.join();
  }

  // Hands `task` to the thread; it must stay alive until Wait() returns.
  void Start(const std::function<void()>& task) {
    task_ = &task;
    posted_.fetch_add(1, std::memory_order_seq_cst);
    // The thread announces a sleep (seq_cst) before re-checking `posted_` under the lock, so either it sees
    // the new task or this sees the sleeper; taking the lock orders the notify after its check.
    if (sleeping_.load(std::memory_order_seq_cst) > 0) {
      { std::lock_guard<std::mutex> lock(mutex_); }
      wake_.notify_one();
    }
  }

  // Returns once the task posted last has returned; rethrows what it threw.
  void Wait() {
    const unsigned want = posted_.load(std::memory_order_relaxed);
    WaitUntil([&] { return done_.load(std::memory_order_acquire) == want; });
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

  // True once the task posted last has returned (or thrown): Wait() would not block.
  bool Finished() const { return done_.load(std::memory_order_acquire) == posted_.load(std::memory_order_relaxed); }

  bool PinFailed() const { return pinFailed_.load(std::memory_order_acquire); }

 private:
  static constexpr auto kSpin = std::chrono::microseconds(20);
  static constexpr auto kSpinBeforeBlock = std::chrono::milliseconds(2);

  void Loop(std::optional<int> core) {
    if (core) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(*core, &set);
      if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
        std::fprintf(stderr, "warning: cannot pin the GPU-driver thread to core %d\n", *core);
        pinFailed_.store(true, std::memory_order_release);
      }
    }
    unsigned seen = 0;
    for (;;) {
      if (!WaitForTask(seen)) return;
      seen = posted_.load(std::memory_order_acquire);
      try {
        (*task_)();
      } catch (...) {
        error_ = std::current_exception();
      }
      done_.store(seen, std::memory_order_release);
    }
  }

  // False when stopping.
  bool WaitForTask(unsigned seen) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0;; ++i) {
      if (posted_.load(std::memory_order_acquire) != seen) return true;
      if (stop_.load(std::memory_order_relaxed)) return false;
      if ((i & 63) != 63) {
        CpuRelax();
        continue;
      }
      const auto waited = std::chrono::steady_clock::now() - start;
      if (waited > kSpinBeforeBlock) break;
      if (waited > kSpin) sched_yield();
    }
    sleeping_.fetch_add(1, std::memory_order_seq_cst);
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] {
        return posted_.load(std::memory_order_seq_cst) != seen || stop_.load(std::memory_order_relaxed);
      });
    }
    sleeping_.fetch_sub(1, std::memory_order_relaxed);
    return posted_.load(std::memory_order_acquire) != seen;
  }

  // Written by the poster before it bumps `posted_` (release); read by the thread after it sees the bump.
  const std::function<void()>* task_ = nullptr;
  // Written by the thread before it stores `done_` (release); read by the poster after it sees it.
  std::exception_ptr error_;
  std::atomic<unsigned> posted_{0}, done_{0};
  std::atomic<int> sleeping_{0};
  std::atomic<bool> stop_{false}, pinFailed_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;  // last: starts after every member above exists
};

// Pins the calling thread to one core for the executor's lifetime and gives its old mask back after.
class CallerPin {
 public:
  explicit CallerPin(int core) {
    if (pthread_getaffinity_np(pthread_self(), sizeof before_, &before_) != 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    pinned_ = pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
    if (!pinned_) std::fprintf(stderr, "warning: cannot pin the calling thread to core %d\n", core);
  }
  ~CallerPin() {
    if (pinned_) pthread_setaffinity_np(pthread_self(), sizeof before_, &before_);
  }
  CallerPin(const CallerPin&) = delete;
  CallerPin& operator=(const CallerPin&) = delete;

 private:
  cpu_set_t before_;
  bool pinned_ = false;
};

Executor::Executor(const ExecutorConfig& config) : config_(config) {
  if (!config_.awakeCores.empty()) awake_ = std::make_unique<AwakeCores>(config_.awakeCores);
  if (config_.withGpu) {
    driver_ = std::make_unique<DriverThread>(config_.driverCore);
    driverTask_ = [this] { DriverPart(); };
    watchTask_ = [this] { WatchGpu(); };
  }
  if (config_.cpuThreads > 0) {
    pool_ = std::make_unique<ThreadPool>(config_.cpuThreads, config_.cpuCores);
  } else if (config_.withGpu && !config_.cpuCores.empty()) {
    // A GPU-only execution still has a calling thread that spins until the GPU is done. Left unpinned, the
    // scheduler may put it on the driver's core or, on PoCL, on one of the device's own cores, where it
    // takes turns with the thread it waits for (measured on pocl-split: GPU-only latencies 2-3x the kernel
    // bench's). It waits on the CPU slice's first core instead, which a GPU-only execution leaves idle.
    callerPin_ = std::make_unique<CallerPin>(config_.cpuCores.front());
  }
}

Executor::~Executor() = default;

std::vector<int> Executor::AwakeCoresRunning() { return awake_ ? awake_->Running() : std::vector<int>{}; }
std::vector<std::string> Executor::AwakeCoresFailures() {
  return awake_ ? awake_->Failures() : std::vector<std::string>{};
}

void Executor::OnDriver(const std::function<void()>& fn) {
  if (!driver_) {
    fn();
    return;
  }
  driver_->Start(fn);
  driver_->Wait();
}

void Executor::DriverPart() {
  Sample& s = *sample_;
  const int64_t d0 = NowNs();
  gpu_->Enqueue(profile_);
  const int64_t d1 = NowNs();
  s.driverStartNs = d0 - t0_;
  s.enqueueNs = d1 - d0;
  if (watching_) {  // a host-waited side: no DriverWait; the calling thread owns s.gpuNs
    enqueued_.store(true, std::memory_order_release);
    WatchGpu();
    return;
  }
  gpu_->DriverWait();
  s.gpuNs = NowNs() - t0_;
}

void Executor::WatchGpu() {
  WaitUntil([&] { return gpu_->GpuDoneNow(); });
  watchedNs_ = NowNs();
}

void Executor::Execute(GpuSide* gpu, const std::function<void()>* cpuSlice, Sample& s, Event* profile) {
  s = Sample{};
  gpu_ = gpu;
  sample_ = &s;
  profile_ = profile;
  // Watch the GPU side's end from the driver's own core where the CPU-slice thread would see it late.
  watching_ = gpu && cpuSlice && config_.watchGpuDone && driver_ && gpu->WaitsOnHost() && gpu->WatchesGpuDone();
  watchedNs_ = 0;
  enqueued_.store(false, std::memory_order_relaxed);
  const int64_t t0 = NowNs();
  t0_ = t0;
  const bool onCaller = gpu && gpu->EnqueuesOnCaller();
  if (onCaller) {
    const int64_t d0 = NowNs();
    gpu->Enqueue(profile);
    s.driverStartNs = d0 - t0;
    s.enqueueNs = NowNs() - d0;
    if (watching_) driver_->Start(watchTask_);
  } else if (gpu) {
    driver_->Start(driverTask_);
  }
  int64_t cpuEnd = t0;
  if (cpuSlice) {
    const int64_t c0 = NowNs();
    (*cpuSlice)();
    cpuEnd = NowNs();
    s.cpuStartNs = c0 - t0;
    s.cpuNs = cpuEnd - c0;
    // When the OpenCL device runs on these same cores (PoCL), idle pool workers must not keep spinning
    // while the device's threads finish the GPU rows.
    if (config_.parkPoolAfterSlice && pool_) pool_->Park();
  }
  if (gpu) {
    // Watched: the driver thread is still watching; its enqueue only has to be done (it zeroed the counter).
    // (An enqueue that threw ends the driver's task instead: Wait() then rethrows it.)
    if (watching_ && !onCaller) {
      WaitUntil([&] { return enqueued_.load(std::memory_order_acquire) || driver_->Finished(); });
      if (!enqueued_.load(std::memory_order_acquire)) driver_->Wait();
    } else if (!onCaller) {
      driver_->Wait();
    }
    if (gpu->WaitsOnHost()) {
      WaitUntil([&] { return gpu->HostSeesGpuDone(); });
      s.gpuNs = NowNs() - t0;
    }
  }
  const int64_t t1 = NowNs();
  s.totalNs = t1 - t0;
  if (cpuSlice) s.waitAfterCpuNs = t1 - cpuEnd;
  if (watching_) {  // untimed: the watcher has seen the same counter, or is about to
    driver_->Wait();
    if (watchedNs_ > 0 && watchedNs_ - t0 < s.gpuNs) s.gpuNs = watchedNs_ - t0;
    gpu->NoteGpuDoneNs(watchedNs_);
  }
}

}  // namespace coexec
