// actors/ingester/wal_writer.cpp — see wal_writer.hpp.
#include "actors/ingester/wal_writer.hpp"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
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
#include "runtime/wal/drain_plan.hpp"
#include "runtime/wal/format.hpp"
#include "runtime/wal/layout.hpp"
#include "runtime/wal/preallocate.hpp"
#include "runtime/wal/ring.hpp"
#include "runtime/wal/writer.hpp"

namespace skald::actors {

namespace {

/// How often a failed drain of the staging ring is retried.
constexpr int ring_retry_ms = 100;
/// While records keep coming, the drainer writes them every this often:
/// one write of all that came meanwhile. On the VM each write costs ~45 µs
/// of CPU however small (the virtio doorbell), ~0.05 µs per KB on top
/// (docs/benchmarks.md): few large writes, not one per push.
constexpr auto ring_drain_interval = std::chrono::milliseconds{5};
/// Ring lookahead: a drain writes everything once no drain has written for
/// this long (light load: nothing waits in the ring much longer).
constexpr auto ring_lookahead_max_age = std::chrono::milliseconds{200};

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
  /// Block records (ring mode): put into the ring, left out of it (no
  /// room, or pushes waiting), written to segments; entries records the
  /// segments left out because written blocks cover them.
  metrics::counter* blocks_staged = nullptr;
  metrics::counter* blocks_not_staged = nullptr;
  metrics::counter* blocks_written = nullptr;
  metrics::counter* entries_records_covered = nullptr;

