// runtime/logql/ip.hpp — the ip("...") matcher of line and label filters.
//
// A pattern is one address, a CIDR ("10.0.0.0/8", "2001:db8::/32") or an
// inclusive range ("192.168.1.1-192.168.1.9"); IPv4 and IPv6. A text matches
// when any address-looking token inside it falls in the range (Loki reads an
// address inside a longer value, e.g. "client 10.0.0.7:80").
// Pure functions; ip_range is an immutable value.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "runtime/util/status.hpp"

namespace skald::logql {

struct ip_range {
  bool v6 = false;
  std::array<uint8_t, 16> lo{}, hi{};  // v4 uses the first 4 bytes
};

/// Errors: "ip: invalid pattern: <pattern>".
result<ip_range> parse_ip_range(std::string_view pattern);

/// True when an address inside `text` lies in `r`.
bool contains_ip(const ip_range& r, std::string_view text);

} // namespace skald::logql
