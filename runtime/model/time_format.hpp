// runtime/model/time_format.hpp — Go-compatible RFC 3339 for timestamps.
//
// format_rfc3339(ns): Go `time.Unix(0, ns).UTC().Format(time.RFC3339)` —
// seconds precision, "Z", e.g. "2023-11-14T22:13:20Z" (what Loki's validation
// messages print; servers run in UTC).
// parse_rfc3339_nano(s): Go's RFC 3339 parsing as used by time.Time JSON
// decoding: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)", at most 9 fraction
// digits are significant (more are truncated). Result in ns since the epoch,
// saturated to the int64 range.
//
// Owner: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/entry.hpp"

namespace skald::model {

std::string format_rfc3339(timestamp_ns ns);

std::optional<timestamp_ns> parse_rfc3339_nano(std::string_view s);

/// Days since 1970-01-01 of a proleptic Gregorian civil date.
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

} // namespace skald::model
