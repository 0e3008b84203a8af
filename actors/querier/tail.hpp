// actors/querier/tail.hpp — live tail: GET /loki/api/v1/tail and the legacy
// /api/prom/tail, upgraded to a WebSocket (read-path spec §1.3; Loki's
// pkg/querier/tail and pkg/querier/http.go TailHandler).
//
//   HTTP I/O thread: tenant, query (parse errors), limit, start, delay_for
//     -> plain 400 before the upgrade; else the upgrade
//   on open: a tailer actor per session
//     ──(tail_atom, tail_request_ptr)──► ingester ──► tenant (limit
//       max_concurrent_tail_requests, Loki's text as a Close 1011) ──► streams
//     ──query_job──► querier (history: BACKWARD over [start, now) with limit,
//       sent oldest first)
//   streams ──(tail_atom, tail_batch_ptr)──► tailer: pipeline, tail_buffer
//     (delay_for, 100 entries per message, dropped_entries) ──► websocket
//
// State owned: the tailer actor owns its subscription (runtime/tail), the
// parsed query, the pipeline runner and the buffer; the websocket handle is
// shared with the connection. The session ends on a client Close, a slow
// client (the connection's stall_timeout), querier.tail_max_duration (Close
// 1011 `reached tail max duration limit`) or node stop; the tailer then
// closes its subscription, and streams drop it on their next append.
// Never slows ingestion: streams hand over entries only while the tailer has
// fewer than max_inflight unconsumed, else they record them as dropped.
//
// Cluster (opts.ring set, docs/cluster.md): the tailer subscribes to every
// ACTIVE, healthy ingester of the ring (runtime/tail/replicas.hpp
// tail_targets), not a replication set: the local one with its
// tail_request, the others through their gateway's tail relay
//     tailer ──(tail_atom, tail_sub_wire, tailer)──► gateway ──► relay
//       ──(tail_atom, tail_request_ptr)──► ingester (as above)
//     relay ──(tail_atom, tail_batch_wire)──► tailer ──(tail_ack_atom, n)──► relay
// It monitors each relay (an ingester's death arrives as its down_msg), looks
// at the ring every resync_interval and subscribes to ingesters that joined
// or restarted, and sends the relays stop_atom when the session ends (they
// also monitor the tailer, so a querier node that dies is dropped too). The
// first round of subscriptions runs before the history query; an ingester's
// limit text in that round closes the session like a local one. RF replicas
// deliver each entry up to RF times: runtime/tail/replicas.hpp's
// replica_filter lets each (stream, ts, line) through once, before the
// pipeline.
#pragma once

#include <chrono>
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

namespace skald::metrics {
class registry;
} // namespace skald::metrics

namespace skald::actors {

class ring_holder; // actors/cluster/cluster.hpp

struct tail_route_options {
  bool auth_enabled = true;
  std::shared_ptr<limits::overrides> limits;
  /// The local ingester; null: tails close at once with 1011.
  ingester_actor ingester;
  /// Runs the history query.
  querier_actor querier;
  /// Cluster mode: tail every ACTIVE ingester of the ring (then `ingester`
  /// is reached through the ring's local endpoint).
  std::shared_ptr<ring_holder> ring;
  /// ingester_client.remote_timeout: a remote subscription not answered by
  /// then is retried at a later resync.
  std::chrono::nanoseconds remote_timeout = std::chrono::seconds{5};
  /// How often a cluster tailer compares its subscriptions with the ring.
  std::chrono::milliseconds resync_interval{1000};
  /// querier.tail_max_duration.
  std::chrono::nanoseconds max_duration = std::chrono::hours{1};
  /// Entries a tailer may have unconsumed before streams drop for it.
  size_t max_inflight = 10000;
  /// Entries a tailer holds waiting for delay_for at most.
  size_t max_pending = 10000;
  std::chrono::milliseconds ping_interval{1000};
  std::chrono::milliseconds stall_timeout{10000};
  metrics::registry* metrics = nullptr;
};

/// The live tail sessions of a node (their tailer actors are not linked to
/// anything: stop() ends them before the actor system goes).
class tail_service {
public:
  virtual ~tail_service() = default;
  /// Ends every session (Close 1001 going away) and refuses new ones.
  virtual void stop() = 0;
};

/// Registers /loki/api/v1/tail and /api/prom/tail (GET).
std::shared_ptr<tail_service> add_tail_routes(http::router& r, caf::actor_system& sys,
                                              tail_route_options opts);

} // namespace skald::actors
