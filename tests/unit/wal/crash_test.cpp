// The promise, as a seeded random walk over the library: pushes from
// many streams, group commits, checkpoints, torn unacked writes and crashes
// (kill -9 = everything not yet written is gone; with fsync=batch also a
// power cut = everything not yet synced is gone). After every crash, replay
// must give back exactly the acked entries of every stream: none lost, none
// twice. (The actor-level crash test with a real process comes later.)
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/wal/checkpoint.hpp"
#include "runtime/wal/layout.hpp"
#include "runtime/wal/test_fs.hpp"
#include "runtime/wal/writer.hpp"
#include "tests/unit/wal/wal_test_util.hpp"

namespace skald::wal {
namespace {

struct stream_state {
  uint64_t epoch = 1;
  uint64_t counter = 0;
  std::vector<model::entry> entries;  // applied in memory (acked or pending)
  size_t acked = 0;                   // entries[0, acked) are acked
  bool series_logged = false;
};

void run_walk(uint32_t seed, bool fsync_batch) {
  SCOPED_TRACE("seed " + std::to_string(seed) + (fsync_batch ? " fsync=batch" : " fsync=none"));
  std::mt19937 rng{seed};
  auto pick = [&](uint32_t n) { return std::uniform_int_distribution<uint32_t>{0, n - 1}(rng); };
  memory_file_system fs;
  const std::string dir = "/wal";
  std::map<uint64_t, stream_state> streams;
  model::timestamp_ns ts = 1;

  auto open_writer = [&] {
    auto w = writer::open(fs, writer_options{dir, 2048 + pick(4096), fsync_batch});
    EXPECT_TRUE(w.ok());
    return std::move(*w);
  };
  auto w = open_writer();
  std::vector<std::pair<uint64_t, size_t>> pending;  // (fp, entries count) since last ack

  auto ack = [&] {
    for (auto& [fp, n] : pending)
      streams[fp].acked += n;
    pending.clear();
  };
  for (int step = 0; step < 400; ++step) {
    auto action = pick(100);
    if (action < 70) {  // a push to one stream
      uint64_t fp = 1 + pick(6);
      auto& s = streams[fp];
      if (!s.series_logged) {
        w.add_series(fp, s.epoch, "tenant", testing::labels_of("s" + std::to_string(fp)));
        s.series_logged = true;
      }
      size_t n = 1 + pick(5);
      auto es = testing::make_entries(ts, n, "p" + std::to_string(step));
      ts += static_cast<model::timestamp_ns>(n);
      for (auto& e : es)
        s.entries.push_back(e);
      s.counter += n;
      ASSERT_TRUE(w.add_entries(fp, s.counter, es.data(), es.size()).ok());
      pending.emplace_back(fp, n);
    } else if (action < 85) {  // group commit
      ASSERT_TRUE(w.write().ok());
      if (!fsync_batch)
        ack();
      else if (pick(2) == 0) {
        ASSERT_TRUE(w.sync().ok());
        ack();
      }
    } else if (action < 92) {  // checkpoint cycle (pending pushes first)
      ASSERT_TRUE(w.write().ok());
      if (fsync_batch) {
        ASSERT_TRUE(w.sync().ok());
      }
      ack();
      auto n = w.roll();
      ASSERT_TRUE(n.ok());
      // Pushes racing the snapshot: logged after the roll (segment > n) AND
      // included in the snapshot below; replay must apply them once.
      for (auto k = pick(3); k > 0; --k) {
        uint64_t fp = 1 + pick(6);
        auto& s = streams[fp];
        if (!s.series_logged) {
          w.add_series(fp, s.epoch, "tenant", testing::labels_of("s" + std::to_string(fp)));
          s.series_logged = true;
        }
        auto es = testing::make_entries(ts, 2, "race" + std::to_string(step));
        ts += 2;
        s.entries.insert(s.entries.end(), es.begin(), es.end());
        s.counter += 2;
        ASSERT_TRUE(w.add_entries(fp, s.counter, es.data(), es.size()).ok());
        pending.emplace_back(fp, 2);
      }
      ASSERT_TRUE(w.write().ok());
      if (fsync_batch) {
        ASSERT_TRUE(w.sync().ok());
      }
      ack();
      auto cw = checkpoint_writer::begin(fs, dir, *n, 4096, 512);
      ASSERT_TRUE(cw.ok());
      std::vector<std::string> chunks;
      chunks.reserve(streams.size());
      for (auto& [fp, s] : streams) {
        chunkenc::mem_chunk c{chunkenc::encoding::none, 1024, 0};
        for (auto& e : s.entries)
          ASSERT_EQ(c.append(model::entry_view{e.ts, e.line, nullptr}),
                    chunkenc::append_result::appended);
        chunks.push_back(*c.encode());
        series_snapshot snap;
        snap.fingerprint = fp;
        snap.epoch = s.epoch;
        snap.entry_ct = s.counter;
        snap.tenant = "tenant";
        snap.labels = testing::labels_of("s" + std::to_string(fp));
        snap.chunks = {{chunk_open, chunks.back()}};
        ASSERT_TRUE(cw->add(snap).ok());
      }
      ASSERT_TRUE(cw->commit().ok());
      ASSERT_TRUE(remove_obsolete(fs, dir, *n).ok());
    } else {  // crash
      if (pick(2) == 0) {
        // A torn, unacked write at the tail of the newest segment.
        auto l = list_wal_dir(fs, dir);
        if (l.ok() && !l->segments.empty()) {
          auto* seg = fs.contents(join_path(dir, segment_name(l->segments.back())));
          if (seg != nullptr && !seg->empty())
            seg->append(std::string(1 + pick(30), static_cast<char>(pick(256))));
        }
      }
      if (fsync_batch)
        fs.drop_unsynced();
      // Unacked pushes may or may not have survived: the streams are
      // rebuilt from replay, and the check is against acked entries.
      auto res = testing::replay_all(fs, dir);
      for (auto& [fp, s] : streams) {
        auto& got = res.streams[fp].entries;
        ASSERT_GE(got.size(), s.acked) << "fp " << fp << " step " << step;
        for (size_t i = 0; i < s.acked; ++i)
          ASSERT_EQ(got[i], s.entries[i]) << "fp " << fp << " entry " << i << " step " << step;
        // Anything beyond the acked prefix must be unacked entries, in order,
        // never a repeat.
        ASSERT_LE(got.size(), s.entries.size()) << "fp " << fp;
        for (size_t i = s.acked; i < got.size(); ++i)
          ASSERT_EQ(got[i], s.entries[i]);
        // The node restarts with what replay gave back.
        s.entries = got;
        s.acked = got.size();
        s.counter = res.streams[fp].counter;
        s.series_logged = !got.empty() || res.streams[fp].epoch == s.epoch;
      }
      pending.clear();
      w = open_writer();
    }
  }
}

TEST(wal_crash, acked_entries_survive_kill_9_at_random_points_fsync_none) {
  for (uint32_t seed = 1; seed <= 25; ++seed)
    run_walk(seed, false);
}

TEST(wal_crash, synced_entries_survive_power_cuts_at_random_points_fsync_batch) {
  for (uint32_t seed = 100; seed <= 125; ++seed)
    run_walk(seed, true);
}

} // namespace
} // namespace skald::wal
