// Where the threads the engine did not write run: an OpenCL driver's helpers are kept off the CPU slice's
// cores; the workers of a library the CPU side loads (OpenBLAS) are the CPU side's and are kept on them.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace coexec {

// The policy of this process, from its plan: the CPU slice's cores (plan.cpuAffinity) and the core
// reserved for the GPU driver (plan.driverCore). Without slice cores nothing is ever moved.
void SetForeignThreadPolicy(const std::vector<int>& sliceCores, std::optional<int> driverCore);

struct HerdResult {
  int moved = 0;                   // foreign threads whose affinity changed this time
  std::vector<std::string> names;  // their names (/proc/self/task/<tid>/comm), for the result line
  int helpers = 0;                 // helper threads alive, each now pinned to one of the slice's cores
  std::vector<int> helperCores;    // the cores their masks allow, read back after setting them
};

// Places every thread of this process (the calling thread excepted):
// - a helper thread of the CPU side (cpu/helper_threads.h) is pinned to one core of the CPU slice
//   (cpu::PinHelperThreads), whatever mask it had: OpenBLAS's workers are created with the mask of the thread
//   that loaded the library (wide, or one pinned core) and would otherwise be herded onto the driver core (H200
//   host, 2026-12-03: 15 workers on core 0, CPU-only OpenBLAS jobs 10-16x slower) or share worker 0's core;
// - any other thread that may run on more than one core loses the slice's cores; one left with no core
//   goes to the driver core. The engine's own threads are each pinned to one core (CPU workers, the
//   GPU-driver thread) and a driver's deliberately pinned workers (PoCL with POCL_AFFINITY) too, so what
//   moves is what a driver started with an inherited wide mask: on the H200 host NVIDIA's OpenCL threads ran
//   beside the CPU workers and made CPU-only jobs 10-30x slower (2026-12-03).
// Called before every timed loop: a driver may start threads late.
HerdResult HerdForeignThreads();

}  // namespace coexec
