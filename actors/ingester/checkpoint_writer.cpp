// actors/ingester/checkpoint_writer.cpp — see checkpoint_writer.hpp.
#include "actors/ingester/checkpoint_writer.hpp"

#include <chrono>
#include <memory>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
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

/// The writer's interface plus the admin console's `info` (the ingester
/// side, messages/interfaces/ingester_actor.hpp, stays as it is).
using checkpoint_admin_actor = checkpoint_writer_actor::extend<info_handler_t>;

struct checkpoint_writer_state {
  static inline const char* name = "skald.checkpoint_writer";
  admin::actor_stats admin;
  /// The last checkpoint (for the admin console's `info`).
  uint64_t checkpoints = 0;
  uint64_t failures = 0;
  uint64_t last_index = 0;
  int64_t last_ns = 0; // wall clock, end of the last successful checkpoint
  int64_t last_duration_ns = 0;
  uint64_t last_series = 0;
  uint64_t last_chunk_bytes = 0;
  std::string last_error;
};

checkpoint_admin_actor::behavior_type
checkpoint_writer_fn(checkpoint_admin_actor::stateful_pointer<checkpoint_writer_state> self,
                     wal::file_system* fs, wal::wal_settings settings,
                     std::shared_ptr<checkpoint_metrics> m) {
  // One checkpoint at a time, all on the stack; the state keeps only what the
  // admin console shows. A checkpoint blocks this (detached) actor, so `info`
  // is answered between checkpoints: in_progress is always 0 in its answer;
  // the ingester's `checkpointing` shows a checkpoint being written.
  enlist(self, "checkpoint_writer", "WAL checkpoint writer " + settings.writer.dir);
  auto fill = [self, dir = settings.writer.dir](admin::actor_info& out) {
    const auto& st = self->state;
    out.numbers["checkpoints"] = static_cast<int64_t>(st.checkpoints);
    out.numbers["failures"] = static_cast<int64_t>(st.failures);
    out.numbers["last_index"] = static_cast<int64_t>(st.last_index);
    out.numbers["last_checkpoint_ns"] = st.last_ns;
    out.numbers["last_duration_ns"] = st.last_duration_ns;
    out.numbers["last_series"] = static_cast<int64_t>(st.last_series);
    out.numbers["last_chunk_bytes"] = static_cast<int64_t>(st.last_chunk_bytes);
    out.numbers["in_progress"] = 0;
    if (!st.last_error.empty())
      out.strings["last_error"] = st.last_error;
    out.strings["dir"] = dir;
  };
  return admin_behavior<checkpoint_admin_actor::behavior_type>(
      self, fill,
      [self, fs, settings, m](checkpoint_atom, uint64_t n,
                              const snapshot_list_ptr& snaps) -> caf::result<uint64_t> {
        auto t0 = std::chrono::steady_clock::now();
        auto failed = [&](const status& s) -> caf::result<uint64_t> {
          ++self->state.failures;
          self->state.last_error = s.message();
          m->checkpoints_failed->inc();
          return caf::make_error(caf::sec::runtime_error, "wal checkpoint: " + s.message());
        };
        if (!snaps)
          return failed(status{errc::invalid_argument, "no snapshots"});
        auto cw = wal::checkpoint_writer::begin(*fs, settings.writer.dir, n);
        if (!cw.ok())
          return failed(cw.error());
        wal::series_snapshot v;
        uint64_t chunk_bytes = 0;
        for (const auto& s : *snaps) {
          v.fingerprint = s.wal_id;
          v.epoch = s.epoch;
          v.entry_ct = s.counter;
          v.highest_ts = s.highest_ts;
          v.last_line = s.last_line;
          v.tenant = s.tenant;
          v.labels = s.labels;
          v.chunks.clear();
          for (const auto& [flags, bytes] : s.chunks) {
            v.chunks.push_back(wal::checkpoint_chunk{flags, bytes});
            chunk_bytes += bytes.size();
          }
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
        auto took = std::chrono::steady_clock::now() - t0;
        m->duration->observe(std::chrono::duration<double>(took).count());
        auto& st = self->state;
        ++st.checkpoints;
        st.last_index = n;
        st.last_ns = admin::wall_now_ns();
        st.last_duration_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
        st.last_series = snaps->size();
        st.last_chunk_bytes = chunk_bytes;
        st.last_error.clear();
        return static_cast<uint64_t>(snaps->size());
      });
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
