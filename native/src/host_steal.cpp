#include "host_steal.h"

#include <fstream>
#include <sstream>

namespace coexec {

CpuTicks ParseCpuTicks(const std::string& procStat) {
  CpuTicks t;
  std::istringstream in(procStat);
  std::string label;
  if (!(in >> label) || label != "cpu") return t;
  // user nice system idle iowait irq softirq steal: guest time is already inside user and nice.
  unsigned long long v[8];
  for (auto& x : v)
    if (!(in >> x)) return t;
  for (auto x : v) t.total += x;
  t.steal = v[7];
  t.ok = true;
  return t;
}

CpuTicks ReadCpuTicks() {
  std::ifstream f("/proc/stat");
  std::string line;
  if (!f || !std::getline(f, line)) return {};
  return ParseCpuTicks(line);
}

double StealPct(const CpuTicks& before, const CpuTicks& after) {
  if (!before.ok || !after.ok || after.total <= before.total || after.steal < before.steal) return -1;
  return 100.0 * static_cast<double>(after.steal - before.steal) / static_cast<double>(after.total - before.total);
}

}  // namespace coexec
