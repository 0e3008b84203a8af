// Unit tests of runtime/ingester/wal_recovery: streams rebuilt from WAL
// segments written by runtime/wal's writer on the in-memory file system;
// a torn tail is counted and replay continues; rate limits are off during
// replay; the counter continues from the last record.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/chunkenc/iterator.hpp"
#include "runtime/ingester/wal_recovery.hpp"
#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"
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
    auto w = wal::writer::open(fs, {"/wal", 1 << 20, false});
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

} // namespace
} // namespace skald::ingester
