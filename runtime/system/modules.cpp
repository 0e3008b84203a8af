// runtime/system/modules.cpp — the module table of a skald node.
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

bool gossip_enabled(const config::root_config& cfg) {
  return !cfg.memberlist.join_members.empty();
}

namespace {

shared_services& services(module_context& ctx) {
  if (!ctx.services)
    ctx.services = std::make_shared<shared_services>();
  return *ctx.services;
}

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

/// GET /skald/internal/ingester/stream?tenant=T&labels=L — one stream's
/// entries as "<ts ns> <line>\n" lines in timestamp order, straight from the
/// ingester (crash tests; the query API is the querier's). 404-free: an
/// unknown stream is an empty body; a bad tenant or label string is a 400.
void add_internal_stream_route(http::router& r, caf::actor_system& sys, ingester_actor ing) {
  r.get("/skald/internal/ingester/stream", [&sys, ing](http::request& req, http::responder rsp) {
    const auto* tenant = req.param("tenant");
    const auto* labels = req.param("labels");
    if (tenant == nullptr || labels == nullptr) {
      rsp.send(http::response::error(400, "tenant and labels are required"));
      return;
    }
    // Garbage is answered here, not by an empty dump that reads as "no lines".
    if (auto st = model::validate_tenant_id(*tenant); !st.ok()) {
      rsp.send(http::response::error(400, st.message()));
      return;
    }
    if (auto ls = model::parse_labels(*labels); !ls.ok()) {
      rsp.send(http::response::error(400, ls.error().message()));
      return;
    }
    sys.spawn([ing, tenant = *tenant, labels = *labels, rsp](caf::event_based_actor* self) {
      self->request(ing, std::chrono::seconds{10}, read_atom_v, tenant, labels)
        .then(
          [rsp](stream_dump& d) {
            std::string body;
            for (size_t i = 0; i < d.lines.size(); ++i) {
              body += std::to_string(d.ts[i]);
              body += ' ';
              body += d.lines[i];
              body += '\n';
            }
            rsp.send(http::response::text(200, std::move(body)));
          },
          [rsp, self](caf::error& e) {
            rsp.send(http::response::error(503, self->system().render(e)));
          });
    });
  });
}

/// The chunk store and index the flush workers write
/// (storage_config.filesystem.directory, schema_config's index period).
/// SKALD_TEST_STORE_FAIL_RATE=<0..1> (tests only) wraps the file system in a
/// storage::error_fs that fails that fraction of mutating operations at
/// random, to test retries end to end.
std::shared_ptr<actors::flush_store> open_flush_store(const config::root_config& cfg) {
  auto st = std::make_shared<actors::flush_store>();
  st->base = std::make_shared<storage::posix_fs>();
  st->fs = st->base;
  if (const char* rate = std::getenv("SKALD_TEST_STORE_FAIL_RATE")) {
    double p = std::atof(rate);
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    auto mu = std::make_shared<std::mutex>();
    st->fs = std::make_shared<storage::error_fs>(
      *st->base, [p, rng, mu](storage::error_fs::op, const std::string&, uint64_t) {
        std::lock_guard<std::mutex> g{*mu};
        return std::uniform_real_distribution<double>{0, 1}(*rng) < p;
      });
  }
  const auto& root = cfg.storage.filesystem.directory;
  st->chunks = std::make_unique<storage::chunk_store>(*st->fs, root);
  st->index =
    std::make_unique<storage::index_store>(*st->fs, storage::index_options::from(cfg.storage,
                                                                                 cfg.schema));
  return st;
}

/// Waits (bounded) until `h` is down after an exit: ~actor_system must never
/// race a detached actor's exit (CAF #1196).
template <class Handle>
bool stop_and_wait(caf::actor_system& sys, const Handle& h, std::chrono::seconds bound) {
  caf::scoped_actor self{sys};
  self->monitor(h);
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(bound) >> [] {});
  return down;
}

/// Immediate flush of every chunk (or one tenant's), waiting at most `bound`.
result<flush_reply> flush_now(caf::actor_system& sys, const ingester_actor& ing,
                              const std::string& tenant, std::chrono::nanoseconds bound) {
  result<flush_reply> out = flush_reply{};
  caf::scoped_actor self{sys};
  self
    ->request(ing, caf::duration{bound}, flush_atom_v,
              static_cast<uint8_t>(ingester::flush_mode::immediate), tenant)
    .receive([&](flush_reply& r) { out = r; },
             [&](caf::error& e) { out = status{errc::unavailable, sys.render(e)}; });
  return out;
}

