#include "runtime/util/units.hpp"

#include <cctype>
#include <limits>

#include <fmt/format.h>

namespace skald {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// One "<digits>[.<digits>]" number, split into its whole part and fraction.
// `frac` holds at most 18 significant fraction digits (more are dropped, which
// only matters below a nanosecond / byte).
struct decimal {
  uint64_t whole = 0;
  uint64_t frac = 0;
  uint64_t frac_scale = 1; // 10^(number of fraction digits kept)
};

// Reads a decimal at text[pos]; false on no digits or overflow of the whole part.
bool read_decimal(std::string_view text, size_t& pos, decimal& out) {
  bool any = false;
  while (pos < text.size() && is_digit(text[pos])) {
    uint64_t d = static_cast<uint64_t>(text[pos] - '0');
    if (out.whole > (std::numeric_limits<uint64_t>::max() - d) / 10)
      return false;
    out.whole = out.whole * 10 + d;
    ++pos;
    any = true;
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && is_digit(text[pos])) {
      if (out.frac_scale < 1000000000000000000ULL) {
        out.frac = out.frac * 10 + static_cast<uint64_t>(text[pos] - '0');
        out.frac_scale *= 10;
      }
      ++pos;
      any = true;
    }
  }
  return any;
}

// value * unit, exact; false on overflow of `limit`. `exact` reports whether the
// fraction produced a whole number of units.
bool scale(const decimal& d, uint64_t unit, uint64_t limit, uint64_t& out, bool& exact) {
  unsigned __int128 whole = static_cast<unsigned __int128>(d.whole) * unit;
  unsigned __int128 frac_num = static_cast<unsigned __int128>(d.frac) * unit;
  unsigned __int128 frac = frac_num / d.frac_scale;
  exact = frac_num % d.frac_scale == 0;
  unsigned __int128 total = whole + frac;
  if (total > limit)
    return false;
  out = static_cast<uint64_t>(total);
  return true;
}

constexpr uint64_t ns_per_us = 1000;
constexpr uint64_t ns_per_ms = 1000 * ns_per_us;
constexpr uint64_t ns_per_s = 1000 * ns_per_ms;
constexpr uint64_t ns_per_m = 60 * ns_per_s;
constexpr uint64_t ns_per_h = 60 * ns_per_m;
constexpr uint64_t ns_per_d = 24 * ns_per_h;
constexpr uint64_t ns_per_w = 7 * ns_per_d;
constexpr uint64_t ns_per_y = 365 * ns_per_d;

uint64_t duration_unit(std::string_view u) {
  if (u == "ns")
    return 1;
  if (u == "us" || u == "\xc2\xb5s" || u == "\xce\xbcs") // µs (micro sign, greek mu)
    return ns_per_us;
  if (u == "ms")
    return ns_per_ms;
  if (u == "s")
    return ns_per_s;
  if (u == "m")
    return ns_per_m;
  if (u == "h")
    return ns_per_h;
  if (u == "d")
    return ns_per_d;
  if (u == "w")
    return ns_per_w;
  if (u == "y")
    return ns_per_y;
  return 0;
}

status bad_duration(std::string_view text, std::string_view why) {
  return status{errc::invalid_argument, fmt::format("invalid duration \"{}\": {}", text, why)};
}

} // namespace

result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty())
    return bad_duration(text, "empty");
  if (s == "0")
    return std::chrono::nanoseconds{0};
  constexpr uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t total = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    decimal d;
    if (!is_digit(s[pos]) && s[pos] != '.')
      return bad_duration(text, "expected a number");
    if (!read_decimal(s, pos, d))
      return bad_duration(text, "expected a number");
    size_t ustart = pos;
    while (pos < s.size() && !is_digit(s[pos]) && s[pos] != '.')
      ++pos;
    std::string_view unit = s.substr(ustart, pos - ustart);
    if (unit.empty())
      return bad_duration(text, "missing unit (ns, us, ms, s, m, h, d, w, y)");
    uint64_t mult = duration_unit(unit);
    if (mult == 0)
      return bad_duration(text, fmt::format("unknown unit \"{}\"", unit));
    uint64_t part = 0;
    bool exact = true;
    if (!scale(d, mult, limit, part, exact) || part > limit - total)
      return bad_duration(text, "out of range");
    total += part;
  }
  auto v = static_cast<int64_t>(total);
  return std::chrono::nanoseconds{negative ? -v : v};
}

std::string format_duration(std::chrono::nanoseconds d) {
  int64_t v = d.count();
  if (v == 0)
    return "0s";
  std::string out;
  uint64_t rest;
  if (v < 0) {
    out += '-';
    rest = static_cast<uint64_t>(-(v + 1)) + 1; // no overflow at INT64_MIN
  } else {
    rest = static_cast<uint64_t>(v);
  }
  struct unit {
    const char* name;
    uint64_t ns;
    bool only_exact;
  };
  static constexpr unit units[] = {
    {"y", ns_per_y, true}, {"w", ns_per_w, true}, {"d", ns_per_d, false},
    {"h", ns_per_h, false}, {"m", ns_per_m, false}, {"s", ns_per_s, false},
    {"ms", ns_per_ms, false}, {"us", ns_per_us, false}, {"ns", 1, false},
  };
  for (const auto& u : units) {
    if (u.only_exact && rest % u.ns != 0)
      continue;
    if (uint64_t n = rest / u.ns; n > 0) {
      out += fmt::format("{}{}", n, u.name);
      rest -= n * u.ns;
    }
  }
  return out;
}

namespace {

uint64_t size_unit(std::string_view u) {
  std::string lower;
  for (char c : u)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.empty() || lower == "b")
    return 1;
  static constexpr const char* prefixes = "kmgtpe";
  for (int i = 0; i < 6; ++i) {
    char p = prefixes[i];
    if (lower == std::string(1, p) || lower == std::string{p, 'b'}
        || lower == std::string{p, 'i', 'b'})
      return uint64_t{1} << (10 * (i + 1));
  }
  return 0;
}

status bad_size(std::string_view text, std::string_view why) {
  return status{errc::invalid_argument, fmt::format("invalid size \"{}\": {}", text, why)};
}

} // namespace

result<uint64_t> parse_bytes(std::string_view text) {
  if (text.empty())
    return bad_size(text, "empty");
  if (text[0] == '-')
    return bad_size(text, "must not be negative");
  size_t pos = 0;
  if (text[0] == '+')
    pos = 1;
  decimal d;
  if (pos >= text.size() || (!is_digit(text[pos]) && text[pos] != '.')
      || !read_decimal(text, pos, d))
    return bad_size(text, "expected a number");
  std::string_view unit = text.substr(pos);
  uint64_t mult = size_unit(unit);
  if (mult == 0)
    return bad_size(text, fmt::format("unknown unit \"{}\" (B, KB, MB, GB, TB, KiB, MiB, ...)", unit));
  uint64_t out = 0;
  bool exact = true;
  if (!scale(d, mult, std::numeric_limits<uint64_t>::max(), out, exact))
    return bad_size(text, "out of range");
  if (!exact)
    return bad_size(text, "not a whole number of bytes");
  return out;
}

std::string format_bytes(uint64_t bytes) {
  if (bytes == 0)
    return "0B";
  static constexpr const char* names[] = {"EB", "PB", "TB", "GB", "MB", "KB"};
  for (int i = 0; i < 6; ++i) {
    uint64_t unit = uint64_t{1} << (10 * (6 - i));
    if (bytes % unit == 0)
      return fmt::format("{}{}", bytes / unit, names[i]);
  }
  return fmt::format("{}B", bytes);
}

} // namespace skald
