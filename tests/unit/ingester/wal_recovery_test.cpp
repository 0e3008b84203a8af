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

} // namespace
} // namespace skald::ingester
