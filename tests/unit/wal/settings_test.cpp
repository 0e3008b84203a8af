// wal::settings_from (ingester.wal.* -> writer options and fsync mode) and
// the disk-space query behind ingester.wal.disk_full_threshold.
#include <gtest/gtest.h>

#include "runtime/config/ingester_config.hpp"
#include "runtime/wal/from_config.hpp"
#include "runtime/wal/test_fs.hpp"

namespace skald::wal {
namespace {

TEST(wal_settings, defaults_follow_the_ingester_wal_config) {
  config::wal_config cfg;
  cfg.dir = "/data/wal";
  auto s = settings_from(cfg);
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.writer.dir, "/data/wal");
  EXPECT_EQ(s.writer.segment_size, 128ull << 20);
  EXPECT_EQ(s.fsync, fsync_mode::none);
  EXPECT_FALSE(s.writer.fsync_batch);
  EXPECT_EQ(s.fsync_interval, std::chrono::milliseconds{10});
  EXPECT_EQ(s.checkpoint_duration, std::chrono::minutes{5});
  EXPECT_EQ(s.replay_memory_ceiling, 4ull << 30);
  EXPECT_DOUBLE_EQ(s.disk_full_threshold, 0.9);
  EXPECT_FALSE(s.writer.preallocate);
  EXPECT_EQ(s.writer.spare_after, 16ull << 20); // with preallocate: once a segment is 1/8 full
  cfg.fsync = "batch";
  s = settings_from(cfg);
  EXPECT_EQ(s.fsync, fsync_mode::batch);
  EXPECT_TRUE(s.writer.fsync_batch);
}

TEST(wal_settings, disk_space_reports_the_used_fraction) {
  memory_file_system fs;
  fs.set_capacity(1000);
  fs.put("/wal/00000000", std::string(900, 'x'));
  auto sp = fs.space("/wal");
  ASSERT_TRUE(sp.ok());
  EXPECT_DOUBLE_EQ(sp->used_fraction(), 0.9);
  auto real = posix_file_system().space("/tmp");
  ASSERT_TRUE(real.ok());
  EXPECT_GT(real->total_bytes, 0u);
  EXPECT_LE(real->used_fraction(), 1.0);
  EXPECT_DOUBLE_EQ(disk_space{}.used_fraction(), 0.0);
}

} // namespace
} // namespace skald::wal
