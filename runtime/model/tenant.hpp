// runtime/model/tenant.hpp — the tenant id of a request (X-Scope-OrgID, spec §1.2).
//
// Rules (dskit tenant.TenantID as used by Loki's push path):
//   * header absent or empty -> errc::unauthenticated "no org id" (HTTP 401);
//   * `a|b` -> split on '|'; each part has its `:subtenant` suffix stripped and
//     is validated; parts that differ -> "multiple org IDs present" (400);
//     `a|a` is tenant `a`;
//   * a valid id: only [a-zA-Z0-9] and ! - _ . * ' ( ); at most 150 bytes;
//     not "." or "..". Errors (400), checked in this order:
//       tenant ID '<id>' contains unsupported character '<c>'
//       tenant ID is too long: max 150 characters
//       tenant ID is '.' or '..'
// With auth disabled the HTTP layer does not call this: the tenant is `fake`.
//
// Owner: pure functions. The returned string_view points into the argument.
#pragma once

#include <cstddef>
#include <string_view>

#include "runtime/util/status.hpp"

namespace skald::model {

inline constexpr size_t max_tenant_id_length = 150;
inline constexpr std::string_view no_auth_tenant = "fake";

/// dskit ValidTenantID: ok or errc::invalid_argument with dskit's text.
status validate_tenant_id(std::string_view id);

/// The single tenant of an X-Scope-OrgID header value (`present` = the header
/// was sent). On success the view points into `header`.
result<std::string_view> tenant_from_org_id(std::string_view header, bool present = true);

} // namespace skald::model
