// Replay and checkpoints: the Loki behaviours of pkg/ingester/checkpoint_test.go
// and recovery_test.go that apply to the library (TestIngesterWAL,
// TestSeriesRecoveryNoDuplicates, TestRecoveryWritesContinuesEntryCountAfterWALReplay,
// TestCheckpointCleanup*), plus corruption accounting.
#include <gtest/gtest.h>

#include <set>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/util/little_endian.hpp"
#include "runtime/wal/checkpoint.hpp"
#include "runtime/wal/layout.hpp"
#include "runtime/wal/replay.hpp"
#include "runtime/wal/ring.hpp"
#include "runtime/wal/test_fs.hpp"
#include "runtime/wal/writer.hpp"
#include "tests/unit/wal/wal_test_util.hpp"

namespace skald::wal {
namespace {

using testing::chunk_entries;
using testing::labels_of;
using testing::make_entries;
using testing::replay_all;

/// A stream as an ingester holds it: one open chunk, a counter, an epoch.
struct fake_stream {
  uint64_t fp;
  uint64_t epoch;
  std::string tenant;
  model::label_set labels;
  chunkenc::mem_chunk chunk{chunkenc::encoding::snappy, 4096, 0};
  uint64_t counter = 0;
  std::vector<model::entry> all; // every acked entry, for comparison

  /// Appends to memory first, then logs (the REQUIRES of writer.hpp).
  void push(writer& w, std::vector<model::entry> es) {
    for (auto& e : es) {
      EXPECT_EQ(chunk.append(model::entry_view{e.ts, e.line, nullptr}),
                chunkenc::append_result::appended);
      all.push_back(e);
    }
    counter += es.size();
    ASSERT_TRUE(w.add_entries(fp, counter, es.data(), es.size()).ok());
  }

  std::string encoded() const {
    auto b = chunk.encode();
    EXPECT_TRUE(b.ok());
    return *b;
  }
};

// Every test runs with and without read-ahead (the parameter): the items
// must be the same.
class wal_replay_test : public ::testing::TestWithParam<bool> {
protected:
  testing::replay_result replay_all(file_system& fs, const std::string& dir) {
    return testing::replay_all(fs, dir, replay_options{GetParam()});
  }

  memory_file_system mem_;
  fault_injection_file_system fs_{mem_};
  const std::string dir_ = "/wal";

  writer open_writer(uint64_t segment_size = 1 << 20, bool direct_io = true) {
    auto w = writer::open(fs_, writer_options{dir_, segment_size, false, direct_io});
    EXPECT_TRUE(w.ok());
    return std::move(*w);
  }

  fake_stream make_stream(writer& w, uint64_t fp, std::string app, uint64_t epoch = 1) {
    fake_stream s{fp,
                  epoch,
                  "tenant",
                  labels_of(app),
                  chunkenc::mem_chunk{chunkenc::encoding::snappy, 4096, 0},
                  0,
                  {}};
    w.add_series(fp, epoch, s.tenant, s.labels);
    return s;
  }

  /// The checkpoint cycle of checkpoint.hpp.
  uint64_t checkpoint(writer& w, std::vector<fake_stream*> streams) {
    auto n = w.roll();
    EXPECT_TRUE(n.ok());
    auto cw = checkpoint_writer::begin(fs_, dir_, *n);
    EXPECT_TRUE(cw.ok());
    std::vector<std::string> bytes;
    bytes.reserve(streams.size());
    for (auto* s : streams) {
      bytes.push_back(s->encoded());
      series_snapshot snap;
      snap.fingerprint = s->fp;
      snap.epoch = s->epoch;
      snap.entry_ct = s->counter;
      snap.tenant = s->tenant;
      snap.labels = s->labels;
      if (!s->all.empty()) {
        snap.highest_ts = s->all.back().ts;
        snap.last_line = s->all.back().line;
      }
      snap.chunks = {{chunk_open, bytes.back()}};
      EXPECT_TRUE(cw->add(snap).ok());
    }
    EXPECT_TRUE(cw->commit().ok());
    auto cl = remove_obsolete(fs_, dir_, *n);
    EXPECT_TRUE(cl.ok());
    return *n;
  }
};

TEST_P(wal_replay_test, an_empty_or_missing_directory_replays_nothing) {
  auto res = replay_all(mem_, "/nowhere");
  EXPECT_TRUE(res.streams.empty());
  EXPECT_EQ(res.stats.segments, 0u);
  EXPECT_FALSE(res.stats.checkpoint_index.has_value());
}

TEST_P(wal_replay_test, restart_recovers_from_segments_then_from_checkpoint_and_segments) {
  auto w = open_writer();
  auto a = make_stream(w, 1, "a");
  auto b = make_stream(w, 2, "b");
  for (int i = 0; i < 10; ++i) {
    a.push(w, make_entries(i * 100, 3));
    b.push(w, make_entries(i * 100 + 50, 2));
    ASSERT_TRUE(w.write().ok());
  }
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].entries, a.all);
  EXPECT_EQ(res.streams[2].entries, b.all);

