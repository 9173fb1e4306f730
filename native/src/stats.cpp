// See stats.h. Every expression mirrors src/stats/descriptive.ts term by term (in doubles, same order of
// operations) so both sides round alike; change the two together.
#include "stats.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace coexec {
namespace {

// Moves the values a full ascending sort would put at `positions` (0-based) into those places. After each
// nth_element everything after the chosen position is >= its value, so the next larger position is
// selected within that tail alone, which leaves the places already settled untouched.
template <size_t N>
void SelectOrderStatistics(std::vector<int64_t>& v, std::array<size_t, N> positions) {
  std::sort(positions.begin(), positions.end());
  auto first = v.begin();
  for (size_t p : positions) {
    if (v.begin() + p < first) continue;  // the same position twice: already in place
    std::nth_element(first, v.begin() + p, v.end());
    first = v.begin() + p + 1;
  }
}

}  // namespace

double MedianCi95HalfPct(std::vector<int64_t>& samples) {
  const size_t n = samples.size();
  const double nd = static_cast<double>(n);
  // quantileSorted(s, 0.5): h = (n - 1) * p, interpolating between ranks floor(h) and ceil(h) (0-based)
  const double h = (nd - 1) * 0.5;
  const size_t medLo = static_cast<size_t>(std::floor(h));
  const size_t medHi = static_cast<size_t>(std::ceil(h));
  const size_t lowRank = static_cast<size_t>(std::max(1.0, std::floor(nd / 2 - 0.98 * std::sqrt(nd))));
  const size_t highRank = static_cast<size_t>(std::min(nd, std::ceil(nd / 2 + 0.98 * std::sqrt(nd) + 1)));
  SelectOrderStatistics<4>(samples, {medLo, medHi, lowRank - 1, highRank - 1});

  const double a = static_cast<double>(samples[medLo]);
  const double b = static_cast<double>(samples[medHi]);
  const double med = a + (h - static_cast<double>(medLo)) * (b - a);
  if (med <= 0) return 0;
  const double low = static_cast<double>(samples[lowRank - 1]);
  const double high = static_cast<double>(samples[highRank - 1]);
  return (100 * (high - low)) / (2 * med);
}

}  // namespace coexec
