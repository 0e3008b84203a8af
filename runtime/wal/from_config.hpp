// runtime/wal/from_config.hpp — ingester.wal.* (runtime/config) as the
// settings the WAL writer actor drives the library with.
//
//   auto s = wal::settings_from(cfg.ingester.wal);   // dir already resolved
//   auto w = wal::writer::open(wal::posix_file_system(), s.writer);
//   fsync none : ack after each write();  batch: sync() every s.fsync_interval,
//   ack after it; checkpoint every s.checkpoint_duration; refuse pushes (503)
//   while space(dir).used_fraction() > s.disk_full_threshold (if > 0).
//
// Owner: whoever builds the WAL writer actor (pure function, no state).
// REQUIRES: cfg.validate() passed and cfg.dir was resolved under
// common.path_prefix by the config loader.
#pragma once

#include <chrono>
#include <cstdint>

#include "runtime/config/fwd.hpp"
#include "runtime/wal/writer.hpp"

namespace skald::wal {

enum class fsync_mode : uint8_t {
  /// Ack after write(2): survives kill -9, not a power cut (Loki's behaviour).
  none,
  /// Ack after the group-commit fsync every fsync_interval.
  batch,
};

struct wal_settings {
  bool enabled = true;
  /// dir, segment_size, fsync_batch (= fsync is batch).
  writer_options writer;
  fsync_mode fsync = fsync_mode::none;
  std::chrono::nanoseconds fsync_interval{0};
  std::chrono::nanoseconds checkpoint_duration{0};
  uint64_t replay_memory_ceiling = 0;
  /// 0 disables the pre-ENOSPC check.
  double disk_full_threshold = 0;
  bool flush_on_shutdown = false;
  /// Nice value the writer actor sets on its own (detached) thread; 0: none.
  int writer_nice = 0;
  /// ingester.wal.ring_size: with fsync none, appends are acked once copied
  /// into the staging ring (runtime/wal/ring.hpp); 0 = no ring.
  uint64_t ring_size = 0;
  /// Ring mode: the newest bytes of the ring the drainer leaves undrained
  /// while it can (so that blocks cut from them can stand in for their
  /// entries records; runtime/wal/drain_plan.hpp). settings_from() sets it
  /// to half the ring; 0 drains all at once.
  uint64_t ring_lookahead = 0;
};

wal_settings settings_from(const config::wal_config& cfg);

} // namespace skald::wal
