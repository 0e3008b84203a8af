// The function library of the template subset (Loki's template_functions.md
// and Go's builtins): strings, sprig helpers, comparisons, arithmetic, time.
#include "runtime/logql/template_funcs.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "runtime/logql/go_time.hpp"
#include "runtime/logql/pipeline.hpp"

namespace skald::logql::template_detail {

namespace {

/// Byte offsets of each rune start, plus s.size() at the end.
std::vector<size_t> rune_offsets(const std::string& s) {
  std::vector<size_t> out;
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80)
      out.push_back(i);
  out.push_back(s.size());
  return out;
}

int64_t as_time(const tval& v) {
  if (v.t == tval::type::time)
    return v.ns;
  auto n = v.as_number();
  return static_cast<int64_t>((n.ok() ? *n : 0) * 1e9);  // numbers are unix seconds
}

std::string go_printf(const std::string& fmt, const std::vector<tval>& args, size_t first) {
  std::string out;
  size_t ai = first;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
      out.push_back('%');
      ++i;
      continue;
    }
    size_t j = i + 1;
    std::string spec = "%";
    while (j < fmt.size() && std::strchr("+-# 0123456789.", fmt[j]))
      spec.push_back(fmt[j++]);
    if (j >= fmt.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = fmt[j];
    i = j;
    if (ai >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const tval& a = args[ai++];
    char buf[512];
    switch (verb) {
      case 'd': {
        double v = a.as_number().ok() ? *a.as_number() : 0;
        std::snprintf(buf, sizeof buf, (spec + "lld").c_str(), static_cast<long long>(v));
        out += buf;
        break;
      }
      case 'f': case 'e': case 'g': case 'F': case 'E': case 'G': {
        double v = a.as_number().ok() ? *a.as_number() : 0;
        std::snprintf(buf, sizeof buf, (spec + verb).c_str(), v);
        out += buf;
        break;
      }
      case 'q': out += go_quote(a.to_string()); break;
      case 'x': {
        std::string s = a.to_string();
        for (unsigned char c : s) {
          std::snprintf(buf, sizeof buf, "%02x", c);
          out += buf;
        }
        break;
      }
      default: {
        std::string s = a.to_string();
        if (spec.size() > 1) {
          std::snprintf(buf, sizeof buf, (spec + "s").c_str(), s.c_str());
          out += buf;
        } else {
          out += s;
        }
      }
    }
  }
  return out;
}

std::string b64enc(std::string_view in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += tbl[v >> 18]; out += tbl[(v >> 12) & 63]; out += tbl[(v >> 6) & 63]; out += tbl[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += tbl[v >> 18]; out += tbl[(v >> 12) & 63]; out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += tbl[v >> 18]; out += tbl[(v >> 12) & 63]; out += tbl[(v >> 6) & 63]; out += '=';
  }
  return out;
}

std::string b64dec(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty())
    return s;
  std::string out;
  size_t p = 0;
  for (;;) {
    size_t q = s.find(from, p);
    if (q == std::string::npos)
      break;
    out.append(s, p, q - p);
    out += to;
    p = q + from.size();
  }
  out.append(s, p, std::string::npos);
  return out;
}

std::string trim_set(const std::string& s, const std::string& cut, bool left, bool right) {
  size_t b = 0, e = s.size();
  if (left)
    while (b < e && cut.find(s[b]) != std::string::npos)
      ++b;
  if (right)
    while (e > b && cut.find(s[e - 1]) != std::string::npos)
      --e;
  return s.substr(b, e - b);
}

} // namespace

status exec_error(const std::string& msg) {
  return status{errc::invalid_argument, "template: " + msg};
}

