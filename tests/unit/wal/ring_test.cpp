// runtime/wal/ring.hpp: the staging ring's records survive a reopen (a
// killed process), wrap at the end of a lap, are never read from an
// earlier lap, stop at a torn record, and replay applies them after the
// segments without applying anything twice.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/wal/format.hpp"
#include "runtime/wal/replay.hpp"
#include "runtime/wal/ring.hpp"
#include "runtime/wal/writer.hpp"
#include "tests/unit/wal/wal_test_util.hpp"

namespace skald::wal {
namespace {

using testing::labels_of;
using testing::make_entries;

class wal_ring_test : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skald-ring-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = ring_path(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// One entries frame of `n` lines of `len` bytes (counter = n).
  static std::string frame(uint64_t fp, uint64_t counter, size_t n, size_t len) {
    std::vector<model::entry> es;
    for (size_t i = 0; i < n; ++i)
      es.push_back(model::entry{static_cast<model::timestamp_ns>(counter * 1000 + i),
                                std::string(len, static_cast<char>('a' + i % 26)), {}});
    std::string out;
    append_entries(out, fp, counter, es.data(), es.size());
    return out;
  }

  static void put(ring_log& r, const std::string& f) {
    char* p = r.begin_record(f.size());
    ASSERT_NE(p, nullptr);
    std::memcpy(p, f.data(), f.size());
    r.commit(f.size());
    r.publish();
  }

  std::string file_bytes() const {
    std::ifstream in{path_, std::ios::binary};
    return std::string{std::istreambuf_iterator<char>{in}, {}};
  }

  std::vector<std::string> tail_frames() const {
    auto t = ring_tail_as_segment(file_bytes());
    EXPECT_TRUE(t.ok());
    std::vector<std::string> out;
    if (!t)
      return out;
    frame_reader fr{t->segment, file_header_size, file_version};
    wal::frame f;
    while (fr.next(f) == frame_status::ok)
      out.emplace_back(t->segment.substr(f.offset, frame_header_size + f.payload.size()));
    return out;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(wal_ring_test, records_survive_a_reopen_until_drained) {
  std::vector<std::string> want;
  {
    auto r = ring_log::open(path_, ring_min_data_size);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ((*r)->published(), (*r)->drained()); // a new ring is empty
    for (uint64_t i = 1; i <= 3; ++i) {
      want.push_back(frame(7, i * 10, 10, 50));
      put(**r, want.back());
    }
  } // like kill -9: the mapping's stores are in the file
  EXPECT_EQ(tail_frames(), want);
  auto r = ring_log::open(path_, ring_min_data_size);
  ASSERT_TRUE(r.ok());
  std::vector<std::string> seen;
  (*r)->for_each((*r)->published(), [&](std::string_view f) { seen.emplace_back(f); });
  EXPECT_EQ(seen, want);
  // Drained: nothing is left for the next replay.
  (*r)->set_drained((*r)->published());
  r->reset();
  EXPECT_TRUE(tail_frames().empty());
}

TEST_F(wal_ring_test, records_wrap_and_earlier_laps_never_read) {
  auto r = ring_log::open(path_, ring_min_data_size);
  ASSERT_TRUE(r.ok());
  auto& ring = **r;
  // ~3.5 laps of records of ~5 KB, draining as we go: offsets stay exact
  // across the wrap and an old lap's bytes never pass for a record.
  std::vector<std::string> last;
  for (uint64_t i = 1; i <= 700; ++i) {
    auto f = frame(3, i * 4, 4, 1200 + i % 7);
    if (ring.cost(f.size()) > ring.free_bytes()) {
      ring.set_drained(ring.published());
      last.clear();
    }
    put(ring, f);
    last.push_back(f);
  }
  EXPECT_GT(ring.head(), 3 * ring.data_size());
  std::vector<std::string> seen;
  ring.for_each(ring.published(), [&](std::string_view f) { seen.emplace_back(f); });
  EXPECT_EQ(seen, last);
  r->reset();
  EXPECT_EQ(tail_frames(), last);
}

TEST_F(wal_ring_test, a_full_ring_refuses_until_drained) {
  auto r = ring_log::open(path_, ring_min_data_size);
  ASSERT_TRUE(r.ok());
  auto& ring = **r;
  const auto f = frame(1, 20, 20, 1000);
  size_t n = 0;
  for (char* p = ring.begin_record(f.size()); p != nullptr; p = ring.begin_record(f.size())) {
    std::memcpy(p, f.data(), f.size());
    ring.commit(f.size());
    ++n;
  }
  EXPECT_GT(n, 40u);
  EXPECT_LT(ring.free_bytes(), ring.cost(f.size()));
  ring.publish();
  ring.set_drained(ring.published());
  EXPECT_NE(ring.begin_record(f.size()), nullptr);
}

TEST_F(wal_ring_test, a_torn_last_record_ends_the_ring) {
  std::vector<std::string> want;
  {
    auto r = ring_log::open(path_, ring_min_data_size);
    ASSERT_TRUE(r.ok());
    want.push_back(frame(5, 10, 10, 80));
    put(**r, want.back());
    // The next record's prefix and half its frame: a process killed while
    // copying it (never published, never acknowledged).
    auto f = frame(5, 20, 10, 80);
    char* p = (*r)->begin_record(f.size());
    ASSERT_NE(p, nullptr);
    std::memcpy(p, f.data(), f.size() / 2);
  }
  auto t = ring_tail_as_segment(file_bytes());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->scan.records, 1u);
  EXPECT_STREQ(t->scan.reason, "record checksum mismatch");
  EXPECT_EQ(tail_frames(), want);
  // Reopened, the ring continues where the good records end.
  auto r = ring_log::open(path_, ring_min_data_size);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->published(), (*r)->drained() + 8 + want[0].size());
}

TEST_F(wal_ring_test, every_single_bit_flip_in_a_record_is_caught) {
  {
    auto r = ring_log::open(path_, ring_min_data_size);
    ASSERT_TRUE(r.ok());
    put(**r, frame(9, 3, 3, 20));
  }
  const auto clean = file_bytes();
  auto h = parse_ring_header(clean);
  ASSERT_TRUE(h.ok());
  const size_t at = ring_header_size + h->drained % h->data_size;
  const size_t len = 8 + frame(9, 3, 3, 20).size();
  for (size_t byte = at; byte < at + len; ++byte)
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = clean;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      auto t = ring_tail_as_segment(bad);
      ASSERT_TRUE(t.ok());
      EXPECT_EQ(t->scan.records, 0u) << "byte " << byte - at << " bit " << bit;
    }
}

TEST_F(wal_ring_test, a_bad_header_is_an_error_and_the_ring_is_recreated) {
  std::ofstream{path_, std::ios::binary} << std::string(8192, 'x');
  EXPECT_FALSE(ring_tail_as_segment(file_bytes()).ok());
  auto r = ring_log::open(path_, ring_min_data_size);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->data_size(), ring_min_data_size);
  EXPECT_EQ(std::filesystem::file_size(path_), ring_header_size + ring_min_data_size);
}

