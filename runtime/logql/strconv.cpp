#include "runtime/logql/strconv.hpp"

#include "runtime/model/label_parse.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace skald::logql {

namespace {

status invalid_syntax() {
  return status{errc::invalid_argument, "invalid syntax"};
}

int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

} // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i]))
        != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

result<std::string> go_unquote(std::string_view q) {
  if (q.size() < 2)
    return invalid_syntax();
  char quote = q.front();
  if (q.back() != quote)
    return invalid_syntax();
  std::string_view body = q.substr(1, q.size() - 2);
  if (quote == '`') {
    if (body.find('`') != std::string_view::npos)
      return invalid_syntax();
    std::string out;
    out.reserve(body.size());
    for (char c : body)
      if (c != '\r')
        out.push_back(c);
    return out;
  }
  if (quote != '"' && quote != '\'')
    return invalid_syntax();
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == quote || c == '\n')
      return invalid_syntax();
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= body.size())
      return invalid_syntax();
    char e = body[i];
    switch (e) {
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case '\\': out.push_back('\\'); break;
      case '\'':
      case '"':
        if (e != quote)
          return invalid_syntax();
        out.push_back(e);
        break;
      case 'x': {
        if (i + 2 >= body.size())
          return invalid_syntax();
        int h1 = hexval(body[i + 1]), h2 = hexval(body[i + 2]);
        if (h1 < 0 || h2 < 0)
          return invalid_syntax();
        out.push_back(static_cast<char>(h1 * 16 + h2));
        i += 2;
        break;
      }
      case 'u':
      case 'U': {
        size_t n = e == 'u' ? 4 : 8;
        if (i + n >= body.size())
          return invalid_syntax();
        uint32_t cp = 0;
        for (size_t k = 1; k <= n; ++k) {
          int h = hexval(body[i + k]);
          if (h < 0)
            return invalid_syntax();
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
          return invalid_syntax();
        append_utf8(out, cp);
        i += n;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 >= body.size())
            return invalid_syntax();
          int v = 0;
          for (size_t k = 0; k < 3; ++k) {
            char d = body[i + k];
            if (d < '0' || d > '7')
              return invalid_syntax();
            v = v * 8 + (d - '0');
          }
          if (v > 255)
            return invalid_syntax();
          out.push_back(static_cast<char>(v));
          i += 2;
          break;
        }
        return invalid_syntax();
    }
  }
  if (quote == '\'' && out.empty())
    return invalid_syntax();
  return out;
}

std::string go_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  model::append_go_quote(out, s);
  return out;
}

result<int64_t> parse_go_duration(std::string_view orig) {
  auto invalid = [&] {
    return status{errc::invalid_argument, "time: invalid duration " + go_quote(orig)};
  };
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0")
    return int64_t{0};
  if (s.empty())
    return invalid();
  double total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
      return invalid();
    size_t i = 0;
    double v = 0;
    bool pre = false, post = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i] - '0');
      ++i;
      pre = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      double scale = 0.1;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        v += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        post = true;
      }
    }
    if (!pre && !post)
      return invalid();
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9'))
      ++u;
    if (u == 0)
      return status{errc::invalid_argument,
                    "time: missing unit in duration " + go_quote(orig)};
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      mult = 1e3;
    else if (unit == "ms")
      mult = 1e6;
    else if (unit == "s")
      mult = 1e9;
    else if (unit == "m")
      mult = 60e9;
    else if (unit == "h")
      mult = 3600e9;
    else
      return status{errc::invalid_argument, "time: unknown unit " + go_quote(unit)
                                                + " in duration " + go_quote(orig)};
    total += v * mult;
  }
  if (total > 9.2233720368547758e18)
    return invalid();
  auto r = static_cast<int64_t>(std::llround(total));
  return neg ? -r : r;
}

result<int64_t> parse_prom_duration(std::string_view orig) {
  // prometheus/common model.ParseDuration: integer amounts, units
  // y w d h m s ms in strictly descending order.
  auto invalid = [&] {
    return status{errc::invalid_argument, "not a valid duration string: " + go_quote(orig)};
  };
  if (orig == "0")
    return int64_t{0};
  if (orig.empty())
    return status{errc::invalid_argument, "empty duration string"};
  struct unit {
    const char* name;
    int64_t ms;
  };
  static const unit units[] = {{"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000},
                               {"d", 24LL * 3600 * 1000},       {"h", 3600LL * 1000},
                               {"m", 60LL * 1000},              {"s", 1000},
                               {"ms", 1}};
  std::string_view s = orig;
  int last_pos = -1;
  int64_t total_ms = 0;
  while (!s.empty()) {
    if (!(s[0] >= '0' && s[0] <= '9'))
      return invalid();
    size_t i = 0;
    int64_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9'))
      ++u;
    if (u == 0)
      return invalid();
    std::string_view name = s.substr(0, u);
    s.remove_prefix(u);
    int pos = -1;
    for (size_t k = 0; k < std::size(units); ++k)
      if (name == units[k].name)
        pos = static_cast<int>(k);
    if (pos < 0)
      return status{errc::invalid_argument, "unknown unit " + go_quote(name) + " in duration "
                                                + go_quote(orig)};
    if (pos <= last_pos)
      return invalid();
    last_pos = pos;
    total_ms += v * units[static_cast<size_t>(pos)].ms;
  }
  return total_ms * 1000000;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size())
      return false;
    for (size_t k = 1; k <= n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF
        || (cp >= 0xD800 && cp < 0xE000))
      return false;
    i += n + 1;
  }
  return true;
}

