#include "runtime/logql/ip.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>
#include <string>

namespace skald::logql {

namespace {

// Parses one address; returns 4 for IPv4, 6 for IPv6, 0 on failure.
int parse_addr(std::string_view s, std::array<uint8_t, 16>& out) {
  if (s.empty() || s.size() > 45)
    return 0;
  char buf[64];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  out.fill(0);
  if (s.find(':') == std::string_view::npos) {
    // Reject leading zeros as Go's netip does.
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
      if (i == s.size() || s[i] == '.') {
        if (i - start > 1 && s[start] == '0')
          return 0;
        start = i + 1;
      }
    }
    return inet_pton(AF_INET, buf, out.data()) == 1 ? 4 : 0;
  }
  return inet_pton(AF_INET6, buf, out.data()) == 1 ? 6 : 0;
}

bool in_range(const ip_range& r, const std::array<uint8_t, 16>& a, int fam) {
  if ((fam == 6) != r.v6)
    return false;
  size_t n = r.v6 ? 16 : 4;
  return std::memcmp(a.data(), r.lo.data(), n) >= 0 && std::memcmp(a.data(), r.hi.data(), n) <= 0;
}

bool is_ip_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':';
}

} // namespace

result<ip_range> parse_ip_range(std::string_view p) {
  auto invalid = [&] {
    return status{errc::invalid_argument, "ip: invalid pattern: " + std::string(p)};
  };
  ip_range r;
  if (auto slash = p.find('/'); slash != std::string_view::npos) {
    std::array<uint8_t, 16> a;
    int fam = parse_addr(p.substr(0, slash), a);
    if (!fam)
      return invalid();
    std::string_view bits_s = p.substr(slash + 1);
    if (bits_s.empty() || bits_s.size() > 3)
      return invalid();
    int bits = 0;
    for (char c : bits_s) {
      if (!std::isdigit(static_cast<unsigned char>(c)))
        return invalid();
      bits = bits * 10 + (c - '0');
    }
    int total = fam == 4 ? 32 : 128;
    if (bits > total)
      return invalid();
    r.v6 = fam == 6;
    r.lo = a;
    r.hi = a;
    for (int i = bits; i < total; ++i) {
      int byte = i / 8, bit = 7 - i % 8;
      r.lo[byte] &= static_cast<uint8_t>(~(1u << bit));
      r.hi[byte] |= static_cast<uint8_t>(1u << bit);
    }
    return r;
  }
  if (auto dash = p.find('-'); dash != std::string_view::npos) {
    std::array<uint8_t, 16> a, b;
    int fa = parse_addr(p.substr(0, dash), a);
    int fb = parse_addr(p.substr(dash + 1), b);
    if (!fa || fa != fb)
      return invalid();
    size_t n = fa == 4 ? 4 : 16;
    if (std::memcmp(a.data(), b.data(), n) > 0)
      return invalid();
    r.v6 = fa == 6;
    r.lo = a;
    r.hi = b;
    return r;
  }
  std::array<uint8_t, 16> a;
  int fam = parse_addr(p, a);
  if (!fam)
    return invalid();
  r.v6 = fam == 6;
  r.lo = a;
  r.hi = a;
  return r;
}

bool contains_ip(const ip_range& r, std::string_view text) {
  size_t i = 0;
  std::array<uint8_t, 16> a;
  while (i < text.size()) {
    if (!is_ip_char(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_ip_char(text[j]))
      ++j;
    std::string_view run = text.substr(i, j - i);
    int fam = parse_addr(run, a);
    if (fam && in_range(r, a, fam))
      return true;
    if (!fam) {
      // Try the dotted-decimal pieces (e.g. "10.0.0.7:80") and a v6 address
      // followed by a port.
      size_t k = 0;
      while (k < run.size()) {
        if (!(std::isdigit(static_cast<unsigned char>(run[k])) || run[k] == '.')) {
          ++k;
          continue;
        }
        size_t m = k;
        while (m < run.size() && (std::isdigit(static_cast<unsigned char>(run[m])) || run[m] == '.'))
          ++m;
        int f = parse_addr(run.substr(k, m - k), a);
        if (f == 4 && in_range(r, a, f))
          return true;
        k = m;
      }
      if (auto c = run.rfind(':'); c != std::string_view::npos && c > 0) {
        int f = parse_addr(run.substr(0, c), a);
        if (f && in_range(r, a, f))
          return true;
      }
    }
    i = j;
  }
  return false;
}

} // namespace skald::logql