TEST_F(wal_ring_test, a_clean_ring_of_another_size_is_recreated_a_full_one_kept) {
  {
    auto r = ring_log::open(path_, 2 * ring_min_data_size);
    ASSERT_TRUE(r.ok());
    put(**r, frame(4, 1, 1, 10));
  }
  {
    auto r = ring_log::open(path_, ring_min_data_size); // records left: kept
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->data_size(), 2 * ring_min_data_size);
    (*r)->set_drained((*r)->published());
  }
  auto r = ring_log::open(path_, ring_min_data_size); // clean: resized
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->data_size(), ring_min_data_size);
}

// Replay reads the ring after the segments; records drained into a segment
// but still after `drained` (a crash between the write and the store) are
// not applied twice.
TEST_F(wal_ring_test, replay_applies_the_ring_after_the_segments_once) {
  auto w = writer::open(posix_file_system(), writer_options{dir_, 1 << 20, false, false});
  ASSERT_TRUE(w.ok());
  auto es = make_entries(1000, 30);
  w->add_series(11, 1, "fake", labels_of("api"));
  ASSERT_TRUE(w->add_entries(11, 10, es.data(), 10).ok());
  ASSERT_TRUE(w->write().ok());
  {
    auto r = ring_log::open(path_, ring_min_data_size);
    ASSERT_TRUE(r.ok());
    std::string f;
    append_entries(f, 11, 10, es.data(), 10); // already in the segment
    put(**r, f);
    f.clear();
    append_entries(f, 11, 30, es.data() + 10, 20); // only in the ring
    put(**r, f);
  }
  ASSERT_TRUE(w->close().ok());
  auto res = testing::replay_all(posix_file_system(), dir_);
  ASSERT_EQ(res.streams.size(), 1u);
  const auto& s = res.streams.at(11);
  ASSERT_EQ(s.entries.size(), 30u);
  for (size_t i = 0; i < 30; ++i)
    EXPECT_EQ(s.entries[i].line, es[i].line);
  EXPECT_EQ(res.stats.duplicate_entries, 10u);
  EXPECT_EQ(res.stats.segment_corruptions, 0u);
}

} // namespace
} // namespace skald::wal
