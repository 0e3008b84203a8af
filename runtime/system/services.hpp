// runtime/system/services.hpp — what the modules of one node share while they
// are built and started (module_context::services): the limits, the local
// ingester, the ring member and its lifecycle steps, the cluster views and
// the store. Owned by the node (one per process), filled by the modules in
// start order; internal to runtime/system.
#pragma once

#include <functional>
#include <memory>

#include "actors/cluster/cluster.hpp"
#include "actors/ring/routes.hpp"
#include "messages/interfaces/ingester_actor.hpp"
#include "messages/interfaces/ring_actor.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/system/module.hpp"

namespace skald::system {

struct shared_services {
  std::shared_ptr<limits::overrides> limits;
  /// The local ingester when this node runs one.
  ingester_actor ingester;
  /// Set by the ingester module while it is built: this node is a ring
  /// instance (the ring member runs the lifecycler).
  bool ring_instance = false;
  /// Set by the distributor module while it is built: this node registers
  /// in the distributor ring (a basic lifecycler of the ring member).
  bool distributor_instance = false;
  /// Where HTTP pages find the ring member: created when the ring module
  /// is built, holding the member once it started (/distributor/ring).
  std::shared_ptr<actors::ring_slot> ring_slot;
  /// The ring member (set when the ring module started), and the lifecycle
  /// steps the ingester module calls: join after the WAL replay (ACTIVE,
  /// tokens file written), leave first thing on stop.
  ring_actor ring;
  std::function<status()> ring_join;
  std::function<void()> ring_leave;
  /// Cluster mode (memberlist.join_members set): this node's directory
  /// entry and the ring watcher's routing views; null on a single node.
  std::shared_ptr<actors::local_node> local;
  std::shared_ptr<actors::ring_holder> routes;
  /// The store of this process (storage_config.filesystem.directory): one
  /// index_store per directory and process, shared by whoever writes (the
  /// flush workers: the ingester module sets these from its flush store) and
  /// reads (the querier; store_services() opens them when no ingester runs).
  std::shared_ptr<storage::file_system> store_fs;
  std::shared_ptr<storage::chunk_store> chunks;
  std::shared_ptr<storage::index_store> index;
};

/// The node's services, created on first use.
shared_services& services(module_context& ctx);

/// The ring module (ring_module.cpp): this node's ring member and /ring, /memberlist.
std::unique_ptr<module> make_ring_module(module_context& ctx);

/// The ingester module (ingester_module.cpp): the ingester actor tree, its
/// WAL and flush workers, /flush and /ingester/shutdown.
std::unique_ptr<module> make_ingester_module(module_context& ctx);

} // namespace skald::system
