#include "runtime/logql/go_time.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "runtime/logql/strconv.hpp"

namespace skald::logql {

namespace {

// ---- Go time layouts (reference time Mon Jan 2 15:04:05 MST 2006), UTC only.

const char* const month_names[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
const char* const day_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

enum class chunk { none, long_month, month, num_month, zero_month, long_weekday, weekday, day, under_day,
                   zero_day, year_day, zero_year_day, hour, hour12, zero_hour12, minute, zero_minute,
                   second, zero_second, long_year, year, pm_upper, pm_lower, tz, iso_tz_colon, iso_tz,
                   num_tz_colon, num_tz, frac };

/// Finds the next layout element at or after `i`: returns its position,
/// kind and length (Go's nextStdChunk, the common subset).
size_t next_chunk(std::string_view l, size_t i, chunk& kind, size_t& len) {
  auto at = [&](size_t p, std::string_view s) { return l.substr(p, s.size()) == s; };
  for (; i < l.size(); ++i) {
    char c = l[i];
    switch (c) {
      case 'J':
        if (at(i, "January")) { kind = chunk::long_month; len = 7; return i; }
        if (at(i, "Jan")) { kind = chunk::month; len = 3; return i; }
        break;
      case 'M':
        if (at(i, "Monday")) { kind = chunk::long_weekday; len = 6; return i; }
        if (at(i, "Mon")) { kind = chunk::weekday; len = 3; return i; }
        if (at(i, "MST")) { kind = chunk::tz; len = 3; return i; }
        break;
      case '0':
        if (at(i, "002")) { kind = chunk::zero_year_day; len = 3; return i; }
        if (i + 1 < l.size() && l[i + 1] >= '1' && l[i + 1] <= '6') {
          static const chunk k[] = {chunk::zero_month, chunk::zero_day, chunk::zero_hour12,
                                    chunk::zero_minute, chunk::zero_second, chunk::year};
          kind = k[l[i + 1] - '1'];
          len = 2;
          return i;
        }
        break;
      case '1':
        if (at(i, "15")) { kind = chunk::hour; len = 2; return i; }
        kind = chunk::num_month; len = 1; return i;
      case '2':
        if (at(i, "2006")) { kind = chunk::long_year; len = 4; return i; }
        kind = chunk::day; len = 1; return i;
      case '_':
        if (at(i, "_2")) { kind = chunk::under_day; len = 2; return i; }
        if (at(i, "__2")) { kind = chunk::year_day; len = 3; return i; }
        break;
      case '3': kind = chunk::hour12; len = 1; return i;
      case '4': kind = chunk::minute; len = 1; return i;
      case '5': kind = chunk::second; len = 1; return i;
      case 'P':
        if (at(i, "PM")) { kind = chunk::pm_upper; len = 2; return i; }
        break;
      case 'p':
        if (at(i, "pm")) { kind = chunk::pm_lower; len = 2; return i; }
        break;
      case '-':
        if (at(i, "-07:00")) { kind = chunk::num_tz_colon; len = 6; return i; }
        if (at(i, "-0700")) { kind = chunk::num_tz; len = 5; return i; }
        break;
      case 'Z':
        if (at(i, "Z07:00")) { kind = chunk::iso_tz_colon; len = 6; return i; }
        if (at(i, "Z0700")) { kind = chunk::iso_tz; len = 5; return i; }
        break;
      case '.':
      case ',':
        if (i + 1 < l.size() && (l[i + 1] == '0' || l[i + 1] == '9')) {
          char d = l[i + 1];
          size_t j = i + 1;
          while (j < l.size() && l[j] == d)
            ++j;
          if (j >= l.size() || !(l[j] >= '0' && l[j] <= '9')) {
            kind = chunk::frac;
            len = j - i;
            return i;
          }
        }
        break;
      default:
        break;
    }
  }
  kind = chunk::none;
  len = 0;
  return l.size();
}

} // namespace

std::string format_go_time(int64_t ns, std::string_view layout) {
  std::time_t secs = static_cast<std::time_t>(ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000);
  int64_t frac = ns - static_cast<int64_t>(secs) * 1000000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string out;
  char buf[32];
  size_t i = 0;
  while (i < layout.size()) {
    chunk k;
    size_t len;
    size_t p = next_chunk(layout, i, k, len);
    out.append(layout.substr(i, p - i));
    if (k == chunk::none)
      break;
    i = p + len;
    int h12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
    switch (k) {
      case chunk::long_month: out += month_names[tm.tm_mon]; break;
      case chunk::month: out += std::string(month_names[tm.tm_mon]).substr(0, 3); break;
      case chunk::num_month: out += std::to_string(tm.tm_mon + 1); break;
      case chunk::zero_month: std::snprintf(buf, sizeof buf, "%02d", tm.tm_mon + 1); out += buf; break;
      case chunk::long_weekday: out += day_names[tm.tm_wday]; break;
      case chunk::weekday: out += std::string(day_names[tm.tm_wday]).substr(0, 3); break;
      case chunk::day: out += std::to_string(tm.tm_mday); break;
      case chunk::under_day: std::snprintf(buf, sizeof buf, "%2d", tm.tm_mday); out += buf; break;
      case chunk::zero_day: std::snprintf(buf, sizeof buf, "%02d", tm.tm_mday); out += buf; break;
      case chunk::year_day: std::snprintf(buf, sizeof buf, "%3d", tm.tm_yday + 1); out += buf; break;
      case chunk::zero_year_day: std::snprintf(buf, sizeof buf, "%03d", tm.tm_yday + 1); out += buf; break;
      case chunk::hour: std::snprintf(buf, sizeof buf, "%02d", tm.tm_hour); out += buf; break;
      case chunk::hour12: out += std::to_string(h12); break;
      case chunk::zero_hour12: std::snprintf(buf, sizeof buf, "%02d", h12); out += buf; break;
      case chunk::minute: out += std::to_string(tm.tm_min); break;
      case chunk::zero_minute: std::snprintf(buf, sizeof buf, "%02d", tm.tm_min); out += buf; break;
      case chunk::second: out += std::to_string(tm.tm_sec); break;
      case chunk::zero_second: std::snprintf(buf, sizeof buf, "%02d", tm.tm_sec); out += buf; break;
      case chunk::long_year: std::snprintf(buf, sizeof buf, "%04d", tm.tm_year + 1900); out += buf; break;
      case chunk::year: std::snprintf(buf, sizeof buf, "%02d", (tm.tm_year + 1900) % 100); out += buf; break;
      case chunk::pm_upper: out += tm.tm_hour >= 12 ? "PM" : "AM"; break;
      case chunk::pm_lower: out += tm.tm_hour >= 12 ? "pm" : "am"; break;
      case chunk::tz: out += "UTC"; break;
      case chunk::iso_tz_colon:
      case chunk::iso_tz: out += "Z"; break;
      case chunk::num_tz_colon: out += "+00:00"; break;
      case chunk::num_tz: out += "+0000"; break;
      case chunk::frac: {
        std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(frac));
        std::string digits(buf, std::min<size_t>(len - 1, 9));
        if (layout[p + 1] == '9') {
          while (!digits.empty() && digits.back() == '0')
            digits.pop_back();
          if (!digits.empty())
            out += layout[p] + digits;
        } else {
          out += layout[p] + digits;
        }
        break;
      }
      case chunk::none: break;
    }
  }
  return out;
}

/// Parses `value` with a Go layout (UTC; numeric zones are applied).
result<int64_t> parse_go_time(std::string_view layout, std::string_view value) {
  auto bad = [&] {
    return status{errc::invalid_argument, "parsing time " + go_quote(value) + " as " + go_quote(layout)
                                              + ": cannot parse"};
  };
  int year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, yday = -1;
  int64_t frac = 0, offset_s = 0;
  bool pm = false, pm_set = false;
  size_t i = 0, v = 0;
  auto num = [&](size_t min_digits, size_t max_digits, int& out) -> bool {
    size_t s = v;
    while (v < value.size() && v - s < max_digits && value[v] >= '0' && value[v] <= '9')
      ++v;
    if (v - s < min_digits)
      return false;
    out = std::stoi(std::string(value.substr(s, v - s)));
    return true;
  };
  while (i < layout.size()) {
    chunk k;
    size_t len;
    size_t p = next_chunk(layout, i, k, len);
    std::string_view lit = layout.substr(i, p - i);
    if (value.substr(v, lit.size()) != lit)
      return bad();
    v += lit.size();
    if (k == chunk::none)
      break;
    i = p + len;
    bool ok = true;
    switch (k) {
      case chunk::long_month:
      case chunk::month: {
        ok = false;
        for (int m = 0; m < 12; ++m) {
          std::string name = k == chunk::long_month ? month_names[m] : std::string(month_names[m]).substr(0, 3);
          if (value.substr(v, name.size()) == name) {
            month = m + 1;
            v += name.size();
            ok = true;
            break;
          }
        }
        break;
      }
      case chunk::long_weekday:
      case chunk::weekday: {
        ok = false;
        for (const char* d : day_names) {
          std::string name = k == chunk::long_weekday ? d : std::string(d).substr(0, 3);
          if (value.substr(v, name.size()) == name) {
            v += name.size();
            ok = true;
            break;
          }
        }
        break;
      }
      case chunk::num_month: ok = num(1, 2, month); break;
      case chunk::zero_month: ok = num(2, 2, month); break;
      case chunk::day: ok = num(1, 2, day); break;
      case chunk::under_day:
        if (v < value.size() && value[v] == ' ')
          ++v;
        ok = num(1, 2, day);
        break;
      case chunk::zero_day: ok = num(2, 2, day); break;
      case chunk::year_day:
      case chunk::zero_year_day: ok = num(1, 3, yday); break;
      case chunk::hour: ok = num(2, 2, hour); break;
      case chunk::hour12: ok = num(1, 2, hour); break;
      case chunk::zero_hour12: ok = num(2, 2, hour); break;
      case chunk::minute: ok = num(1, 2, minute); break;
      case chunk::zero_minute: ok = num(2, 2, minute); break;
      case chunk::second: ok = num(1, 2, second); break;
      case chunk::zero_second: ok = num(2, 2, second); break;
      case chunk::long_year: ok = num(4, 4, year); break;
      case chunk::year:
        ok = num(2, 2, year);
        year += year >= 69 ? 1900 : 2000;
        break;
      case chunk::pm_upper:
      case chunk::pm_lower: {
        std::string s(value.substr(v, 2));
        for (auto& ch : s)
          ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        ok = s == "AM" || s == "PM";
        pm = s == "PM";
        pm_set = true;
        v += 2;
        break;
      }
      case chunk::tz: {
        size_t s = v;
        while (v < value.size() && std::isalpha(static_cast<unsigned char>(value[v])))
          ++v;
        ok = v > s;
        break;
      }
      case chunk::iso_tz_colon:
      case chunk::iso_tz:
      case chunk::num_tz_colon:
      case chunk::num_tz: {
        if ((k == chunk::iso_tz_colon || k == chunk::iso_tz) && v < value.size() && value[v] == 'Z') {
          ++v;
          break;
        }
        if (v >= value.size() || (value[v] != '+' && value[v] != '-')) {
          ok = false;
          break;
        }
        int sign = value[v] == '-' ? -1 : 1;
        ++v;
        int hh = 0, mm = 0;
        ok = num(2, 2, hh);
        if (ok && v < value.size() && value[v] == ':')
          ++v;
        ok = ok && num(2, 2, mm);
        offset_s = sign * (hh * 3600 + mm * 60);
        break;
      }
      case chunk::frac: {
        if (v < value.size() && (value[v] == '.' || value[v] == ',')) {
          ++v;
          size_t s = v;
          while (v < value.size() && value[v] >= '0' && value[v] <= '9')
            ++v;
          std::string d(value.substr(s, v - s));
          d.resize(9, '0');
          frac = std::stoll(d.substr(0, 9));
        } else if (layout[p + 1] == '0') {
          ok = false;
        }
        break;
      }
      case chunk::none: break;
    }
    if (!ok)
      return bad();
  }
  if (v != value.size())
    return bad();
  if (pm_set) {
    if (pm && hour < 12)
      hour += 12;
    if (!pm && hour == 12)
      hour = 0;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = yday > 0 ? yday : day;
  if (yday > 0)
    tm.tm_mon = 0;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000000000 + frac;
}


} // namespace skald::logql
