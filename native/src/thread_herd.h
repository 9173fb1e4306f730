// Threads the engine did not create (the OpenCL driver's helpers) kept off the CPU slice's cores.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace coexec {

// The policy of this process, from its plan: the CPU slice's cores (plan.cpuAffinity) and the core
// reserved for the GPU driver (plan.driverCore). Without slice cores nothing is ever moved.
void SetForeignThreadPolicy(const std::vector<int>& sliceCores, std::optional<int> driverCore);

struct HerdResult {
  int moved = 0;                   // threads whose affinity changed this time
  std::vector<std::string> names;  // their names (/proc/self/task/<tid>/comm), for the result line
};

// Takes the CPU slice's cores out of the affinity of every thread of this process that may run on more
// than one core (the calling thread excepted); a thread left with no core goes to the driver core. The
// engine's own threads are each pinned to one core (CPU workers, the GPU-driver thread) and a driver's
// deliberately pinned workers (PoCL with POCL_AFFINITY) too, so what moves is what a driver started with
// an inherited wide mask: on the H200 host NVIDIA's OpenCL threads ran beside the CPU workers and made
// CPU-only jobs 10-30x slower (2026-12-03). Called before every timed loop: a driver may start threads late.
HerdResult HerdForeignThreads();

}  // namespace coexec
