#include "runtime/ingester/time_text.hpp"

#include <cstdio>
#include <ctime>

namespace skald::ingester {

namespace {

void split(int64_t ns, int64_t& secs, int64_t& frac) {
  secs = ns / 1000000000;
  frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
}

void append_date_time(std::string& out, int64_t secs, char sep) {
  time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02d%c%02d:%02d:%02d", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec);
  out.append(buf, static_cast<size_t>(n));
}

} // namespace

void append_go_rfc3339(std::string& out, int64_t ns) {
  int64_t secs = 0;
  int64_t frac = 0;
  split(ns, secs, frac);
  append_date_time(out, secs, 'T');
  out += 'Z';
}

std::string go_rfc3339(int64_t ns) {
  std::string s;
  append_go_rfc3339(s, ns);
  return s;
}

void append_go_time_string(std::string& out, int64_t ns) {
  int64_t secs = 0;
  int64_t frac = 0;
  split(ns, secs, frac);
  append_date_time(out, secs, ' ');
  if (frac != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(frac));
    std::string f{buf};
    while (f.back() == '0')
      f.pop_back();
    out += f;
  }
  out += " +0000 UTC";
}

std::string go_time_string(int64_t ns) {
  std::string s;
  append_go_time_string(s, ns);
  return s;
}

std::string byte_size_text(uint64_t bytes) {
  if (bytes == 0)
    return "0B";
  static const char* units[] = {"EB", "PB", "TB", "GB", "MB", "KB", "B"};
  std::string out;
  uint64_t scale = uint64_t{1} << 60;
  for (const char* u : units) {
    if (bytes >= scale) {
      out += std::to_string(bytes / scale);
      out += u;
      bytes %= scale;
    }
    scale >>= 10;
  }
  return out;
}

} // namespace skald::ingester
