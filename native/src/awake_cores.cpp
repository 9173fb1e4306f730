// AwakeCores (awake_cores.h).
#include "awake_cores.h"

#include <pthread.h>
#include <sched.h>

#include <cstring>
#include <memory>

#include "sync.h"  // CpuRelax

namespace coexec {

AwakeCores::AwakeCores(const std::vector<int>& cores) {
  for (int core : cores) {
    auto s = std::make_unique<Spinner>();
    s->core = core;
    spinners_.push_back(std::move(s));
  }
  // Threads start after the vector is complete: each refers to its own element only.
  for (auto& s : spinners_) s->thread = std::thread([this, sp = s.get()] { Spin(*sp); });
}

AwakeCores::~AwakeCores() {
  stop_.store(true, std::memory_order_relaxed);
  for (auto& s : spinners_) s->thread.join();
}

void AwakeCores::Spin(Spinner& s) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(s.core, &set);
  if (int e = pthread_setaffinity_np(pthread_self(), sizeof set, &set); e != 0) {
    s.why = "core " + std::to_string(s.core) + ": cannot pin (" + std::strerror(e) + ")";
    s.state.store(-1, std::memory_order_release);
    return;
  }
  sched_param p{};
  p.sched_priority = 0;
  if (int e = pthread_setschedparam(pthread_self(), SCHED_IDLE, &p); e != 0) {
    s.why = "core " + std::to_string(s.core) + ": cannot set SCHED_IDLE (" + std::strerror(e) + ")";
    s.state.store(-1, std::memory_order_release);
    return;
  }
  pthread_setname_np(pthread_self(), "coexec-awake");
  s.state.store(1, std::memory_order_release);
  while (!stop_.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 64; ++i) CpuRelax();
  }
}

void AwakeCores::AwaitStarted() {
  for (auto& s : spinners_) {
    while (s->state.load(std::memory_order_acquire) == 0) std::this_thread::yield();
  }
}

std::vector<int> AwakeCores::Running() {
  AwaitStarted();
  std::vector<int> out;
  for (auto& s : spinners_) {
    if (s->state.load(std::memory_order_acquire) == 1) out.push_back(s->core);
  }
  return out;
}

std::vector<std::string> AwakeCores::Failures() {
  AwaitStarted();
  std::vector<std::string> out;
  for (auto& s : spinners_) {
    if (s->state.load(std::memory_order_acquire) == -1) out.push_back(s->why);
  }
  return out;
}

}  // namespace coexec
