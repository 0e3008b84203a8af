#include "runtime/util/backoff.hpp"

#include <algorithm>

namespace skald::util {

std::chrono::nanoseconds backoff_delay(const backoff_policy& p, int retry, double jitter) noexcept {
  using ns = std::chrono::nanoseconds;
  const int64_t min = std::max<int64_t>(p.min_period.count(), 0);
  const int64_t max = std::max<int64_t>(p.max_period.count(), min);
  if (min == 0)
    return ns{0};
  // lo = min * 2^retry, saturating at max (no overflow: stop doubling early).
  int64_t lo = min;
  for (int i = 0; i < retry && lo < max; ++i)
    lo = lo > max / 2 ? max : lo * 2;
  lo = std::min(lo, max);
  if (lo >= max)
    return ns{max};
  const int64_t hi = lo > max / 2 ? max : std::min(lo * 2, max);
  if (!(jitter >= 0)) // also catches NaN
    jitter = 0;
  if (jitter >= 1)
    jitter = 0.999999999;
  int64_t d = lo + static_cast<int64_t>(static_cast<double>(hi - lo) * jitter);
  return ns{std::clamp(d, lo, hi == lo ? lo : hi - 1)};
}

} // namespace skald::util
