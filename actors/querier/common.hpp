// actors/querier/common.hpp — what the querier actor, its HTTP routes and the
// tailers share inside actors/querier: the clocks they stamp requests with,
// Loki's query timeout text and the tenant of a request. Internal to actors/querier (no other
// directory includes it).
#pragma once

#include "actors/http/responder.hpp"
#include "runtime/model/tenant.hpp"
#include "runtime/push/decode.hpp"
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace skald::actors::querier_detail {

/// Loki's text for a query past querier.query_timeout (504).
inline constexpr const char* timeout_text =
    "request timed out, decrease the duration of the request or add more label matchers (prefer "
    "exact match over regex match) to reduce the amount of data processed";

/// Monotonic nanoseconds (deadlines).
inline int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Unix nanoseconds (default query times, Loki's "now").
inline int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The tenant like the push routes: X-Scope-OrgID with auth, else `fake`. A
/// missing or bad id is answered here (Loki's status and text) and gives false.
inline bool resolve_tenant(bool auth_enabled, const http::request& req, const http::responder& rsp,
                           std::string& tenant) {
  if (!auth_enabled) {
    tenant = std::string{model::no_auth_tenant};
    return true;
  }
  const std::string* h = req.find_header("X-Scope-OrgID");
  auto t = model::tenant_from_org_id(h ? std::string_view{*h} : std::string_view{}, h != nullptr);
  if (!t.ok()) {
    rsp.send(http::response::error(static_cast<unsigned>(push::http_status_for(t.error().code())),
                                   t.error().message()));
    return false;
  }
  tenant.assign(t->data(), t->size());
  return true;
}

} // namespace skald::actors::querier_detail
