// Driver threads kept off the measured cores, the CPU side's helper threads kept on them (thread_herd.h).
#include "thread_herd.h"

#include <dirent.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "cpu/helper_threads.h"

namespace coexec {

namespace {
std::vector<int> g_sliceCores;
std::optional<int> g_driverCore;

std::string ThreadName(const std::string& tid) {
  std::ifstream in("/proc/self/task/" + tid + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// Pins a helper thread to one core; false when it has exited or refuses the mask. `allowed` collects the cores
// its mask allows afterwards, as the kernel reports them.
bool PlaceHelper(pid_t tid, int core, cpu_set_t& allowed) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (core >= 0 && core < CPU_SETSIZE) CPU_SET(core, &mask);
  cpu_set_t now;
  if (sched_setaffinity(tid, sizeof mask, &mask) != 0 || sched_getaffinity(tid, sizeof now, &now) != 0)
    return false;
  CPU_OR(&allowed, &allowed, &now);
  return true;
}
}  // namespace

void SetForeignThreadPolicy(const std::vector<int>& sliceCores, std::optional<int> driverCore) {
  g_sliceCores = sliceCores;
  g_driverCore = driverCore;
}

HerdResult HerdForeignThreads() {
  HerdResult result;
  if (g_sliceCores.empty()) return result;
  const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
  const std::set<int> helpers = cpu::HelperThreadIds();
  cpu_set_t helperCores;
  CPU_ZERO(&helperCores);
  // The k-th helper alive (by thread id: the order OpenBLAS starts its workers) on the slice's core k + 1, so
  // the first is on the core after the caller's (the pool pins the caller to the slice's first core) and a
  // library with a worker per slice core but one has a core for each. Allowed the whole slice, a worker could
  // stay on the caller's core while the caller spins there waiting for it: OpenBLAS sgemv on 2 threads took
  // 88-97 us in 6 of 10 fresh processes against 20-22 us in the others (2-core VM, M1 N768 K1024, 2026-12-05).
  // With PoCL's workers on the same cores (local), pinned and unpinned measured alike (0.99x, co-executed M1
  // N3072 K768 at r 0.7; results/benchmarks/openblas-helper-core-vm-20261205/).
  std::vector<pid_t> alive;
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return result;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const pid_t tid = static_cast<pid_t>(std::atoi(e->d_name));
    if (tid == self) continue;
    if (helpers.count(tid)) {
      alive.push_back(tid);
      continue;
    }
    cpu_set_t mask;
    if (sched_getaffinity(tid, sizeof mask, &mask) != 0) continue;  // the thread may have exited meanwhile
    if (CPU_COUNT(&mask) <= 1) continue;                            // pinned on purpose (ours, PoCL's)
    cpu_set_t target = mask;
    bool overlaps = false;
    for (int core : g_sliceCores) {
      if (core >= 0 && core < CPU_SETSIZE && CPU_ISSET(core, &target)) {
        CPU_CLR(core, &target);
        overlaps = true;
      }
    }
    if (!overlaps) continue;
    if (CPU_COUNT(&target) == 0) {
      if (!g_driverCore) continue;
      CPU_SET(*g_driverCore, &target);
    }
    if (sched_setaffinity(tid, sizeof target, &target) != 0) continue;
    ++result.moved;
    result.names.push_back(ThreadName(e->d_name));
  }
  closedir(dir);
  std::sort(alive.begin(), alive.end());
  for (size_t k = 0; k < alive.size(); ++k)
    if (PlaceHelper(alive[k], g_sliceCores[(k + 1) % g_sliceCores.size()], helperCores)) ++result.helpers;
  for (int core = 0; core < CPU_SETSIZE; ++core)
    if (CPU_ISSET(core, &helperCores)) result.helperCores.push_back(core);
  return result;
}

}  // namespace coexec
