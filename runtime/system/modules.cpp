// runtime/system/modules.cpp — the module table of a skald node, and the
// smaller modules (server, overrides, distributor, querier, cluster, roles).
// The ring module is in ring_module.cpp and the ingester module in
// ingester_module.cpp; what the modules share is runtime/system/services.hpp.
//
// Names follow Loki's targets. `all` is a group. The roles' actors arrive
// with their issues (write path, flush, query path, cluster); until then a
// role module is an empty unit that starts and stops, so -target already
// accepts every role and /services lists it.
//
// Write path (this issue): `overrides` (per-tenant limits + the
// runtime_config.file reloader), `ingester` (the ingester actor tree) and
// `distributor` (the distributor pool and the push routes). The ingester
// comes before the distributor in the table, so on one node the distributor
// is built after the ingester and sends to it (no ring yet: the cluster issue
// replaces this by the ring's replication sets).
//
// Ring (issue 8): `ring` — this node's ring member (actors/ring): the
// lifecycler of the ingester's ring entry (when the node runs an ingester:
// JOINING, ACTIVE once the WAL is replayed, LEFT on stop), the distributor's
// entry in the distributor ring (when the node runs a distributor: ACTIVE at
// once, LEFT on stop), and the gossip of both with memberlist.join_members;
// GET/POST /ring and GET /memberlist (GET/POST /distributor/ring come with
// the distributor module). On an ingester it also answers the /ready ring
// check (ingester.lifecycler.readiness_check_ring_health, min_ready_duration).
//
// Query path: `querier` (the querier actor, its evaluation worker pool and the
// query routes) reads the local ingester when this node runs one; built after
// the ingester (table order).
#include "runtime/system/module.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include <signal.h>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/cluster/cluster.hpp"
#include "actors/distributor/distributor.hpp"
#include "actors/distributor/push_routes.hpp"
#include "actors/http/router.hpp"
#include "actors/http/server.hpp"
#include "actors/ingester/checkpoint_writer.hpp"
#include "actors/ingester/flush_worker.hpp"
#include "actors/ingester/ingester.hpp"
#include "actors/ingester/wal_writer.hpp"
#include "actors/limits/overrides_reloader.hpp"
#include "actors/querier/querier.hpp"
#include "actors/querier/tail.hpp"
#include "actors/ring/follower.hpp"
#include "actors/ring/member.hpp"
#include "actors/ring/routes.hpp"
#include "runtime/chunkenc/encoding.hpp"
#include "runtime/config/root_config.hpp"
#include "runtime/distributor/distributor_ring.hpp"
#include "runtime/distributor/rate_limiters.hpp"
#include "runtime/ingester/replay_flush.hpp"
#include "runtime/ingester/wal_recovery.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/model/tenant.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/query/worker_pool.hpp"
#include "runtime/ring/owned.hpp"
#include "runtime/ring/readiness.hpp"
#include "runtime/ring/tokens.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/util/logging.hpp"
#include "runtime/storage/store.hpp"
#include "runtime/wal/file_system.hpp"
#include "runtime/system/services.hpp"

namespace skald::system {

const char* to_string(module_state st) {
  switch (st) {
    case module_state::new_: return "New";
    case module_state::starting: return "Starting";
    case module_state::running: return "Running";
    case module_state::stopping: return "Stopping";
    case module_state::terminated: return "Terminated";
    case module_state::failed: return "Failed";
  }
  return "Unknown";
}

namespace {

/// The HTTP edge (actors/http): serves the router every module filled.
class server_module final : public module {
public:
  explicit server_module(module_context& ctx) : ctx_(ctx) {}

  status start() override {
    const auto& s = ctx_.cfg.server;
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    http::server_options opts;
    opts.address = s.http_listen_address.empty() ? "0.0.0.0" : s.http_listen_address;
    opts.port = static_cast<uint16_t>(s.http_listen_port);
    opts.threads = s.http_threads; // 0 = one per core, decided by the server
    opts.max_request_body_size = s.http_server_max_request_body_size.bytes;
    opts.read_timeout = duration_cast<milliseconds>(s.http_server_read_timeout);
    opts.write_timeout = duration_cast<milliseconds>(s.http_server_write_timeout);
    opts.idle_timeout = duration_cast<milliseconds>(s.http_server_idle_timeout);
    server_ = std::make_unique<http::server>(opts, ctx_.router, ctx_.metrics);
    return server_->start();
  }

