// runtime/system/ingester_module.cpp — the `ingester` module: this node's
// ingester actor tree, its flush workers, WAL writer and checkpoint writer;
// WAL replay before the node is ready, the ring join after it, a bounded
// stop; routes /flush, /flush/tenant, /ingester/shutdown and the internal
// stream route (see the module table in modules.cpp).
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
#include "runtime/wal/replay_pool.hpp"
#include "runtime/system/services.hpp"

namespace skald::system {

namespace {

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
      std::shared_ptr<actors::wal_ring_appender> ring;
      auto w = actors::spawn_wal_writer(ctx.sys, std::move(wd), &ring);
      if (w.ok()) {
        wal_ = *w;
        deps.wal = wal_;
        deps.wal_ring = std::move(ring);
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
    // Runs on the thread starting the modules (not a CAF scheduler thread);
    // one rebuild worker per core, this thread reads and decodes.
    auto rec = ingester::recover_from_wal(wal::posix_file_system(), wal_settings_.writer.dir,
                                          stream_cfg_, now, &progress_, ceiling,
                                          wal::replay_pool::default_workers());
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
    // CPU per thread: on a busy machine the wall time says little; the
    // busiest thread bounds the replay on an idle one (docs/benchmarks.md).
    std::string workers_cpu;
    for (auto ns : ptr->worker_cpu_ns)
      workers_cpu += (workers_cpu.empty() ? "" : " ") + fmt::format("{:.2f}", ns / 1e9);
    SKALD_LOG_INFO(logger,
                   "WAL replay: {} streams, {} entries, {} segments, {} corruptions in {:.3f}s "
                   "(cpu s: replay thread {:.2f}, reads {:.2f}, rebuild workers [{}])",
                   streams, entries, ptr->stats.segments,
                   ptr->stats.segment_corruptions + ptr->stats.checkpoint_corruptions, secs,
                   ptr->replay_thread_cpu_ns / 1e9, ptr->stats.read_cpu_ns / 1e9, workers_cpu);
    if (ptr->stats.blocks + ptr->stats.duplicate_blocks + ptr->stats.gap_blocks > 0)
      SKALD_LOG_INFO(logger,
                     "WAL replay: block records: {} applied ({} in part), {} duplicate, {} past a "
                     "gap, {} undecodable",
                     ptr->stats.blocks, ptr->stats.partial_blocks, ptr->stats.duplicate_blocks,
                     ptr->stats.gap_blocks, ptr->skipped_blocks);
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

} // namespace

std::unique_ptr<module> make_ingester_module(module_context& ctx) {
  return std::make_unique<ingester_module>(ctx);
}

} // namespace skald::system