const std::unordered_map<std::string, func>& functions() {
  static const std::unordered_map<std::string, func> fns = [] {
    std::unordered_map<std::string, func> m;
    auto str1 = [](std::function<std::string(const std::string&)> f) -> func {
      return [f](const template_data&, std::vector<tval>& a) -> result<tval> {
        if (a.size() != 1)
          return exec_error("wrong number of args: want 1 got " + std::to_string(a.size()));
        return tval::str(f(a[0].to_string()));
      };
    };
    auto lower = [](const std::string& s) {
      std::string o = s;
      for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return o;
    };
    auto upper = [](const std::string& s) {
      std::string o = s;
      for (auto& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return o;
    };
    m["lower"] = m["ToLower"] = str1(lower);
    m["upper"] = m["ToUpper"] = str1(upper);
    m["title"] = str1([](const std::string& s) {
      std::string o = s;
      bool start = true;
      for (auto& c : o) {
        if (start && std::isalpha(static_cast<unsigned char>(c)))
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        start = std::isspace(static_cast<unsigned char>(c)) != 0;
      }
      return o;
    });
    m["trim"] = m["TrimSpace"] = str1([](const std::string& s) { return trim_set(s, " \t\r\n\v\f", true, true); });
    m["urlencode"] = str1([](const std::string& s) {
      std::string o;
      for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') o.push_back(static_cast<char>(c));
        else if (c == ' ') o.push_back('+');
        else { char b[4]; std::snprintf(b, sizeof b, "%%%02X", c); o += b; }
      }
      return o;
    });
    m["urldecode"] = str1([](const std::string& s) {
      std::string o;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') o.push_back(' ');
        else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1]))
                 && std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
          o.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        }
        else o.push_back(s[i]);
      }
      return o;
    });
    m["b64enc"] = str1([](const std::string& s) { return b64enc(s); });
    m["b64dec"] = str1([](const std::string& s) { return b64dec(s); });
    auto str2 = [](std::function<tval(const std::string&, const std::string&)> f) -> func {
      return [f](const template_data&, std::vector<tval>& a) -> result<tval> {
        if (a.size() != 2)
          return exec_error("wrong number of args: want 2 got " + std::to_string(a.size()));
        return f(a[0].to_string(), a[1].to_string());
      };
    };
    // sprig argument order: the piped value comes last.
    m["trimAll"] = str2([](const std::string& cut, const std::string& s) { return tval::str(trim_set(s, cut, true, true)); });
    m["trimPrefix"] = str2([](const std::string& p, const std::string& s) {
      return tval::str(s.compare(0, p.size(), p) == 0 ? s.substr(p.size()) : s);
    });
    m["trimSuffix"] = str2([](const std::string& p, const std::string& s) {
      return tval::str(s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0
                           ? s.substr(0, s.size() - p.size()) : s);
    });
    // Go strings package order: the subject comes first.
    m["TrimPrefix"] = str2([](const std::string& s, const std::string& p) {
      return tval::str(s.compare(0, p.size(), p) == 0 ? s.substr(p.size()) : s);
    });
    m["TrimSuffix"] = str2([](const std::string& s, const std::string& p) {
      return tval::str(s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0
                           ? s.substr(0, s.size() - p.size()) : s);
    });
    m["Trim"] = str2([](const std::string& s, const std::string& cut) { return tval::str(trim_set(s, cut, true, true)); });
    m["TrimLeft"] = str2([](const std::string& s, const std::string& cut) { return tval::str(trim_set(s, cut, true, false)); });
    m["TrimRight"] = str2([](const std::string& s, const std::string& cut) { return tval::str(trim_set(s, cut, false, true)); });
    m["contains"] = str2([](const std::string& sub, const std::string& s) { return tval::boolean(s.find(sub) != std::string::npos); });
    m["hasPrefix"] = str2([](const std::string& p, const std::string& s) { return tval::boolean(s.compare(0, p.size(), p) == 0); });
    m["hasSuffix"] = str2([](const std::string& p, const std::string& s) {
      return tval::boolean(s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0);
    });
    m["replace"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 3)
        return exec_error("wrong number of args for replace: want 3 got " + std::to_string(a.size()));
      return tval::str(replace_all(a[2].to_string(), a[0].to_string(), a[1].to_string()));
    };
    m["Replace"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 4)
        return exec_error("wrong number of args for Replace: want 4 got " + std::to_string(a.size()));
      std::string s = a[0].to_string(), from = a[1].to_string(), to = a[2].to_string();
      double n = a[3].as_number().ok() ? *a[3].as_number() : -1;
      if (n < 0)
        return tval::str(replace_all(s, from, to));
      std::string out;
      size_t p = 0;
      for (int k = 0; k < static_cast<int>(n); ++k) {
        size_t q = s.find(from, p);
        if (q == std::string::npos || from.empty())
          break;
        out.append(s, p, q - p);
        out += to;
        p = q + from.size();
      }
      out.append(s, p, std::string::npos);
      return tval::str(out);
    };
    m["substr"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 3)
        return exec_error("wrong number of args for substr: want 3 got " + std::to_string(a.size()));
      long start = static_cast<long>(*a[0].as_number()), end = static_cast<long>(*a[1].as_number());
      std::string s = a[2].to_string();
      auto at = rune_offsets(s);  // Loki indexes runes, not bytes
      long n = static_cast<long>(at.size()) - 1;
      auto cut = [&](long b, long e) { return s.substr(at[static_cast<size_t>(b)], at[static_cast<size_t>(e)] - at[static_cast<size_t>(b)]); };
      if (start < 0) return tval::str(cut(0, std::min(std::max(end, 0L), n)));
      if (end < 0 || end > n) return tval::str(start < n ? cut(start, n) : "");
      if (start > end) return tval::str("");
      return tval::str(cut(start, end));
    };
    m["trunc"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 2)
        return exec_error("wrong number of args for trunc: want 2 got " + std::to_string(a.size()));
      long c = static_cast<long>(*a[0].as_number());
      std::string s = a[1].to_string();
      auto at = rune_offsets(s);  // Loki truncates runes, not bytes
      long n = static_cast<long>(at.size()) - 1;
      if (c < 0 && n + c > 0) return tval::str(s.substr(at[static_cast<size_t>(n + c)]));
      if (c >= 0 && c < n) return tval::str(s.substr(0, at[static_cast<size_t>(c)]));
      return tval::str(s);
    };
    m["repeat"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 2)
        return exec_error("wrong number of args for repeat");
      std::string out, s = a[1].to_string();
      for (long i = 0; i < static_cast<long>(*a[0].as_number()); ++i)
        out += s;
      return tval::str(out);
    };
    auto indent = [](bool nl) -> func {
      return [nl](const template_data&, std::vector<tval>& a) -> result<tval> {
        if (a.size() != 2)
          return exec_error("wrong number of args for indent");
        std::string pad(static_cast<size_t>(std::max(0.0, *a[0].as_number())), ' ');
        std::string s = pad + replace_all(a[1].to_string(), "\n", "\n" + pad);
        return tval::str(nl ? "\n" + s : s);
      };
    };
    m["indent"] = indent(false);
    m["nindent"] = indent(true);
    auto align = [](bool left) -> func {
      return [left](const template_data&, std::vector<tval>& a) -> result<tval> {
        if (a.size() != 2)
          return exec_error("wrong number of args for align");
        size_t n = static_cast<size_t>(std::max(0.0, *a[0].as_number()));
        std::string s = a[1].to_string();
        if (s.size() >= n)
          return tval::str(left ? s.substr(0, n) : s.substr(s.size() - n));
        std::string pad(n - s.size(), ' ');
        return tval::str(left ? s + pad : pad + s);
      };
    };
    m["alignLeft"] = align(true);
    m["alignRight"] = align(false);
    auto regex_replace = [](bool literal) -> func {
      return [literal](const template_data&, std::vector<tval>& a) -> result<tval> {
        if (a.size() != 3)
          return exec_error("wrong number of args for regexReplaceAll");
        RE2::Options o;
        o.set_log_errors(false);
        RE2 re(a[0].to_string(), o);
        if (!re.ok())
          return exec_error("error parsing regexp: " + re.error());
        std::string s = a[1].to_string(), repl = a[2].to_string();  // sprig: regex, s, repl
        std::string rewrite;
        if (literal) {
          for (char c : repl) {
            if (c == '\\') rewrite += "\\\\";
            else rewrite.push_back(c);
          }
        } else {
          // Go's $1 / ${1} / ${name} to RE2's \1.
          for (size_t i = 0; i < repl.size(); ++i) {
            if (repl[i] == '\\') { rewrite += "\\\\"; continue; }
            if (repl[i] == '$' && i + 1 < repl.size()) {
              size_t j = i + 1;
              bool brace = repl[j] == '{';
              if (brace) ++j;
              size_t k = j;
              while (k < repl.size() && (std::isalnum(static_cast<unsigned char>(repl[k])) || repl[k] == '_')) ++k;
              std::string name = repl.substr(j, k - j);
              if (brace && (k >= repl.size() || repl[k] != '}')) { rewrite.push_back('$'); continue; }
              int idx = -1;
              if (!name.empty() && name.size() < 6 && std::all_of(name.begin(), name.end(), ::isdigit)) idx = std::stoi(name);
              else if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) idx = -2;
              else {
                auto it = re.NamedCapturingGroups().find(name);
                idx = it == re.NamedCapturingGroups().end() ? -2 : it->second;
              }
              if (idx >= 0 && idx <= 9) rewrite += "\\" + std::to_string(idx);
              i = brace ? k : k - 1;
              continue;
            }
            rewrite.push_back(repl[i]);
          }
        }
        RE2::GlobalReplace(&s, re, rewrite);
        return tval::str(s);
      };
    };
    m["regexReplaceAll"] = regex_replace(false);
    m["regexReplaceAllLiteral"] = regex_replace(true);
    m["default"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() < 1 || a.size() > 2)
        return exec_error("wrong number of args for default");
      if (a.size() == 2 && a[1].truthy())
        return a[1];
      return a[0];
    };
    m["len"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 1)
        return exec_error("wrong number of args for len");
      return tval::num(static_cast<double>(a[0].to_string().size()));
    };
    m["count"] = str2([](const std::string& sub, const std::string& s) {
      if (sub.empty()) return tval::num(static_cast<double>(s.size() + 1));
      size_t n = 0, p = 0;
      while ((p = s.find(sub, p)) != std::string::npos) { ++n; p += sub.size(); }
      return tval::num(static_cast<double>(n));
    });
    m["printf"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.empty())
        return exec_error("wrong number of args for printf");
      return tval::str(go_printf(a[0].to_string(), a, 1));
    };
    m["print"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      std::string out;
      for (size_t i = 0; i < a.size(); ++i) {
        if (i && a[i].t != tval::type::str && a[i - 1].t != tval::type::str) out += " ";
        out += a[i].to_string();
      }
      return tval::str(out);
    };
    auto cmp = [](int which) -> func {
      return [which](const template_data&, std::vector<tval>& a) -> result<tval> {
        if (a.size() < 2)
          return exec_error("missing argument for comparison");
        auto compare = [&](const tval& x, const tval& y) -> int {
          if (x.t == tval::type::num || y.t == tval::type::num) {
            double p = *x.as_number(), q = *y.as_number();
            return p < q ? -1 : p > q ? 1 : 0;
          }
          std::string p = x.to_string(), q = y.to_string();
          return p < q ? -1 : p > q ? 1 : 0;
        };
        if (which == 0) {  // eq: arg1 == any of the rest
          for (size_t i = 1; i < a.size(); ++i)
            if (compare(a[0], a[i]) == 0) return tval::boolean(true);
          return tval::boolean(false);
        }
        int c = compare(a[0], a[1]);
        switch (which) {
          case 1: return tval::boolean(c != 0);
          case 2: return tval::boolean(c < 0);
          case 3: return tval::boolean(c <= 0);
          case 4: return tval::boolean(c > 0);
          default: return tval::boolean(c >= 0);
        }
      };
    };
    m["eq"] = cmp(0); m["ne"] = cmp(1); m["lt"] = cmp(2); m["le"] = cmp(3); m["gt"] = cmp(4); m["ge"] = cmp(5);
    m["not"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 1) return exec_error("wrong number of args for not");
      return tval::boolean(!a[0].truthy());
    };
    m["and"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.empty()) return exec_error("wrong number of args for and");
      for (auto& x : a) if (!x.truthy()) return x;
      return a.back();
    };
    m["or"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.empty()) return exec_error("wrong number of args for or");
      for (auto& x : a) if (x.truthy()) return x;
      return a.back();
    };
    auto arith = [](int which, bool integer) -> func {
      return [which, integer](const template_data&, std::vector<tval>& a) -> result<tval> {
        if (a.size() < 2) return exec_error("wrong number of args");
        double acc = *a[0].as_number();
        if (integer) acc = std::trunc(acc);
        for (size_t i = 1; i < a.size(); ++i) {
          double v = *a[i].as_number();
          if (integer) v = std::trunc(v);
          switch (which) {
            case 0: acc += v; break;
            case 1: acc -= v; break;
            case 2: acc *= v; break;
            case 3:
              if (integer && v == 0) return exec_error("integer divide by zero");
              acc = integer ? std::trunc(acc / v) : acc / v; break;
            case 4:
              if (v == 0) return exec_error("integer divide by zero");
              acc = std::fmod(acc, v); break;
            case 5: acc = std::max(acc, v); break;
            default: acc = std::min(acc, v); break;
          }
        }
        return tval::num(acc);
      };
    };
    m["add"] = arith(0, true); m["sub"] = arith(1, true); m["mul"] = arith(2, true);
    m["div"] = arith(3, true); m["mod"] = arith(4, true); m["max"] = arith(5, true); m["min"] = arith(6, true);
    m["addf"] = arith(0, false); m["subf"] = arith(1, false); m["mulf"] = arith(2, false);
    m["divf"] = arith(3, false); m["maxf"] = arith(5, false); m["minf"] = arith(6, false);
    auto num1 = [](std::function<double(double)> f) -> func {
      return [f](const template_data&, std::vector<tval>& a) -> result<tval> {
        if (a.size() != 1) return exec_error("wrong number of args");
        return tval::num(f(*a[0].as_number()));
      };
    };
    m["int"] = num1([](double v) { return std::trunc(v); });
    m["float64"] = num1([](double v) { return v; });
    m["ceil"] = num1([](double v) { return std::ceil(v); });
    m["floor"] = num1([](double v) { return std::floor(v); });
    m["round"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.empty()) return exec_error("wrong number of args for round");
      double v = *a[0].as_number();
      double p = a.size() > 1 ? *a[1].as_number() : 0;
      double m10 = std::pow(10.0, p);
      return tval::num(std::round(v * m10) / m10);
    };
    m["__line__"] = [](const template_data& d, std::vector<tval>& a) -> result<tval> {
      if (!a.empty()) return exec_error("wrong number of args for __line__");
      return tval::str(std::string(d.line));
    };
    m["__timestamp__"] = [](const template_data& d, std::vector<tval>& a) -> result<tval> {
      if (!a.empty()) return exec_error("wrong number of args for __timestamp__");
      return tval::time(d.ts);
    };
    m["unixEpoch"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 1) return exec_error("wrong number of args for unixEpoch");
      return tval::num(static_cast<double>(a[0].ns / 1000000000));
    };
    m["unixEpochMillis"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 1) return exec_error("wrong number of args for unixEpochMillis");
      return tval::num(static_cast<double>(a[0].ns / 1000000));
    };
    m["unixEpochNanos"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 1) return exec_error("wrong number of args for unixEpochNanos");
      return tval::num(static_cast<double>(a[0].ns));
    };
    // sprig: date FORMAT TIME (TIME is a time or unix seconds).
    m["date"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 2) return exec_error("wrong number of args for date: want 2 got " + std::to_string(a.size()));
      return tval::str(format_go_time(as_time(a[1]), a[0].to_string()));
    };
    m["toDate"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 2) return exec_error("wrong number of args for toDate: want 2 got " + std::to_string(a.size()));
      auto t = parse_go_time(a[0].to_string(), a[1].to_string());
      return t.ok() ? tval::time(*t) : tval::time(0);  // sprig's toDate yields the zero time on error
    };
    m["now"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (!a.empty()) return exec_error("wrong number of args for now");
      timespec ts{};
      clock_gettime(CLOCK_REALTIME, &ts);
      return tval::time(static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec);
    };
    // Loki's unixToTime: epoch in s, ms, us or ns, told apart by length.
    m["unixToTime"] = [](const template_data&, std::vector<tval>& a) -> result<tval> {
      if (a.size() != 1) return exec_error("wrong number of args for unixToTime");
      std::string s = a[0].to_string();
      int64_t n = 0;
      for (char ch : s) {
        if (ch < '0' || ch > '9') return exec_error("unable to parse " + s + " as a unix timestamp");
        n = n * 10 + (ch - '0');
      }
      switch (s.size()) {
        case 10: return tval::time(n * 1000000000);
        case 13: return tval::time(n * 1000000);
        case 16: return tval::time(n * 1000);
        case 19: return tval::time(n);
        default: return exec_error("unable to parse " + s + " as a unix timestamp");
      }
    };
    return m;
  }();
  return fns;
}

} // namespace skald::logql::template_detail
