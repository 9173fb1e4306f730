// Threads the CPU side causes to exist without creating them itself: the workers a library it loads
// (OpenBLAS) starts. They are the CPU side's and belong on the CPU slice's cores; the engine's thread herd
// (src/thread_herd.h) asks for them here so that it does not treat them as an OpenCL driver's threads.
#pragma once

#include <functional>
#include <set>

namespace coexec {
namespace cpu {

// Runs `start` (loading OpenBLAS, growing its thread count) and records the threads of this process that
// appeared meanwhile. A thread another part of the process started in the same instant would be recorded
// too: the calls wrapped run once at load (on the job's thread, at the first job that names an OpenBLAS
// implementation, before that job opens a device) and once per growth of OpenBLAS's thread count.
void RecordHelperThreadsOf(const std::function<void()>& start);

// The Linux thread ids recorded so far (some may have exited).
std::set<int> HelperThreadIds();

}  // namespace cpu
}  // namespace coexec
