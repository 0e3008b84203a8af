// wal::writer: group commit, segment rolling, and the failure rules (disk
// full, torn writes, failed fsync) checked through replay.
#include <gtest/gtest.h>

#include <cstdlib>
#include <type_traits>

#include "runtime/wal/format.hpp"
#include "runtime/wal/layout.hpp"
#include "runtime/wal/preallocate.hpp"
#include "runtime/wal/test_fs.hpp"
#include "runtime/wal/writer.hpp"
#include "tests/unit/wal/wal_test_util.hpp"

namespace skald::wal {
namespace {

using testing::labels_of;
using testing::make_entries;
using testing::replay_all;

static_assert(std::is_nothrow_move_constructible_v<writer>);

class wal_writer_test : public ::testing::Test {
protected:
  memory_file_system mem_;
  fault_injection_file_system fs_{mem_};
  const std::string dir_ = "/data/wal";

  writer open(uint64_t segment_size = 128ull << 20, bool fsync_batch = false) {
    auto w = writer::open(fs_, writer_options{dir_, segment_size, fsync_batch});
    EXPECT_TRUE(w.ok()) << w.error().to_string();
    return std::move(*w);
  }

  /// Appends n entries for fp, counting from *counter.
  static void log(writer& w, uint64_t fp, uint64_t& counter, model::timestamp_ns ts, size_t n) {
    auto es = make_entries(ts, n);
    counter += n;
    ASSERT_TRUE(w.add_entries(fp, counter, es.data(), es.size()).ok());
  }
};

TEST_F(wal_writer_test, many_records_go_out_in_one_write) {
  auto w = open();
  uint64_t c1 = 0, c2 = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  w.add_series(2, 1, "t", labels_of("b"));
  for (int i = 0; i < 50; ++i) {
    log(w, 1, c1, 1000 + i * 10, 3);
    log(w, 2, c2, 5000 + i * 10, 2);
  }
  EXPECT_EQ(w.pending_records(), 102u);
  EXPECT_TRUE(w.write().ok());
  EXPECT_EQ(fs_.calls(fs_op::append), 1u); // header + 102 records: one write(2)
  EXPECT_EQ(w.pending_records(), 0u);
  EXPECT_EQ(w.stats().records, 102u);
  EXPECT_EQ(w.stats().writes, 1u);
  EXPECT_EQ(w.stats().segments_created, 1u);
  // Direct I/O (the default): the file is the records plus zero padding to
  // the next block.
  const auto& file = *mem_.contents(dir_ + "/00000000");
  ASSERT_EQ(file.size(), (w.stats().bytes / direct_io_block + 1) * direct_io_block);
  EXPECT_EQ(file.find_first_not_of('\0', w.stats().bytes), std::string::npos);

  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.entries, 250u);
  EXPECT_EQ(res.streams[1].entries.size(), 150u);
  EXPECT_EQ(res.streams[1].counter, 150u);
  EXPECT_EQ(res.streams[2].labels, labels_of("b"));
}

TEST_F(wal_writer_test, an_entries_record_that_would_read_back_as_corrupt_is_refused) {
  auto w = open();
  auto es = make_entries(0, 3);
  EXPECT_EQ(w.add_entries(1, 2, es.data(), 3).code(), errc::invalid_argument);
  EXPECT_EQ(w.add_entries(1, 2, es.data(), 0).code(), errc::invalid_argument);
  EXPECT_EQ(w.pending_records(), 0u);
  EXPECT_EQ(w.pending_bytes(), 0u);
}

TEST_F(wal_writer_test, write_with_nothing_pending_is_a_no_op) {
  auto w = open();
  EXPECT_TRUE(w.write().ok());
  EXPECT_TRUE(w.sync().ok());
  EXPECT_EQ(fs_.calls(fs_op::create), 0u);
  EXPECT_EQ(fs_.calls(fs_op::append), 0u);
}

TEST_F(wal_writer_test, segments_roll_at_segment_size_and_records_never_span_them) {
  auto w = open(4096);
  uint64_t c = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  ASSERT_TRUE(w.write().ok());
  for (int i = 0; i < 100; ++i) {
    log(w, 1, c, i * 10, 5);
    ASSERT_TRUE(w.write().ok());
  }
  auto listing = list_wal_dir(mem_, dir_);
  ASSERT_TRUE(listing.ok());
  EXPECT_GE(listing->segments.size(), 3u);
  for (auto s : listing->segments)
    EXPECT_LE(mem_.contents(join_path(dir_, segment_name(s)))->size(), 4096u);
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.segment_corruptions, 0u);
  EXPECT_EQ(res.streams[1].entries.size(), 500u);
  EXPECT_EQ(res.stats.segments, listing->segments.size());
}

