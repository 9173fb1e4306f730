// Statistics the engine needs while it samples, defined exactly as the harness's src/stats/descriptive.ts
// defines them, so that a stopping rule the engine meets is a verdict the harness passes on the same samples.
#pragma once

#include <cstdint>
#include <vector>

namespace coexec {

// Half-width of the distribution-free 95% confidence interval of the median, in % of the median; the same
// value as medianCi95HalfPct of src/stats/descriptive.ts: the median is the type-7 quantile at 0.5 and the
// interval runs between the order statistics of 1-based ranks max(1, floor(n/2 - 0.98 sqrt(n))) and
// min(n, ceil(n/2 + 0.98 sqrt(n) + 1)). 0 when the median is <= 0. `samples` must be non-empty; they are
// reordered (a partial selection, O(n), instead of a full sort).
double MedianCi95HalfPct(std::vector<int64_t>& samples);

}  // namespace coexec