/// The ingester actor tree of this node, its flush workers and its WAL: the
/// writer actor and the flush workers (detached) are spawned with the tree;
/// start() replays the WAL into the tree before the node is ready (flushing
/// to the store when the replay passes replay_memory_ceiling); stop() refuses
/// pushes, flushes every chunk when the WAL is off or wal.flush_on_shutdown
/// is set (bounded by shutdown_flush_bound()), then stops the tree, the
/// workers and the writer and waits for them boundedly. With the WAL on and
/// flush_on_shutdown off (Loki's default) a stop does not flush: the WAL has
/// the chunks. Routes: /flush, /flush/tenant, /ingester/shutdown.
class ingester_module final : public module {
public:
  explicit ingester_module(module_context& ctx) : ctx_(ctx) {
    const auto& ic = ctx.cfg.ingester;
    actors::ingester_deps deps;
    auto enc = chunkenc::parse_encoding(ic.chunk_encoding);
    deps.stream.encoding = enc.ok() ? *enc : chunkenc::default_encoding;
    deps.stream.block_size = ic.chunk_block_size;
    deps.stream.target_size = ic.chunk_target_size;
    deps.stream.max_chunk_age_ns = ic.max_chunk_age.count();
    deps.stream.sync_period_ns = ic.sync_period.count();
    deps.stream.sync_min_utilization = ic.sync_min_utilization;
    deps.stream.max_returned_errors = ic.max_returned_stream_errors;
    deps.stream.rate_bytes = static_cast<double>(ctx.cfg.limits.per_stream_rate_limit.bytes);
    deps.stream.burst_bytes = static_cast<double>(ctx.cfg.limits.per_stream_rate_limit_burst.bytes);
    deps.limits = services(ctx).limits;
    deps.metrics = &ctx.metrics;
    deps.timeout = ctx.cfg.ingester_client.remote_timeout;
    deps.replication_factor = std::max(1, ic.lifecycler.ring.replication_factor);
    deps.healthy_ingesters = 1;
    if (const auto& svc = services(ctx); svc.routes && svc.local) {
      // Cluster: a stream the ring moved elsewhere flushes as not_owned.
      deps.owned = [routes = svc.routes, id = svc.local->id](const std::string& tenant,
                                                             const std::string& labels) {
        auto snap = routes->get();
        return !snap ||
               ring::owns(snap->view, model::stream_token(tenant, labels), id, snap->now_ms);
      };
    }
    stream_cfg_ = deps.stream;
    store_ = open_flush_store(ctx.cfg);
    {
      // One chunk store and index per process: the querier reads what the
      // flush workers write through the same instances (aliasing pointers
      // keep the flush store alive).
      auto& svc = services(ctx);
      svc.store_fs = store_->fs;
      svc.chunks = std::shared_ptr<storage::chunk_store>(store_, store_->chunks.get());
      svc.index = std::shared_ptr<storage::index_store>(store_, store_->index.get());
    }
    for (uint32_t i = 0; i < std::max(1u, ic.concurrent_flushes); ++i) {
      actors::flush_worker_deps fd;
      fd.store = store_;
      fd.backoff.min_period = ic.flush_op_backoff.min_period;
      fd.backoff.max_period = ic.flush_op_backoff.max_period;
      fd.backoff.max_retries = ic.flush_op_backoff.max_retries;
      fd.op_timeout = ic.flush_op_timeout;
      fd.metrics = &ctx.metrics;
      fd.detached = true; // blocking store writes
      fd.seed = std::random_device{}();
      flushers_.push_back(actors::spawn_flush_worker(ctx.sys, std::move(fd)));
    }
    deps.flushers = flushers_;
    deps.flush = ingester::flush_config::from(ic);
    deps.flush_check_period = ic.flush_check_period;
    deps.seed = std::random_device{}();
    if (ic.wal.enabled) {
      wal_settings_ = wal::settings_from(ic.wal);
      actors::wal_writer_deps wd;
      wd.fs = &wal::posix_file_system();
      wd.settings = wal_settings_;
      wd.metrics = &ctx.metrics;
      wd.detached = true; // blocking file I/O: never on a scheduler thread
      actors::checkpoint_writer_deps cd;
      cd.fs = wd.fs;
      cd.settings = wal_settings_;
      cd.metrics = &ctx.metrics;
      cd.detached = true; // writes whole checkpoints: its own thread
      checkpoints_ = actors::spawn_checkpoint_writer(ctx.sys, std::move(cd));
      wd.checkpoints = checkpoints_;
      auto w = actors::spawn_wal_writer(ctx.sys, std::move(wd));
      if (w.ok()) {
        wal_ = *w;
        deps.wal = wal_;
        deps.replay_pending = true;
        deps.checkpoint_interval = wal_settings_.checkpoint_duration;
      } else {
        wal_error_ = w.error();
      }
    }
    ingester_ = actors::spawn_ingester(ctx.sys, std::move(deps));
    services(ctx).ingester = ingester_;
    services(ctx).ring_instance = true;
    add_internal_stream_route(*ctx.router, ctx.sys, ingester_);
    add_flush_routes(*ctx.router);
  }

