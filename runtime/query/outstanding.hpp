// runtime/query/outstanding.hpp — queries a node has accepted and not
// answered yet, per tenant, refused beyond a limit: skald's form of Loki's
// query-frontend queue limit (frontend.max_outstanding_per_tenant, 429
// `too many outstanding requests`, read-path spec §1.3/§4).
//
// Loki queues a tenant's requests in the frontend and its queriers run
// querier.max_concurrent of them; a request beyond max_outstanding_per_tenant
// waiting in the queue is refused. skald has no separate queue (the querier's
// worker pool is it), so the limit applies to every query in flight:
// max_outstanding_per_tenant waiting + querier.max_concurrent running.
//
// Owner: the query routes (actors/querier/query_routes.cpp), one per node,
// shared by the HTTP I/O threads. A slot is held by its token and given back
// when the token is destroyed (with the query's job, on whichever thread).
// Thread-safety: every member may be called from any thread. CAF-free.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace skald::query {

/// Loki's text (httpgrpc 429) when a tenant has too many queries waiting.
inline constexpr std::string_view too_many_outstanding_text = "too many outstanding requests";

class outstanding_queries : public std::enable_shared_from_this<outstanding_queries> {
public:
  /// `limit` queries in flight per tenant; 0 = no limit.
  explicit outstanding_queries(size_t limit) : limit_(limit) {}

  /// A slot for one query of `tenant`, or null when the tenant already has
  /// `limit` queries in flight. The object must be owned by a shared_ptr.
  std::shared_ptr<void> try_acquire(const std::string& tenant);

  /// Queries of `tenant` in flight now.
  size_t in_flight(const std::string& tenant) const;

private:
  void release(const std::string& tenant);

  const size_t limit_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, size_t> counts_;
};

} // namespace skald::query
