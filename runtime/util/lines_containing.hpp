// runtime/util/lines_containing.hpp — which of a batch's lines contain a
// literal, for a pipeline whose filters start with `|= "literal"` (live
// tail runs one over every pushed line of the streams it follows). When the
// lines lie in ascending order inside one buffer (a decoded push body), the
// region from the first line's start to the last line's end is scanned in
// one pass with util::find and each occurrence mapped to its line: no call
// and no partial block per line, and the lines that cannot match are never
// looked at one by one. Otherwise each line is searched with util::contains.
// Pure, no allocation, no state; a line is reported iff it contains the
// needle (tested against a per-line search).
#pragma once

#include <cstddef>
#include <string_view>

#include "runtime/util/substring.hpp"

namespace skald::util {

/// Calls keep(i), i ascending, for every i in [0, n) whose line(i) contains
/// `needle`. `region` is the buffer the lines may lie in (empty: unknown);
/// the one-pass scan reads only bytes inside it.
template <class LineAt, class Keep>
void for_each_line_containing(std::string_view region, size_t n, const LineAt& line,
                              std::string_view needle, const Keep& keep) {
  if (needle.empty()) {
    for (size_t i = 0; i < n; ++i)
      keep(i);
    return;
  }
  const char* lo = region.data();
  const char* hi = lo + region.size();
  const char* begin = nullptr;
  const char* end = nullptr;
  bool one_pass = n > 1 && !region.empty();
  for (size_t i = 0; one_pass && i < n; ++i) {
    const std::string_view l = line(i);
    if (l.empty())
      continue;
    if (l.data() < lo || l.size() > static_cast<size_t>(hi - l.data()) ||
        (end != nullptr && l.data() < end)) {
      one_pass = false;
    } else {
      if (begin == nullptr)
        begin = l.data();
      end = l.data() + l.size();
    }
  }
  if (!one_pass || begin == nullptr) {
    for (size_t i = 0; i < n; ++i)
      if (contains(line(i), needle))
        keep(i);
    return;
  }
  const size_t k = needle.size();
  const char* pos = begin;
  size_t i = 0;
  while (pos < end) {
    const auto at = find(std::string_view{pos, static_cast<size_t>(end - pos)}, needle);
    if (at == std::string_view::npos)
      return;
    const char* m = pos + at;
    // The first line ending at or after the occurrence's end: it holds the
    // occurrence if it starts at or before it (lines do not overlap).
    std::string_view l;
    for (; i < n; ++i) {
      l = line(i);
      if (!l.empty() && l.data() + l.size() >= m + k)
        break;
    }
    if (i == n)
      return;
    if (l.data() <= m) {
      keep(i);
      pos = l.data() + l.size();
      ++i;
    } else {
      pos = m + 1; // between two lines, or across one's end
    }
  }
}

} // namespace skald::util