  auto n = checkpoint(w, {&a, &b});
  EXPECT_FALSE(mem_.exists(dir_ + "/00000000")); // covered segments deleted
  for (int i = 10; i < 15; ++i) {
    a.push(w, make_entries(i * 100, 3));
    ASSERT_TRUE(w.write().ok());
  }
  res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.checkpoint_index, n);
  EXPECT_EQ(res.stats.checkpoint_series, 2u);
  EXPECT_EQ(res.streams[1].entries, a.all);
  EXPECT_EQ(res.streams[1].counter, a.counter); // entry count continues from here
  EXPECT_EQ(res.streams[2].entries, b.all);
  EXPECT_EQ(res.streams[2].labels, labels_of("b"));
  EXPECT_EQ(res.stats.duplicate_entries, 0u);
  EXPECT_GT(res.stats.duration_ns, 0u);
}

TEST_P(wal_replay_test, entries_in_both_checkpoint_and_segment_are_applied_once) {
  auto w = open_writer();
  auto a = make_stream(w, 1, "a");
  a.push(w, make_entries(0, 4));
  ASSERT_TRUE(w.write().ok());
  // The actor rolls, then a push lands in segment n+1 BEFORE the stream is
  // snapshotted: the snapshot includes it too.
  auto n = w.roll();
  ASSERT_TRUE(n.ok());
  a.push(w, make_entries(100, 3));
  ASSERT_TRUE(w.write().ok());
  auto cw = checkpoint_writer::begin(fs_, dir_, *n);
  ASSERT_TRUE(cw.ok());
  auto bytes = a.encoded();
  series_snapshot snap;
  snap.fingerprint = 1;
  snap.epoch = 1;
  snap.entry_ct = a.counter;
  snap.tenant = a.tenant;
  snap.labels = a.labels;
  snap.chunks = {{chunk_open, bytes}};
  ASSERT_TRUE(cw->add(snap).ok());
  ASSERT_TRUE(cw->commit().ok());
  ASSERT_TRUE(remove_obsolete(fs_, dir_, *n).ok());
  a.push(w, make_entries(200, 2));
  ASSERT_TRUE(w.write().ok());

  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].entries, a.all); // no duplicates
  EXPECT_EQ(res.stats.duplicate_entries, 3u);
  EXPECT_EQ(res.streams[1].counter, 9u);
}

TEST_P(wal_replay_test, a_record_partly_below_the_floor_is_trimmed) {
  auto w = open_writer();
  w.add_series(1, 1, "t", labels_of("a"));
  auto es = make_entries(0, 5);
  ASSERT_TRUE(w.add_entries(1, 5, es.data(), 5).ok());
  auto again = make_entries(3, 4); // a retried push re-logging entries 4..5, adding 6..7
  ASSERT_TRUE(w.add_entries(1, 7, again.data(), 4).ok());
  ASSERT_TRUE(w.write().ok());
  auto res = replay_all(mem_, dir_);
  ASSERT_EQ(res.streams[1].entries.size(), 7u);
  EXPECT_EQ(res.streams[1].entries[5].ts, 5);
  EXPECT_EQ(res.stats.duplicate_entries, 2u);
}

TEST_P(wal_replay_test, a_stream_recreated_after_the_checkpoint_is_not_mistaken_for_duplicates) {
  auto w = open_writer();
  auto a = make_stream(w, 1, "a", /*epoch*/ 10);
  a.push(w, make_entries(0, 50));
  ASSERT_TRUE(w.write().ok());
  checkpoint(w, {&a});
  // The stream is flushed and removed; later the same labels come back as a
  // new incarnation whose counter restarts.
  auto a2 = make_stream(w, 1, "a", /*epoch*/ 11);
  a2.push(w, make_entries(1000, 5));
  ASSERT_TRUE(w.write().ok());
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].epoch, 11u);
  EXPECT_EQ(res.streams[1].entries, a2.all);
  EXPECT_EQ(res.stats.duplicate_entries, 0u);
}

