// runtime/logql/go_time.hpp — Go time layouts for the template functions.
//
// Formats and parses times with Go's reference-time layouts ("2006-01-02
// 15:04:05.000 MST", "Jan _2 3:04PM", ...), the subset sprig's date/toDate
// use in practice. Times are nanoseconds since the epoch, always UTC.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/util/status.hpp"

namespace skald::logql {

/// Go's time.Format(layout) in UTC.
std::string format_go_time(int64_t ns, std::string_view layout);

/// Go's time.Parse(layout, value); numeric zones are applied.
result<int64_t> parse_go_time(std::string_view layout, std::string_view value);

} // namespace skald::logql
