// actors/ingester/wal_writer.cpp — see wal_writer.hpp.
#include "actors/ingester/wal_writer.hpp"

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/util/logging.hpp"
#include "runtime/util/thread_priority.hpp"
#include "runtime/wal/layout.hpp"
#include "runtime/wal/preallocate.hpp"
#include "runtime/wal/writer.hpp"

namespace skald::actors {

namespace {

/// Local only (writer -> its zero-filler): seq -> path of the spare.
using wal_zero_atom = caf::atom_constant<caf::atom("walzero")>;
constexpr auto wal_zero_atom_v = wal_zero_atom::value;

/// The zero-filler: makes one zero-filled spare segment per request
/// (wal::preallocate_segment, blocking I/O: detached in production).
caf::behavior wal_zero_filler_fn(caf::event_based_actor*, wal::file_system* fs, std::string dir,
                                 uint64_t size) {
  return {[=](wal_zero_atom, uint64_t seq) -> caf::result<std::string> {
    auto path = wal::preallocate_segment(*fs, dir, seq, size);
    if (!path)
      return caf::make_error(caf::sec::runtime_error, path.error().message());
    return std::move(*path);
  }};
}

struct wal_metrics {
  metrics::counter* records = nullptr;
  metrics::counter* bytes = nullptr;
  metrics::counter* disk_full = nullptr;
  metrics::counter* write_failures = nullptr;
  metrics::histogram* fsync = nullptr;
  /// Group commits: how many, and how long each write(2) took.
  metrics::counter* writes = nullptr;
  metrics::histogram* write_seconds = nullptr;
  /// Failed rolls; the checkpoint writer counts the rest.
  metrics::counter* checkpoints_failed = nullptr;

  explicit wal_metrics(metrics::registry& r) {
    records = &r.counter("loki_ingester_wal_records_logged_total",
                         "Total number of WAL records logged.")
                 .get();
    bytes = &r.counter("loki_ingester_wal_logged_bytes_total",
                       "Total number of bytes written to disk for WAL records.")
               .get();
    disk_full = &r.counter("loki_ingester_wal_disk_full_failures_total",
                           "Total number of disk full failures.")
                   .get();
    write_failures = &r.counter("skald_ingester_wal_write_failures_total",
                                "Total number of failed WAL writes or syncs (disk full included).")
                        .get();
    fsync = &r.histogram("skald_ingester_wal_fsync_duration_seconds",
                         "Duration of the WAL's group-commit fsyncs.", {},
                         metrics::exponential_buckets(0.0001, 4, 8))
               .get();
    writes = &r.counter("skald_ingester_wal_writes_total",
                        "Total number of WAL group-commit writes (one write(2) each).")
                  .get();
    write_seconds = &r.histogram("skald_ingester_wal_write_duration_seconds",
                                 "Duration of the WAL's group-commit writes.", {},
                                 metrics::exponential_buckets(0.00005, 2, 12))
                         .get();
    checkpoints_failed = &r.counter("loki_ingester_checkpoint_creations_failed_total",
                                    "Total number of checkpoint creations that failed.")
                            .get();
  }
};

struct wal_writer_state {
  static inline const char* name = "skald.wal_writer";
  std::shared_ptr<wal::writer> w;
  wal::file_system* fs = nullptr;
  wal::wal_settings settings;
  std::shared_ptr<wal_metrics> m;
  checkpoint_writer_actor checkpoints;
  /// The appends in the pending batch, in arrival order (their pushes are
  /// counted down after its write).
  std::vector<wal_append_ptr> waiting;
  bool flush_scheduled = false;
  /// disk_full_threshold: the last statvfs verdict and when it was taken
  /// (re-checked at most once a second).
  bool over_threshold = false;
  std::string threshold_message;
  std::chrono::steady_clock::time_point space_checked_at{};
  std::chrono::nanoseconds space_check_interval{0};
  bool space_checked = false;
  admin::actor_stats admin;
  /// Wall-clock ns of the last successful group-commit fsync (admin console).
  int64_t last_fsync_ns = 0;
  /// Makes zero-filled spare segments (ingester.wal.preallocate; null: off).
  caf::actor filler;

