// runtime/ingester/time_text.hpp — Go's time.Time.String() as it appears in
// Loki's ingester error texts ("entry with timestamp <String()> ignored"), for
// nanosecond Unix timestamps in UTC:
//
//   go_time_string(ns)  "2024-05-01 10:00:00.5 +0000 UTC"
//
// (RFC 3339 is runtime/model/time_format.hpp; sizes are skald::format_bytes.)
// Loki formats in the server's local zone; skald always uses UTC (the zone of
// containers). Pure functions, thread-safe, allocation only for the result.
#pragma once

#include <cstdint>
#include <string>

namespace skald::ingester {

/// Appends Go's time.Time.String(): fraction with trailing zeros trimmed.
void append_go_time_string(std::string& out, int64_t ns);
std::string go_time_string(int64_t ns);

} // namespace skald::ingester
