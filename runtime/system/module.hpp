// runtime/system/module.hpp — one module of a skald node (G13).
//
// A module is a unit the node starts and stops as a whole: the HTTP server,
// the distributor pool, the ingester with its WAL and flush workers, the
// querier. Modules are built in start order (each may register HTTP routes
// while it is built: the router is frozen before the server starts), then
// started in the same order and stopped in reverse.
//
// Owner: system::node, which holds every module for the node's lifetime.
// Threading: build, start and stop run on the node's controlling thread;
// handlers a module registers run on HTTP I/O threads and must not block.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/util/module_graph.hpp"
#include "runtime/util/status.hpp"

namespace caf {
class actor_system;
} // namespace caf

namespace skald::config {
struct root_config;
} // namespace skald::config

namespace skald::metrics {
class registry;
} // namespace skald::metrics

namespace skald::http {
class router;
} // namespace skald::http

namespace skald::system {

/// Services modules share on one node (the overrides, the local ingester);
/// defined in runtime/system/modules.cpp, created by the first module that
/// needs it.
struct shared_services;

/// What a module may use while it is built and run.
struct module_context {
  caf::actor_system& sys;
  const config::root_config& cfg;
  /// Routes are added while modules are built; the server module serves this
  /// router once every module has been built.
  std::shared_ptr<http::router> router;
  metrics::registry& metrics;
  /// Filled by the modules themselves (write path: overrides, local ingester).
  std::shared_ptr<shared_services> services = nullptr;
};

/// Loki's service states (pkg/loki/status.go).
enum class module_state { new_, starting, running, stopping, terminated, failed };

/// "New", "Starting", "Running", ...
const char* to_string(module_state st);

class module {
public:
  virtual ~module() = default;
  /// Brings the module up; the node is ready when every module returned ok.
  virtual status start() = 0;
  /// Stops the module: tells its actors to exit and waits for what must
  /// finish, bounded in time. Called once, after a successful or failed start.
  virtual void stop() = 0;
  /// Why the module is not running yet, for /ready ("replaying WAL (n
  /// records so far)"); empty = nothing to add. Called from HTTP threads
  /// while start() runs: must be thread-safe and quick.
  virtual std::string readiness_detail() const { return {}; }
  /// Once Running: why the module is still not ready (the whole /ready
  /// body, e.g. "Ingester not ready: waiting for 15s after being ready");
  /// empty = ready. Called from HTTP threads: thread-safe and quick.
  virtual std::string not_ready() const { return {}; }
};

struct module_def {
  module_spec spec;
  /// Builds the module (null for groups such as `all`).
  std::function<std::unique_ptr<module>(module_context&)> make;
};

/// The node's module table; its names are what -target accepts.
const std::vector<module_def>& module_table();

/// True when the ring gossips with other nodes (memberlist.join_members is
/// set): the node then loads CAF's middleman, with heartbeats on.
bool gossip_enabled(const config::root_config& cfg);

} // namespace skald::system
