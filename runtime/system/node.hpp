// runtime/system/node.hpp — one skald process: actor system plus modules.
//
// The node resolves -target into modules (runtime/util/module_graph), builds
// the CAF actor system (every message type registered, scheduler threads =
// cores), builds each module in start order (modules add their HTTP routes
// then), starts them in that order and stops them in reverse. It serves the
// ops endpoints every Loki component has: /ready, /metrics, /config,
// /services, /log_level and /loki/api/v1/status/buildinfo, and the admin
// console (/admin, /admin/api/*) backed by the node's actor registry, which
// it spawns before any module and stops after the last one.
//
// Owner: cmd/skald/main.cpp, on the main thread. start() and stop() are
// called from that thread only; the HTTP handlers read the module states
// through atomics.
//
// Invariants: /ready answers 200 only while every module is Running, none
// reports a reason in not_ready() (an ingester's ring check: Loki's "Ingester
// not ready: ..."), and the node is not stopping; stop() returns within the modules' own bounds and
// leaves no actor alive, so ~actor_system does not hang (caf-0.17.md item 2).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "runtime/config/root_config.hpp"
#include "runtime/system/module.hpp"
#include "runtime/util/status.hpp"

namespace caf {
class actor_system;
class actor_system_config;
} // namespace caf

namespace skald::system {

class node {
public:
  explicit node(config::root_config cfg);
  ~node();

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Builds and starts every module of the target. On error the modules that
  /// started are stopped again before it returns.
  status start();

  /// Stops the modules in reverse order, then the actor system. Idempotent.
  void stop();

  /// True while every module runs and the node is not stopping.
  bool ready() const;

  /// The /ready body: "ready" or why not.
  std::string readiness_text() const;

  /// One line per module, `<name> => <State>`, in start order.
  std::string services_text() const;

  const config::root_config& config() const noexcept { return cfg_; }

private:
  struct slot {
    std::string name;
    std::unique_ptr<module> instance;
    std::atomic<module_state> state{module_state::new_};
  };

  void register_ops_routes();
  /// The actor registry and the admin console's routes (issue 9).
  void start_admin();
  void stop_admin();
  void stop_started_modules();

  struct admin_state;

  config::root_config cfg_;
  std::unique_ptr<caf::actor_system_config> caf_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<http::router> router_;
  std::unique_ptr<module_context> ctx_;
  std::vector<std::unique_ptr<slot>> modules_;
  std::unique_ptr<admin_state> admin_;
  int64_t started_ns_ = 0;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
};

} // namespace skald::system