TEST_P(wal_replay_test, a_series_logged_again_with_the_same_epoch_is_yielded_once) {
  auto w = open_writer();
  for (int i = 0; i < 3; ++i)
    w.add_series(1, 5, "t", labels_of("a"));
  ASSERT_TRUE(w.write().ok());
  replayer r{mem_, dir_, replay_options{GetParam()}};
  ASSERT_TRUE(r.open().ok());
  replay_item it;
  size_t n = 0;
  while (r.next(it))
    ++n;
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(r.stats().series_records, 3u);
}

TEST_P(wal_replay_test, entries_without_a_series_are_counted_and_skipped) {
  auto w = open_writer();
  auto es = make_entries(0, 3);
  ASSERT_TRUE(w.add_entries(9, 3, es.data(), es.size()).ok());
  ASSERT_TRUE(w.write().ok());
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.unknown_series_entries, 3u);
  EXPECT_EQ(res.stats.entries, 0u);
}

TEST_P(wal_replay_test, a_corrupt_segment_stops_at_its_last_good_record_and_replay_continues) {
  // Buffered: the middle of a segment file is inside its records.
  auto w = open_writer(1024, false);
  auto a = make_stream(w, 1, "a");
  for (int i = 0; i < 60; ++i) {
    a.push(w, make_entries(i * 10, 2));
    ASSERT_TRUE(w.write().ok());
  }
  auto listing = list_wal_dir(mem_, dir_);
  ASSERT_GE(listing->segments.size(), 3u);
  // Flip a byte in the middle of segment 1.
  auto* seg1 = mem_.contents(dir_ + "/00000001");
  (*seg1)[seg1->size() / 2] ^= 0x40;
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.segment_corruptions, 1u);
  ASSERT_EQ(res.corruptions.size(), 1u);
  EXPECT_EQ(res.corruptions[0].path, "/wal/00000001");
  EXPECT_FALSE(res.corruptions[0].torn);
  EXPECT_EQ(res.stats.segments, listing->segments.size());
  // Lost: the rest of segment 1 only; later segments are replayed.
  auto& got = res.streams[1].entries;
  EXPECT_LT(got.size(), a.all.size());
  EXPECT_EQ(got.back(), a.all.back());
  EXPECT_EQ(got.front(), a.all.front());
}

TEST_P(wal_replay_test, a_corrupt_checkpoint_is_counted_and_segments_still_replay) {
  auto w = open_writer();
  auto a = make_stream(w, 1, "a");
  auto b = make_stream(w, 2, "b");
  a.push(w, make_entries(0, 5));
  b.push(w, make_entries(0, 5));
  ASSERT_TRUE(w.write().ok());
  auto n = checkpoint(w, {&a, &b});
  a.push(w, make_entries(10, 1));
  ASSERT_TRUE(w.write().ok());
  auto* part = mem_.contents(dir_ + "/" + checkpoint_name(n) + "/00000000");
  ASSERT_NE(part, nullptr);
  part->back() ^= 1; // damages stream b's snapshot (the last record)
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.checkpoint_corruptions, 1u);
  EXPECT_EQ(res.stats.checkpoint_series, 1u);
  EXPECT_EQ(res.streams[1].entries, a.all);
  EXPECT_EQ(res.streams.count(2), 0u);
}

TEST_P(wal_replay_test, an_unreadable_segment_is_counted_and_skipped) {
  auto w = open_writer(1024);
  auto a = make_stream(w, 1, "a");
  for (int i = 0; i < 20; ++i) {
    a.push(w, make_entries(i * 10, 2));
    ASSERT_TRUE(w.write().ok());
  }
  fs_.inject(fs_op::read, fault_spec{errc::io_error, 1, 1, 0});
  auto res = replay_all(fs_, dir_);
  EXPECT_EQ(res.stats.segment_corruptions, 1u);
  EXPECT_EQ(res.corruptions[0].reason, "cannot read file");
  EXPECT_GT(res.stats.entries, 0u);
}

