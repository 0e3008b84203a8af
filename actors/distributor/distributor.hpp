// actors/distributor/distributor.hpp — the distributor pool
// (protocol: messages/interfaces/distributor_actor.hpp).
//
// A distributor takes a decoded push job, runs runtime/validation's
// validate_push (label and entry validation, increment_duplicate_timestamp,
// grouped errors), takes the tenant's ingestion-rate tokens (all-or-nothing,
// buckets shared by the pool), computes the ring tokens, groups
// the streams by ingester (one node: the local ingester holds every stream),
// sends ONE message per ingester (the ingest batch is shared, never copied),
// tracks the quorum with runtime/ring::batch_tracker and completes the job
// (one replica, no ring: no reply message; the ingester's last actor, a stream
// actor or the WAL writer, completes the job through an ingest_done on its
// own thread, messages/push.hpp):
//   204                      every stream stored on a quorum, no validation error
//   400 grouped errors       some streams/entries invalid, the valid ones stored
//   422                      a request without streams
//   429                      tenant rate limit (nothing written)
//   ingester's status/text   a stream failed on more than max_failures replicas
//   500                      an ingester call failed or timed out
//
// State owned: nothing per push beyond the in-flight continuation; the pool is
// stateless, so any distributor can take any push. Shared (read-only or
// internally synchronised): limits, rate buckets, metrics.
// Cluster mode (deps.ring set): replication sets from the ring snapshot
// (runtime/cluster/ring_view: per-stream quorum floor(RF/2)+1 of the
// instances found, 500 with dskit's text when too few are healthy); a
// request to another node carries an ingest_wire (messages/wire.hpp) built
// once per distinct stream set. A dead or hung node does not fail the CAF
// request: the per-request timeout (ingester_client.remote_timeout), kept by
// this actor's own clock, fails it. Requests still in flight when the client
// has its answer keep running (writes continue after the HTTP answer).
// Timers: requests to another node carry ingester_client.remote_timeout; those
// to a local ingester carry none (a CAF timeout per push cost a clock-thread
// wake-up and a stale message each): the actor keeps their deadlines in issue
// order and one delayed (deadline_atom) fails the overdue ones, at most
// min(remote_timeout / 50, 100 ms) after their deadline.
// Exit: the module sends every pool member an exit; in-flight jobs answer 503
// from their destructor.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <caf/fwd.hpp>

#include "messages/interfaces/distributor_actor.hpp"
#include "messages/interfaces/ingester_actor.hpp"

namespace skald::limits {
class overrides;
} // namespace skald::limits

namespace skald::distributor {
class rate_limiters;
class distributor_count;
} // namespace skald::distributor

namespace skald::metrics {
class registry;
} // namespace skald::metrics

namespace skald::actors {

class ring_holder; // actors/cluster/cluster.hpp

struct distributor_deps {
  /// The ingesters of the replication set (one node: the local ingester).
  std::vector<ingester_actor> ingesters;
  /// Replication factor (capped at the number of ingesters).
  int replication_factor = 1;
  std::shared_ptr<limits::overrides> limits;
  std::shared_ptr<distributor::rate_limiters> rate;
  /// Healthy distributors of the distributor ring, for the `global` rate
  /// strategy (runtime/distributor/distributor_ring.hpp; 0 or null = the
  /// full rate, as before the first ring snapshot).
  std::shared_ptr<const distributor::distributor_count> distributors;
  metrics::registry* metrics = nullptr;
  std::chrono::nanoseconds timeout = std::chrono::seconds{5};
  /// Wall clock in ns since the epoch (validation); tests inject one.
  std::function<int64_t()> wall_now;
  /// Cluster mode (docs/cluster.md): the ring watcher's snapshots. When set,
  /// `ingesters` is ignored: every stream goes to its replication set from
  /// the ring (the view's replication factor), one request per ingester with all its
  /// streams (local: a shared batch; other nodes: an ingest_wire encoded once).
  std::shared_ptr<ring_holder> ring;
};

/// Spawns one distributor.
distributor_actor spawn_distributor(caf::actor_system& sys, distributor_deps deps);

} // namespace skald::actors