  status start() override {
    if (!wal_error_.ok())
      return status{wal_error_.code(), "cannot open the WAL: " + wal_error_.message()};
    // Temp files of puts a crash interrupted (before any put of ours).
    if (auto n = store_->chunks->remove_temp_files(); n.ok() && *n > 0) {
      auto logger = log::get("ingester");
      SKALD_LOG_INFO(logger, "removed {} temp files of interrupted chunk writes", *n);
    }
    if (wal_)
      if (auto st = replay(); !st.ok())
        return st;
    // WAL replayed: this ingester takes its tokens and goes ACTIVE.
    if (services(ctx_).local)
      services(ctx_).local->state->store(static_cast<uint8_t>(ring::instance_state::active));
    if (auto& join = services(ctx_).ring_join)
      return join();
    return {};
  }

  void stop() override {
    if (services(ctx_).local)
      services(ctx_).local->state->store(static_cast<uint8_t>(ring::instance_state::leaving));
    if (auto& leave = services(ctx_).ring_leave)
      leave(); // LEAVING -> LEFT before the ingester stops answering
    auto logger = log::get("ingester");
    const auto& ic = ctx_.cfg.ingester;
    {
      caf::scoped_actor self{ctx_.sys};
      self->request(ingester_, std::chrono::seconds{5}, stop_atom_v)
        .receive([](bool) {}, [](caf::error&) {});
    }
    if (!ic.wal.enabled || ic.wal.flush_on_shutdown) {
      auto t0 = std::chrono::steady_clock::now();
      auto r = flush_now(ctx_.sys, ingester_, std::string{}, shutdown_flush_bound());
      auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!r.ok())
        SKALD_LOG_WARN(logger, "shutdown flush did not finish within {}s: {}",
                       std::chrono::duration_cast<std::chrono::seconds>(shutdown_flush_bound())
                         .count(),
                       r.error().message());
      else
        SKALD_LOG_INFO(logger, "shutdown flush: {} chunks in {} ops, {} failed, {:.3f}s", r->chunks,
                       r->ops, r->failed, secs);
    }
    // Links take every tenant and stream actor down with it.
    caf::anon_send_exit(ingester_, caf::exit_reason::user_shutdown);
    services(ctx_).ingester = nullptr;
    for (auto& w : flushers_)
      if (!stop_and_wait(ctx_.sys, w, std::chrono::seconds{5}))
        SKALD_LOG_WARN(logger, "a flush worker did not stop within 5s");
    flushers_.clear();
    if (wal_) {
      // Stop the detached writer explicitly and wait for it (bounded), so
      // ~actor_system never races a detached actor's exit (CAF #1196).
      if (!stop_and_wait(ctx_.sys, wal_, std::chrono::seconds{5}))
        SKALD_LOG_WARN(logger, "WAL writer did not stop within 5s");
      wal_ = nullptr;
    }
    if (checkpoints_) {
      if (!stop_and_wait(ctx_.sys, checkpoints_, std::chrono::seconds{5}))
        SKALD_LOG_WARN(logger, "WAL checkpoint writer did not stop within 5s");
      checkpoints_ = nullptr;
    }
  }

  std::string readiness_detail() const override {
    if (!replaying_.load())
      return {};
    return "replaying WAL (" + std::to_string(progress_.load()) + " records so far)";
  }

