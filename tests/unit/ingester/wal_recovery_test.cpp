// Unit tests of runtime/ingester/wal_recovery: streams rebuilt from WAL
// segments written by runtime/wal's writer on the in-memory file system;
// a torn tail is counted and replay continues; rate limits are off during
// replay; the counter continues from the last record; past
// replay_memory_ceiling the chunks go to a storage::memory_fs store.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/chunkenc/iterator.hpp"
#include "runtime/ingester/replay_flush.hpp"
#include "runtime/ingester/wal_recovery.hpp"
#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/wal/checkpoint.hpp"
#include "runtime/wal/layout.hpp"
#include "runtime/wal/test_fs.hpp"
#include "runtime/wal/writer.hpp"

namespace skald::ingester {
namespace {

constexpr int64_t sec = 1'000'000'000;

model::label_set labels(const std::string& s) {
  auto ls = model::parse_labels(s);
  EXPECT_TRUE(ls.ok());
  return *ls;
}

std::vector<std::string> lines_of(const stream& s) {
  std::vector<std::string> out;
  for (const auto& c : s.chunks()) {
    auto it = c.iterate(INT64_MIN, INT64_MAX);
    while (it.next())
      out.emplace_back(it.at().line);
  }
  return out;
}

TEST(wal_recovery, rebuilds_streams_and_survives_a_torn_tail) {
  wal::memory_file_system fs;
  {
    // Buffered (no direct I/O padding): the segment ends on its last record.
    auto w = wal::writer::open(fs, {"/wal", 1 << 20, false, /*direct_io=*/false});
    ASSERT_TRUE(w.ok());
    w->add_series(7, 1, "t1", labels("{app=\"a\"}"));
    std::vector<model::entry> es{{1 * sec, "one", {}}, {2 * sec, "two", {}}};
    ASSERT_TRUE(w->add_entries(7, 2, es.data(), es.size()).ok());
    ASSERT_TRUE(w->write().ok());
    std::vector<model::entry> more{{3 * sec, "three", {}}};
    ASSERT_TRUE(w->add_entries(7, 3, more.data(), more.size()).ok());
    ASSERT_TRUE(w->write().ok());
  }
  // Tear the last record: cut a few bytes off the segment.
  std::string* seg = nullptr;
  for (auto& [path, f] : fs.files())
    if (path.rfind("/wal/", 0) == 0)
      seg = &f.data;
  ASSERT_NE(seg, nullptr);
  seg->resize(seg->size() - 3);

  stream_config cfg;
  cfg.rate_bytes = 1; // would refuse everything if replay applied it
  cfg.burst_bytes = 1;
  auto r = recover_from_wal(fs, "/wal", cfg, 10 * sec);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->streams.size(), 1u);
  const auto& s = r->streams[0];
  EXPECT_EQ(s.tenant, "t1");
  EXPECT_EQ(s.labels, "{app=\"a\"}");
  EXPECT_EQ(s.fingerprint, model::fingerprint(labels("{app=\"a\"}")));
  EXPECT_EQ(s.wal_id, 7u);
  EXPECT_EQ(s.counter, 2u);
  EXPECT_EQ(lines_of(*s.s), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(r->stats.segment_corruptions, 1u);
  ASSERT_EQ(r->corruptions.size(), 1u);
  EXPECT_EQ(r->max_wal_id, 7u);
  EXPECT_EQ(r->entries_restored, 2u);
}

TEST(wal_recovery, empty_or_missing_directory_is_an_empty_wal) {
  wal::memory_file_system fs;
  auto r = recover_from_wal(fs, "/nowhere", stream_config{}, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->streams.empty());
}

// -- replay_memory_ceiling -------------------------------------------------

/// Writes `n` records of one 1 KiB line each for stream wal_id 1 (app=a).
void write_kib_records(wal::memory_file_system& fs, int n) {
  auto w = wal::writer::open(fs, {"/wal", 64 << 20, false});
  ASSERT_TRUE(w.ok());
  w->add_series(1, 1, "t1", labels("{app=\"a\"}"));
  for (int i = 0; i < n; ++i) {
    std::string line = std::to_string(i);
    line.resize(1024, 'x');
    std::vector<model::entry> es{{(i + 1) * sec, line, {}}};
    ASSERT_TRUE(w->add_entries(1, static_cast<uint64_t>(i + 1), es.data(), es.size()).ok());
    ASSERT_TRUE(w->write().ok());
  }
}

TEST(wal_recovery, memory_ceiling_flushes_to_the_store_while_replaying) {
  wal::memory_file_system fs;
  write_kib_records(fs, 100);
  storage::memory_fs sfs;
  ASSERT_TRUE(sfs.create_dirs("/store").ok());
  storage::chunk_store chunks{sfs, "/store"};
  storage::index_options io;
  io.root = "/store";
  storage::index_store index{sfs, io};
  replay_ceiling ceiling;
  ceiling.bytes = 20 * 1024; // flush above 18 KiB in use
  ceiling.flush = [&](recovered_stream& rs) {
    return store_all_chunks(*rs.s, rs.tenant, rs.label_set, chunks, index);
  };
  auto r = recover_from_wal(fs, "/wal", stream_config{}, 0, nullptr, ceiling);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_GE(r->ceiling_flushes, 5u);
  EXPECT_EQ(r->ceiling_flushed_chunks, r->ceiling_flushes);
  ASSERT_EQ(r->streams.size(), 1u);
  // Every line is in exactly one place: the store or the replayed stream.
  std::vector<std::string> all;
  auto m = storage::make_matcher("app", storage::match_type::eq, "a");
  auto series = index.series("t1", {*m}, 0, 1000 * sec);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  for (const auto& ref : (*series)[0].chunks) {
    auto c = chunks.get("t1", (*series)[0].fingerprint, ref);
    ASSERT_TRUE(c.ok());
    auto mc = chunkenc::mem_chunk::decode(c->chunk_bytes);
    ASSERT_TRUE(mc.ok());
    auto it = mc->iterate(INT64_MIN, INT64_MAX);
    while (it.next())
      all.emplace_back(it.at().line);
  }
  EXPECT_FALSE(all.empty());
  for (auto& l : lines_of(*r->streams[0].s))
    all.push_back(l);
  ASSERT_EQ(all.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(all[static_cast<size_t>(i)].substr(0, all[static_cast<size_t>(i)].find('x')),
              std::to_string(i));
  // The counter and highest timestamp survive the dropped chunks.
  EXPECT_EQ(r->streams[0].counter, 100u);
  EXPECT_EQ(r->streams[0].s->highest_ts(), 100 * sec);
}

TEST(wal_recovery, memory_ceiling_flush_without_progress_fails_like_loki) {
  wal::memory_file_system fs;
  write_kib_records(fs, 40);
  replay_ceiling ceiling;
  ceiling.bytes = 20 * 1024;
  ceiling.flush = [](recovered_stream&) -> result<size_t> {
    return status{errc::io_error, "store down"};
  };
  auto r = recover_from_wal(fs, "/wal", stream_config{}, 0, nullptr, ceiling);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("WAL replay flush made no progress"), std::string::npos);
  EXPECT_NE(r.error().message().find("store down"), std::string::npos);
}

// -- parallel rebuild (workers > 0) ----------------------------------------

/// Everything a recovery says about one stream, comparable.
struct stream_view {
  std::string tenant, labels;
  uint64_t wal_id = 0, epoch = 0, counter = 0;
  int64_t highest_ts = 0;
  std::string last_line;
  std::vector<std::string> entries; // "ts line {metadata}" in chunk order
  bool operator==(const stream_view& o) const {
    return tenant == o.tenant && labels == o.labels && wal_id == o.wal_id && epoch == o.epoch
           && counter == o.counter && highest_ts == o.highest_ts && last_line == o.last_line
           && entries == o.entries;
  }
};

std::vector<stream_view> view_of(const recovery& r) {
  std::vector<stream_view> out;
  for (const auto& rs : r.streams) {
    stream_view v{rs.tenant, rs.labels, rs.wal_id, rs.epoch, rs.counter, rs.s->highest_ts(),
                  rs.s->last_line(), {}};
    for (const auto& c : rs.s->chunks()) {
      auto it = c.iterate(INT64_MIN, INT64_MAX);
      while (it.next()) {
        const auto& e = it.at();
        v.entries.push_back(std::to_string(e.ts) + " " + std::string{e.line} + " "
                            + (e.metadata ? model::canonical_string(*e.metadata) : ""));
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

/// Logs `rounds` pushes to 9 streams of 2 tenants (stream k gets k+1
/// entries per push, every 5th entry with structured metadata).
void write_streams(wal::writer& w, int first_round, int rounds, uint64_t epoch,
                   std::vector<uint64_t>& counters) {
  for (int r = first_round; r < first_round + rounds; ++r) {
    for (uint64_t k = 0; k < 9; ++k) {
      if (counters[k] == 0)
        w.add_series(k + 1, epoch, k % 2 ? "t2" : "t1",
                     labels("{app=\"a" + std::to_string(k) + "\"}"));
      std::vector<model::entry> es;
      for (uint64_t i = 0; i <= k; ++i) {
        model::entry e;
        e.ts = (r * 10 + static_cast<int64_t>(i)) * sec;
        e.line = "stream " + std::to_string(k) + " round " + std::to_string(r) + " entry "
                 + std::to_string(i) + std::string(static_cast<size_t>(r % 7) * 40, 'x');
        if ((counters[k] + i) % 5 == 0)
          e.metadata = {{"trace_id", std::to_string(r * 100 + static_cast<int>(i))}};
        es.push_back(std::move(e));
      }
      counters[k] += es.size();
      ASSERT_TRUE(w.add_entries(k + 1, counters[k], es.data(), es.size()).ok());
    }
    ASSERT_TRUE(w.write().ok());
  }
}

TEST(wal_recovery, parallel_rebuild_gives_the_same_streams_as_one_thread) {
  wal::memory_file_system fs;
  stream_config cfg;
  cfg.block_size = 1024; // many cut (compressed) blocks and chunks
  cfg.target_size = 8192;
  std::vector<uint64_t> counters(9, 0);
  {
    // Small buffered segments: streams span many files.
    auto w = wal::writer::open(fs, {"/wal", 16 << 10, false, /*direct_io=*/false});
    ASSERT_TRUE(w.ok());
    write_streams(*w, 0, 30, 1, counters);
    // Checkpoint what a replay of this rebuilds, as the ingester does.
    auto n = w->roll();
    ASSERT_TRUE(n.ok());
    auto base = recover_from_wal(fs, "/wal", cfg, 0);
    ASSERT_TRUE(base.ok());
    auto cw = wal::checkpoint_writer::begin(fs, "/wal", *n);
    ASSERT_TRUE(cw.ok());
    for (const auto& rs : base->streams) {
      std::vector<std::string> bytes;
      wal::series_snapshot sn;
      sn.fingerprint = rs.wal_id;
      sn.epoch = rs.epoch;
      sn.entry_ct = rs.counter;
      sn.highest_ts = rs.s->highest_ts();
      sn.last_line = rs.s->last_line();
      sn.tenant = rs.tenant;
      sn.labels = rs.label_set;
      bytes.reserve(rs.s->chunks().size());
      for (const auto& c : rs.s->chunks()) {
        auto enc = c.encode();
        ASSERT_TRUE(enc.ok());
        bytes.push_back(std::move(*enc));
        sn.chunks.push_back({c.closed() ? wal::chunk_closed : wal::chunk_open, bytes.back()});
      }
      ASSERT_TRUE(cw->add(sn).ok());
    }
    ASSERT_TRUE(cw->commit().ok());
    ASSERT_TRUE(wal::remove_obsolete(fs, "/wal", *n).ok());
    write_streams(*w, 30, 20, 1, counters);
    // Stream 3 is removed and re-created (a new epoch, its counter restarts).
    counters[3] = 0;
    write_streams(*w, 50, 10, 2, counters);
  }
  // A torn tail in the last segment.
  auto listing = wal::list_wal_dir(fs, "/wal");
  ASSERT_TRUE(listing.ok());
  ASSERT_GE(listing->segments.size(), 10u);
  auto* last = fs.contents("/wal/" + wal::segment_name(listing->segments.back()));
  ASSERT_NE(last, nullptr);
  last->resize(last->size() - 5);

  std::atomic<uint64_t> one_progress{0};
  auto one = recover_from_wal(fs, "/wal", cfg, 0, &one_progress);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->streams.size(), 9u);
  EXPECT_EQ(one->stats.segment_corruptions, 1u);
  EXPECT_EQ(one->stats.checkpoint_series, 9u);
  EXPECT_EQ(one->streams[3].epoch, 2u);
  EXPECT_GT(one->entries_restored, 1000u);
  auto expected = view_of(*one);
  for (size_t workers : {1, 2, 3, 4}) {
    std::atomic<uint64_t> progress{0};
    auto par = recover_from_wal(fs, "/wal", cfg, 0, &progress, {}, workers);
    ASSERT_TRUE(par.ok()) << workers;
    EXPECT_TRUE(view_of(*par) == expected) << workers << " workers";
    EXPECT_EQ(par->entries_restored, one->entries_restored) << workers;
    EXPECT_EQ(par->max_wal_id, one->max_wal_id);
    EXPECT_EQ(par->stats.records, one->stats.records);
    EXPECT_EQ(par->stats.entries, one->stats.entries);
    EXPECT_EQ(par->stats.duplicate_entries, one->stats.duplicate_entries);
    EXPECT_EQ(par->stats.segment_corruptions, 1u);
    EXPECT_EQ(progress.load(), one_progress.load()) << workers; // /ready's count
  }
}

TEST(wal_recovery, parallel_rebuild_flushes_at_the_memory_ceiling) {
  wal::memory_file_system fs;
  write_kib_records(fs, 100);
  storage::memory_fs sfs;
  ASSERT_TRUE(sfs.create_dirs("/store").ok());
  storage::chunk_store chunks{sfs, "/store"};
  storage::index_options io;
  io.root = "/store";
  storage::index_store index{sfs, io};
  replay_ceiling ceiling;
  ceiling.bytes = 20 * 1024;
  size_t flushed_lines = 0;
  ceiling.flush = [&](recovered_stream& rs) {
    for (const auto& c : rs.s->chunks())
      flushed_lines += c.entries();
    return store_all_chunks(*rs.s, rs.tenant, rs.label_set, chunks, index);
  };
  auto r = recover_from_wal(fs, "/wal", stream_config{}, 0, nullptr, ceiling, 2);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_GE(r->ceiling_flushes, 5u);
  ASSERT_EQ(r->streams.size(), 1u);
  // Every record before a flush was applied when it ran: nothing is lost
  // or flushed twice.
  EXPECT_EQ(flushed_lines + lines_of(*r->streams[0].s).size(), 100u);
  EXPECT_EQ(r->streams[0].counter, 100u);
}

} // namespace
} // namespace skald::ingester
