// The promise, as a seeded random walk over the library: pushes from
// many streams, group commits, checkpoints racing pushes, injected write and
// fsync failures (disk full with torn writes, failed cut-backs), torn tails
// and crashes (kill -9 = everything not yet written is gone; with
// fsync=batch also a power cut = everything not yet synced is gone). After
// every crash, replay must give back every acked entry of every stream, in
// order, none twice; anything else it gives back must be an entry that was
// logged but not acked. (The actor-level crash test with a real process
// comes later.)
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

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
  /// Never goes back, not even after a nack (writer.hpp).
  uint64_t counter = 0;
  /// In memory: acked + pending entries.
  std::vector<model::entry> entries;
  /// Acked entries, in order: must come back after any crash.
  std::vector<std::string> acked;
  /// Every line ever logged: the only lines replay may return.
  std::set<std::string> logged;
  bool series_logged = false;
};

struct walk_stats {
  size_t crashes = 0;
  size_t checkpoints = 0;
  size_t failed_writes = 0;
  size_t ghosts = 0; // nacked entries that replay returned (allowed)
};

void run_walk(uint32_t seed, bool fsync_batch, walk_stats& ws) {
  SCOPED_TRACE("seed " + std::to_string(seed) + (fsync_batch ? " fsync=batch" : " fsync=none"));
  std::mt19937 rng{seed};
  auto pick = [&](uint32_t n) { return std::uniform_int_distribution<uint32_t>{0, n - 1}(rng); };
  memory_file_system mem;
  fault_injection_file_system fs{mem};
  const std::string dir = "/wal";
  std::map<uint64_t, stream_state> streams;
  model::timestamp_ns ts = 1;

  auto open_writer = [&] {
    auto w = writer::open(fs, writer_options{dir, 2048 + pick(4096), fsync_batch});
    EXPECT_TRUE(w.ok());
    return std::move(*w);
  };
  auto w = open_writer();
  // Pushes not yet acked: (fp, number of entries), in order.
  std::vector<std::pair<uint64_t, size_t>> pending;

  auto ack = [&] {
    std::map<uint64_t, size_t> from_end;
    for (auto it = pending.rbegin(); it != pending.rend(); ++it)
      from_end[it->first] += it->second;
    for (auto& [fp, n] : from_end) {
      auto& s = streams[fp];
      for (size_t i = s.entries.size() - n; i < s.entries.size(); ++i)
        s.acked.push_back(s.entries[i].line);
    }
    pending.clear();
  };
  auto nack = [&] {
    // The pushes got 503: the streams drop the entries, keep their counters.
    for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
      auto& s = streams[it->first];
      s.entries.resize(s.entries.size() - it->second);
    }
    pending.clear();
  };
  auto push = [&](uint64_t fp, size_t n, const std::string& tag) {
    auto& s = streams[fp];
    if (!s.series_logged) {
      w.add_series(fp, s.epoch, "tenant", testing::labels_of("s" + std::to_string(fp)));
      s.series_logged = true;
    }
    auto es = testing::make_entries(ts, n, tag);
    ts += static_cast<model::timestamp_ns>(n);
    for (auto& e : es) {
      s.entries.push_back(e);
      s.logged.insert(e.line);
    }
    s.counter += n;
    ASSERT_TRUE(w.add_entries(fp, s.counter, es.data(), es.size()).ok());
    pending.emplace_back(fp, n);
  };
  /// Group commit (and fsync); false if it failed and everything pending was nacked.
  auto commit = [&](bool allow_faults) {
    if (allow_faults && pick(8) == 0) {
      fs.inject(fs_op::append, fault_spec{errc::disk_full, 0, 1,
                                          pick(static_cast<uint32_t>(w.pending_bytes()) + 9)});
      if (pick(2) == 0)
        fs.inject(fs_op::truncate, fault_spec{errc::io_error, 0, 1, 0});
    }
    auto st = w.write();
    fs.clear();
    if (!st.ok()) {
      ++ws.failed_writes;
      nack();
      return false;
    }
    if (!fsync_batch) {
      ack();
      return true;
    }
    if (allow_faults && pick(3) != 0)
      return true; // wait for a later fsync
    if (allow_faults && pick(10) == 0)
      fs.inject(fs_op::sync, fault_spec{errc::io_error, 0, 1, 0});
    st = w.sync();
    fs.clear();
    if (!st.ok()) {
      ++ws.failed_writes;
      nack();
      return false;
    }
    ack();
    return true;
  };

  for (int step = 0; step < 400; ++step) {
    auto action = pick(100);
    if (action < 65) {
      push(1 + pick(6), 1 + pick(5), "p" + std::to_string(step));
    } else if (action < 85) {
      commit(true);
    } else if (action < 92) { // checkpoint cycle
      if (!commit(false))
        continue;
      auto n = w.roll();
      ASSERT_TRUE(n.ok());
      // Pushes racing the snapshot: logged after the roll (segment > n) AND
      // included in the snapshot below; replay must apply them once.
      for (auto k = pick(3); k > 0; --k)
        push(1 + pick(6), 2, "race" + std::to_string(step));
      if (!commit(false))
        continue;
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
      ++ws.checkpoints;
    } else { // crash
      ++ws.crashes;
      if (pick(2) == 0) {
        // A torn, unacked write at the tail of the newest segment.
        auto l = list_wal_dir(mem, dir);
        if (l.ok() && !l->segments.empty()) {
          auto* seg = mem.contents(join_path(dir, segment_name(l->segments.back())));
          if (seg != nullptr && !seg->empty())
            seg->append(std::string(1 + pick(30), static_cast<char>(pick(256))));
        }
      }
      if (fsync_batch)
        mem.drop_unsynced();
      auto res = testing::replay_all(mem, dir);
      for (auto& [fp, s] : streams) {
        auto& got = res.streams[fp].entries;
        std::set<std::string> seen;
        size_t next_acked = 0;
        for (auto& e : got) {
          ASSERT_TRUE(seen.insert(e.line).second) << "twice: " << e.line << " step " << step;
          ASSERT_EQ(s.logged.count(e.line), 1u) << "never logged: " << e.line;
          if (next_acked < s.acked.size() && e.line == s.acked[next_acked])
            ++next_acked;
          else
            ++ws.ghosts;
        }
        ASSERT_EQ(next_acked, s.acked.size())
            << "fp " << fp << " lost acked entry " << s.acked[next_acked] << " step " << step;
        // The node restarts with what replay gave back.
        s.entries = got;
        s.acked.clear();
        for (auto& e : got)
          s.acked.push_back(e.line);
        s.counter = res.streams[fp].counter;
        s.series_logged = res.streams[fp].epoch == s.epoch;
      }
      pending.clear();
      w = open_writer();
    }
  }
}

TEST(wal_crash, acked_entries_survive_kill_9_and_write_failures_fsync_none) {
  walk_stats ws;
  for (uint32_t seed = 1; seed <= 25; ++seed)
    run_walk(seed, false, ws);
  // The walk really went through the interesting cases.
  EXPECT_GT(ws.crashes, 100u);
  EXPECT_GT(ws.checkpoints, 100u);
  EXPECT_GT(ws.failed_writes, 50u);
}

TEST(wal_crash, synced_entries_survive_power_cuts_and_write_failures_fsync_batch) {
  walk_stats ws;
  for (uint32_t seed = 100; seed <= 125; ++seed)
    run_walk(seed, true, ws);
  EXPECT_GT(ws.crashes, 100u);
  EXPECT_GT(ws.checkpoints, 100u);
  EXPECT_GT(ws.failed_writes, 50u);
}

} // namespace
} // namespace skald::wal
