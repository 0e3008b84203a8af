#include "runtime/system/node.hpp"

#include <algorithm>
#include <map>
#include <thread>

#include <unistd.h>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <caf/io/middleman.hpp>

#include "actors/admin/actor_registry.hpp"
#include "actors/admin/admin_routes.hpp"
#include "actors/admin/introspect.hpp"
#include "actors/http/router.hpp"
#include "messages/registration.hpp"
#include "runtime/metrics/process.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/system/ops_routes.hpp"
#include "runtime/util/logging.hpp"

namespace skald::system {

struct node::admin_state {
  actor_registry_actor registry;
};

node::node(config::root_config cfg) : cfg_(std::move(cfg)) {}

node::~node() {
  stop();
}

status node::start() {
  auto logger = log::get("node");
  auto order = resolve_start_order(
    [] {
      std::vector<module_spec> specs;
      for (const auto& def : module_table())
        specs.push_back(def.spec);
      return specs;
    }(),
    split_targets(cfg_.target));
  if (!order.ok())
    return order.error();

  caf_cfg_ = std::make_unique<caf::actor_system_config>();
  register_messages(*caf_cfg_);
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  const auto threads = cfg_.server.actor_threads > 0 ? cfg_.server.actor_threads : cores;
  caf_cfg_->set("scheduler.max-threads", static_cast<size_t>(threads));
  // An idle scheduler thread spins briefly, then (CAF's default) sleeps 50us
  // up to 500 times polling for work, then blocks on a condition variable
  // that an enqueue from outside the scheduler (HTTP threads, timers)
  // signals. Under push load the sleeps were ~11-14% of the node's CPU
  // (nanosleep and the context switches around it); server.actor_moderate_
  // poll_attempts (default 20, ~1 ms) cuts them short while keeping
  // one-connection throughput (docs/benchmarks.md, pushsched and the end
  // of session 2026-11-22 (night)).
  caf_cfg_->set("work-stealing.moderate-poll-attempts",
                static_cast<size_t>(cfg_.server.actor_moderate_poll_attempts));
  if (gossip_enabled(cfg_)) {
    // Ring gossip between nodes over CAF's network layer. Heartbeats on, so
    // a hung (not only a dead) peer is detected (caf-0.17.md §4).
    caf_cfg_->load<caf::io::middleman>();
    caf_cfg_->set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds{500}});
    caf_cfg_->set("middleman.connection-timeout", caf::timespan{std::chrono::seconds{2}});
  }
  sys_ = std::make_unique<caf::actor_system>(*caf_cfg_);

  router_ = std::make_shared<http::router>();
  ctx_ = std::make_unique<module_context>(
    module_context{*sys_, cfg_, router_, metrics::default_registry()});
  register_ops_routes();
  start_admin();

  // Build every module (routes are added now), then start them in order.
  for (const auto& name : *order) {
    auto def = std::find_if(module_table().begin(), module_table().end(),
                            [&](const module_def& d) { return d.spec.name == name; });
    auto s = std::make_unique<slot>();
    s->name = name;
    s->instance = def->make(*ctx_);
    modules_.push_back(std::move(s));
  }
  for (auto& m : modules_) {
    m->state = module_state::starting;
    SKALD_LOG_DEBUG(logger, "starting module {}", m->name);
    if (auto st = m->instance->start(); !st.ok()) {
      m->state = module_state::failed;
      SKALD_LOG_ERROR(logger, "module {} failed to start: {}", m->name, st.message());
      stop_started_modules();
      return status{st.code(), "module " + m->name + " failed to start: " + st.message()};
    }
    m->state = module_state::running;
  }
  SKALD_LOG_INFO(logger, "skald {} started, target={}", SKALD_VERSION, cfg_.target);
  return {};
}

void node::stop_started_modules() {
  stopping_ = true;
  for (auto it = modules_.rbegin(); it != modules_.rend(); ++it) {
    auto& m = **it;
    auto st = m.state.load();
    if (st != module_state::running && st != module_state::starting &&
        st != module_state::failed)
      continue;
    m.state = module_state::stopping;
    m.instance->stop();
    m.state = st == module_state::failed ? module_state::failed : module_state::terminated;
  }
}