TEST_F(wal_writer_test, a_batch_larger_than_a_segment_gets_a_segment_of_its_own) {
  auto w = open(256);
  uint64_t c = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  log(w, 1, c, 0, 40);
  ASSERT_TRUE(w.write().ok());
  log(w, 1, c, 100, 1);
  ASSERT_TRUE(w.write().ok());
  EXPECT_EQ(w.segment_index(), 1u);
  EXPECT_EQ(replay_all(mem_, dir_).streams[1].entries.size(), 41u);
}

TEST_F(wal_writer_test, reopening_starts_a_new_segment_after_the_existing_ones) {
  {
    auto w = open();
    w.add_series(1, 1, "t", labels_of("a"));
    ASSERT_TRUE(w.write().ok());
  }
  // Leave a torn tail in segment 0, as a crash would.
  mem_.contents(dir_ + "/00000000")->append("\x05\x00\x00", 3);
  auto w = open();
  EXPECT_EQ(w.segment_index(), 1u);
  uint64_t c = 0;
  log(w, 1, c, 10, 2);
  ASSERT_TRUE(w.write().ok());
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.segment_corruptions, 1u); // the torn tail, counted
  EXPECT_EQ(res.streams[1].entries.size(), 2u); // and segment 1 still replayed
}

TEST_F(wal_writer_test, disk_full_is_a_distinct_error_and_writing_recovers_when_space_returns) {
  auto w = open();
  uint64_t c = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  log(w, 1, c, 0, 3);
  ASSERT_TRUE(w.write().ok()); // acked: entries 1..3

  fs_.inject(fs_op::append, fault_spec{errc::disk_full, 0, 2, 17}); // torn: 17 bytes land
  log(w, 1, c, 100, 2);                                             // not acked
  auto st = w.write();
  EXPECT_EQ(st.code(), errc::disk_full);
  EXPECT_EQ(w.stats().disk_full_errors, 1u);
  EXPECT_EQ(w.stats().records_dropped, 1u);
  EXPECT_EQ(w.pending_records(), 0u);
  // The push got 503: the stream drops those entries but never reuses
  // their numbers (writer.hpp: counters have gaps, never repeats).
  log(w, 1, c, 200, 1);
  EXPECT_EQ(w.write().code(), errc::disk_full);
  EXPECT_EQ(w.stats().disk_full_errors, 2u);

  fs_.clear(); // space returns
  log(w, 1, c, 300, 4);
  ASSERT_TRUE(w.write().ok());

  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.segment_corruptions, 0u); // torn bytes were cut off again
  auto& es = res.streams[1].entries;
  ASSERT_EQ(es.size(), 7u);
  EXPECT_EQ(es[2].ts, 2);
  EXPECT_EQ(es[3].ts, 300);
  EXPECT_EQ(res.streams[1].counter, 10u); // 3 acked + 3 nacked numbers + 4
}