  explicit wal_metrics(metrics::registry& r) {
    blocks_staged = &r.counter("skald_ingester_wal_blocks_staged_total",
                               "Cut chunk blocks put into the WAL staging ring.")
                         .get();
    blocks_not_staged = &r.counter("skald_ingester_wal_blocks_not_staged_total",
                                   "Cut chunk blocks not put into the staging ring "
                                   "(no room, or pushes waiting for room).")
                             .get();
    blocks_written = &r.counter("skald_ingester_wal_blocks_written_total",
                                "Block records written to WAL segments.")
                          .get();
    entries_records_covered =
        &r.counter("skald_ingester_wal_entries_records_covered_total",
                   "Entries records left out of WAL segments because block records "
                   "written before them hold their entries.")
             .get();
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
  /// Ring mode: the front, woken when it waits for space (learned from its
  /// wal_flush). Weak: the front's appender holds this actor strongly.
  caf::actor_addr front;
  /// Ring mode: which records a drain writes (block records stand in for
  /// entries records), its scratch, and when a drain last wrote.
  wal::drain_planner planner;
  /// The ring's records from drained on, read once each (the lookahead is
  /// planned over again every round), up to `collected`.
  std::vector<wal::drain_frame> frames;
  std::vector<wal::ring_frame> fresh;
  uint64_t collected = 0;
  std::vector<std::string_view> plan;
  std::chrono::steady_clock::time_point last_drain{};

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
              checkpoint_writer_actor checkpoints, caf::actor filler, bool detached,
              std::shared_ptr<wal::ring_log> ring) {
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
  // Ring mode (ingester.wal.ring_size): the front acks the appends once
  // they are in the ring; this actor only drains the ring into segments,
  // one group commit per wal_flush (see the front below).
  auto drain = [self, ring] {
    auto& st = self->state;
    const uint64_t upto = ring->published();
    if (upto == ring->drained()) {
      ring->drainer_idle.store(true);
      // The front may have published between the two loads: take it now
      // unless the front's own wake-up is already on its way.
      if (ring->published() != ring->drained() && ring->drainer_idle.exchange(false))
        self->send(self, wal_flush_atom_v);
      return;
    }
    // Lookahead: while the ring has room and a drain wrote recently, the
    // newest ring_lookahead bytes wait, so that the blocks cut from them
    // are in the ring before their entries records are drained.
    if (st.frames.empty() || st.collected < ring->drained())
      st.collected = ring->drained();
    st.fresh.clear();
    ring->collect(st.collected, upto, st.fresh);
    st.collected = upto;
    for (const auto& f : st.fresh)
      st.frames.push_back(wal::make_drain_frame(f));
    const auto now = std::chrono::steady_clock::now();
    size_t n = st.frames.size();
    const uint64_t keep = st.settings.ring_lookahead;
    if (keep > 0 && !ring->front_waiting.load() && now - st.last_drain < ring_lookahead_max_age) {
      while (n > 0 && st.frames[n - 1].logical + keep > upto)
        --n;
      if (n == 0) {
        self->delayed_send(self, ring_drain_interval, wal_flush_atom_v);
        return;
      }
    }
    const uint64_t drained_to = n == st.frames.size() ? upto : st.frames[n].logical;
    st.plan.clear();
    wal::drain_stats ds;
    st.planner.plan(st.frames, n, st.plan, ds);
    for (auto f : st.plan)
      st.w->add_frame(f);
    st.m->blocks_written->inc(ds.blocks_written);
    st.m->entries_records_covered->inc(ds.entries_covered);
    st.last_drain = now;
    const auto before = st.w->stats();
    const auto write_start = std::chrono::steady_clock::now();
    auto res = st.w->write();
    const auto& after = st.w->stats();
    if (after.writes > before.writes) {
      st.m->writes->inc();
      st.m->write_seconds->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count());
    }
    st.m->records->inc(after.records - before.records);
    st.m->bytes->inc(after.bytes - before.bytes);
    if (!res.ok()) {
      // The records stay in the ring (acknowledged, and replayed from there
      // after a crash); the front refuses new pushes until a retry works.
      st.w->clear_pending();
      st.planner.reset(); // what it counted as written is not
      st.m->write_failures->inc();
      std::string message;
      uint16_t status = 500;
      if (res.code() == errc::disk_full) {
        st.m->disk_full->inc();
        status = 503;
        message = "wal: disk full, push not acknowledged: " + res.message();
      } else {
        message = "wal: write failed, push not acknowledged: " + res.message();
      }
      if (ring->failure().first == 0) {
        static auto logger = log::get("wal");
        SKALD_LOG_WARN(logger, "{} (draining the staging ring; retrying every {} ms)", message,
                       ring_retry_ms);
      }
      ring->set_failure(status, std::move(message));
      self->delayed_send(self, std::chrono::milliseconds{ring_retry_ms}, wal_flush_atom_v);
      return;
    }
    ring->set_drained(drained_to);
    st.frames.erase(st.frames.begin(), st.frames.begin() + static_cast<std::ptrdiff_t>(n));
    if (ring->failure().first != 0) {
      ring->clear_failure();
      static auto logger = log::get("wal");
      SKALD_LOG_INFO(logger, "wal: segment writes succeed again; accepting pushes");
    }
    if (ring->front_waiting.exchange(false))
      if (auto front = caf::actor_cast<wal_writer_actor>(self->state.front))
        self->send(front, wal_flush_atom_v);
    // Busy: the next drain in ring_drain_interval, one write for all that
    // came meanwhile (the pushes do not wait for it). Idle: it finds
    // nothing then, and the front's next record wakes it.
    self->delayed_send(self, ring_drain_interval, wal_flush_atom_v);
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
      if (ring) {
        if (const auto& from = self->current_sender(); from && from.get() != self->ctrl())
          st.front = caf::actor_cast<caf::actor_addr>(from);
        drain();
        want_spare();
        return;
      }
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

// -- the front (ring mode) -------------------------------------------------------

/// One append on its way into the ring: how far it got.
struct ring_pending {
  wal_append_ptr app;
  /// Series records written (they go first, for refused pushes too).
  bool series_done = false;
  /// Refused or accepted (checked once, after its series records).
  bool decided = false;
  /// Next record, and entries of it already written (split records).
  size_t record = 0;
  uint32_t entry = 0;
};

} // namespace

/// What the tenants' inline path and the front share (wal_writer.hpp).
class wal_ring_appender {
public:
  /// Guards everything below and the ring's front side.
  std::mutex mtx;
  std::shared_ptr<wal::ring_log> ring;
  /// Appends handed to the front and not yet answered: while > 0 the
  /// tenants send theirs there too (a stream's records stay in order).
  size_t at_front = 0;
  /// disk_full_threshold, as the writer's state does it.
  wal_writer_state space;
  std::shared_ptr<wal_metrics> m;
  std::string scratch;
  std::vector<size_t> sizes;
  wal_writer_actor drainer;
  uint64_t inline_appends = 0;

