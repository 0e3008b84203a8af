#include "runtime/wal/from_config.hpp"

#include "runtime/config/ingester_config.hpp"

namespace skald::wal {

wal_settings settings_from(const config::wal_config& cfg) {
  wal_settings s;
  s.enabled = cfg.enabled;
  s.fsync = cfg.fsync == "batch" ? fsync_mode::batch : fsync_mode::none;
  s.writer.dir = cfg.dir;
  s.writer.segment_size = cfg.segment_size.bytes;
  s.writer.fsync_batch = s.fsync == fsync_mode::batch;
  s.writer.direct_io = cfg.direct_io;
  s.writer.preallocate = cfg.preallocate;
  s.writer.spare_after = cfg.segment_size.bytes / 8;
  s.fsync_interval = cfg.fsync_interval;
  s.checkpoint_duration = cfg.checkpoint_duration;
  s.replay_memory_ceiling = cfg.replay_memory_ceiling.bytes;
  s.disk_full_threshold = cfg.disk_full_threshold;
  s.flush_on_shutdown = cfg.flush_on_shutdown;
  s.writer_nice = cfg.writer_nice;
  s.ring_size = s.fsync == fsync_mode::none ? cfg.ring_size.bytes : 0;
  s.ring_lookahead = s.ring_size / 2;
  return s;
}

} // namespace skald::wal