TEST_F(wal_writer_test, series_records_of_a_failed_batch_go_out_with_the_next_one) {
  auto w = open();
  fs_.inject(fs_op::append, fault_spec{errc::disk_full, 0, 1, 0});
  uint64_t c = 0;
  w.add_series(7, 1, "t", labels_of("new"));
  log(w, 7, c, 0, 2);
  EXPECT_EQ(w.write().code(), errc::disk_full);
  EXPECT_EQ(w.pending_records(), 1u); // the series record stays
  log(w, 7, c, 50, 1);
  ASSERT_TRUE(w.write().ok());
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.unknown_series_entries, 0u);
  EXPECT_EQ(res.streams[7].labels, labels_of("new"));
  EXPECT_EQ(res.streams[7].entries, make_entries(50, 1));
}

TEST_F(wal_writer_test, a_failed_segment_create_is_reported_and_retried) {
  auto w = open();
  fs_.inject(fs_op::create, fault_spec{errc::disk_full, 0, 1, 0});
  w.add_series(1, 1, "t", labels_of("a"));
  EXPECT_EQ(w.write().code(), errc::disk_full);
  ASSERT_TRUE(w.write().ok());
  EXPECT_EQ(replay_all(mem_, dir_).streams.count(1), 1u);
}

TEST_F(wal_writer_test, when_the_torn_bytes_cannot_be_cut_the_segment_is_abandoned) {
  auto w = open();
  uint64_t c = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  log(w, 1, c, 0, 2);
  ASSERT_TRUE(w.write().ok());
  fs_.inject(fs_op::append, fault_spec{errc::io_error, 0, 1, 20});
  fs_.inject(fs_op::truncate, fault_spec{errc::io_error, 0, 1, 0});
  log(w, 1, c, 10, 1);
  EXPECT_EQ(w.write().code(), errc::io_error);
  log(w, 1, c, 20, 1);
  ASSERT_TRUE(w.write().ok());
  EXPECT_EQ(w.segment_index(), 1u); // moved on to a fresh segment
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.segment_corruptions, 1u); // segment 0's torn tail
  ASSERT_EQ(res.streams[1].entries.size(), 3u);
  EXPECT_EQ(res.streams[1].entries[2].ts, 20);
}

TEST_F(wal_writer_test,
       a_nacked_record_left_in_an_abandoned_segment_never_hides_later_acked_entries) {
  auto w = open();
  uint64_t c = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  log(w, 1, c, 0, 2);
  ASSERT_TRUE(w.write().ok()); // acked 1..2
  // The whole batch reaches the file, yet write(2) reports an error and the
  // cut-back fails: a complete, nacked record stays in the abandoned segment.
  log(w, 1, c, 10, 3); // numbers 3..5, nacked
  std::string rec;
  auto es = make_entries(10, 3);
  append_entries(rec, 1, c, es.data(), es.size());
  fs_.inject(fs_op::append, fault_spec{errc::io_error, 0, 1, rec.size()});
  fs_.inject(fs_op::truncate, fault_spec{errc::io_error, 0, 1, 0});
  EXPECT_EQ(w.write().code(), errc::io_error);
  // The stream keeps counting from 5 (never reuses 3..5).
  log(w, 1, c, 20, 2); // numbers 6..7, acked
  ASSERT_TRUE(w.write().ok());
  auto res = replay_all(mem_, dir_);
  auto& got = res.streams[1].entries;
  ASSERT_EQ(got.size(), 7u); // the nacked ghost is replayed (at least once) ...
  EXPECT_EQ(got[5].ts, 20);  // ... and the acked entries after it are not lost
  EXPECT_EQ(got[6].ts, 21);
  EXPECT_EQ(res.stats.duplicate_entries, 0u);
}

TEST_F(wal_writer_test, synced_records_survive_a_power_cut_and_unsynced_ones_may_not) {
  auto w = open();
  uint64_t c = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  log(w, 1, c, 0, 2);
  ASSERT_TRUE(w.write().ok());
  ASSERT_TRUE(w.sync().ok());                // fsync = batch: ack entries 1..2 now
  EXPECT_EQ(fs_.calls(fs_op::sync_dir), 1u); // new segment: its dir entry too
  log(w, 1, c, 10, 3);
  ASSERT_TRUE(w.write().ok()); // written, not yet synced: not acked
  mem_.drop_unsynced();
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].entries.size(), 2u);
  EXPECT_EQ(res.stats.segment_corruptions, 0u);
  EXPECT_GE(w.stats().syncs, 1u);
}

