// actors/querier/querier.hpp — the query path of one node: the querier actor
// and Loki's query HTTP API (read-path spec §1.3).
//
//   HTTP I/O thread: tenant, params (runtime/loghttp), LogQL parse, limits
//     -> 400/401 at once; else a query_job ──anon_send──► querier actor
//   querier actor ──(select_atom, select_request_ptr, timeout)──► ingester
//     ──► tenant ──► matching streams (copy-out, messages/query.hpp)
//   reply ──► worker pool: collected_source + logql::engine -> JSON -> responder
//
// Routes (GET and POST form): /loki/api/v1/query, /query_range, /labels,
// /label, /label/{name}/values, /series, /index/stats, /format_query.
//
// State owned: the querier actor holds the ingester handle and the pool
// pointer only; a query's data lives in its job and its worker task.
// Timeouts: the ingester request carries what is left of the tenant's
// query_timeout (504 with Loki's text when it fires); a store read gets a
// timer (select_atom, id) that answers 504 at the deadline and cancels the
// read between chunks (its thread is free after one more chunk at most);
// evaluation cannot be interrupted, so a query whose evaluation ends past
// the deadline also answers 504.
// Store: when the node has one (deps.index + deps.chunks), every select is
// also posted to the store-reader pool (blocking file I/O, off the CAF
// scheduler): runtime/query/store_reader reads the index and the chunk
// objects for the whole range, while the ingester is asked only when the
// range reaches into the last querier.query_ingesters_within. The two
// answers join in the querier (whichever comes second posts the evaluation)
// and runtime/query/chunk_source merges them (identical chunks and entries
// kept once).
// Cluster: with a ring, the ingester part fans out to every ingester of the
// ring's read set instead of the local one (querier_deps::ring).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <caf/fwd.hpp>

#include "messages/interfaces/ingester_actor.hpp"
#include "messages/interfaces/querier_actor.hpp"

namespace skald::http {
class router;
} // namespace skald::http

namespace skald::limits {
class overrides;
} // namespace skald::limits

namespace skald::query {
class worker_pool;
} // namespace skald::query

namespace skald::storage {
class chunk_store;
class index_store;
} // namespace skald::storage

namespace skald::actors {

class ring_holder; // actors/cluster/cluster.hpp

struct querier_deps {
  /// The local ingester; may be null (no ingester on this node: empty results).
  ingester_actor ingester;
  std::shared_ptr<query::worker_pool> pool;
  /// Cluster mode (docs/cluster.md): ask every ingester of the ring's read
  /// set (local: shared pointers; other nodes: select_wire), tolerate the
  /// failures the set allows (runtime/ring/read.hpp), merge the answers
  /// (replicas of a stream are deduped by the engine; labels-only answers
  /// here). `ingester` is ignored when set.
  std::shared_ptr<ring_holder> ring;
  /// ingester_client.remote_timeout: each ingester request of a cluster
  /// fan-out times out after this (or the query's deadline, if sooner);
  /// 0 = the query's deadline only.
  std::chrono::nanoseconds remote_timeout{0};
  /// The store (both or neither); reads run on store_pool.
  std::shared_ptr<storage::chunk_store> chunks;
  std::shared_ptr<storage::index_store> index;
  std::shared_ptr<query::worker_pool> store_pool;
  /// querier.query_ingesters_within in ns; 0 = always ask the ingester.
  int64_t query_ingesters_within_ns = 0;
};

querier_actor spawn_querier(caf::actor_system& sys, querier_deps deps);

struct query_route_options {
  bool auth_enabled = true;
  std::shared_ptr<limits::overrides> limits;
  /// Queries one tenant may have in flight (accepted, not answered) before
  /// 429 `too many outstanding requests`: frontend.max_outstanding_per_tenant
  /// waiting + querier.max_concurrent running; 0 = no limit.
  size_t max_in_flight_per_tenant = 0;
};

/// Registers the query routes on `r`; handlers send jobs to `querier`.
void add_query_routes(http::router& r, querier_actor querier, query_route_options opts);

} // namespace skald::actors