TEST_P(wal_replay_test, an_empty_segment_is_not_corruption) {
  mem_.put(dir_ + "/00000000", "");
  auto w = open_writer();
  EXPECT_EQ(w.segment_index(), 1u);
  auto a = make_stream(w, 1, "a");
  a.push(w, make_entries(0, 1));
  ASSERT_TRUE(w.write().ok());
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.segment_corruptions, 0u);
  EXPECT_EQ(res.stats.segments, 2u);
  EXPECT_EQ(res.streams[1].entries, a.all);
}

TEST_P(wal_replay_test, an_uncommitted_checkpoint_is_ignored_and_segments_are_kept) {
  auto w = open_writer();
  auto a = make_stream(w, 1, "a");
  a.push(w, make_entries(0, 5));
  ASSERT_TRUE(w.write().ok());
  auto n = w.roll();
  ASSERT_TRUE(n.ok());
  auto cw = checkpoint_writer::begin(fs_, dir_, *n);
  ASSERT_TRUE(cw.ok());
  series_snapshot snap;
  snap.fingerprint = 1;
  snap.entry_ct = 5;
  ASSERT_TRUE(cw->add(snap).ok());
  // Crash before commit(): only checkpoint.N.tmp exists.
  auto res = replay_all(mem_, dir_);
  EXPECT_FALSE(res.stats.checkpoint_index.has_value());
  EXPECT_EQ(res.streams[1].entries, a.all);
  // A writer started after the crash does not reuse index N.
  auto w2 = open_writer();
  EXPECT_GT(w2.segment_index(), *n);
}

TEST_P(wal_replay_test, a_failed_rename_leaves_the_previous_state_replayable) {
  auto w = open_writer();
  auto a = make_stream(w, 1, "a");
  a.push(w, make_entries(0, 5));
  ASSERT_TRUE(w.write().ok());
  auto n = w.roll();
  ASSERT_TRUE(n.ok());
  auto cw = checkpoint_writer::begin(fs_, dir_, *n);
  ASSERT_TRUE(cw.ok());
  auto bytes = a.encoded();
  series_snapshot snap;
  snap.fingerprint = 1;
  snap.epoch = 1;
  snap.entry_ct = 5;
  snap.chunks = {{chunk_open, bytes}};
  ASSERT_TRUE(cw->add(snap).ok());
  fs_.inject(fs_op::rename, fault_spec{errc::disk_full, 0, 1, 0});
  EXPECT_EQ(cw->commit().code(), errc::disk_full);
  EXPECT_EQ(cw->add(snap).code(), errc::disk_full); // sticky
  cw->abort();
  EXPECT_FALSE(mem_.exists(cw->tmp_path()));
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].entries, a.all);
}

TEST_P(wal_replay_test, checkpoint_parts_roll_and_restore_open_and_closed_chunks) {
  auto w = open_writer();
  std::vector<fake_stream> streams;
  streams.reserve(30);
  for (uint64_t fp = 1; fp <= 30; ++fp) {
    streams.push_back(make_stream(w, fp, "s" + std::to_string(fp)));
    streams.back().push(w, make_entries(static_cast<model::timestamp_ns>(fp) * 1000, 20));
  }
  ASSERT_TRUE(w.write().ok());
  auto n = w.roll();
  ASSERT_TRUE(n.ok());
  auto cw = checkpoint_writer::begin(fs_, dir_, *n, /*part_size*/ 4096, /*buffer*/ 1024);
  ASSERT_TRUE(cw.ok());
  std::vector<std::string> keep;
  keep.reserve(60);
  for (auto& s : streams) {
    // A closed (cut, unflushed) chunk plus the open one.
    chunkenc::mem_chunk closed{chunkenc::encoding::snappy, 4096, 0};
    for (auto& e : make_entries(1, 2, "old"))
      (void)closed.append(model::entry_view{e.ts, e.line, nullptr});
    ASSERT_TRUE(closed.close().ok());
    keep.push_back(*closed.encode());
    keep.push_back(s.encoded());
    series_snapshot snap;
    snap.fingerprint = s.fp;
    snap.epoch = s.epoch;
    snap.entry_ct = s.counter;
    snap.tenant = s.tenant;
    snap.labels = s.labels;
    snap.chunks = {{chunk_closed, keep[keep.size() - 2]}, {chunk_open, keep.back()}};
    ASSERT_TRUE(cw->add(snap).ok());
  }
  ASSERT_TRUE(cw->commit().ok());
  EXPECT_GT(cw->stats().parts, 2u);
  EXPECT_EQ(cw->stats().series, 30u);
  EXPECT_EQ(cw->stats().chunks, 60u);
  ASSERT_TRUE(remove_obsolete(fs_, dir_, *n).ok());

  replayer r{mem_, dir_, replay_options{GetParam()}};
  ASSERT_TRUE(r.open().ok());
  replay_item it;
  size_t seen = 0;
  while (r.next(it)) {
    ASSERT_EQ(it.kind, replay_kind::checkpoint_series);
    auto& snap = *it.snapshot;
    auto& s = streams[snap.fingerprint - 1];
    ASSERT_EQ(snap.chunks.size(), 2u);
    auto closed = chunkenc::mem_chunk::decode(snap.chunks[0].data);
    ASSERT_TRUE(closed.ok());
    EXPECT_TRUE(closed->closed());
    EXPECT_EQ(closed->entries(), 2u);
    auto open = chunkenc::mem_chunk::decode_open(snap.chunks[1].data, 4096, 0);
    ASSERT_TRUE(open.ok());
    EXPECT_FALSE(open->closed());
    EXPECT_EQ(chunk_entries(snap.chunks[1].data), s.all);
    // The restored chunk keeps taking appends.
    EXPECT_EQ(open->append(model::entry_view{999999, "more", nullptr}),
              chunkenc::append_result::appended);
    ++seen;
  }
  EXPECT_EQ(seen, 30u);
  EXPECT_EQ(r.stats().checkpoint_parts, cw->stats().parts);
}