TEST_F(wal_writer_test, a_failed_sync_abandons_the_segment) {
  auto w = open();
  uint64_t c = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  log(w, 1, c, 0, 2);
  ASSERT_TRUE(w.write().ok());
  fs_.inject(fs_op::sync, fault_spec{errc::io_error, 0, 1, 0});
  EXPECT_EQ(w.sync().code(), errc::io_error);
  EXPECT_EQ(w.stats().io_errors, 1u);
  EXPECT_EQ(w.segment_index(), 1u);
  log(w, 1, c, 10, 1);
  ASSERT_TRUE(w.write().ok());
  EXPECT_TRUE(w.sync().ok());
}

TEST_F(wal_writer_test, series_records_lost_with_a_failed_fsync_are_logged_again) {
  auto w = open(128ull << 20, /*fsync_batch*/ true);
  uint64_t c = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  log(w, 1, c, 0, 2);
  ASSERT_TRUE(w.write().ok());
  fs_.inject(fs_op::sync, fault_spec{errc::io_error, 0, 1, 0});
  EXPECT_EQ(w.sync().code(), errc::io_error); // nack entries 1..2
  EXPECT_EQ(w.pending_records(), 1u);         // the series record, queued again
  mem_.drop_unsynced();                       // power cut: segment 0 is gone
  log(w, 1, c, 10, 1);                        // the stream does not re-log its series
  ASSERT_TRUE(w.write().ok());
  ASSERT_TRUE(w.sync().ok());
  mem_.drop_unsynced();
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.unknown_series_entries, 0u);
  EXPECT_EQ(res.streams[1].entries, make_entries(10, 1));
}

TEST_F(wal_writer_test, a_sync_failure_during_roll_is_reported_by_the_next_sync) {
  auto w = open(128ull << 20, true);
  uint64_t c = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  log(w, 1, c, 0, 2);
  ASSERT_TRUE(w.write().ok());
  fs_.inject(fs_op::sync, fault_spec{errc::io_error, 0, 1, 0});
  auto r = w.roll();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(w.segment_index(), 1u);
  log(w, 1, c, 10, 1);
  ASSERT_TRUE(w.write().ok());
  // Entries 1..2 were never synced: the next sync must not let them be acked.
  EXPECT_EQ(w.sync().code(), errc::io_error);
  EXPECT_TRUE(w.sync().ok());
}

TEST_F(wal_writer_test, roll_returns_an_index_that_splits_before_from_after) {
  auto w = open();
  uint64_t c = 0;
  w.add_series(1, 1, "t", labels_of("a"));
  log(w, 1, c, 0, 1);
  ASSERT_TRUE(w.write().ok());
  auto n = w.roll();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  log(w, 1, c, 10, 1);
  ASSERT_TRUE(w.write().ok());
  EXPECT_TRUE(mem_.exists(dir_ + "/00000001"));
  // Rolling with no segment open still consumes an index.
  auto m = w.roll();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, 1u);
  auto k = w.roll();
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, 2u);
  EXPECT_FALSE(mem_.exists(dir_ + "/00000002"));
}

// -- zero-filled spares (ingester.wal.preallocate) -----------------------------------

writer_options spare_options(const std::string& dir, uint64_t segment_size) {
  writer_options o{dir, segment_size, false};
  o.preallocate = true;
  return o;
}