  void stop() override {
    if (server_)
      server_->stop();
  }

private:
  module_context& ctx_;
  std::unique_ptr<http::server> server_;
};

} // namespace


bool gossip_enabled(const config::root_config& cfg) {
  return !cfg.memberlist.join_members.empty();
}

shared_services& services(module_context& ctx) {
  if (!ctx.services)
    ctx.services = std::make_shared<shared_services>();
  return *ctx.services;
}

namespace {

/// The chunk store and index on first use (opening reads nothing: index
/// periods load lazily, on the first lookup).
shared_services& store_services(module_context& ctx) {
  auto& svc = services(ctx);
  if (!svc.index) {
    svc.store_fs = std::make_shared<storage::posix_fs>();
    svc.chunks = std::make_shared<storage::chunk_store>(*svc.store_fs,
                                                        ctx.cfg.storage.filesystem.directory);
    svc.index = std::make_shared<storage::index_store>(
      *svc.store_fs, storage::index_options::from(ctx.cfg.storage, ctx.cfg.schema));
  }
  return svc;
}

/// Per-tenant limits; re-reads runtime_config.file every runtime_config.period
/// (a bad file keeps the old values and logs an error).
class overrides_module final : public module {
public:
  explicit overrides_module(module_context& ctx) : ctx_(ctx) {
    services(ctx).limits =
      std::make_shared<limits::overrides>(ctx.cfg.limits, ctx.cfg.runtime_config.file);
  }

  status start() override {
    auto limits = services(ctx_).limits;
    if (limits->file().empty())
      return {};
    if (auto st = limits->reload(); !st.ok())
      return status{st.code(), "failed to load runtime config: " + st.message()};
    auto period = ctx_.cfg.runtime_config.period;
    if (period.count() <= 0)
      return {};
    reloader_ = actors::spawn_overrides_reloader(ctx_.sys, limits, period);
    return {};
  }

  void stop() override {
    if (reloader_)
      caf::anon_send_exit(reloader_, caf::exit_reason::user_shutdown);
  }

private:
  module_context& ctx_;
  caf::actor reloader_;
};

/// The distributor pool (one per scheduler thread) and the push routes.
class distributor_module final : public module {
public:
  explicit distributor_module(module_context& ctx) : ctx_(ctx) {
    auto& svc = services(ctx);
    actors::distributor_deps deps;
    if (svc.ingester)
      deps.ingesters.push_back(svc.ingester);
    deps.replication_factor = std::max(1, ctx.cfg.ingester.lifecycler.ring.replication_factor);
    deps.limits = svc.limits;
    deps.rate = std::make_shared<distributor::rate_limiters>();
    // One distributor per process in the distributor ring; the pool shares
    // its buckets and the ring's count of healthy distributors.
    svc.distributor_instance = true;
    count_ = std::make_shared<distributor::distributor_count>();
    deps.distributors = count_;
    deps.ring = svc.routes; // cluster mode: replication sets from the ring
    deps.metrics = &ctx.metrics;
    deps.timeout = ctx.cfg.ingester_client.remote_timeout;
    auto n = std::max(1u, std::thread::hardware_concurrency());
    std::vector<distributor_actor> members;
    for (unsigned i = 0; i < n; ++i)
      members.push_back(actors::spawn_distributor(ctx.sys, deps));
    pool_ = std::make_shared<actors::distributor_pool>(std::move(members));

    actors::push_route_options opts;
    opts.auth_enabled = ctx.cfg.auth_enabled;
    opts.decode.max_recv_msg_size = ctx.cfg.server.http_server_max_request_body_size.bytes;
    opts.decode.max_decompressed_size = ctx.cfg.distributor.max_decompressed_size.bytes;
    opts.limits = svc.limits;
    opts.metrics = &ctx.metrics;
    actors::add_push_routes(*ctx.router, pool_, std::move(opts));
    if (!svc.ring_slot) // the ring module is built first (a dependency); never null there
      svc.ring_slot = std::make_shared<actors::ring_slot>();
    actors::add_ring_page(*ctx.router, ctx.sys, svc.ring_slot, "/distributor/ring",
                          std::string{ring::distributor_ring_key}, "Distributor Ring Status");
  }

