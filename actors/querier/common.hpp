// actors/querier/common.hpp — what the querier actor, its HTTP routes and the
// tailers share inside actors/querier: the clocks they stamp requests with
// and Loki's query timeout text. Internal to actors/querier (no other
// directory includes it).
#pragma once

#include <chrono>
#include <cstdint>

namespace skald::actors::querier_detail {

/// Loki's text for a query past querier.query_timeout (504).
inline constexpr const char* timeout_text =
    "request timed out, decrease the duration of the request or add more label matchers (prefer "
    "exact match over regex match) to reduce the amount of data processed";

/// Monotonic nanoseconds (deadlines).
inline int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Unix nanoseconds (default query times, Loki's "now").
inline int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace skald::actors::querier_detail
