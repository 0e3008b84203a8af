// actors/cluster/cluster.hpp — the actors that make several skald processes
// one cluster (docs/cluster.md; protocols: messages/interfaces/cluster_actor.hpp).
//
//   directory        one per node, published on server.grpc_listen_port:
//                    answers (lookup_atom) with this node's ring entry and the
//                    handle of its ingester gateway.
//   ingester gateway one per ingester node: decodes ingest_wire/select_wire
//                    from other nodes, asks the local ingester (shared
//                    pointers, as local callers do), relays or encodes the
//                    reply. Local callers never go through it.
//   ring watcher     one per node that runs a distributor or querier (or an
//                    ingester, to publish its own entry): every poll interval
//                    it looks up the directory of every peer in
//                    memberlist.join_members (connecting DIRECTLY to each
//                    host:port with an asynchronous connect_atom to the
//                    middleman, caf-0.17.md §5), monitors them, and publishes
//                    a ring snapshot (runtime/cluster/ring_view plus one
//                    endpoint per instance) into a ring_holder that the
//                    distributors and the querier read per request.
//
// Health: an instance is healthy while its directory answered within
// ingester.lifecycler.ring.heartbeat_timeout; a down_msg (process killed: 1–2
// ms, or a hung peer found by the middleman heartbeat) or a failed connect
// marks it unhealthy at once. Tokens: runtime/cluster/instance_tokens —
// stable across restarts without a tokens file (docs/cluster.md: gaps).
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
struct ring_snapshot {
  ring::ring_view view;
  int64_t now_ms = 0;
  std::map<std::string, ingester_endpoint> endpoints;
  /// Distributors seen (nodes whose roles include "distributor" and that
  /// answer), for the `global` rate strategy; at least 1.
  int distributors = 1;
};

/// Where the ring watcher publishes snapshots; read by any thread.
class ring_holder {
public:
  std::shared_ptr<const ring_snapshot> get() const {
    std::lock_guard<std::mutex> g{mtx_};
    return snap_;
  }
  void set(std::shared_ptr<const ring_snapshot> s) {
    std::lock_guard<std::mutex> g{mtx_};
    snap_ = std::move(s);
  }

private:
  mutable std::mutex mtx_;
  std::shared_ptr<const ring_snapshot> snap_;
};

/// This node's own ring entry, as its directory reports it.
struct local_node {
  std::string id;
  std::string addr;
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
  /// host:port of every peer's directory (may include this node's own).
  std::vector<std::string> peers;
  std::shared_ptr<ring_holder> holder;
  std::chrono::nanoseconds poll_interval = std::chrono::milliseconds{200};
  /// Lookup and connect timeout.
  std::chrono::nanoseconds request_timeout = std::chrono::seconds{1};
  /// No successful lookup for this long = unhealthy.
  std::chrono::nanoseconds heartbeat_timeout = std::chrono::seconds{10};
  /// Replication factor of the ring views it builds.
  int replication_factor = 3;
};

/// Spawns the ring watcher; it polls until it receives an exit.
caf::actor spawn_ring_watcher(caf::actor_system& sys, ring_watcher_deps deps);

} // namespace skald::actors