std::string format_prom_duration(int64_t ns) {
  std::string out;
  if (ns < 0) {
    out.push_back('-');
    ns = -ns;
  }
  int64_t ms = ns / 1000000;
  if (ms == 0 && ns != 0) {
    // Sub-millisecond: fall back to a Go-style nanosecond form.
    return out + std::to_string(ns) + "ns";
  }
  if (ms == 0)
    return "0s";
  auto f = [&](const char* unit, int64_t mult, bool exact) {
    if (exact && ms % mult != 0)
      return;
    int64_t v = ms / mult;
    if (v > 0) {
      out += std::to_string(v);
      out += unit;
      ms -= v * mult;
    }
  };
  f("y", 365LL * 24 * 3600 * 1000, true);
  f("w", 7LL * 24 * 3600 * 1000, true);
  f("d", 24LL * 3600 * 1000, false); // days always, like model.Duration ("1d1h")
  f("h", 3600LL * 1000, false);
  f("m", 60LL * 1000, false);
  f("s", 1000, false);
  f("ms", 1, false);
  return out;
}

result<double> parse_go_float(std::string_view s) {
  auto invalid = [&] {
    return status{errc::invalid_argument,
                  "strconv.ParseFloat: parsing " + go_quote(s) + ": invalid syntax"};
  };
  if (s.empty())
    return invalid();
  std::string_view body = s;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (iequals(body, "inf") || iequals(body, "infinity"))
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  if (iequals(body, "nan"))
    return std::numeric_limits<double>::quiet_NaN();
  if (body.empty())
    return invalid();
  bool hex = body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
  // Validate the Go grammar (underscores only allowed with a base prefix; we reject them).
  size_t i = hex ? 2 : 0;
  bool digits = false, seen_exp = false;
  auto is_digit = [&](char c) {
    return hex ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : (c >= '0' && c <= '9');
  };
  bool seen_dot = false;
  for (; i < body.size(); ++i) {
    char c = body[i];
    if (is_digit(c)) {
      digits = true;
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      break;
    }
  }
  if (!digits)
    return invalid();
  if (i < body.size()) {
    char c = body[i];
    bool exp = hex ? (c == 'p' || c == 'P') : (c == 'e' || c == 'E');
    if (!exp)
      return invalid();
    seen_exp = true;
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-'))
      ++i;
    size_t start = i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9')
      ++i;
    if (i == start || i != body.size())
      return invalid();
  }
  if (hex && !seen_exp)
    return invalid();
  std::string tmp(s);
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size())
    return invalid();
  if (errno == ERANGE && std::isinf(v))
    return status{errc::invalid_argument,
                  "strconv.ParseFloat: parsing " + go_quote(s) + ": value out of range"};
  return v;
}

result<uint64_t> parse_bytes(std::string_view s) {
  size_t last = 0;
  bool comma = false;
  while (last < s.size()) {
    char c = s[last];
    if (!((c >= '0' && c <= '9') || c == '.' || c == ','))
      break;
    if (c == ',')
      comma = true;
    ++last;
  }
  std::string num(s.substr(0, last));
  if (comma) {
    std::string tmp;
    for (char c : num)
      if (c != ',')
        tmp.push_back(c);
    num = tmp;
  }
  auto f = parse_go_float(num);
  if (!f)
    return f.error();
  std::string_view rest = s.substr(last);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())))
    rest.remove_prefix(1);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back())))
    rest.remove_suffix(1);
  std::string extra;
  for (char c : rest)
    extra.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  struct unit {
    const char* name;
    double mult;
  };
  static const unit table[] = {
      {"", 1},         {"b", 1},           {"kib", 1024.0},     {"ki", 1024.0},
      {"kb", 1e3},     {"k", 1e3},         {"mib", 1048576.0},  {"mi", 1048576.0},
      {"mb", 1e6},     {"m", 1e6},         {"gib", 1073741824.0}, {"gi", 1073741824.0},
      {"gb", 1e9},     {"g", 1e9},         {"tib", 1099511627776.0}, {"ti", 1099511627776.0},
      {"tb", 1e12},    {"t", 1e12},        {"pib", 1125899906842624.0}, {"pi", 1125899906842624.0},
      {"pb", 1e15},    {"p", 1e15},        {"eib", 1152921504606846976.0},
      {"ei", 1152921504606846976.0},       {"eb", 1e18}, {"e", 1e18}};
  for (const auto& u : table) {
    if (extra == u.name) {
      double v = *f * u.mult;
      if (v >= 18446744073709551615.0)
        return status{errc::invalid_argument, "too large: " + std::string(s)};
      return static_cast<uint64_t>(v);
    }
  }
  return status{errc::invalid_argument, "unhandled size name: " + extra};
}

std::string format_float(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e21) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  return buf;
}

} // namespace skald::logql