TEST_P(wal_replay_test, cleanup_removes_covered_segments_old_and_stale_checkpoints) {
  mem_.put(dir_ + "/00000000", "x");
  mem_.put(dir_ + "/00000001", "x");
  mem_.put(dir_ + "/00000002", "x");
  mem_.put(dir_ + "/00000003", "x");
  mem_.put(dir_ + "/checkpoint.00000000/00000000", "x");
  mem_.put(dir_ + "/checkpoint.00000001.tmp/00000000", "x");
  mem_.put(dir_ + "/checkpoint.00000002/00000000", "x");
  mem_.put(dir_ + "/unrelated.txt", "x");
  auto st = remove_obsolete(fs_, dir_, 2);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->segments_removed, 3u);
  EXPECT_EQ(st->checkpoints_removed, 1u);
  auto l = list_wal_dir(mem_, dir_);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->segments, std::vector<uint64_t>{3});
  EXPECT_EQ(l->checkpoints, std::vector<uint64_t>{2});
  EXPECT_TRUE(l->tmp_checkpoints.empty());
  EXPECT_EQ(l->other, std::vector<std::string>{"unrelated.txt"});
  EXPECT_EQ(l->next_index, 4u);
}

TEST_P(wal_replay_test, leftover_segments_covered_by_the_checkpoint_are_not_replayed) {
  auto w = open_writer();
  auto a = make_stream(w, 1, "a");
  a.push(w, make_entries(0, 5));
  ASSERT_TRUE(w.write().ok());
  auto n = w.roll();
  ASSERT_TRUE(n.ok());
  auto cw = checkpoint_writer::begin(fs_, dir_, *n);
  ASSERT_TRUE(cw.ok());
  auto bytes = a.encoded();
  series_snapshot snap;
  snap.fingerprint = 1;
  snap.epoch = 1;
  snap.entry_ct = 5;
  snap.chunks = {{chunk_open, bytes}};
  ASSERT_TRUE(cw->add(snap).ok());
  ASSERT_TRUE(cw->commit().ok());
  // Crash before remove_obsolete(): segment 0 is still there.
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.stats.segments_skipped, 1u);
  EXPECT_EQ(res.streams[1].entries, a.all);
  EXPECT_EQ(res.stats.duplicate_entries, 0u);
}

TEST_P(wal_replay_test, corruption_descriptions_name_file_offset_and_reason) {
  corruption c{corruption::where::segment, "/wal/00000003", 4096, "record checksum mismatch", true};
  EXPECT_EQ(to_string(c),
            "segment /wal/00000003 at offset 4096: record checksum mismatch (torn tail)");
}

