// actors/cluster/cluster.hpp — the actors that make several skald processes
// one cluster (docs/cluster.md; protocols: messages/interfaces/cluster_actor.hpp).
//
//   directory        one per node, published on server.grpc_listen_port:
//                    answers (lookup_atom) with this node's ring entry and the
//                    handle of its ingester gateway.
//   ingester gateway one per ingester node: decodes ingest_wire/select_wire
//                    from other nodes, asks the local ingester (shared
//                    pointers, as local callers do), relays or encodes the
//                    reply. Local callers never go through it. A live tail
//                    from a querier on another node gets a tail relay here:
//                    subscribed to the local ingester like a local tailer,
//                    it forwards the stored entries as tail_batch_wire,
//                    holds them in the subscription's inflight window until
//                    the tailer acks, and ends (closing the subscription)
//                    on stop, on the tailer's down_msg (tail closed or its
//                    node died) or on the gateway's.
//   ring watcher     one per node in cluster mode: subscribes to this node's
//                    ring member (actors/ring: the gossiped ring), connects
//                    DIRECTLY to the directory at each instance's addr
//                    (asynchronous connect_atom to the middleman,
//                    caf-0.17.md §5), monitors it, learns its gateway, and
//                    publishes a cluster_view (runtime/ring ring_view plus one
//                    endpoint per instance) into a ring_holder that the
//                    distributors and the querier read per request.
//
// Health: the ring's own (ACTIVE, heartbeat within
// ingester.lifecycler.ring.heartbeat_timeout), and an instance whose
// directory is unreachable (down_msg: a killed process within 1–2 ms, a hung
// one after the middleman's 2 s connection timeout; or a failed connect) is
// unhealthy at once, even while its last heartbeat is recent.
//
// Exit: the cluster module sends every actor here an exit and unpublishes the
// directory (published actors keep ~actor_system waiting otherwise).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "messages/interfaces/cluster_actor.hpp"
#include "messages/interfaces/ingester_actor.hpp"
#include "messages/interfaces/ring_actor.hpp"
#include "runtime/ring/lookup.hpp"

namespace skald::actors {

/// How to reach one ring instance: the local ingester (shared pointers) or
/// the gateway of another node (wire messages).
struct ingester_endpoint {
  ingester_actor local;
  remote_ingester_actor remote;
};

/// One immutable view of the ring (runtime/ring/lookup: replication sets with
/// dskit's rules) with an endpoint per instance id. Health was judged by the
/// watcher: healthy instances carry timestamp now_ms, unhealthy ones an
/// ancient one, so callers pass now_ms to view.get().
struct cluster_view {
  ring::ring_view view;
  int64_t now_ms = 0;
  std::map<std::string, ingester_endpoint> endpoints;
};

/// Where the ring watcher publishes snapshots; read by any thread.
class ring_holder {
public:
  std::shared_ptr<const cluster_view> get() const {
    std::lock_guard<std::mutex> g{mtx_};
    return snap_;
  }
  void set(std::shared_ptr<const cluster_view> s) {
    std::lock_guard<std::mutex> g{mtx_};
    snap_ = std::move(s);
  }

private:
  mutable std::mutex mtx_;
  std::shared_ptr<const cluster_view> snap_;
};

/// This node's own ring entry, as its directory reports it.
struct local_node {
  std::string id;
  std::string addr;
  /// Informational (empty: the ring member owns the tokens).
  std::vector<uint32_t> tokens;
  std::vector<std::string> roles;
  /// instance_state as an integer: JOINING until the ingester replayed its
  /// WAL, then ACTIVE; LEAVING once shutdown began.
  std::shared_ptr<std::atomic<uint8_t>> state;
  /// The gateway of the local ingester (null without one).
  remote_ingester_actor gateway;
  /// The local ingester itself (null without one).
  ingester_actor ingester;
};

remote_ingester_actor spawn_ingester_gateway(caf::actor_system& sys, ingester_actor local,
                                             std::chrono::nanoseconds timeout);

directory_actor spawn_directory(caf::actor_system& sys, std::shared_ptr<const local_node> self);

struct ring_watcher_deps {
  std::shared_ptr<const local_node> self;
  /// The ring member of this node (actors/ring): the watcher subscribes to
  /// its snapshots; every instance's addr is where its directory listens.
  ring_actor member;
  std::shared_ptr<ring_holder> holder;
  std::chrono::nanoseconds poll_interval = std::chrono::milliseconds{200};
  /// Lookup and connect timeout.
  std::chrono::nanoseconds request_timeout = std::chrono::seconds{1};
};

/// Spawns the ring watcher; it polls until it receives an exit.
caf::actor spawn_ring_watcher(caf::actor_system& sys, ring_watcher_deps deps);

} // namespace skald::actors