TEST_F(wal_writer_test, a_spare_becomes_the_next_segment_and_its_zero_tail_replays_clean) {
  constexpr uint64_t size = 64 << 10;
  auto w = writer::open(fs_, spare_options(dir_, size));
  ASSERT_TRUE(w.ok());
  uint64_t seq = w->spare_wanted();
  EXPECT_EQ(seq, 1u);
  EXPECT_EQ(w->spare_wanted(), 0u); // one being made
  auto spare = preallocate_segment(fs_, dir_, seq, size);
  ASSERT_TRUE(spare.ok()) << spare.error().to_string();
  EXPECT_EQ(*spare, dir_ + "/prealloc.00000001");
  w->add_spare(*spare);
  EXPECT_EQ(w->spare_wanted(), 0u); // one ready
  w->add_series(1, 7, "t", labels_of("a"));
  uint64_t counter = 0;
  log(*w, 1, counter, 100, 20);
  ASSERT_TRUE(w->write().ok());
  log(*w, 1, counter, 200, 5);
  ASSERT_TRUE(w->write().ok());
  EXPECT_EQ(w->stats().segments_preallocated, 1u);
  EXPECT_FALSE(mem_.exists(*spare));
  // The segment kept its length: the records, then the spare's zeros.
  const auto* seg = mem_.contents(dir_ + "/00000000");
  ASSERT_NE(seg, nullptr);
  EXPECT_EQ(seg->size(), size);
  EXPECT_EQ(static_cast<uint8_t>((*seg)[4]), file_version);
  EXPECT_EQ(seg->find_first_not_of('\0', w->segment_bytes()), std::string::npos);
  // As a crash leaves it (not closed): everything written, no corruption.
  auto res = replay_all(fs_, dir_);
  EXPECT_TRUE(res.corruptions.empty());
  EXPECT_EQ(res.streams[1].counter, 25u);
  EXPECT_EQ(res.streams[1].entries.size(), 25u);
  // The next spare is wanted at once; roll() cuts the segment to its records.
  EXPECT_EQ(w->spare_wanted(), 2u);
  const auto used = w->segment_bytes();
  ASSERT_TRUE(w->roll().ok());
  EXPECT_EQ(mem_.contents(dir_ + "/00000000")->size(), used);
  EXPECT_EQ(replay_all(fs_, dir_).streams[1].entries.size(), 25u);
}

TEST_F(wal_writer_test, a_spare_is_wanted_only_once_the_segment_holds_spare_after_bytes) {
  auto o = spare_options(dir_, 64 << 10);
  o.spare_after = 8 << 10;
  auto w = writer::open(fs_, o);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->spare_wanted(), 0u); // no segment yet: an idle node writes no zeros
  w->add_series(1, 7, "t", labels_of("a"));
  uint64_t counter = 0;
  log(*w, 1, counter, 100, 3);
  ASSERT_TRUE(w->write().ok());
  ASSERT_LT(w->segment_bytes(), o.spare_after);
  EXPECT_EQ(w->spare_wanted(), 0u);
  for (model::timestamp_ns ts = 200; w->segment_bytes() < o.spare_after; ts += 100) {
    log(*w, 1, counter, ts, 20);
    ASSERT_TRUE(w->write().ok());
  }
  EXPECT_EQ(w->spare_wanted(), 1u);
  EXPECT_EQ(w->stats().segments_created, 1u);
  EXPECT_EQ(w->stats().segments_preallocated, 0u);
}

TEST_F(wal_writer_test, without_a_spare_segments_are_created_as_before) {
  auto w = writer::open(fs_, spare_options(dir_, 64 << 10));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->spare_wanted(), 1u);
  w->spare_failed();                // e.g. disk full
  EXPECT_EQ(w->spare_wanted(), 0u); // not again until a segment opened
  w->add_series(1, 7, "t", labels_of("a"));
  uint64_t counter = 0;
  log(*w, 1, counter, 100, 3);
  ASSERT_TRUE(w->write().ok());
  EXPECT_EQ(w->stats().segments_preallocated, 0u);
  EXPECT_EQ(w->stats().segments_created, 1u);
  EXPECT_EQ(w->spare_wanted(), 2u);
  EXPECT_EQ(replay_all(fs_, dir_).streams[1].entries.size(), 3u);
}