TEST_P(wal_replay_test, file_bytes_keep_lines_valid_after_next_and_across_files) {
  // Small buffered segments: the lines of one stream span many files.
  auto w = open_writer(1024, false);
  auto a = make_stream(w, 1, "a");
  for (int i = 0; i < 150; ++i) {
    a.push(w, make_entries(i * 10, 3));
    ASSERT_TRUE(w.write().ok());
  }
  ASSERT_GE(list_wal_dir(mem_, dir_)->segments.size(), 5u);
  replayer r{mem_, dir_, replay_options{GetParam()}};
  ASSERT_TRUE(r.open().ok());
  replay_item it;
  std::vector<std::shared_ptr<const std::string>> held;
  std::vector<std::string_view> lines;
  while (r.next(it)) {
    if (it.kind != replay_kind::entries)
      continue;
    auto file = r.file_bytes();
    ASSERT_NE(file, nullptr);
    if (held.empty() || held.back() != file)
      held.push_back(file);
    for (const auto& e : it.entries->entries) {
      // The view points into the file the replayer says it came from.
      ASSERT_GE(e.line.data(), file->data());
      ASSERT_LE(e.line.data() + e.line.size(), file->data() + file->size());
      lines.push_back(e.line);
    }
  }
  EXPECT_EQ(held.size(), r.stats().segments);
  // Read only after the whole replay: every view is still intact.
  ASSERT_EQ(lines.size(), a.all.size());
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(lines[i], a.all[i].line);
}

TEST_P(wal_replay_test, file_buffers_nobody_holds_are_reused) {
  auto w = open_writer(1024, false);
  auto a = make_stream(w, 1, "a");
  for (int i = 0; i < 150; ++i) {
    a.push(w, make_entries(i * 10, 3));
    ASSERT_TRUE(w.write().ok());
  }
  replayer r{mem_, dir_, replay_options{GetParam()}};
  ASSERT_TRUE(r.open().ok());
  replay_item it;
  // Addresses only (compared, never dereferenced after the buffer is dropped).
  std::set<const void*> buffers;
  size_t entries = 0;
  while (r.next(it)) {
    buffers.insert(r.file_bytes().get());
    if (it.kind == replay_kind::entries)
      entries += it.entries->entries.size();
  }
  ASSERT_GE(r.stats().segments, 5u);
  EXPECT_EQ(entries, a.all.size());
  // The current file, plus the one read ahead and the one being handed
  // back while it is read: never one buffer per file.
  EXPECT_LE(buffers.size(), GetParam() ? 3u : 1u);
}

// -- block records (docs/wal-format.md §4.4, §5 rule 4) ----------------------------

/// Stream 1's series in a fresh segment; the records of a test follow.
std::string block_segment() {
  std::string seg;
  append_file_header(seg, file_kind::segment);
  append_series(seg, 1, 1, "tenant", labels_of("a"));
  return seg;
}

using testing::append_chunk_block;
using testing::append_entries_of;

TEST_P(wal_replay_test, a_block_logged_before_the_records_it_covers_stands_for_them) {
  // The writer's reordering: R1 (1..3) and R2 (4..6) are left out, the
  // block covering them comes first, then R3 (7..9).
  auto es = make_entries(100, 9);
  auto seg = block_segment();
  EXPECT_EQ(append_chunk_block(seg, 1, {es.begin(), es.begin() + 6}, 1, {{0, 6}}), 6u);
  append_entries_of(seg, 1, 9, es, 6, 9);
  mem_.put(dir_ + "/00000000", seg);
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].entries, es);
  EXPECT_EQ(res.streams[1].counter, 9u);
  EXPECT_EQ(res.blocks, 1u);
  EXPECT_EQ(res.stats.block_records, 1u);
  EXPECT_EQ(res.stats.blocks, 1u);
  EXPECT_EQ(res.stats.entries, 9u);
  EXPECT_EQ(res.stats.duplicate_entries, 0u);
  EXPECT_EQ(res.stats.segment_corruptions, 0u);
}

TEST_P(wal_replay_test, a_block_after_the_records_it_covers_is_a_duplicate) {
  auto es = make_entries(100, 9);
  auto seg = block_segment();
  append_entries_of(seg, 1, 3, es, 0, 3);
  append_entries_of(seg, 1, 6, es, 3, 6);
  append_chunk_block(seg, 1, {es.begin(), es.begin() + 6}, 1, {{0, 6}});
  append_entries_of(seg, 1, 9, es, 6, 9);
  // The R2 record again after the block: also a duplicate.
  append_entries_of(seg, 1, 6, es, 3, 6);
  mem_.put(dir_ + "/00000000", seg);
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].entries, es);
  EXPECT_EQ(res.blocks, 0u);
  EXPECT_EQ(res.stats.duplicate_blocks, 1u);
  EXPECT_EQ(res.stats.duplicate_entries, 6u + 3u);
}