  /// True if the WAL disk is fuller than disk_full_threshold (0 = off).
  bool disk_too_full() {
    if (settings.disk_full_threshold <= 0)
      return false;
    auto now = std::chrono::steady_clock::now();
    if (space_checked && now - space_checked_at < space_check_interval)
      return over_threshold;
    space_checked = true;
    space_checked_at = now;
    auto sp = fs->space(settings.writer.dir);
    if (!sp.ok())
      return over_threshold = false; // cannot tell: let write() decide
    auto used = sp->used_fraction();
    over_threshold = used > settings.disk_full_threshold;
    if (over_threshold)
      threshold_message = "wal: disk full, push not acknowledged: " + settings.writer.dir + " is "
                          + std::to_string(static_cast<int>(used * 100))
                          + "% full (ingester.wal.disk_full_threshold "
                          + std::to_string(settings.disk_full_threshold) + ")";
    return over_threshold;
  }
};

/// Counts the push of `app` down as logged (status 0) or not (503/500 and
/// its text: the push is not acknowledged); the last to count it down
/// answers it (messages/push.hpp).
void answer(const wal_append& app, uint16_t status, const std::string& message) {
  auto& round = *app.round;
  if (status != 0) {
    round.wal_status = status;
    round.wal_message = message;
  }
  if (round.count_down() && round.on_last != nullptr)
    round.on_last(app.round, nullptr);
}

wal_writer_actor::behavior_type
wal_writer_fn(wal_writer_actor::stateful_pointer<wal_writer_state> self,
              std::shared_ptr<wal::writer> w, wal::file_system* fs, wal::wal_settings settings,
              std::shared_ptr<wal_metrics> m, std::chrono::nanoseconds space_check_interval,
              checkpoint_writer_actor checkpoints, caf::actor filler, bool detached) {
  if (detached) {
    // On the writer's own thread (detached actors initialize there).
    if (auto nice = settings.writer_nice; nice != 0) {
      if (auto ok = util::set_this_thread_nice(nice); !ok) {
        static auto logger = log::get("wal");
        SKALD_LOG_INFO(logger,
                       "wal: the writer thread keeps its priority ({}); set "
                       "ingester.wal.writer_nice: 0 to skip this",
                       ok.message());
      }
    }
  }
  auto& st = self->state;
  st.filler = std::move(filler);
  st.checkpoints = std::move(checkpoints);
  st.space_check_interval = space_check_interval;
  st.w = std::move(w);
  st.fs = fs;
  st.settings = std::move(settings);
  st.m = std::move(m);
  self->attach_functor([w = st.w, filler = st.filler] {
    (void)w->close();
    if (filler)
      caf::anon_send_exit(filler, caf::exit_reason::user_shutdown);
  });
  // Keeps one zero-filled spare segment ready (asked again after every
  // group commit; the writer says when one is wanted).
  auto want_spare = [self] {
    auto& st = self->state;
    if (!st.filler)
      return;
    if (auto seq = st.w->spare_wanted(); seq != 0)
      self->request(st.filler, caf::infinite, wal_zero_atom_v, seq)
          .then([self](std::string& path) { self->state.w->add_spare(std::move(path)); },
                [self](caf::error& err) {
                  self->state.w->spare_failed();
                  static auto logger = log::get("wal");
                  SKALD_LOG_WARN(logger,
                                 "wal: could not preallocate a segment ({}); creating "
                                 "segments as they are needed",
                                 self->system().render(err));
                });
  };
  want_spare();
  enlist(self, "wal_writer", "WAL writer " + st.settings.writer.dir);
  auto info = [self](admin::actor_info& out) {
    const auto& st = self->state;
    const auto& ws = st.w->stats();
    out.strings["segment"] = wal::segment_name(st.w->segment_index());
    out.strings["dir"] = st.settings.writer.dir;
    out.strings["fsync"] = st.settings.fsync == wal::fsync_mode::batch ? "batch" : "none";
    out.numbers["segment_bytes"] = static_cast<int64_t>(st.w->segment_bytes());
    out.numbers["records"] = static_cast<int64_t>(ws.records);
    out.numbers["bytes"] = static_cast<int64_t>(ws.bytes);
    out.numbers["syncs"] = static_cast<int64_t>(ws.syncs);
    out.numbers["last_fsync_ns"] = st.last_fsync_ns;
    out.numbers["last_fsync_duration_ns"] = static_cast<int64_t>(ws.sync_ns_last);
    out.numbers["pending_records"] = static_cast<int64_t>(st.waiting.size());
    out.numbers["disk_full_errors"] = static_cast<int64_t>(ws.disk_full_errors);
    out.numbers["io_errors"] = static_cast<int64_t>(ws.io_errors);
    out.numbers["segments_preallocated"] = static_cast<int64_t>(ws.segments_preallocated);
    out.numbers["spares_ready"] = static_cast<int64_t>(st.w->spares());
  };
  return admin_behavior<wal_writer_actor::behavior_type>(
    self, info,
    [=](append_atom, const wal_append_ptr& app) {
      auto& st = self->state;
      const auto& batch = *app->round->batch;
      const auto& streams = batch.request.streams;
      for (const auto& [i, rec] : app->records)
        if (rec.series) // even when refused below: later records need it
          st.w->add_series(rec.wal_id, rec.epoch, batch.tenant, streams[i].label_set);
      if (app->records.empty())
        return answer(*app, 0, {}); // nothing to log
      if (st.disk_too_full()) {
        st.m->disk_full->inc();
        return answer(*app, 503, st.threshold_message);
      }
      for (const auto& [i, rec] : app->records) {
        auto added = st.w->add_entries(rec.wal_id, rec.counter, streams[i].entries.data(), rec.count);
        if (!added.ok())
          return answer(*app, 500, "wal: " + added.message());
      }
      st.waiting.push_back(app);
      if (!st.flush_scheduled) {
        st.flush_scheduled = true;
        if (st.settings.fsync == wal::fsync_mode::batch && st.settings.fsync_interval.count() > 0)
          self->delayed_send(self, st.settings.fsync_interval, wal_flush_atom_v);
        else
          self->send(self, wal_flush_atom_v);
      }
    },
    [=](wal_flush_atom) {
      auto& st = self->state;
      st.flush_scheduled = false;
      const auto before = st.w->stats();
      const auto write_start = std::chrono::steady_clock::now();
      auto res = st.w->write();
      if (st.w->stats().writes > before.writes) {
        st.m->writes->inc();
        st.m->write_seconds->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count());
      }
      if (res.ok() && st.settings.fsync == wal::fsync_mode::batch) {
        res = st.w->sync();
        const auto& after = st.w->stats();
        if (after.syncs > before.syncs) {
          st.m->fsync->observe(static_cast<double>(after.sync_ns_last) / 1e9);
          st.last_fsync_ns = admin::wall_now_ns();
        }
      }
      const auto& after = st.w->stats();
      st.m->records->inc(after.records - before.records);
      st.m->bytes->inc(after.bytes - before.bytes);
      ingest_reply r;
      if (!res.ok()) {
        st.m->write_failures->inc();
        if (res.code() == errc::disk_full) {
          st.m->disk_full->inc();
          r.status = 503;
          r.message = "wal: disk full, push not acknowledged: " + res.message();
        } else {
          r.status = 500;
          r.message = "wal: write failed, push not acknowledged: " + res.message();
        }
        static auto logger = log::get("wal");
        SKALD_LOG_WARN(logger, "{} ({} appends nacked)", r.message, st.waiting.size());
      }
      auto waiting = std::move(st.waiting);
      st.waiting.clear();
      for (auto& app : waiting)
        answer(*app, r.status, r.message);
      want_spare();
    },
    [=](checkpoint_atom) -> caf::result<uint64_t> {
      // Pending records stay in the batch and go to segment N+1.
      auto n = self->state.w->roll();
      if (!n.ok()) {
        self->state.m->checkpoints_failed->inc();
        return caf::make_error(caf::sec::runtime_error, "wal roll: " + n.error().message());
      }
      return *n;
    },
    [=](checkpoint_atom, uint64_t n, const snapshot_list_ptr& snaps) -> caf::result<uint64_t> {
      // Written on the checkpoint writer's thread: group commits go on.
      auto& st = self->state;
      if (!st.checkpoints) {
        st.m->checkpoints_failed->inc();
        return caf::make_error(caf::sec::runtime_error, "wal checkpoint: no checkpoint writer");
      }
      return self->delegate(st.checkpoints, checkpoint_atom_v, n, snaps);
    });
}

} // namespace

result<wal_writer_actor> spawn_wal_writer(caf::actor_system& sys, wal_writer_deps deps) {
  auto w = wal::writer::open(*deps.fs, deps.settings.writer);
  if (!w.ok())
    return w.error();
  auto wp = std::make_shared<wal::writer>(std::move(*w));
  auto& reg = deps.metrics ? *deps.metrics : metrics::default_registry();
  auto m = std::make_shared<wal_metrics>(reg);
  caf::actor filler;
  const auto& wo = deps.settings.writer;
  if (wo.preallocate && wo.direct_io)
    filler = deps.detached
                 ? sys.spawn<caf::detached>(wal_zero_filler_fn, deps.fs, wo.dir, wo.segment_size)
                 : sys.spawn(wal_zero_filler_fn, deps.fs, wo.dir, wo.segment_size);
  if (deps.detached)
    return sys.spawn<caf::detached>(wal_writer_fn, wp, deps.fs, deps.settings, m,
                                    deps.space_check_interval, deps.checkpoints, filler, true);
  return sys.spawn(wal_writer_fn, wp, deps.fs, deps.settings, m, deps.space_check_interval,
                   deps.checkpoints, filler, false);
}

} // namespace skald::actors