TEST_F(wal_writer_test, open_reuses_complete_spares_and_removes_unfinished_ones) {
  constexpr uint64_t size = 32 << 10;
  ASSERT_TRUE(fs_.create_dirs(dir_).ok());
  ASSERT_TRUE(preallocate_segment(fs_, dir_, 3, size).ok());
  mem_.put(dir_ + "/prealloc.00000004.tmp", std::string(100, '\0')); // cut short by a crash
  auto w = writer::open(fs_, spare_options(dir_, size));
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(mem_.exists(dir_ + "/prealloc.00000004.tmp"));
  EXPECT_EQ(w->spares(), 1u);
  EXPECT_EQ(w->spare_wanted(), 0u);
  // Spares are not segments: replay and the next index ignore them.
  EXPECT_EQ(w->segment_index(), 0u);
  EXPECT_EQ(replay_all(fs_, dir_).stats.segments, 0u);
  w->add_series(1, 7, "t", labels_of("a"));
  uint64_t counter = 0;
  log(*w, 1, counter, 100, 3);
  ASSERT_TRUE(w->write().ok());
  EXPECT_EQ(w->stats().segments_preallocated, 1u);
  EXPECT_FALSE(mem_.exists(dir_ + "/prealloc.00000003"));
  EXPECT_EQ(w->spare_wanted(), 4u); // numbers continue after the ones seen
  // A checkpoint's cleanup leaves spares alone.
  ASSERT_TRUE(preallocate_segment(fs_, dir_, 4, size).ok());
  auto n = w->roll();
  ASSERT_TRUE(n.ok());
  ASSERT_TRUE(remove_obsolete(fs_, dir_, *n).ok());
  EXPECT_TRUE(mem_.exists(dir_ + "/prealloc.00000004"));
  EXPECT_FALSE(mem_.exists(dir_ + "/00000000"));
}

TEST_F(wal_writer_test, spares_are_removed_when_preallocation_is_off) {
  ASSERT_TRUE(fs_.create_dirs(dir_).ok());
  ASSERT_TRUE(preallocate_segment(fs_, dir_, 1, 32 << 10).ok());
  auto w = writer::open(fs_, writer_options{dir_, 32 << 10, false});
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(mem_.exists(dir_ + "/prealloc.00000001"));
  EXPECT_EQ(w->spare_wanted(), 0u);
}

TEST_F(wal_writer_test, a_failed_write_into_a_spare_is_cut_back_and_nothing_acked_is_lost) {
  constexpr uint64_t size = 64 << 10;
  auto w = writer::open(fs_, spare_options(dir_, size));
  ASSERT_TRUE(w.ok());
  w->add_spare(*preallocate_segment(fs_, dir_, w->spare_wanted(), size));
  w->add_series(1, 7, "t", labels_of("a"));
  uint64_t counter = 0;
  log(*w, 1, counter, 100, 4);
  ASSERT_TRUE(w->write().ok());
  fs_.inject(fs_op::append, fault_spec{errc::disk_full, 0, 1, 17}); // torn: 17 bytes land
  log(*w, 1, counter, 200, 4);
  EXPECT_EQ(w->write().code(), errc::disk_full);
  log(*w, 1, counter, 300, 2);
  ASSERT_TRUE(w->write().ok());
  auto res = replay_all(fs_, dir_);
  EXPECT_TRUE(res.corruptions.empty());
  ASSERT_EQ(res.streams[1].entries.size(), 6u);
  EXPECT_EQ(res.streams[1].entries[4].ts, 300);
}

