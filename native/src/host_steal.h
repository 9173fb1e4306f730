// The share of the host's CPU time that the hypervisor gave to other guests ("steal") while a job ran.
// On a shared cloud host another tenant's load takes whole vCPUs away for minutes; every sample of a job
// measured then is slow alike, so the job still looks stable (gpu-host 2026-12-04 05:16-05:18: 1.7-4.7%
// steal, 106 grid jobs and 500 retest jobs with CPU sides 3-14x their other measurement; none in the
// minute before, at 0.0%). The result line's `stealPct` lets the harness refuse such a job.
#pragma once

#include <string>

namespace coexec {

// Cumulative ticks of the aggregate "cpu" line of /proc/stat (user .. steal).
struct CpuTicks {
  unsigned long long steal = 0;
  unsigned long long total = 0;
  bool ok = false;
};

// Parses the first line of /proc/stat's text ("cpu  user nice system idle iowait irq softirq steal ...").
CpuTicks ParseCpuTicks(const std::string& procStat);
// Reads /proc/stat; ok is false where there is none (not Linux) or it cannot be parsed.
CpuTicks ReadCpuTicks();
// Steal in percent of all CPUs' time between two reads; negative when unknown (a read failed or no tick
// passed). Ticks are 10 ms per CPU, so a 50 ms job on 16 CPUs counts 80 of them: one stolen tick is 1.25%.
double StealPct(const CpuTicks& before, const CpuTicks& after);

}  // namespace coexec
