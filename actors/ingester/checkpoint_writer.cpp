// actors/ingester/checkpoint_writer.cpp — see checkpoint_writer.hpp.
#include "actors/ingester/checkpoint_writer.hpp"

#include <chrono>
#include <memory>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "runtime/metrics/registry.hpp"
#include "runtime/util/logging.hpp"
#include "runtime/wal/checkpoint.hpp"
#include "runtime/wal/layout.hpp"

namespace skald::actors {

namespace {

struct checkpoint_metrics {
  metrics::counter* checkpoints = nullptr;
  metrics::counter* checkpoints_failed = nullptr;
  metrics::histogram* duration = nullptr;

  explicit checkpoint_metrics(metrics::registry& r) {
    checkpoints = &r.counter("loki_ingester_checkpoint_creations_total",
                             "Total number of checkpoints created.")
                       .get();
    checkpoints_failed = &r.counter("loki_ingester_checkpoint_creations_failed_total",
                                    "Total number of checkpoint creations that failed.")
                              .get();
    duration = &r.histogram("loki_ingester_checkpoint_duration_seconds",
                            "Time taken to create a checkpoint.")
                    .get();
  }
};

struct checkpoint_writer_state {
  static inline const char* name = "skald.checkpoint_writer";
};

checkpoint_writer_actor::behavior_type
checkpoint_writer_fn(checkpoint_writer_actor::stateful_pointer<checkpoint_writer_state> self,
                     wal::file_system* fs, wal::wal_settings settings,
                     std::shared_ptr<checkpoint_metrics> m) {
  (void)self; // stateless: one checkpoint at a time, all on the stack
  return {
      [fs, settings, m](checkpoint_atom, uint64_t n,
                        const snapshot_list_ptr& snaps) -> caf::result<uint64_t> {
        auto t0 = std::chrono::steady_clock::now();
        auto failed = [&](const status& s) -> caf::result<uint64_t> {
          m->checkpoints_failed->inc();
          return caf::make_error(caf::sec::runtime_error, "wal checkpoint: " + s.message());
        };
        if (!snaps)
          return failed(status{errc::invalid_argument, "no snapshots"});
        auto cw = wal::checkpoint_writer::begin(*fs, settings.writer.dir, n);
        if (!cw.ok())
          return failed(cw.error());
        wal::series_snapshot v;
        for (const auto& s : *snaps) {
          v.fingerprint = s.wal_id;
          v.epoch = s.epoch;
          v.entry_ct = s.counter;
          v.highest_ts = s.highest_ts;
          v.last_line = s.last_line;
          v.tenant = s.tenant;
          v.labels = s.labels;
          v.chunks.clear();
          for (const auto& [flags, bytes] : s.chunks)
            v.chunks.push_back(wal::checkpoint_chunk{flags, bytes});
          if (auto a = cw->add(v); !a.ok()) {
            cw->abort();
            return failed(a);
          }
        }
        if (auto c = cw->commit(); !c.ok()) {
          cw->abort();
          return failed(c);
        }
        if (auto r = wal::remove_obsolete(*fs, settings.writer.dir, n); !r.ok()) {
          static auto logger = log::get("wal");
          SKALD_LOG_WARN(logger, "removing WAL files covered by checkpoint {}: {}", n,
                         r.error().message());
        }
        m->checkpoints->inc();
        m->duration->observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        return static_cast<uint64_t>(snaps->size());
      },
  };
}

} // namespace

checkpoint_writer_actor spawn_checkpoint_writer(caf::actor_system& sys,
                                                checkpoint_writer_deps deps) {
  auto& reg = deps.metrics ? *deps.metrics : metrics::default_registry();
  auto m = std::make_shared<checkpoint_metrics>(reg);
  if (deps.detached)
    return sys.spawn<caf::detached>(checkpoint_writer_fn, deps.fs, std::move(deps.settings), m);
  return sys.spawn(checkpoint_writer_fn, deps.fs, std::move(deps.settings), m);
}

} // namespace skald::actors
