// runtime/admin/table.hpp — aligned text tables for skaldctl (issue 9).
//
// A table is a header row plus rows of cells; columns marked numeric are
// right-aligned, the others left-aligned, separated by two spaces. A cell
// longer than max_width is cut with "…" so one long stream name cannot push
// every other column off a terminal. Pure: no I/O, no CAF.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace skald::admin {

struct text_table {
  std::vector<std::string> header;
  /// Per column: right-align (numbers).
  std::vector<bool> numeric;
  std::vector<std::vector<std::string>> rows;
  /// Longest cell kept (in characters; 0 = no limit).
  size_t max_width = 60;
};

/// The table as lines ending in '\n', trailing spaces trimmed.
std::string render(const text_table& t);

/// 1234 -> "1234", 12345 -> "12.3k", 1234567 -> "1.2M".
std::string human_count(double n);

/// Bytes with 1024-based units: "512 B", "1.5 KiB", "3.0 MiB".
std::string human_bytes(double n);

/// Seconds as "42s", "5m", "3h20m", "2d4h".
std::string human_duration(long long seconds);

} // namespace skald::admin