  /// Follows the distributor ring: N = its healthy distributors, recomputed
  /// on every own heartbeat and every gossiped change.
  status start() override {
    auto& svc = services(ctx_);
    if (!svc.ring)
      return {};
    auto count = count_;
    follower_ = actors::spawn_ring_follower(
      ctx_.sys, svc.ring, std::string{ring::distributor_ring_key},
      [count](const ring_snapshot& s) {
        auto n = distributor::healthy_distributors(s->desc, s->now_ms,
                                                   s->options.heartbeat_timeout_ms);
        if (n != count->get()) {
          auto logger = log::get("distributor");
          SKALD_LOG_INFO(logger, "distributor ring: {} healthy distributor(s)", n);
        }
        count->set(n);
      });
    return {};
  }

  void stop() override {
    if (follower_)
      caf::anon_send_exit(follower_, caf::exit_reason::user_shutdown);
    for (const auto& d : pool_->members())
      caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
  }

private:
  module_context& ctx_;
  std::shared_ptr<actors::distributor_pool> pool_;
  std::shared_ptr<distributor::distributor_count> count_;
  caf::actor follower_;
};

/// The querier actor, its evaluation pool, its store-reader pool and the
/// query routes (reads the local ingester when this node runs one, and the
/// store).
class querier_module final : public module {
public:
  explicit querier_module(module_context& ctx) {
    auto& svc = services(ctx);
    actors::querier_deps deps;
    deps.ingester = svc.ingester;
    deps.ring = svc.routes;
    deps.remote_timeout = ctx.cfg.ingester_client.remote_timeout;
    pool_ = std::make_shared<query::worker_pool>(
      static_cast<size_t>(std::max(1, ctx.cfg.querier.max_concurrent)));
    deps.pool = pool_;
    auto& store = store_services(ctx);
    deps.chunks = store.chunks;
    deps.index = store.index;
    // Blocking file reads: their own threads, as many as evaluation threads.
    store_pool_ = std::make_shared<query::worker_pool>(
      static_cast<size_t>(std::max(1, ctx.cfg.querier.max_concurrent)));
    deps.store_pool = store_pool_;
    deps.query_ingesters_within_ns = ctx.cfg.querier.query_ingesters_within.count();
    querier_ = actors::spawn_querier(ctx.sys, std::move(deps));
    actors::query_route_options opts;
    opts.auth_enabled = ctx.cfg.auth_enabled;
    opts.max_in_flight_per_tenant =
        static_cast<size_t>(std::max(0, ctx.cfg.frontend.max_outstanding_per_tenant)) +
        static_cast<size_t>(std::max(1, ctx.cfg.querier.max_concurrent));
    opts.limits = svc.limits ? svc.limits
                             : std::make_shared<limits::overrides>(ctx.cfg.limits, std::string{});
    actors::tail_route_options tail;
    tail.auth_enabled = opts.auth_enabled;
    tail.limits = opts.limits;
    tail.ingester = svc.ingester;
    tail.querier = querier_;
    tail.ring = svc.routes; // cluster: tail every ACTIVE ingester of the ring
    tail.remote_timeout = ctx.cfg.ingester_client.remote_timeout;
    tail.max_duration = ctx.cfg.querier.tail_max_duration;
    tail.metrics = &ctx.metrics;
    actors::add_query_routes(*ctx.router, querier_, std::move(opts));
    tails_ = actors::add_tail_routes(*ctx.router, ctx.sys, std::move(tail));
  }

  status start() override { return {}; }

  void stop() override {
    tails_->stop();
    caf::anon_send_exit(querier_, caf::exit_reason::user_shutdown);
    store_pool_->stop();
    pool_->stop();
  }

private:
  std::shared_ptr<query::worker_pool> pool_;
  std::shared_ptr<query::worker_pool> store_pool_;
  querier_actor querier_;
  std::shared_ptr<actors::tail_service> tails_;
};

/// Cluster wiring (docs/cluster.md), active when memberlist.join_members is
/// set: this node's directory, published with CAF's middleman on
/// server.grpc_listen_port (the port of its ring address); the ingester
/// gateway when the node runs an ingester; the ring watcher that follows the
/// ring member and feeds the distributors and the querier. Started after the
/// ring module, before the roles; it reads the local ingester at start, when
/// every module has been built.
class cluster_module final : public module {
public:
  explicit cluster_module(module_context& ctx) : ctx_(ctx) {
    const auto& cfg = ctx.cfg;
    if (!gossip_enabled(cfg))
      return;
    auto& svc = services(ctx);
    auto local = std::make_shared<actors::local_node>();
    // The same instance id and address as the ring module registers.
    local->id = cfg.ingester.lifecycler.id;
    if (local->id.empty()) {
      char host[256] = {0};
      if (::gethostname(host, sizeof host - 1) != 0)
        std::snprintf(host, sizeof host, "skald");
      local->id = host;
    }
    const auto& ml = cfg.memberlist;
    std::string host = !cfg.ingester.lifecycler.address.empty() ? cfg.ingester.lifecycler.address
                       : !cfg.common.instance_addr.empty()      ? cfg.common.instance_addr
                       : !ml.advertise_addr.empty()             ? ml.advertise_addr
                       : !ml.bind_addr.empty()                  ? ml.bind_addr.front()
                                                                : std::string{"127.0.0.1"};
    local->addr = host + ":" + std::to_string(cfg.server.grpc_listen_port);
    auto targets = split_targets(cfg.target);
    for (const char* role : {"distributor", "ingester", "querier"})
      if (std::find(targets.begin(), targets.end(), role) != targets.end()
          || std::find(targets.begin(), targets.end(), "all") != targets.end())
        local->roles.emplace_back(role);
    local->state = std::make_shared<std::atomic<uint8_t>>(
      static_cast<uint8_t>(ring::instance_state::joining));
    svc.local = local;
    svc.routes = std::make_shared<actors::ring_holder>();
  }

