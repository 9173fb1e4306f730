// The executor: who runs when. It owns the GPU-driver thread, the CPU pool, the cores they are pinned to and
// the start/finish handshake of one execution; the mechanisms (sync.h) only say what to enqueue, copy, map
// and wait on, and never start or join a thread.
//
// One execution: t0 is read on the calling thread (CPU worker 0); the driver thread is released at t0 and
// issues every OpenCL call of the execution (the mechanism's Enqueue, then its DriverWait) while the calling
// thread starts the CPU slice at once on the pool, without waiting for any enqueue. After the slice the
// calling thread waits until the driver thread is done and then until the mechanism's host-side wait holds
// (svm-fine's counter); that instant ends the timed window. With watchGpuDone and a host-waited mechanism the
// driver thread, its enqueue done, keeps polling the GPU's done counter and notes when it saw it: the GPU side's
// own end, which the calling thread, busy with its slice, would have seen late; the calling thread then waits
// only for that enqueue before polling, and joins the watcher after the timed window.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cpu/cpu_layers.h"
#include "sync.h"

namespace coexec {

class DriverThread;
class CallerPin;
class AwakeCores;

struct ExecutorConfig {
  int cpuThreads = 0;                 // 0: no CPU slice (no pool)
  std::vector<int> cpuCores;          // pool pinning (worker 0 is the calling thread); empty: unpinned
  bool withGpu = false;               // false: no driver thread
  std::optional<int> driverCore;      // the driver thread's core; absent: the driver thread is not pinned
  bool parkPoolAfterSlice = false;    // the OpenCL device runs on the CPU cores (PoCL): idle workers block
  std::vector<int> awakeCores;        // cores kept out of idle for the executor's lifetime (awake_cores.h)
  // The driver thread timestamps a host-waited GPU side's end while the CPU slice runs (GpuSide::WatchesGpuDone):
  // set only where its core is its own (not the pool's, not the device's), so the watch costs neither side.
  bool watchGpuDone = false;
};

class Executor {
 public:
  explicit Executor(const ExecutorConfig& config);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  ThreadPool* Pool() { return pool_.get(); }
  // The cores whose idle-priority spinner runs (config.awakeCores minus failures), and why others do not.
  std::vector<int> AwakeCoresRunning();
  std::vector<std::string> AwakeCoresFailures();

  // Runs fn on the driver thread (or inline without one) and returns when it has; untimed work only
  // (Prepare, poisoning the output). Rethrows what fn threw.
  void OnDriver(const std::function<void()>& fn);

  // One execution as described above. gpu: null without GPU rows; cpuSlice: null without CPU rows.
  // profile: null on timed executions; else it receives the main kernel's event (untimed profiling runs).
  void Execute(GpuSide* gpu, const std::function<void()>* cpuSlice, Sample& s, Event* profile = nullptr);

 private:
  void DriverPart();  // the driver thread's share of the current execution

  ExecutorConfig config_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<DriverThread> driver_;
  std::unique_ptr<AwakeCores> awake_;     // spinners on config.awakeCores
  std::unique_ptr<CallerPin> callerPin_;  // GPU-only: the calling thread's core while it waits (see Executor())
  std::function<void()> driverTask_;  // built once: DriverPart on the current execution
  std::function<void()> watchTask_;   // built once: WatchGpu alone (a mechanism that enqueues on the caller)
  void WatchGpu();  // the driver thread: spin until the GPU side is done, note when (watchedNs_)
  // The current execution, written by the calling thread before it releases the driver thread.
  GpuSide* gpu_ = nullptr;
  Sample* sample_ = nullptr;
  Event* profile_ = nullptr;
  int64_t t0_ = 0;
  bool watching_ = false;
  // Written by the driver thread: its enqueue is done (release; the calling thread may then poll the GPU's
  // done counter, which that enqueue zeroed), and when it saw the GPU done (read after joining it).
  std::atomic<bool> enqueued_{false};
  int64_t watchedNs_ = 0;
};

}  // namespace coexec
