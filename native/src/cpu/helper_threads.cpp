// The CPU side's helper threads, found by listing this process's threads around the calls that start them.
#include "cpu/helper_threads.h"

#include <dirent.h>
#include <sched.h>

#include <cstdlib>
#include <mutex>

namespace coexec {
namespace cpu {

namespace {
// Written by whichever thread loads OpenBLAS or changes its thread count, read by the job's thread.
std::mutex g_mutex;
std::set<int> g_helpers;

std::set<int> ThreadIds() {
  std::set<int> ids;
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return ids;  // not Linux-like: nothing is recorded, and nothing herded either
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') ids.insert(std::atoi(e->d_name));
  }
  closedir(dir);
  return ids;
}
}  // namespace

void RecordHelperThreadsOf(const std::function<void()>& start) {
  const std::set<int> before = ThreadIds();
  start();
  const std::set<int> after = ThreadIds();
  std::lock_guard<std::mutex> lock(g_mutex);
  for (int tid : after)
    if (!before.count(tid)) g_helpers.insert(tid);
}

std::set<int> HelperThreadIds() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_helpers;
}

int PinHelperThreads(const std::vector<int>& cores, std::set<int>* allowed) {
  if (cores.empty()) return 0;
  const std::set<int> alive = ThreadIds();
  int pinned = 0;
  for (int tid : HelperThreadIds()) {  // ascending: the order they were started
    if (!alive.count(tid)) continue;
    const int core = cores[static_cast<size_t>(pinned + 1) % cores.size()];
    cpu_set_t mask, now;
    CPU_ZERO(&mask);
    if (core >= 0 && core < CPU_SETSIZE) CPU_SET(core, &mask);
    if (sched_setaffinity(tid, sizeof mask, &mask) != 0 || sched_getaffinity(tid, sizeof now, &now) != 0) continue;
    ++pinned;
    if (allowed)
      for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &now)) allowed->insert(c);
  }
  return pinned;
}

}  // namespace cpu
}  // namespace coexec