  /// Wakes the drainer if it sleeps (call without the lock held).
  void wake(bool needed) {
    if (needed)
      caf::anon_send(drainer, wal_flush_atom_v);
  }
};

namespace {

/// Copies one framed record into the ring; false if there is no room now.
bool ring_put(wal::ring_log& ring, std::string_view frame) {
  char* p = ring.begin_record(frame.size());
  if (p == nullptr)
    return false;
  std::memcpy(p, frame.data(), frame.size());
  ring.commit(frame.size());
  return true;
}

struct verdict {
  uint16_t status = 0;
  std::string message;
};

/// Refused (disk too full, failing writes), or nullopt: log the entries.
std::optional<verdict> refusal(wal_ring_appender& a, const wal_append& app) {
  if (app.records.empty())
    return verdict{};
  if (a.space.disk_too_full()) {
    a.m->disk_full->inc();
    return verdict{503, a.space.threshold_message};
  }
  if (auto [status, message] = a.ring->failure(); status != 0)
    return verdict{status, std::move(message)};
  return std::nullopt;
}

/// Fast path (lock held): all of app's records if the ring has room for all
/// of them and none needs splitting; false (nothing written) otherwise.
bool ring_all(wal_ring_appender& a, const wal_append& app, verdict& out) {
  auto& ring = *a.ring;
  const auto& batch = *app.round->batch;
  const auto& streams = batch.request.streams;
  a.scratch.clear();
  a.sizes.clear();
  for (const auto& [i, rec] : app.records)
    if (rec.series) {
      const size_t before = a.scratch.size();
      wal::append_series(a.scratch, rec.wal_id, rec.epoch, batch.tenant, streams[i].label_set);
      a.sizes.push_back(a.scratch.size() - before);
    }
  const size_t n_series = a.sizes.size();
  const uint64_t max_record = ring.data_size() / 4;
  uint64_t need = 0;
  uint64_t largest = 0;
  for (auto sz : a.sizes) {
    need += wal::ring_prefix_size + sz;
    largest = std::max<uint64_t>(largest, wal::ring_prefix_size + sz);
  }
  for (const auto& [i, rec] : app.records) {
    if (rec.count == 0 || rec.counter < rec.count)
      return false; // the front answers it
    const size_t sz = wal::entries_frame_size(streams[i].entries.data(), rec.count);
    if (wal::ring_prefix_size + sz > max_record)
      return false; // split by the front
    a.sizes.push_back(sz);
    need += wal::ring_prefix_size + sz;
    largest = std::max<uint64_t>(largest, wal::ring_prefix_size + sz);
  }
  // A wrap skips less than the record that does not fit.
  if (need + largest > ring.free_bytes())
    return false;
  const char* sp = a.scratch.data();
  for (size_t k = 0; k < n_series; ++k) {
    (void)ring_put(ring, std::string_view{sp, a.sizes[k]});
    sp += a.sizes[k];
  }
  if (auto r = refusal(a, app)) {
    ring.publish();
    out = std::move(*r);
    return true;
  }
  size_t k = n_series;
  for (const auto& [i, rec] : app.records) {
    const size_t sz = a.sizes[k++];
    char* dst = ring.begin_record(sz);
    wal::put_entries_frame(dst, sz, rec.wal_id, rec.counter, streams[i].entries.data(), rec.count);
    ring.commit(sz);
  }
  // In the ring: in the page cache, so it survives the process.
  ring.publish();
  return true;
}

/// Slow path (the front, lock held): moves `p` on as far as the ring's room
/// allows; true once it is decided (out says how).
bool ring_advance(wal_ring_appender& a, ring_pending& p, verdict& out) {
  auto& ring = *a.ring;
  const auto& app = *p.app;
  const auto& batch = *app.round->batch;
  const auto& streams = batch.request.streams;
  if (!p.series_done) {
    // All or none: a push's series records are small.
    uint64_t need = 0;
    for (const auto& [i, rec] : app.records)
      if (rec.series) {
        a.scratch.clear();
        wal::append_series(a.scratch, rec.wal_id, rec.epoch, batch.tenant, streams[i].label_set);
        // A wrap at worst skips less than one record.
        need += 2 * (wal::ring_prefix_size + a.scratch.size());
      }
    if (need > ring.free_bytes())
      return false;
    for (const auto& [i, rec] : app.records)
      if (rec.series) {
        a.scratch.clear();
        wal::append_series(a.scratch, rec.wal_id, rec.epoch, batch.tenant, streams[i].label_set);
        (void)ring_put(ring, a.scratch); // room checked above
      }
    p.series_done = true;
  }
  if (!p.decided) {
    p.decided = true;
    if (auto r = refusal(a, app)) {
      ring.publish();
      out = std::move(*r);
      return true;
    }
  }
  // A record larger than a quarter of the ring is split (its entries keep
  // their numbers: a part with k entries ending at entry e has counter
  // counter - count + e).
  const uint64_t max_record = ring.data_size() / 4;
  for (; p.record < app.records.size(); ++p.record, p.entry = 0) {
    const auto& [i, rec] = app.records[p.record];
    if (rec.count == 0 || rec.counter < rec.count) {
      ring.publish();
      out = verdict{500, "wal: an entries record needs at least one entry and a counter >= it"};
      return true;
    }
    const auto* entries = streams[i].entries.data();
    while (p.entry < rec.count) {
      size_t k = rec.count - p.entry;
      size_t frame = wal::entries_frame_size(entries + p.entry, k);
      while (k > 1 && wal::ring_prefix_size + frame > max_record) {
        k = (k + 1) / 2;
        frame = wal::entries_frame_size(entries + p.entry, k);
      }
      if (wal::ring_prefix_size + frame > ring.data_size()) {
        ring.publish();
        out = verdict{500, "wal: an entry of " + std::to_string(frame) +
                               " bytes does not fit the staging ring (ingester.wal.ring_size)"};
        return true;
      }
      char* dst = ring.begin_record(frame);
      if (dst == nullptr)
        return false;
      const uint64_t counter = rec.counter - rec.count + p.entry + k;
      wal::put_entries_frame(dst, frame, rec.wal_id, counter, entries + p.entry, k);
      ring.commit(frame);
      p.entry += static_cast<uint32_t>(k);
    }
  }
  ring.publish();
  out = verdict{};
  return true;
}

struct wal_front_state {
  static inline const char* name = "skald.wal_front";
  std::shared_ptr<wal_ring_appender> a;
  /// Appends waiting for room, in arrival order (the head one may be partly
  /// written).
  std::deque<ring_pending> queue;
  uint64_t appends = 0;
  uint64_t waits = 0;
  admin::actor_stats admin;
};

wal_writer_actor::behavior_type
wal_front_fn(wal_writer_actor::stateful_pointer<wal_front_state> self,
             std::shared_ptr<wal_ring_appender> a, int nice, bool detached) {
  if (detached && nice != 0)
    (void)util::set_this_thread_nice(nice); // the drainer logs a refusal
  auto& st = self->state;
  st.a = std::move(a);
  self->attach_functor(
      [d = st.a->drainer] { caf::anon_send_exit(d, caf::exit_reason::user_shutdown); });
  // The drainer writes what an earlier run left in the ring first; and it
  // learns who the front is (to wake it when it waits for room).
  st.a->ring->drainer_idle.store(false);
  self->send(st.a->drainer, wal_flush_atom_v);
  enlist(self, "wal_ring", "WAL staging ring " + st.a->ring->path());
  auto info = [self](admin::actor_info& out) {
    const auto& st = self->state;
    std::lock_guard<std::mutex> guard{st.a->mtx};
    const auto& ring = *st.a->ring;
    out.strings["ring"] = ring.path();
    out.numbers["ring_size"] = static_cast<int64_t>(ring.data_size());
    out.numbers["ring_used"] = static_cast<int64_t>(ring.head() - ring.drained());
    out.numbers["inline_appends"] = static_cast<int64_t>(st.a->inline_appends);
    out.numbers["queued_appends"] = static_cast<int64_t>(st.appends);
    out.numbers["waits_for_room"] = static_cast<int64_t>(st.waits);
    out.numbers["pending_appends"] = static_cast<int64_t>(st.queue.size());
  };
  // Answers the queued appends in order while the ring has room.
  auto run = [self] {
    auto& st = self->state;
    auto& a = *st.a;
    while (!st.queue.empty()) {
      verdict v;
      bool done = false;
      bool wake = false;
      {
        std::lock_guard<std::mutex> guard{a.mtx};
        done = ring_advance(a, st.queue.front(), v);
        if (!done) {
          // No room: the drainer wakes us once it made some.
          a.ring->front_waiting.store(true);
        } else {
          --a.at_front;
        }
        wake = a.ring->drainer_idle.exchange(false);
      }
      if (wake)
        self->send(a.drainer, wal_flush_atom_v);
      if (!done) {
        ++st.waits;
        return;
      }
      answer(*st.queue.front().app, v.status, v.message);
      st.queue.pop_front();
    }
  };
  return admin_behavior<wal_writer_actor::behavior_type>(
      self, info,
      [=](append_atom, const wal_append_ptr& app) {
        auto& st = self->state;
        ++st.appends;
        st.queue.push_back(ring_pending{app});
        if (st.queue.size() == 1)
          run();
      },
      [=](wal_flush_atom) { run(); }, // the drainer made room
      [=](checkpoint_atom) -> caf::result<uint64_t> {
        // The roll happens in the drainer, after the records it drained
        // before: they were in the ring before this message.
        return self->delegate(self->state.a->drainer, checkpoint_atom_v);
      },
      [=](checkpoint_atom, uint64_t n, const snapshot_list_ptr& snaps) -> caf::result<uint64_t> {
        return self->delegate(self->state.a->drainer, checkpoint_atom_v, n, snaps);
      });
}

/// Writes what an earlier run left in the ring into a segment (before the
/// node takes pushes); true if the ring is then empty.
bool drain_leftovers(wal::writer& w, wal::ring_log& ring) {
  const uint64_t upto = ring.published();
  if (upto == ring.drained())
    return true;
  size_t n = 0;
  ring.for_each(upto, [&](std::string_view frame) {
    w.add_frame(frame);
    ++n;
  });
  static auto logger = log::get("wal");
  if (auto st = w.write(); !st) {
    w.clear_pending();
    SKALD_LOG_WARN(logger, "wal: could not write the staging ring's {} records to a segment: {}", n,
                   st.message());
    return false;
  }
  ring.set_drained(upto);
  SKALD_LOG_INFO(logger, "wal: wrote the staging ring's {} records to segment {}", n,
                 wal::segment_name(w.segment_index()));
  return true;
}

} // namespace

bool try_ring_append(wal_ring_appender& a, const wal_append_ptr& app) {
  verdict v;
  bool wake = false;
  {
    std::lock_guard<std::mutex> guard{a.mtx};
    if (a.at_front > 0 || !ring_all(a, *app, v)) {
      ++a.at_front; // the caller sends it to the front now
      return false;
    }
    ++a.inline_appends;
    wake = a.ring->drainer_idle.exchange(false);
  }
  a.wake(wake);
  answer(*app, v.status, v.message);
  return true;
}

void ring_offer_block(wal_ring_appender& a, const wal::block_record& b) {
  const size_t sz = wal::block_frame_size(b);
  bool staged = false;
  {
    std::lock_guard<std::mutex> guard{a.mtx};
    auto& ring = *a.ring;
    // Best effort: a block only saves segment bytes, so it never takes the
    // last quarter of the ring from the pushes, never waits, and never
    // passes pushes waiting at the front.
    const uint64_t quarter = ring.data_size() / 4;
    if (a.at_front == 0 && ring.failure().first == 0 && wal::ring_prefix_size + sz <= quarter &&
        ring.cost(sz) + quarter <= ring.free_bytes()) {
      char* dst = ring.begin_record(sz);
      wal::put_block_frame(dst, sz, b);
      ring.commit(sz);
      ring.publish();
      staged = true;
    }
  }
  (staged ? a.m->blocks_staged : a.m->blocks_not_staged)->inc();
}

result<wal_writer_actor> spawn_wal_writer(caf::actor_system& sys, wal_writer_deps deps,
                                          std::shared_ptr<wal_ring_appender>* appender) {
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
  // The staging ring: used with ring_size > 0; one left by an earlier run
  // is written to a segment first either way (and removed if unused now).
  std::shared_ptr<wal::ring_log> ring;
  const auto rpath = wal::ring_path(wo.dir);
  const bool ring_on = deps.settings.ring_size > 0;
  if (ring_on || ::access(rpath.c_str(), F_OK) == 0) {
    auto r =
        wal::ring_log::open(rpath, ring_on ? deps.settings.ring_size : wal::ring_min_data_size);
    if (!r) {
      if (ring_on)
        return r.error();
      static auto logger = log::get("wal");
      SKALD_LOG_WARN(logger, "wal: cannot open the staging ring left by an earlier run: {}",
                     r.error().message());
    } else if (drain_leftovers(*wp, **r) && !ring_on) {
      r->reset();
      status_ignored(deps.fs->remove_file(rpath), "removing the unused staging ring");
    } else if (ring_on) {
      ring = std::move(*r);
    }
  }
  auto spawn_writer = [&](std::shared_ptr<wal::ring_log> rl) {
    if (deps.detached)
      return sys.spawn<caf::detached>(wal_writer_fn, wp, deps.fs, deps.settings, m,
                                      deps.space_check_interval, deps.checkpoints, filler, true,
                                      std::move(rl));
    return sys.spawn(wal_writer_fn, wp, deps.fs, deps.settings, m, deps.space_check_interval,
                     deps.checkpoints, filler, false, std::move(rl));
  };
  if (!ring)
    return spawn_writer(nullptr);
  auto a = std::make_shared<wal_ring_appender>();
  a->ring = ring;
  a->m = m;
  a->space.fs = deps.fs;
  a->space.settings = deps.settings;
  a->space.space_check_interval = deps.space_check_interval;
  a->drainer = spawn_writer(ring);
  if (appender != nullptr)
    *appender = a;
  if (deps.detached)
    return sys.spawn<caf::detached>(wal_front_fn, a, deps.settings.writer_nice, true);
  return sys.spawn(wal_front_fn, a, deps.settings.writer_nice, false);
}

} // namespace skald::actors