TEST_P(wal_replay_test, a_block_straddling_the_checkpoint_floor_yields_its_newer_entries) {
  auto es = make_entries(100, 9);
  // The checkpoint holds entries 1..4 (its floor); the block covers 1..6.
  chunkenc::mem_chunk c{chunkenc::encoding::snappy, 4096, 0};
  for (size_t i = 0; i < 4; ++i)
    ASSERT_EQ(c.append(model::entry_view{es[i].ts, es[i].line, nullptr}),
              chunkenc::append_result::appended);
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  std::string cp;
  append_file_header(cp, file_kind::checkpoint);
  series_snapshot snap;
  snap.fingerprint = 1;
  snap.epoch = 1;
  snap.entry_ct = 4;
  snap.tenant = "tenant";
  snap.labels = labels_of("a");
  snap.chunks = {{chunk_open, *bytes}};
  append_checkpoint_series(cp, snap);
  mem_.put(dir_ + "/checkpoint.00000000/00000000", cp);
  auto seg = block_segment();
  append_chunk_block(seg, 1, {es.begin(), es.begin() + 6}, 1, {{0, 6}});
  append_entries_of(seg, 1, 9, es, 6, 9);
  mem_.put(dir_ + "/00000001", seg);
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].entries, es);
  EXPECT_EQ(res.streams[1].counter, 9u);
  EXPECT_EQ(res.stats.partial_blocks, 1u);
  EXPECT_EQ(res.stats.blocks, 0u);
  EXPECT_EQ(res.stats.duplicate_entries, 4u);
  EXPECT_EQ(res.stats.entries, 5u);
}

TEST_P(wal_replay_test, a_block_after_a_gap_is_dropped_and_the_records_fill_it) {
  auto es = make_entries(100, 9);
  auto seg = block_segment();
  append_entries_of(seg, 1, 3, es, 0, 3);
  // Covers 7..9 while the floor is 3: 4..6 come later, in R2.
  append_chunk_block(seg, 1, {es.begin() + 6, es.end()}, 7, {{0, 3}});
  append_entries_of(seg, 1, 6, es, 3, 6);
  append_entries_of(seg, 1, 9, es, 6, 9);
  mem_.put(dir_ + "/00000000", seg);
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].entries, es);
  EXPECT_EQ(res.stats.gap_blocks, 1u);
  EXPECT_EQ(res.blocks, 0u);
  EXPECT_EQ(res.stats.duplicate_entries, 0u);
}

TEST_P(wal_replay_test, a_block_right_after_the_floor_is_not_a_gap) {
  auto es = make_entries(100, 9);
  auto seg = block_segment();
  append_entries_of(seg, 1, 3, es, 0, 3);
  append_chunk_block(seg, 1, {es.begin() + 3, es.end()}, 4, {{0, 6}});
  mem_.put(dir_ + "/00000000", seg);
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].entries, es);
  EXPECT_EQ(res.stats.blocks, 1u);
  EXPECT_EQ(res.stats.gap_blocks, 0u);
}

