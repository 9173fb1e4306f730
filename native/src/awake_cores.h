// Keeps cores out of the idle state while a job runs: one lowest-priority (SCHED_IDLE) thread per core that
// spins and yields the core to any other runnable thread at once.
//
// Why: an OpenCL CPU device (PoCL) parks its workers on a condition variable between commands. On a virtual
// machine each parked core halts its vCPU, and waking a halted vCPU goes through the hypervisor: on the 2-core VM a tiny PoCL kernel's enqueue + clFinish took 84 us with
// the cores idle and 39 us with them kept awake (2026-12-03, /tmp probe; native/bench/awake_cores_bench.py
// measures the engine's jobs off and on). The engine's CPU pool and driver thread already spin between
// executions, so without this the device side alone pays the wake-ups. The spinners never compete with
// real work: the scheduler preempts a SCHED_IDLE thread as soon as anything else wants its core.
// The plan asks for it (keepDeviceCoresAwake, docs/contract.md section 3); results record the cores.
// Measured on the GPU host it does not pay (every PoCL job 1.0-1.33x slower with the spinners: that guest has
// no cpuidle driver and wakes a halted vCPU quickly; results/benchmarks/gpu-host-20261203-round9), so no
// shipped platform sets it; it stays for machines whose idle vCPUs wake slowly, like the 2-core VM.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace coexec {

class AwakeCores {
 public:
  // Starts one spinner per listed core (none for an empty list). A core that cannot be pinned or a thread
  // that cannot be made SCHED_IDLE gets no spinner (it would compete with real work): Failures() says which.
  explicit AwakeCores(const std::vector<int>& cores);
  ~AwakeCores();
  AwakeCores(const AwakeCores&) = delete;
  AwakeCores& operator=(const AwakeCores&) = delete;

  // Cores whose spinner started and runs at idle priority, in the order given (waits until each has said).
  std::vector<int> Running();
  // "core N: why" for each spinner that stopped at once.
  std::vector<std::string> Failures();

 private:
  struct Spinner {
    int core = -1;
    std::atomic<int> state{0};  // 0 starting, 1 spinning, -1 gave up
    std::string why;            // written before state becomes -1
    std::thread thread;
  };
  void Spin(Spinner& s);
  void AwaitStarted();

  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Spinner>> spinners_;
};

}  // namespace coexec