void node::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  stopping_ = true;
  stop_started_modules();
  stop_admin();
  modules_.clear();
  ctx_.reset();
  router_.reset();
  // Every module told its actors to exit; the system's destructor waits for them.
  sys_.reset();
  caf_cfg_.reset();
}

bool node::ready() const {
  if (stopping_ || modules_.empty())
    return false;
  return std::all_of(modules_.begin(), modules_.end(), [](const std::unique_ptr<slot>& m) {
    return m->state.load() == module_state::running && m->instance->not_ready().empty();
  });
}

std::string node::readiness_text() const {
  if (stopping_)
    return "Application is stopping";
  std::map<std::string, int> not_running;
  for (const auto& m : modules_) {
    auto st = m->state.load();
    if (st != module_state::running)
      ++not_running[to_string(st)];
  }
  if (not_running.empty()) {
    for (const auto& m : modules_)
      if (auto why = m->instance->not_ready(); !why.empty())
        return why;
    return "ready";
  }
  std::string out = "Some services are not Running:";
  for (const auto& [state, n] : not_running)
    out += "\n" + state + ": " + std::to_string(n);
  for (const auto& m : modules_)
    if (m->state.load() != module_state::running)
      if (auto d = m->instance->readiness_detail(); !d.empty())
        out += "\n" + m->name + ": " + d;
  return out;
}

std::string node::services_text() const {
  std::string out;
  for (const auto& m : modules_)
    out += m->name + " => " + to_string(m->state.load()) + "\n";
  return out;
}

void node::start_admin() {
  started_ns_ = admin::wall_now_ns();
  admin_ = std::make_unique<admin_state>();
  // This node as /admin/api/nodes shows it (here and on its peers); runs
  // inside the registry, reading the module states through atomics.
  auto describe = [this] {
    admin::node_summary n;
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) == 0)
      n.hostname = host;
    // The ring's instance id (ingester.lifecycler.id, default the hostname).
    n.id = cfg_.ingester.lifecycler.id.empty() ? n.hostname : cfg_.ingester.lifecycler.id;
    const auto& s = cfg_.server;
    n.address = (s.http_listen_address.empty() ? std::string{"0.0.0.0"} : s.http_listen_address) +
                ":" + std::to_string(s.http_listen_port);
    n.roles = cfg_.targets();
    n.version = SKALD_VERSION;
    n.started_ns = started_ns_;
    n.ready = ready();
    for (const auto& m : modules_)
      n.modules.emplace_back(m->name, to_string(m->state.load()));
    return n;
  };
  admin_->registry =
    actors::spawn_actor_registry(*sys_, std::chrono::milliseconds{2000}, std::move(describe));
  sys_->registry().put(actors::actor_registry_name(),
                       caf::actor_cast<caf::strong_actor_ptr>(admin_->registry));
  actors::admin_route_options opts;
  opts.enable_actions = cfg_.admin.enable_actions;
  actors::add_admin_routes(*router_, *sys_, admin_->registry, std::move(opts));
}

void node::stop_admin() {
  if (!admin_ || !sys_)
    return;
  // A named actor keeps ~actor_system waiting (caf-0.17.md §2).
  sys_->registry().erase(actors::actor_registry_name());
  caf::anon_send_exit(admin_->registry, caf::exit_reason::user_shutdown);
  admin_.reset();
}

void node::register_ops_routes() {
  // Process metrics and build info are registered once per process, however
  // many nodes a test starts.
  static const bool registered = [] {
    auto& reg = metrics::default_registry();
    metrics::register_process_metrics(reg);
    metrics::register_build_info(reg, {SKALD_VERSION, SKALD_REVISION, SKALD_BRANCH, ""});
    return true;
  }();
  static_cast<void>(registered);
  add_ops_routes(*router_, *this, metrics::default_registry());
}

} // namespace skald::system
