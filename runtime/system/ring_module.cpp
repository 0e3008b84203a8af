// runtime/system/ring_module.cpp — the `ring` module: this node's ring member
// (actors/ring) with the lifecycler of its ingester entry and its distributor
// entry, the gossip of both rings, /ring and /memberlist, and the /ready ring
// check of an ingester (see the module table in modules.cpp).
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

namespace {

/// The ring member of this node (actors/ring/member.hpp) and its pages.
/// Gossip (memberlist) only when memberlist.join_members is set, as Loki
/// switches its rings to memberlist then; otherwise the ring lives in this
/// node alone. The tokens file is read here and written after the join:
/// file I/O stays out of the actor.
class ring_module final : public module {
public:
  explicit ring_module(module_context& ctx)
      : ctx_(ctx), slot_(std::make_shared<actors::ring_slot>()),
        readiness_(std::make_shared<readiness_box>()) {
    actors::add_ring_routes(*ctx.router, ctx.sys, slot_, "Ingester Ring Status");
    services(ctx).ring_slot = slot_;
  }

  status start() override {
    auto logger = log::get("ring");
    const auto& cfg = ctx_.cfg;
    const auto& ml = cfg.memberlist;
    const auto& lc = cfg.ingester.lifecycler;
    auto& svc = services(ctx_);
    using std::chrono::duration_cast;
    using ms = std::chrono::milliseconds;
    char hn[256] = {0};
    if (gethostname(hn, sizeof(hn) - 1) != 0)
      std::snprintf(hn, sizeof(hn), "skald");
    std::string hostname{hn};
    std::mt19937_64 rng{std::random_device{}()};

    actors::ring_member_deps d;
    const bool gossip = gossip_enabled(cfg);
    std::string host = !ml.advertise_addr.empty()          ? ml.advertise_addr
                       : !ml.bind_addr.empty()             ? ml.bind_addr.front()
                       : !cfg.common.instance_addr.empty() ? cfg.common.instance_addr
                                                           : std::string{"127.0.0.1"};
    // advertise_port keeps Loki's default 7946; a node that only moved
    // bind_port advertises that port.
    int port = ml.advertise_port != 7946 ? ml.advertise_port : ml.bind_port;
    if (gossip)
      d.self_endpoint = host + ":" + std::to_string(port);
    d.node_name = ml.node_name.empty() ? hostname : ml.node_name;
    if (ml.randomize_node_name)
      d.node_name += "-" + std::to_string(rng() % 0xffffff);
    d.seeds = ml.join_members;
    actors::ring_key_deps ing;
    ing.key = std::string{ring::ingester_ring_key};
    ing.lifecycler = svc.ring_instance ? actors::lifecycler_kind::ingester
                                       : actors::lifecycler_kind::none;
    ing.instance_id = lc.id.empty() ? hostname : lc.id;
    std::string addr_host = !lc.address.empty()                 ? lc.address
                            : !cfg.common.instance_addr.empty() ? cfg.common.instance_addr
                                                                : host;
    ing.instance_addr =
      addr_host + ":" + std::to_string(lc.port != 0 ? lc.port : cfg.server.grpc_listen_port);
    ing.zone = lc.availability_zone;
    ing.num_tokens = lc.num_tokens;
    ing.unregister_on_shutdown = lc.unregister_on_shutdown;
    tokens_file_ = lc.tokens_file_path;
    if (svc.ring_instance && !tokens_file_.empty()) {
      auto tk = ring::load_tokens_file(fs_, tokens_file_);
      if (tk.ok()) {
        ing.file_tokens = std::move(*tk);
        SKALD_LOG_INFO(logger, "loaded {} tokens from {}", ing.file_tokens.size(), tokens_file_);
      } else if (tk.error().code() != errc::not_found) {
        SKALD_LOG_WARN(logger, "ignoring tokens file {}: {}", tokens_file_, tk.error().message());
      }
    }
    ing.ring.replication_factor = lc.ring.replication_factor;
    ing.ring.heartbeat_timeout_ms = duration_cast<ms>(lc.ring.heartbeat_timeout).count();
    ing.ring.zone_awareness_enabled = lc.ring.zone_awareness_enabled;
    ing.heartbeat_period = std::max(ms{10}, duration_cast<ms>(lc.heartbeat_period));
    ing.auto_forget_period = cfg.ingester.autoforget_unhealthy
                               ? duration_cast<ms>(lc.ring.heartbeat_timeout)
                               : duration_cast<ms>(lc.ring.auto_forget_unhealthy_period);
    d.rings.push_back(std::move(ing));
    // The distributor ring (Loki's BasicLifecycler for distributors: ACTIVE
    // at once with 1 token, unregistered on stop, members unhealthy for
    // 2 x heartbeat_timeout forgotten). Every node keeps and forwards it;
    // only distributors register.
    const auto& dr = cfg.distributor.ring;
    actors::ring_key_deps dist;
    dist.key = std::string{ring::distributor_ring_key};
    dist.lifecycler = svc.distributor_instance ? actors::lifecycler_kind::basic
                                               : actors::lifecycler_kind::none;
    dist.instance_id = !dr.instance_id.empty() ? dr.instance_id
                       : !lc.id.empty()        ? lc.id
                                               : hostname;
    std::string dist_host = !dr.instance_addr.empty()           ? dr.instance_addr
                            : !cfg.common.instance_addr.empty() ? cfg.common.instance_addr
                                                                : host;
    dist.instance_addr = dist_host + ":" +
                         std::to_string(dr.instance_port != 0 ? dr.instance_port
                                                               : cfg.server.grpc_listen_port);
    dist.num_tokens = 1;
    dist.unregister_on_shutdown = true;
    dist.ring.replication_factor = 1;
    dist.ring.heartbeat_timeout_ms = duration_cast<ms>(dr.heartbeat_timeout).count();
    dist.heartbeat_period = std::max(ms{10}, duration_cast<ms>(dr.heartbeat_period));
    dist.auto_forget_period = 2 * duration_cast<ms>(dr.heartbeat_timeout);
    d.rings.push_back(std::move(dist));
    d.gossip_interval = std::max(ms{10}, duration_cast<ms>(ml.gossip_interval));
    d.gossip_nodes = ml.gossip_nodes;
    d.left_ingesters_timeout = duration_cast<ms>(ml.left_ingesters_timeout);
    leave_timeout_ = std::min(ms{5000}, duration_cast<ms>(ml.leave_timeout));
    d.leave_timeout = leave_timeout_;
    d.seed = rng();
    if (gossip)
      d.connector = caf::actor_cast<actors::connector_actor>(ctx_.sys.middleman().actor_handle());
    member_ = actors::spawn_ring_member(ctx_.sys, std::move(d));
    if (gossip) {
      const char* bind = ml.bind_addr.empty() ? nullptr : ml.bind_addr.front().c_str();
      // reuse: a node restarted right after kill -9 binds although its old
      // connections linger in TIME_WAIT (a second live process on the port
      // still fails: checked by hand, docs/ring.md).
      auto published =
        // reuse_addr: a node restarted after kill -9 binds again while its
        // peers' old connections are still in TIME_WAIT.
        ctx_.sys.middleman().publish(member_, static_cast<uint16_t>(ml.bind_port), bind, true);
      if (!published) {
        caf::anon_send_exit(member_, caf::exit_reason::user_shutdown);
        member_ = nullptr;
        return status{errc::unavailable, "memberlist: cannot listen on port " +
                                             std::to_string(ml.bind_port) + ": " +
                                             ctx_.sys.render(published.error())};
      }
      SKALD_LOG_INFO(logger, "gossiping on port {} as {}, joining {} seed(s)", *published,
                     host + ":" + std::to_string(port), ml.join_members.size());
    }
    slot_->set(member_);
    svc.ring = member_;
    svc.ring_join = [this] { return join(); };
    svc.ring_leave = [this] { leave(); };
    if (svc.ring_instance) {
      // The /ready ring check of an ingester (dskit Lifecycler.CheckReady).
      ring::readiness_options ro;
      ro.check_ring_health = lc.readiness_check_ring_health;
      ro.heartbeat_timeout_ms = duration_cast<ms>(lc.ring.heartbeat_timeout).count();
      ro.min_ready_duration_ms = duration_cast<ms>(lc.min_ready_duration).count();
      {
        std::lock_guard<std::mutex> guard{readiness_->mtx};
        readiness_->tracker = ring::readiness_tracker{ro};
        readiness_->self_id = lc.id.empty() ? hostname : lc.id;
        readiness_->enabled = true;
      }
      auto box = readiness_;
      follower_ = actors::spawn_ring_follower(ctx_.sys, member_,
                                              std::string{ring::ingester_ring_key},
                                              [box](const ring_snapshot& snap) {
                                                std::lock_guard<std::mutex> guard{box->mtx};
                                                box->latest = snap;
                                              });
    }
    return {};
  }