TEST_P(wal_replay_test, skipped_counters_in_a_block_map_its_entries_at_every_floor) {
  // Counters 1..8; 4 and 5 were refused by the stream: the block holds the
  // entries numbered 1, 2, 3, 6, 7, 8 (runs {0,3} {2,3}).
  const std::vector<uint64_t> numbers{1, 2, 3, 6, 7, 8};
  auto es = make_entries(100, 8);
  std::vector<model::entry> stored;
  for (auto n : numbers)
    stored.push_back(es[n - 1]);
  for (uint64_t floor = 0; floor <= 8; ++floor) {
    memory_file_system fs;
    auto seg = block_segment();
    if (floor > 0)
      append_entries_of(seg, 1, floor, es, 0, floor); // entries 1..floor as logged
    append_chunk_block(seg, 1, stored, 1, {{0, 3}, {2, 3}});
    fs.put(dir_ + "/00000000", seg);
    replayer r{fs, dir_, replay_options{GetParam()}};
    ASSERT_TRUE(r.open().ok());
    replay_item it;
    std::vector<model::entry> applied;
    while (r.next(it)) {
      if (it.kind != replay_kind::block)
        continue;
      chunkenc::buffer raw;
      std::vector<model::entry_view> views;
      std::vector<model::label_set> md;
      ASSERT_TRUE(chunkenc::decode_block_entries(chunkenc::encoding::snappy, it.block->data,
                                                 it.block->raw_size, raw, views, md)
                      .ok());
      for (size_t i = it.block_skip; i < views.size(); ++i)
        applied.push_back(model::entry{views[i].ts, std::string{views[i].line}, {}});
    }
    std::vector<model::entry> want;
    for (auto n : numbers)
      if (n > floor)
        want.push_back(es[n - 1]);
    EXPECT_EQ(applied, want) << "floor " << floor;
    const uint64_t dup = numbers.size() - want.size();
    EXPECT_EQ(r.stats().duplicate_entries, dup) << "floor " << floor;
    EXPECT_EQ(r.stats().duplicate_blocks, floor >= 8 ? 1u : 0u) << "floor " << floor;
    EXPECT_EQ(r.stats().partial_blocks, floor >= 1 && floor < 8 ? 1u : 0u) << "floor " << floor;
  }
}

TEST_P(wal_replay_test, blocks_without_a_series_are_counted_and_skipped) {
  std::string seg;
  append_file_header(seg, file_kind::segment);
  auto es = make_entries(100, 5);
  append_chunk_block(seg, 9, es, 1, {{0, 5}});
  mem_.put(dir_ + "/00000000", seg);
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.blocks, 0u);
  EXPECT_EQ(res.stats.unknown_series_entries, 5u);
  EXPECT_EQ(res.stats.block_records, 1u);
}

TEST_P(wal_replay_test, a_block_record_in_a_checkpoint_is_corruption) {
  std::string cp;
  append_file_header(cp, file_kind::checkpoint);
  series_snapshot snap;
  snap.fingerprint = 1;
  snap.epoch = 1;
  snap.entry_ct = 0;
  snap.tenant = "tenant";
  snap.labels = labels_of("a");
  append_checkpoint_series(cp, snap);
  append_chunk_block(cp, 1, make_entries(100, 5), 1, {{0, 5}});
  mem_.put(dir_ + "/checkpoint.00000000/00000000", cp);
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.blocks, 0u);
  EXPECT_EQ(res.stats.checkpoint_corruptions, 1u);
  ASSERT_EQ(res.corruptions.size(), 1u);
  EXPECT_EQ(res.corruptions[0].reason, "unexpected record type in a checkpoint");
}

TEST_P(wal_replay_test, a_block_in_the_ring_tail_replays_like_one_in_a_segment) {
  // Entries 1..3 in a segment; the ring holds the block covering 1..6 and
  // R3 (7..9), not drained when the process died.
  auto es = make_entries(100, 9);
  auto seg = block_segment();
  append_entries_of(seg, 1, 3, es, 0, 3);
  mem_.put(dir_ + "/00000000", seg);
  const uint64_t data_size = ring_min_data_size;
  std::string ring = make_ring_header(data_size);
  util::store_u64le(ring.data() + ring_drained_offset, data_size); // a new ring starts there
  std::string data;
  auto put = [&](const std::string& frame) {
    char prefix[8];
    util::store_u64le(prefix, data_size + data.size());
    data.append(prefix, 8);
    data += frame;
  };
  std::string f1, f2;
  append_chunk_block(f1, 1, {es.begin(), es.begin() + 6}, 1, {{0, 6}});
  append_entries_of(f2, 1, 9, es, 6, 9);
  put(f1);
  put(f2);
  data.resize(data_size, '\0');
  mem_.put(dir_ + "/" + std::string{ring_file_name}, ring + data);
  auto res = replay_all(mem_, dir_);
  EXPECT_EQ(res.streams[1].entries, es);
  EXPECT_EQ(res.stats.partial_blocks, 1u);
  EXPECT_EQ(res.stats.duplicate_entries, 3u);
  EXPECT_EQ(res.stats.segment_corruptions, 0u);
}

INSTANTIATE_TEST_SUITE_P(read_ahead, wal_replay_test, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return i.param ? "read_ahead" : "inline";
                         });

} // namespace
} // namespace skald::wal
