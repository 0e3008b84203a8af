#include "runtime/model/tenant.hpp"

#include <string>

namespace skald::model {

namespace {

bool valid_tenant_char(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  switch (c) {
  case '!':
  case '-':
  case '_':
  case '.':
  case '*':
  case '\'':
  case '(':
  case ')':
    return true;
  default:
    return false;
  }
}

std::string_view trim_subtenant(std::string_view org_id) noexcept {
  auto idx = org_id.find(':');
  return idx == std::string_view::npos ? org_id : org_id.substr(0, idx);
}

} // namespace

status validate_tenant_id(std::string_view id) {
  for (char c : id)
    if (!valid_tenant_char(c)) {
      std::string msg = "tenant ID '";
      msg.append(id);
      msg += "' contains unsupported character '";
      // dskit prints the offending byte as a rune (Go %c of s[i]).
      auto b = static_cast<unsigned char>(c);
      if (b < 0x80) {
        msg.push_back(c);
      } else {
        msg.push_back(static_cast<char>(0xC0 | (b >> 6)));
        msg.push_back(static_cast<char>(0x80 | (b & 0x3F)));
      }
      msg += "'";
      return status{errc::invalid_argument, std::move(msg)};
    }
  if (id.size() > max_tenant_id_length)
    return status{errc::invalid_argument, "tenant ID is too long: max 150 characters"};
  if (id == "." || id == "..")
    return status{errc::invalid_argument, "tenant ID is '.' or '..'"};
  return status{};
}

result<std::string_view> tenant_from_org_id(std::string_view header, bool present) {
  if (!present || header.empty())
    return status{errc::unauthenticated, "no org id"};
  auto bar = header.find('|');
  auto tenant = trim_subtenant(header.substr(0, bar));
  if (auto st = validate_tenant_id(tenant); !st.ok())
    return st;
  while (bar != std::string_view::npos) {
    auto rest = header.substr(bar + 1);
    bar = rest.find('|');
    if (trim_subtenant(rest.substr(0, bar)) != tenant)
      return status{errc::invalid_argument, "multiple org IDs present"};
    header = rest;
  }
  return tenant;
}

} // namespace skald::model
