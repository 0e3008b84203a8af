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

} // namespace skald::ingester
