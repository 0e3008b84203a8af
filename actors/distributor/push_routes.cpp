#include "actors/distributor/push_routes.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <utility>

#include <caf/send.hpp>

#include "actors/http/request.hpp"
#include "actors/http/responder.hpp"
#include "actors/http/router.hpp"
#include "runtime/validation/reasons.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/model/tenant.hpp"
#include "runtime/push/decode.hpp"

namespace skald::actors {

namespace {

/// Distinguishes route states (and so nodes) in the per-thread cache below.
std::atomic<uint64_t> next_route_id{1};

struct route_state {
  uint64_t id = next_route_id.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<distributor_pool> pool;
  push_route_options opts;
  metrics::counter_family* discarded_samples;
  metrics::counter_family* discarded_bytes;
};

void handle_push(const route_state& rs, http::request& req, http::responder rsp) {
  std::string tenant;
  if (rs.opts.auth_enabled) {
    const std::string* h = req.find_header("X-Scope-OrgID");
    auto t = model::tenant_from_org_id(h ? std::string_view{*h} : std::string_view{}, h != nullptr);
    if (!t.ok()) {
      rsp.send(http::response::error(static_cast<unsigned>(push::http_status_for(t.error().code())),
                                     t.error().message()));
      return;
    }
    tenant.assign(t->data(), t->size());
  } else {
    tenant = std::string{model::no_auth_tenant};
  }

  // The tenant's decode limits, cached per I/O thread until the overrides
  // change or another tenant comes along (no per-request copies or locks).
  struct cached_limits {
    uint64_t owner = 0;
    uint64_t version = 0;
    std::string tenant;
    push::decode_limits limits;
  };
  thread_local cached_limits cache;
  const auto version = rs.opts.limits->version();
  if (cache.owner != rs.id || cache.version != version || cache.tenant != tenant) {
    cache.owner = rs.id;
    cache.version = version;
    cache.tenant = tenant;
    cache.limits = rs.opts.decode;
    cache.limits.discover_service_name =
      rs.opts.limits->current()->for_tenant(tenant).discover_service_name;
  }
  const auto& limits = cache.limits;
  // Parsed stream labels by raw text (Loki's 100k LRU), one per I/O thread.
  thread_local push::label_cache labels;
  const uint64_t wire_bytes = req.body.size();
  auto decoded =
      push::decode_push(req.header("Content-Type"), req.header("Content-Encoding"), req.body,
                        limits, push::json_format_for_uri(req.target), &labels);
  if (!decoded.ok()) {
    auto code = push::http_status_for(decoded.error().code());
    if (code == 413) {
      auto why = std::string{validation::reason::request_body_too_large};
      rs.discarded_samples->with({why, tenant}).inc(0);
      rs.discarded_bytes->with({why, tenant}).inc(wire_bytes);
    }
    rsp.send(http::response::error(static_cast<unsigned>(code), decoded.error().message()));
    return;
  }
  // The body is not needed any more: every view points into decoded storage.
  std::string().swap(req.body);

  push_batch batch;
  batch.tenant = std::move(tenant);
  batch.request = std::move(*decoded);
  batch.wire_bytes = wire_bytes;
  auto job = std::make_shared<push_job>(std::move(batch), [rsp](push_result r) {
    if (r.status == 204)
      rsp.send(http::response::empty(204));
    else
      rsp.send(http::response::error(r.status, r.body));
  });
  job->received_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  caf::anon_send(rs.pool->pick(), push_atom_v, std::move(job));
}

} // namespace

void add_push_routes(http::router& r, std::shared_ptr<distributor_pool> pool,
                     push_route_options opts) {
  auto& reg = opts.metrics ? *opts.metrics : metrics::default_registry();
  auto rs = std::make_shared<route_state>();
  rs->pool = std::move(pool);
  rs->opts = std::move(opts);
  rs->discarded_samples = &reg.counter("loki_discarded_samples_total",
                                       "The total number of samples that were discarded.",
                                       {"reason", "tenant"});
  rs->discarded_bytes = &reg.counter("loki_discarded_bytes_total",
                                     "The total number of bytes that were discarded.",
                                     {"reason", "tenant"});
  auto h = [rs](http::request& req, http::responder rsp) { handle_push(*rs, req, std::move(rsp)); };
  r.post("/loki/api/v1/push", h);
  r.post("/api/prom/push", h);
}

} // namespace skald::actors