  /// Loki's ready handler asks the ingester's lifecycler: "Ingester not
  /// ready: <why>" until the ring looked healthy for min_ready_duration.
  std::string not_ready() const override {
    std::lock_guard<std::mutex> guard{readiness_->mtx};
    if (!readiness_->enabled)
      return {};
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    static const ring::ring_desc none;
    auto why = readiness_->tracker.check(readiness_->latest ? readiness_->latest->desc : none,
                                         readiness_->self_id, now);
    return why.empty() ? std::string{} : "Ingester not ready: " + why;
  }

  void stop() override {
    auto& svc = services(ctx_);
    svc.ring_join = nullptr;
    svc.ring_leave = nullptr;
    svc.ring = nullptr;
    if (follower_)
      caf::anon_send_exit(follower_, caf::exit_reason::user_shutdown);
    if (!member_)
      return;
    leave();
    slot_->set(ring_actor{});
    caf::anon_send_exit(member_, caf::exit_reason::user_shutdown);
    member_ = nullptr;
  }

private:
  status join() {
    caf::scoped_actor self{ctx_.sys};
    status out;
    std::vector<uint32_t> tokens;
    self->request(member_, std::chrono::seconds{10}, ring_join_atom_v)
        .receive([&](std::vector<uint32_t>& t) { tokens = std::move(t); },
                 [&](caf::error& e) {
                   out = status{errc::internal, "joining the ring: " + ctx_.sys.render(e)};
                 });
    if (!out.ok() || tokens_file_.empty())
      return out;
    if (auto st = ring::store_tokens_file(fs_, tokens_file_, tokens); !st.ok()) {
      auto logger = log::get("ring");
      SKALD_LOG_ERROR(logger, "cannot write tokens file {}: {}", tokens_file_, st.message());
    }
    return out;
  }

  void leave() {
    if (!member_ || left_)
      return;
    left_ = true;
    caf::scoped_actor self{ctx_.sys};
    self->request(member_, leave_timeout_ + std::chrono::seconds{1}, ring_leave_atom_v)
        .receive([](bool) {}, [](caf::error&) {});
  }

  /// What /ready reads (HTTP threads) and the follower writes.
  struct readiness_box {
    std::mutex mtx;
    bool enabled = false;
    ring::readiness_tracker tracker;
    std::string self_id;
    ring_snapshot latest;
  };

  module_context& ctx_;
  std::shared_ptr<actors::ring_slot> slot_;
  std::shared_ptr<readiness_box> readiness_;
  caf::actor follower_;
  ring_actor member_;
  storage::posix_fs fs_;
  std::string tokens_file_;
  std::chrono::milliseconds leave_timeout_{2000};
  bool left_ = false;
};

} // namespace

std::unique_ptr<module> make_ring_module(module_context& ctx) {
  return std::make_unique<ring_module>(ctx);
}

} // namespace skald::system
