// Driver threads kept off the measured cores, the CPU side's helper threads kept on them (thread_herd.h).
#include "thread_herd.h"

#include <dirent.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

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
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return result;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const pid_t tid = static_cast<pid_t>(std::atoi(e->d_name));
    if (tid == self) continue;
    if (helpers.count(tid)) continue;  // the CPU side's: pinned below
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
  std::set<int> helperCores;
  result.helpers = cpu::PinHelperThreads(g_sliceCores, &helperCores);
  result.helperCores.assign(helperCores.begin(), helperCores.end());
  return result;
}

}  // namespace coexec