TEST(wal_writer, spares_on_a_real_disk_are_overwritten_in_place_and_replay_exactly) {
  // posix create_zero_filled()/open_zero_filled() with O_DIRECT, in the
  // build tree (/tmp may be a tmpfs without O_DIRECT).
  char tmpl[] = "./skald-wal-spare-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = std::string{tmpl} + "/wal";
  auto& fs = posix_file_system();
  constexpr uint64_t size = 24 << 10;
  std::vector<model::entry> want;
  {
    auto w = writer::open(fs, spare_options(dir, size));
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    w->add_series(5, 1, "t", labels_of("p"));
    uint64_t counter = 0;
    model::timestamp_ns ts = 1000;
    for (size_t batch = 0; batch < 40; ++batch) {
      if (auto seq = w->spare_wanted(); seq != 0) {
        auto spare = preallocate_segment(fs, dir, seq, size);
        ASSERT_TRUE(spare.ok()) << spare.error().to_string();
        w->add_spare(*spare);
      }
      auto es = make_entries(ts, batch * 37 % 200 + 1);
      ts += 1000000;
      counter += es.size();
      ASSERT_TRUE(w->add_entries(5, counter, es.data(), es.size()).ok());
      want.insert(want.end(), es.begin(), es.end());
      ASSERT_TRUE(w->write().ok());
      if (batch == 25) {
        // A crash here: the current segment ends in its spare's zeros.
        std::string seg;
        ASSERT_TRUE(fs.read_file(dir + "/" + segment_name(w->segment_index()), seg).ok());
        EXPECT_EQ(seg.size(), size);
        EXPECT_GT(w->segment_bytes(), file_header_size);
        auto res = replay_all(fs, dir);
        EXPECT_TRUE(res.corruptions.empty());
        EXPECT_EQ(res.streams[5].entries.size(), want.size());
      }
    }
    EXPECT_GT(w->stats().segments_preallocated, 2u);
    EXPECT_EQ(w->stats().segments_preallocated, w->stats().segments_created);
    ASSERT_TRUE(w->close().ok());
  }
  auto res = replay_all(fs, dir);
  EXPECT_TRUE(res.corruptions.empty());
  EXPECT_EQ(res.streams[5].entries, want);
  EXPECT_TRUE(fs.remove_all(tmpl).ok());
}

TEST(wal_writer, writes_real_files_through_posix) {
  char tmpl[] = "/tmp/skald-wal-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = std::string{tmpl} + "/wal";
  auto& fs = posix_file_system();
  {
    auto w = writer::open(fs, writer_options{dir, 1 << 20, true});
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    w->add_series(3, 1, "t", labels_of("p"));
    auto es = make_entries(100, 10);
    ASSERT_TRUE(w->add_entries(3, 10, es.data(), es.size()).ok());
    ASSERT_TRUE(w->write().ok());
    ASSERT_TRUE(w->sync().ok());
    ASSERT_TRUE(w->roll().ok());
  }
  auto res = replay_all(fs, dir);
  EXPECT_EQ(res.streams[3].entries, make_entries(100, 10));
  EXPECT_TRUE(fs.remove_all(tmpl).ok());
}

TEST(wal_writer, batches_of_any_size_through_direct_io_replay_exactly) {
  // The writer encodes into its aligned buffer and the direct file writes
  // from it: odd batch sizes (partial last blocks), segment rolls and a
  // checkpoint roll between batches; every record comes back, no corruption
  // (the files end in v2 padding at most). In the build tree: /tmp may be a
  // tmpfs without O_DIRECT.
  char tmpl[] = "./skald-wal-writer-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = std::string{tmpl} + "/wal";
  auto& fs = posix_file_system();
  std::vector<model::entry> want;
  {
    auto w = writer::open(fs, writer_options{dir, 16 << 10, false});
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    w->add_series(5, 1, "t", labels_of("p"));
    uint64_t counter = 0;
    model::timestamp_ns ts = 1000;
    for (size_t batch = 0; batch < 60; ++batch) {
      for (size_t r = 0; r < batch % 4 + 1; ++r) {
        auto es = make_entries(ts, (batch * 7 + r * 13) % 50 + 1);
        ts += 1000;
        counter += es.size();
        std::vector<model::entry_view> views;
        for (auto& e : es)
          views.push_back(model::entry_view{e.ts, e.line, nullptr});
        ASSERT_TRUE(w->add_entries(5, counter, views.data(), views.size()).ok());
        want.insert(want.end(), es.begin(), es.end());
      }
      auto st = w->write();
      ASSERT_TRUE(st.ok()) << st.to_string();
      if (batch == 30) {
        ASSERT_TRUE(w->roll().ok());
      }
    }
    EXPECT_GT(w->stats().segments_created, 3u);
  }
  auto res = replay_all(fs, dir);
  EXPECT_TRUE(res.corruptions.empty());
  EXPECT_EQ(res.streams[5].entries, want);
  EXPECT_TRUE(fs.remove_all(tmpl).ok());
}

} // namespace
} // namespace skald::wal

