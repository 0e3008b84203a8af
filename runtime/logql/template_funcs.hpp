// runtime/logql/template_funcs.hpp — values and the function library of the
// text/template subset (internal to template.cpp and template_funcs.cpp).
//
// tval is a template value (string, number, bool, time or nil); functions()
// maps a function name to its implementation. Arguments arrive in call
// order with a piped value appended last, as Go's text/template does.
// Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/logql/strconv.hpp"
#include "runtime/logql/template.hpp"
#include "runtime/util/status.hpp"

namespace skald::logql::template_detail {

struct tval {
  enum class type : uint8_t { nil, str, num, boolean, time } t = type::nil;
  std::string s;
  double n = 0;
  bool b = false;
  int64_t ns = 0;

  static tval str(std::string v) { tval x; x.t = type::str; x.s = std::move(v); return x; }
  static tval num(double v) { tval x; x.t = type::num; x.n = v; return x; }
  static tval boolean(bool v) { tval x; x.t = type::boolean; x.b = v; return x; }
  static tval time(int64_t v) { tval x; x.t = type::time; x.ns = v; return x; }

  std::string to_string() const {
    switch (t) {
      case type::nil: return "<no value>";
      case type::str: return s;
      case type::num: return format_float(n);
      case type::boolean: return b ? "true" : "false";
      case type::time: {
        std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
        int64_t frac = ns % 1000000000;
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char buf[64];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
        std::string out = buf;
        if (frac) {
          char f[16];
          std::snprintf(f, sizeof f, ".%09lld", static_cast<long long>(frac));
          std::string fs = f;
          while (fs.back() == '0')
            fs.pop_back();
          out += fs;
        }
        return out + " +0000 UTC";
      }
    }
    return "";
  }
  bool truthy() const {
    switch (t) {
      case type::nil: return false;
      case type::str: return !s.empty();
      case type::num: return n != 0;
      case type::boolean: return b;
      case type::time: return true;
    }
    return false;
  }
  result<double> as_number() const {
    if (t == type::num)
      return n;
    if (t == type::boolean)
      return b ? 1.0 : 0.0;
    if (t == type::str) {
      auto v = parse_go_float(s);
      if (v)
        return *v;
      return 0.0;  // sprig's cast functions turn junk into 0
    }
    return 0.0;
  }
};

using func = std::function<result<tval>(const template_data&, std::vector<tval>&)>;

/// "template: <msg>" as an execution error.
status exec_error(const std::string& msg);

/// The function library, by name.
const std::unordered_map<std::string, func>& functions();

} // namespace skald::logql::template_detail
