// Threads the CPU side causes to exist without creating them itself: the workers a library it loads
// (OpenBLAS) starts. They are the CPU side's and belong on the CPU slice's cores; the engine's thread herd
// (src/thread_herd.h) asks for them here so that it does not treat them as an OpenCL driver's threads.
#pragma once

#include <functional>
#include <set>
#include <vector>

namespace coexec {
namespace cpu {

// Runs `start` (loading OpenBLAS, growing its thread count) and records the threads of this process that
// appeared meanwhile. A thread another part of the process started in the same instant would be recorded
// too: the calls wrapped run once at load (on the job's thread, at the first job that names an OpenBLAS
// implementation, before that job opens a device) and once per growth of OpenBLAS's thread count.
void RecordHelperThreadsOf(const std::function<void()>& start);

// The Linux thread ids recorded so far (some may have exited).
std::set<int> HelperThreadIds();

// Pins the recorded helper threads still alive one per core: the k-th (by thread id: the order OpenBLAS starts its
// workers) to cores[(k + 1) % cores.size()], so the first is on the core after cores[0], where the caller runs (a
// ThreadPool pins its caller to its first core), and a library with a worker per core but one has a core for each.
// Allowed every core, a worker could stay on the caller's core while the caller spins there waiting for it:
// OpenBLAS sgemv on 2 threads took 88-97 us in 6 of 10 fresh processes against 20-22 us in the others (2-core VM,
// M1 N768 K1024, 2026-12-05); with PoCL's workers on the same cores (local) pinned and unpinned measured alike
// (0.99x; results/benchmarks/openblas-helper-core-vm-20261205/). Returns how many were pinned; `allowed` (when
// given) collects the cores their masks allow afterwards, as the kernel reports them. No cores: nothing is done.
int PinHelperThreads(const std::vector<int>& cores, std::set<int>* allowed = nullptr);

}  // namespace cpu
}  // namespace coexec