namespace skald::wal {
namespace {

// Real ENOSPC from the kernel, on a tiny file system the caller provides:
//   mount -t tmpfs -o size=64k tmpfs /tmp/wal-tiny
//   SKALD_WAL_ENOSPC_DIR=/tmp/wal-tiny build/tests/unit_tests --gtest_filter='*real_disk*'
TEST(wal_writer, real_disk_full_is_reported_as_disk_full_and_recovers) {
  const char* root = std::getenv("SKALD_WAL_ENOSPC_DIR");
  if (root == nullptr)
    GTEST_SKIP() << "set SKALD_WAL_ENOSPC_DIR to a small, empty file system";
  auto& fs = posix_file_system();
  std::string dir = std::string{root} + "/wal";
  std::string filler = std::string{root} + "/filler";
  ASSERT_TRUE(fs.remove_all(dir).ok());
  ASSERT_TRUE(fs.remove_all(filler).ok());
  {
    // 16 KiB of someone else's data, deleted later to make space return.
    auto f = fs.create(filler);
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    ASSERT_TRUE((*f)->append(std::string(16384, 'x')).ok());
    ASSERT_TRUE((*f)->close().ok());
  }
  auto w = writer::open(fs, writer_options{dir, 1 << 30, false});
  ASSERT_TRUE(w.ok());
  w->add_series(1, 1, "t", testing::labels_of("a"));
  uint64_t counter = 0;
  size_t acked = 0;
  status st;
  // Fill the disk with WAL records until the kernel says ENOSPC.
  for (int i = 0; i < 100000 && st.ok(); ++i) {
    auto es = testing::make_entries(i * 10, 10);
    counter += 10; // advanced even when the write fails: numbers are never reused
    ASSERT_TRUE(w->add_entries(1, counter, es.data(), es.size()).ok());
    st = w->write();
    if (st.ok())
      acked += 10;
  }
  ASSERT_EQ(st.code(), errc::disk_full) << st.to_string();
  EXPECT_GE(w->stats().disk_full_errors, 1u);
  auto more = testing::make_entries(100000000, 10);
  counter += 10;
  ASSERT_TRUE(w->add_entries(1, counter, more.data(), more.size()).ok());
  EXPECT_EQ(w->write().code(), errc::disk_full); // still full
  // Space returns: the same writer carries on (the client retried the push).
  ASSERT_TRUE(fs.remove_file(filler).ok());
  counter += 10;
  ASSERT_TRUE(w->add_entries(1, counter, more.data(), more.size()).ok());
  ASSERT_TRUE(w->write().ok());
  acked += 10;
  ASSERT_TRUE(w->close().ok());
  auto res = testing::replay_all(fs, dir);
  EXPECT_EQ(res.stats.entries, acked);
  EXPECT_EQ(res.stats.segment_corruptions, 0u); // the torn write was cut off
  EXPECT_EQ(res.streams[1].entries.back(), more.back());
  EXPECT_TRUE(fs.remove_all(dir).ok());
}

} // namespace
} // namespace skald::wal
