// runtime/ingester/time_text.hpp — Go's time formats as they appear in Loki's
// error texts, for nanosecond Unix timestamps in UTC.
//
//   go_rfc3339(ns)     time.Format(time.RFC3339)   "2024-05-01T10:00:00Z"
//   go_time_string(ns) time.Time.String()          "2024-05-01 10:00:00.5 +0000 UTC"
//
// Loki formats in the server's local zone; skald always uses UTC (the zone of
// containers). Pure functions, thread-safe, allocation only for the result.
#pragma once

#include <cstdint>
#include <string>

namespace skald::ingester {

/// Appends time.RFC3339 (seconds precision, "Z" suffix).
void append_go_rfc3339(std::string& out, int64_t ns);
std::string go_rfc3339(int64_t ns);

/// Appends Go's time.Time.String(): fraction with trailing zeros trimmed.
void append_go_time_string(std::string& out, int64_t ns);
std::string go_time_string(int64_t ns);

/// dskit flagext.ByteSize-style size text as Loki prints it in rate-limit
/// errors: 1024-based, e.g. "3MB", "10B", "1MB512KB".
std::string byte_size_text(uint64_t bytes);

} // namespace skald::ingester