  status start() override {
    auto& svc = services(ctx_);
    if (!svc.local)
      return {};
    const auto& cfg = ctx_.cfg;
    auto& local = *svc.local;
    local.ingester = svc.ingester;
    if (svc.ingester) {
      local.gateway = actors::spawn_ingester_gateway(ctx_.sys, svc.ingester,
                                                     std::chrono::seconds{60});
    }
    directory_ = actors::spawn_directory(ctx_.sys, svc.local);
    auto host = local.addr.substr(0, local.addr.rfind(':'));
    auto port = ctx_.sys.middleman().publish(directory_,
                                             static_cast<uint16_t>(cfg.server.grpc_listen_port),
                                             host.c_str(), true);
    if (!port)
      return status{errc::unavailable, "cannot listen on " + local.addr
                                         + " (server.grpc_listen_port): "
                                         + ctx_.sys.render(port.error())};
    actors::ring_watcher_deps wd;
    wd.self = svc.local;
    wd.member = svc.ring;
    wd.holder = svc.routes;
    wd.poll_interval = std::max<std::chrono::nanoseconds>(std::chrono::milliseconds{10},
                                                          cfg.memberlist.gossip_interval);
    wd.request_timeout = std::chrono::seconds{1};
    watcher_ = actors::spawn_ring_watcher(ctx_.sys, std::move(wd));
    return {};
  }

  void stop() override {
    if (directory_) {
      ctx_.sys.middleman().unpublish(caf::actor_cast<caf::actor>(directory_));
      caf::anon_send_exit(directory_, caf::exit_reason::user_shutdown);
    }
    if (watcher_)
      caf::anon_send_exit(watcher_, caf::exit_reason::user_shutdown);
    auto& svc = services(ctx_);
    if (svc.local && svc.local->gateway)
      caf::anon_send_exit(svc.local->gateway, caf::exit_reason::user_shutdown);
  }

private:
  module_context& ctx_;
  directory_actor directory_;
  caf::actor watcher_;
};

/// A role whose actors are not built yet.
class role_module final : public module {
public:
  status start() override { return {}; }
  void stop() override {}
};

template <class T>
std::function<std::unique_ptr<module>(module_context&)> make_with_context() {
  return [](module_context& ctx) { return std::make_unique<T>(ctx); };
}

std::function<std::unique_ptr<module>(module_context&)> make_role() {
  return [](module_context&) { return std::make_unique<role_module>(); };
}

} // namespace

const std::vector<module_def>& module_table() {
  static const std::vector<module_def> table{
    {{"server", {}, false}, make_with_context<server_module>()},
    {{"overrides", {}, false}, make_with_context<overrides_module>()},
    {{"ring", {"server"}, false}, make_ring_module},
    {{"cluster", {"server", "ring"}, false}, make_with_context<cluster_module>()},
    {{"ingester", {"server", "overrides", "ring", "cluster"}, false},
     make_ingester_module},
    {{"distributor", {"server", "overrides", "ring", "cluster"}, false},
     make_with_context<distributor_module>()},
    {{"querier", {"server", "overrides", "ring", "cluster"}, false},
     make_with_context<querier_module>()},
    {{"query-frontend", {"server", "querier"}, false}, make_role()},
    {{"all", {"distributor", "ingester", "querier", "query-frontend"}, true}, nullptr},
  };
  return table;
}

} // namespace skald::system
