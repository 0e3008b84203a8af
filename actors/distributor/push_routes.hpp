// actors/distributor/push_routes.hpp — the push endpoints of the HTTP edge:
// POST /loki/api/v1/push and POST /api/prom/push (spec §1).
//
// On the HTTP I/O thread the handler resolves the tenant (auth_enabled:
// X-Scope-OrgID via model::tenant_from_org_id, 401 `no org id`; else `fake`),
// decodes the body with push::decode_push (400/413 with Loki's texts; 413 also
// counts loki_discarded_*{reason="request_body_too_large"}; stream labels go
// through the I/O thread's own push::label_cache, Loki's 100k LRU), wraps the decoded
// request in a push_job whose completion sends the HTTP response, hands it to
// a distributor of the pool (round-robin, anon_send) and returns. It never
// blocks and never waits for an actor.
//
// Owner: the distributor module builds the pool and registers the routes; the
// pool outlives the router's server (the server module stops last... first in
// reverse order, see runtime/system/modules.cpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "messages/interfaces/distributor_actor.hpp"
#include "runtime/push/push_request.hpp"

namespace skald::http {
class router;
} // namespace skald::http

namespace skald::limits {
class overrides;
} // namespace skald::limits

namespace skald::metrics {
class registry;
} // namespace skald::metrics

namespace skald::actors {

/// The distributors of this node; pick() is round-robin and thread-safe.
class distributor_pool {
public:
  explicit distributor_pool(std::vector<distributor_actor> members)
    : members_(std::move(members)) {}

  const distributor_actor& pick() noexcept {
    return members_[next_.fetch_add(1, std::memory_order_relaxed) % members_.size()];
  }
  const std::vector<distributor_actor>& members() const noexcept { return members_; }

private:
  std::vector<distributor_actor> members_;
  std::atomic<size_t> next_{0};
};

struct push_route_options {
  bool auth_enabled = true;
  /// Request-level decode limits (max sizes); discover_service_name is
  /// replaced per tenant from the limits.
  push::decode_limits decode;
  std::shared_ptr<limits::overrides> limits;
  metrics::registry* metrics = nullptr;
};

/// Registers both push routes on `r`.
void add_push_routes(http::router& r, std::shared_ptr<distributor_pool> pool,
                     push_route_options opts);

} // namespace skald::actors