private:
  status replay() {
    auto logger = log::get("ingester");
    replaying_ = true;
    auto& reg = ctx_.metrics;
    auto t0 = std::chrono::steady_clock::now();
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    ingester::replay_ceiling ceiling;
    ceiling.bytes = ctx_.cfg.ingester.wal.replay_memory_ceiling.bytes;
    ceiling.flush = [store = store_](ingester::recovered_stream& rs) {
      return ingester::store_all_chunks(*rs.s, rs.tenant, rs.label_set, *store->chunks,
                                        *store->index);
    };
    auto rec = ingester::recover_from_wal(wal::posix_file_system(), wal_settings_.writer.dir,
                                          stream_cfg_, now, &progress_, ceiling);
    if (!rec.ok()) {
      replaying_ = false;
      return status{rec.error().code(), "WAL replay failed: " + rec.error().message()};
    }
    auto& corruptions =
      reg.counter("loki_ingester_wal_corruptions_total",
                  "Total number of WAL corruptions encountered.", {"type"});
    corruptions.with({"segment"}).inc(rec->stats.segment_corruptions);
    corruptions.with({"checkpoint"}).inc(rec->stats.checkpoint_corruptions);
    for (const auto& c : rec->corruptions)
      SKALD_LOG_WARN(logger, "WAL replay: {} (replay continues)", wal::to_string(c));
    reg.counter("loki_ingester_wal_recovered_streams_total",
                "Total number of streams recovered from the WAL.")
      .get()
      .inc(rec->streams.size());
    reg.counter("loki_ingester_wal_recovered_entries_total",
                "Total number of entries recovered from the WAL.")
      .get()
      .inc(rec->entries_restored);
    reg.counter("loki_ingester_wal_duplicate_entries_total",
                "Entries discarded during WAL replay as already applied.")
      .get()
      .inc(rec->stats.duplicate_entries);
    const auto streams = rec->streams.size();
    const auto entries = rec->entries_restored;
    auto ptr = std::make_shared<ingester::recovery>(std::move(*rec));
    status out;
    caf::scoped_actor self{ctx_.sys};
    self->request(ingester_, std::chrono::seconds{60}, replay_atom_v, ptr)
      .receive([](ingester_stats&) {},
               [&](caf::error& e) {
                 out = status{errc::internal, "WAL replay: the ingester did not adopt the streams: "
                                                + ctx_.sys.render(e)};
               });
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    reg.gauge("loki_ingester_wal_replay_duration_seconds", "Time taken to replay the WAL.")
      .get()
      .set(secs);
    if (ptr->ceiling_flushes > 0)
      SKALD_LOG_INFO(logger, "WAL replay passed replay_memory_ceiling: {} flushes wrote {} chunks",
                     ptr->ceiling_flushes, ptr->ceiling_flushed_chunks);
    SKALD_LOG_INFO(logger, "WAL replay: {} streams, {} entries, {} segments, {} corruptions in {:.3f}s",
                   streams, entries, ptr->stats.segments,
                   ptr->stats.segment_corruptions + ptr->stats.checkpoint_corruptions, secs);
    replaying_ = false;
    return out;
  }

  /// POST|GET /flush, POST /flush/tenant?tenant=T: immediate flush of every
  /// chunk (of T), answered 204 once every op finished (skald waits, Loki
  /// answers after enqueueing), 500 if chunks could not be written, 504
  /// if it did not finish within flush_op_timeout (it goes on).
  /// GET|POST /ingester/shutdown?flush=&delete_ring_tokens=&terminate=
  /// (Loki's defaults true, false, true): refuse pushes, flush if asked,
  /// remove lifecycler.tokens_file_path if asked, then SIGTERM this process
  /// if asked; 204, or 503 when it was stopping already.
  void add_flush_routes(http::router& r) {
    auto& sys = ctx_.sys;
    auto ing = ingester_;
    auto bound = std::max<std::chrono::nanoseconds>(ctx_.cfg.ingester.flush_op_timeout,
                                                    std::chrono::seconds{1});
    auto flush_handler = [&sys, ing, bound](std::string tenant, http::responder rsp) {
      sys.spawn<caf::detached>([&sys, ing, bound, tenant, rsp] {
        auto r = flush_now(sys, ing, tenant, bound);
        if (!r.ok())
          rsp.send(http::response::error(504, "flush did not complete: " + r.error().message()));
        else if (r->failed > 0)
          rsp.send(http::response::error(500, "flush failed: " + std::to_string(r->failed) + " of "
                                                + std::to_string(r->chunks)
                                                + " chunks could not be written"));
        else
          rsp.send(http::response::empty(204));
      });
    };
    r.handle({"GET", "POST"}, "/flush",
             [flush_handler](http::request&, http::responder rsp) { flush_handler("", rsp); });
    r.post("/flush/tenant", [flush_handler](http::request& req, http::responder rsp) {
      auto tenant = std::string{req.param_or("tenant", "")};
      if (tenant.empty()) {
        rsp.send(http::response::error(400, "missing tenant parameter"));
        return;
      }
      if (auto st = model::validate_tenant_id(tenant); !st.ok()) {
        rsp.send(http::response::error(400, st.message()));
        return;
      }
      flush_handler(tenant, rsp);
    });
    auto tokens = ctx_.cfg.ingester.lifecycler.tokens_file_path;
    auto shutdown = [&sys, ing, bound, tokens](http::request& req, http::responder rsp) {
      auto flag = [&req](const char* name, bool dflt) {
        auto v = req.param_or(name, "");
        // Go's strconv.ParseBool; anything else keeps the default (dskit).
        if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True")
          return true;
        if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False")
          return false;
        return dflt;
      };
      bool flush = flag("flush", true);
      bool delete_tokens = flag("delete_ring_tokens", false);
      bool terminate = flag("terminate", true);
      sys.spawn<caf::detached>([&sys, ing, bound, tokens, rsp, flush, delete_tokens, terminate] {
        auto logger = log::get("ingester");
        bool first = false;
        {
          caf::scoped_actor self{sys};
          self->request(ing, std::chrono::seconds{10}, stop_atom_v)
            .receive([&](bool b) { first = b; }, [](caf::error&) {});
        }
        if (!first) {
          rsp.send(http::response::error(503, "Ingester is stopping or already stopped."));
          return;
        }
        if (flush) {
          auto r = flush_now(sys, ing, std::string{}, bound);
          if (!r.ok())
            SKALD_LOG_WARN(logger, "/ingester/shutdown: flush did not complete: {}",
                           r.error().message());
          else
            SKALD_LOG_INFO(logger, "/ingester/shutdown: flushed {} chunks ({} failed)", r->chunks,
                           r->failed);
        }
        if (delete_tokens && !tokens.empty()) {
          if (::unlink(tokens.c_str()) != 0 && errno != ENOENT)
            SKALD_LOG_WARN(logger, "cannot delete ring tokens file {}: {}", tokens,
                           std::strerror(errno));
        }
        rsp.send(http::response::empty(204));
        if (terminate) {
          SKALD_LOG_INFO(logger, "/ingester/shutdown: terminating the process");
          ::kill(::getpid(), SIGTERM);
        }
      });
    };
    r.handle({"GET", "POST"}, "/ingester/shutdown", shutdown);
  }

  /// The longest a shutdown flush (SIGTERM with the WAL off) may take: two
  /// thirds of server.graceful_shutdown_timeout (20 s of 30 s), leaving the
  /// rest of the stop inside the node's watchdog.
  std::chrono::nanoseconds shutdown_flush_bound() const {
    return std::max<std::chrono::nanoseconds>(ctx_.cfg.server.graceful_shutdown_timeout * 2 / 3,
                                              std::chrono::seconds{1});
  }

  module_context& ctx_;
  ingester_actor ingester_;
  std::shared_ptr<actors::flush_store> store_;
  std::vector<flush_worker_actor> flushers_;
  wal_writer_actor wal_;
  checkpoint_writer_actor checkpoints_;
  status wal_error_;
  wal::wal_settings wal_settings_;
  ingester::stream_config stream_cfg_;
  std::atomic<bool> replaying_{false};
  std::atomic<uint64_t> progress_{0};
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
    opts.limits = svc.limits ? svc.limits
                             : std::make_shared<limits::overrides>(ctx.cfg.limits, std::string{});
    actors::tail_route_options tail;
    tail.auth_enabled = opts.auth_enabled;
    tail.limits = opts.limits;
    tail.ingester = svc.ingester;
    tail.querier = querier_;
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
    {{"ring", {"server"}, false}, make_with_context<ring_module>()},
    {{"cluster", {"server", "ring"}, false}, make_with_context<cluster_module>()},
    {{"ingester", {"server", "overrides", "ring", "cluster"}, false},
     make_with_context<ingester_module>()},
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
