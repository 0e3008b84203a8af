// Unit tests of runtime/ingester/wal_recovery: streams rebuilt from WAL
// segments written by runtime/wal's writer on the in-memory file system;
// a torn tail is counted and replay continues; rate limits are off during
// replay; the counter continues from the last record; past
// replay_memory_ceiling the chunks go to a storage::memory_fs store; logged
// blocks (docs/wal-format.md §4.4) are installed whole, applied in part, or
// dropped as duplicates or gaps, the same with and without workers.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
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
#include "tests/unit/wal/wal_test_util.hpp"

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

// -- block records -----------------------------------------------------------

using wal::testing::append_chunk_block;
using wal::testing::append_entries_of;

/// Entries numbered 1..n (ts i seconds, line "line <i>").
std::vector<model::entry> numbered(int n) {
  std::vector<model::entry> out;
  for (int i = 1; i <= n; ++i)
    out.push_back(model::entry{i * sec, "line " + std::to_string(i), {}});
  return out;
}

std::vector<std::string> lines(std::initializer_list<int> ns) {
  std::vector<std::string> out;
  for (int i : ns)
    out.push_back("line " + std::to_string(i));
  return out;
}

/// A segment with stream 1's series; a test appends its records.
std::string segment_with_series() {
  std::string seg;
  wal::append_file_header(seg, wal::file_kind::segment);
  wal::append_series(seg, 1, 1, "t1", labels("{app=\"a\"}"));
  return seg;
}

stream_config block_cfg() {
  stream_config cfg;
  cfg.encoding = chunkenc::encoding::snappy;
  cfg.sync_period_ns = 0;
  return cfg;
}

TEST(wal_recovery, a_block_before_the_records_it_covers_is_installed_whole) {
  // The writer's reordering: the block for R1 (1..3) + R2 (4..6) comes first,
  // R1 and R2 are left out, then R3 (7..9).
  auto es = numbered(9);
  auto seg = segment_with_series();
  append_chunk_block(seg, 1, {es.begin(), es.begin() + 6}, 1, {{0, 6}});
  append_entries_of(seg, 1, 9, es, 6, 9);
  wal::memory_file_system fs;
  fs.put("/wal/00000000", seg);
  for (size_t workers : {0, 2}) {
    auto r = recover_from_wal(fs, "/wal", block_cfg(), 0, nullptr, {}, workers);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->streams.size(), 1u);
    const auto& s = *r->streams[0].s;
    EXPECT_EQ(lines_of(s), lines({1, 2, 3, 4, 5, 6, 7, 8, 9})) << workers;
    EXPECT_EQ(r->streams[0].counter, 9u);
    EXPECT_EQ(r->entries_restored, 9u);
    EXPECT_EQ(r->stats.blocks, 1u);
    // Installed as logged, not rebuilt: the chunk's one cut block is it.
    ASSERT_EQ(s.chunks().size(), 1u);
    ASSERT_EQ(s.chunks()[0].blocks().size(), 1u);
    EXPECT_EQ(s.chunks()[0].blocks()[0].meta.entries, 6u);
    EXPECT_EQ(s.entries(), 9u);
    EXPECT_EQ(s.highest_ts(), 9 * sec);
  }
}

TEST(wal_recovery, a_block_after_the_records_it_covers_adds_nothing) {
  auto es = numbered(9);
  auto seg = segment_with_series();
  append_entries_of(seg, 1, 3, es, 0, 3);
  append_entries_of(seg, 1, 6, es, 3, 6);
  append_chunk_block(seg, 1, {es.begin(), es.begin() + 6}, 1, {{0, 6}});
  append_entries_of(seg, 1, 9, es, 6, 9);
  wal::memory_file_system fs;
  fs.put("/wal/00000000", seg);
  auto r = recover_from_wal(fs, "/wal", block_cfg(), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(lines_of(*r->streams[0].s), lines({1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(r->stats.duplicate_blocks, 1u);
  EXPECT_EQ(r->entries_restored, 9u);
}

TEST(wal_recovery, a_block_straddling_the_checkpoint_applies_only_its_newer_entries) {
  auto es = numbered(9);
  // The checkpoint holds 1..4 (an open chunk); the block covers 1..6.
  chunkenc::mem_chunk c{chunkenc::encoding::snappy, 1 << 20, 0};
  for (size_t i = 0; i < 4; ++i)
    ASSERT_EQ(c.append(model::entry_view{es[i].ts, es[i].line, nullptr}),
              chunkenc::append_result::appended);
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  std::string cp;
  wal::append_file_header(cp, wal::file_kind::checkpoint);
  wal::series_snapshot sn;
  sn.fingerprint = 1;
  sn.epoch = 1;
  sn.entry_ct = 4;
  sn.highest_ts = es[3].ts;
  sn.last_line = es[3].line;
  sn.tenant = "t1";
  sn.labels = labels("{app=\"a\"}");
  sn.chunks = {{wal::chunk_open, *bytes}};
  wal::append_checkpoint_series(cp, sn);
  std::string seg;
  wal::append_file_header(seg, wal::file_kind::segment);
  append_chunk_block(seg, 1, {es.begin(), es.begin() + 6}, 1, {{0, 6}});
  append_entries_of(seg, 1, 9, es, 6, 9);
  wal::memory_file_system fs;
  fs.put("/wal/checkpoint.00000000/00000000", cp);
  fs.put("/wal/00000001", seg);
  for (size_t workers : {0, 2}) {
    auto r = recover_from_wal(fs, "/wal", block_cfg(), 0, nullptr, {}, workers);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(lines_of(*r->streams[0].s), lines({1, 2, 3, 4, 5, 6, 7, 8, 9})) << workers;
    EXPECT_EQ(r->stats.partial_blocks, 1u);
    EXPECT_EQ(r->stats.duplicate_entries, 4u);
    EXPECT_EQ(r->entries_restored, 9u); // 4 from the checkpoint, 2 + 3 pushed
    EXPECT_EQ(r->streams[0].counter, 9u);
  }
}

TEST(wal_recovery, a_block_after_a_gap_is_dropped_and_the_records_fill_it) {
  auto es = numbered(9);
  auto seg = segment_with_series();
  append_entries_of(seg, 1, 3, es, 0, 3);
  append_chunk_block(seg, 1, {es.begin() + 6, es.end()}, 7, {{0, 3}}); // 4..6 not applied yet
  append_entries_of(seg, 1, 6, es, 3, 6);
  append_entries_of(seg, 1, 9, es, 6, 9);
  wal::memory_file_system fs;
  fs.put("/wal/00000000", seg);
  auto r = recover_from_wal(fs, "/wal", block_cfg(), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(lines_of(*r->streams[0].s), lines({1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(r->stats.gap_blocks, 1u);
  EXPECT_EQ(r->entries_restored, 9u);
}

TEST(wal_recovery, refused_entries_inside_a_block_keep_its_counters_in_step) {
  // Counters 1..8 logged; 4 and 5 were too far behind and refused (again on
  // replay), so the stream's block holds 1, 2, 3, 6, 7, 8: runs {0,3} {2,3}.
  const int64_t hour = 3600 * sec;
  std::vector<model::entry> es;
  for (int i = 1; i <= 9; ++i)
    es.push_back(model::entry{10 * hour + i * sec, "line " + std::to_string(i), {}});
  es[3].ts = es[4].ts = 7 * hour; // behind highest − max_chunk_age/2
  std::vector<model::entry> stored{es[0], es[1], es[2], es[5], es[6], es[7]};
  // (1) Partial: R(1..6) first (floor 6), then the block: only 7 and 8
  // come from it (4 of its entries are at or below the floor).
  {
    auto seg = segment_with_series();
    append_entries_of(seg, 1, 6, es, 0, 6);
    append_chunk_block(seg, 1, stored, 1, {{0, 3}, {2, 3}});
    append_entries_of(seg, 1, 9, es, 8, 9);
    wal::memory_file_system fs;
    fs.put("/wal/00000000", seg);
    auto r = recover_from_wal(fs, "/wal", block_cfg(), 0);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(lines_of(*r->streams[0].s), lines({1, 2, 3, 6, 7, 8, 9}));
    EXPECT_EQ(r->stats.partial_blocks, 1u);
    EXPECT_EQ(r->stats.duplicate_entries, 4u);
  }
  // (2) Floor 4, inside the refused range: 6, 7, 8 come from the block.
  {
    auto seg = segment_with_series();
    append_entries_of(seg, 1, 4, es, 0, 4);
    append_chunk_block(seg, 1, stored, 1, {{0, 3}, {2, 3}});
    append_entries_of(seg, 1, 9, es, 8, 9);
    wal::memory_file_system fs;
    fs.put("/wal/00000000", seg);
    auto r = recover_from_wal(fs, "/wal", block_cfg(), 0);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(lines_of(*r->streams[0].s), lines({1, 2, 3, 6, 7, 8, 9}));
    EXPECT_EQ(r->stats.duplicate_entries, 3u);
  }
  // (3) Whole, ahead of everything: installed as is.
  {
    auto seg = segment_with_series();
    append_chunk_block(seg, 1, stored, 1, {{0, 3}, {2, 3}});
    append_entries_of(seg, 1, 9, es, 8, 9);
    wal::memory_file_system fs;
    fs.put("/wal/00000000", seg);
    auto r = recover_from_wal(fs, "/wal", block_cfg(), 0);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(lines_of(*r->streams[0].s), lines({1, 2, 3, 6, 7, 8, 9}));
    EXPECT_EQ(r->stats.blocks, 1u);
    EXPECT_EQ(r->streams[0].counter, 9u);
  }
}

TEST(wal_recovery, after_an_installed_block_its_last_line_repeated_is_a_duplicate) {
  auto es = numbered(8);
  auto seg = segment_with_series();
  append_chunk_block(seg, 1, {es.begin(), es.begin() + 6}, 1, {{0, 6}});
  // Logged live right after the block: entry 6 again (same ts and line),
  // which the stream skipped as Loki's last-line duplicate, then 8.
  std::vector<model::entry> again{es[5]};
  wal::append_entries(seg, 1, 7, again.data(), again.size());
  append_entries_of(seg, 1, 8, es, 7, 8);
  wal::memory_file_system fs;
  fs.put("/wal/00000000", seg);
  for (size_t workers : {0, 2}) {
    auto r = recover_from_wal(fs, "/wal", block_cfg(), 0, nullptr, {}, workers);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(lines_of(*r->streams[0].s), lines({1, 2, 3, 4, 5, 6, 8})) << workers;
    EXPECT_EQ(r->entries_restored, 7u);
    EXPECT_EQ(r->streams[0].s->last_line(), "line 8");
  }
}

TEST(wal_recovery, a_block_of_another_encoding_is_decompressed_and_pushed) {
  auto es = numbered(9);
  auto seg = segment_with_series();
  append_chunk_block(seg, 1, {es.begin(), es.begin() + 6}, 1, {{0, 6}}); // snappy
  append_entries_of(seg, 1, 9, es, 6, 9);
  wal::memory_file_system fs;
  fs.put("/wal/00000000", seg);
  auto cfg = block_cfg();
  cfg.encoding = chunkenc::encoding::gzip; // configured since the WAL was written
  auto r = recover_from_wal(fs, "/wal", cfg, 0);
  ASSERT_TRUE(r.ok());
  const auto& s = *r->streams[0].s;
  EXPECT_EQ(lines_of(s), lines({1, 2, 3, 4, 5, 6, 7, 8, 9}));
  ASSERT_EQ(s.chunks().size(), 1u);
  EXPECT_EQ(s.chunks()[0].enc(), chunkenc::encoding::gzip);
  EXPECT_EQ(r->entries_restored, 9u);
  EXPECT_EQ(r->skipped_blocks, 0u);
}

TEST(wal_recovery, a_block_that_does_not_decompress_is_counted_not_applied) {
  auto es = numbered(9);
  std::string seg = segment_with_series();
  // A block record whose payload is not snappy (its frame checks out).
  wal::block_record b;
  b.fingerprint = 1;
  b.first = 1;
  b.last = 6;
  b.runs = {{0, 6}};
  b.encoding = static_cast<uint8_t>(chunkenc::encoding::snappy);
  b.min_ts = es[0].ts;
  b.max_ts = es[5].ts;
  b.entries = 6;
  b.raw_size = 100;
  b.last_ts = es[5].ts;
  b.last_line = es[5].line;
  b.data = "not snappy at all";
  // Partly below the floor (R1 first), so the payload is decompressed.
  append_entries_of(seg, 1, 3, es, 0, 3);
  wal::append_block(seg, b);
  append_entries_of(seg, 1, 9, es, 6, 9);
  wal::memory_file_system fs;
  fs.put("/wal/00000000", seg);
  auto r = recover_from_wal(fs, "/wal", block_cfg(), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(lines_of(*r->streams[0].s), lines({1, 2, 3, 7, 8, 9}));
  EXPECT_EQ(r->skipped_blocks, 1u);
}

/// A live WAL of 5 streams with blocks, written the way the segment writer
/// will (docs/wal-format.md §4.4): real streams are pushed (some entries
/// refused as too far behind, some skipped as last-line duplicates), every
/// block a stream cuts is logged as a block record with its counters, and
/// every few pushes the "writer" writes a segment: the block records of the
/// window first, then the window's entries records not fully covered by a
/// block written before them. A checkpoint is taken halfway.
struct live_wal {
  wal::memory_file_system fs;
  std::vector<std::unique_ptr<stream>> streams;
  std::vector<uint64_t> counters;
  /// Per stream: counters of stored entries not yet in a logged block, and
  /// the last counter a logged block covered; blocks logged so far.
  std::vector<std::vector<uint64_t>> pending;
  std::vector<uint64_t> covered;
  std::vector<size_t> blocks_logged;
  std::vector<std::map<uint64_t, model::entry>> by_counter;
  uint64_t segment = 0;
  stream_config cfg;

  live_wal() {
    cfg.encoding = chunkenc::encoding::snappy;
    cfg.block_size = 512;
    cfg.target_size = 4096;
    cfg.sync_period_ns = 0;
    cfg.rate_bytes = 0;
  }
};

void run_live_wal(live_wal& lw, int rounds_per_segment, int segments, int first_round) {
  const size_t n = 5;
  if (lw.streams.empty()) {
    for (size_t k = 0; k < n; ++k)
      lw.streams.push_back(
          std::make_unique<stream>("{app=\"s" + std::to_string(k) + "\"}", k + 1, lw.cfg));
    lw.counters.assign(n, 0);
    lw.pending.assign(n, {});
    lw.covered.assign(n, 0);
    lw.blocks_logged.assign(n, 0);
    lw.by_counter.assign(n, {});
  }
  int round = first_round;
  for (int sg = 0; sg < segments; ++sg) {
    std::string blocks, records;
    struct rec {
      uint64_t counter;
      std::vector<model::entry> es;
    };
    std::vector<std::vector<rec>> window(n);
    for (int r = 0; r < rounds_per_segment; ++r, ++round) {
      for (size_t k = 0; k < n; ++k) {
        auto& s = *lw.streams[k];
        std::vector<model::entry> es;
        const int m = 1 + static_cast<int>((round + k) % 4);
        for (int i = 0; i < m; ++i) {
          model::entry e;
          e.ts = (10'000 + round * 10 + i) * sec;
          e.line = "s" + std::to_string(k) + " r" + std::to_string(round) + " e" +
                   std::to_string(i) + std::string(static_cast<size_t>(round % 5) * 30, 'x');
          es.push_back(std::move(e));
        }
        if (round % 7 == 3) // too far behind: refused
          es.insert(es.begin() + 1, model::entry{1000 * sec, "old", {}});
        if (round % 5 == 2 && lw.counters[k] > 0) // the last line again: skipped
          es.insert(es.begin(), lw.by_counter[k].rbegin()->second);
        std::vector<model::entry_view> views;
        for (auto& e : es)
          views.push_back(model::entry_view{e.ts, e.line, nullptr});
        std::vector<uint32_t> stored;
        size_t blocks_before = 0;
        for (const auto& c : s.chunks())
          blocks_before += c.blocks().size();
        s.push(views.data(), views.size(), "t1", 0, &stored);
        const uint64_t base = lw.counters[k];
        lw.counters[k] += es.size();
        for (auto i : stored) {
          lw.pending[k].push_back(base + i + 1);
          lw.by_counter[k][base + i + 1] = es[i];
        }
        window[k].push_back(rec{lw.counters[k], es});
        // Blocks cut by this push, in order: log each.
        std::vector<const chunkenc::block*> all;
        for (const auto& c : s.chunks())
          for (const auto& b : c.blocks())
            all.push_back(&b);
        ASSERT_GE(all.size(), blocks_before);
        for (size_t j = lw.blocks_logged[k]; j < all.size(); ++j) {
          const auto& b = *all[j];
          ASSERT_LE(b.meta.entries, lw.pending[k].size());
          wal::block_record br;
          br.fingerprint = k + 1;
          br.first = lw.covered[k] + 1;
          uint64_t cur = br.first;
          for (uint32_t e = 0; e < b.meta.entries; ++e) {
            uint64_t c = lw.pending[k][e];
            if (!br.runs.empty() && c == cur) {
              ++br.runs.back().run;
            } else {
              br.runs.push_back({c - cur, 1});
            }
            cur = c + 1;
          }
          br.last = cur - 1;
          br.encoding = static_cast<uint8_t>(lw.cfg.encoding);
          br.min_ts = b.meta.min_ts;
          br.max_ts = b.meta.max_ts;
          br.entries = b.meta.entries;
          br.raw_size = b.meta.raw_size;
          const auto& last = lw.by_counter[k][br.last];
          br.last_ts = last.ts;
          br.last_line = last.line;
          br.data = b.data.view();
          wal::append_block(blocks, br);
          lw.covered[k] = br.last;
          lw.pending[k].erase(lw.pending[k].begin(),
                              lw.pending[k].begin() + static_cast<std::ptrdiff_t>(b.meta.entries));
        }
        lw.blocks_logged[k] = all.size();
      }
    }
    // The window's entries records, minus those the blocks above cover.
    for (size_t k = 0; k < n; ++k)
      for (const auto& r : window[k])
        if (r.counter > lw.covered[k])
          wal::append_entries(records, k + 1, r.counter, r.es.data(), r.es.size());
    std::string seg;
    wal::append_file_header(seg, wal::file_kind::segment);
    if (lw.segment == 0)
      for (size_t k = 0; k < n; ++k)
        wal::append_series(seg, k + 1, 1, "t1", labels("{app=\"s" + std::to_string(k) + "\"}"));
    seg += blocks;
    seg += records;
    lw.fs.put("/wal/" + wal::segment_name(lw.segment++), seg);
  }
}

void checkpoint_live_wal(live_wal& lw) {
  auto cw = wal::checkpoint_writer::begin(lw.fs, "/wal", lw.segment - 1);
  ASSERT_TRUE(cw.ok());
  for (size_t k = 0; k < lw.streams.size(); ++k) {
    const auto& s = *lw.streams[k];
    std::vector<std::string> bytes;
    bytes.reserve(s.chunks().size());
    wal::series_snapshot sn;
    sn.fingerprint = k + 1;
    sn.epoch = 1;
    sn.entry_ct = lw.counters[k];
    sn.highest_ts = s.highest_ts();
    sn.last_line = s.last_line();
    sn.tenant = "t1";
    sn.labels = labels("{app=\"s" + std::to_string(k) + "\"}");
    for (const auto& c : s.chunks()) {
      auto enc = c.encode();
      ASSERT_TRUE(enc.ok());
      bytes.push_back(std::move(*enc));
      sn.chunks.push_back({c.closed() ? wal::chunk_closed : wal::chunk_open, bytes.back()});
    }
    ASSERT_TRUE(cw->add(sn).ok());
  }
  ASSERT_TRUE(cw->commit().ok());
}

TEST(wal_recovery, a_wal_with_blocks_rebuilds_the_live_streams_serial_and_parallel) {
  live_wal lw;
  run_live_wal(lw, 6, 8, 0);
  checkpoint_live_wal(lw);
  run_live_wal(lw, 5, 8, 48);
  ASSERT_FALSE(HasFailure());
  auto one = recover_from_wal(lw.fs, "/wal", lw.cfg, 0);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->streams.size(), lw.streams.size());
  EXPECT_EQ(one->stats.segment_corruptions + one->stats.checkpoint_corruptions, 0u);
  EXPECT_EQ(one->stats.checkpoint_series, lw.streams.size());
  // Every path was taken.
  EXPECT_GT(one->stats.blocks, 10u);
  EXPECT_GT(one->stats.partial_blocks, 0u);
  EXPECT_GT(one->stats.entries_records, 0u);
  EXPECT_EQ(one->stats.gap_blocks, 0u);
  EXPECT_EQ(one->skipped_blocks, 0u);
  for (size_t k = 0; k < lw.streams.size(); ++k) {
    const auto& rs = one->streams[k];
    EXPECT_EQ(lines_of(*rs.s), lines_of(*lw.streams[k])) << k;
    EXPECT_EQ(rs.counter, lw.counters[k]) << k;
    EXPECT_EQ(rs.s->highest_ts(), lw.streams[k]->highest_ts()) << k;
    EXPECT_EQ(rs.s->last_line(), lw.streams[k]->last_line()) << k;
  }
  auto expected = view_of(*one);
  for (size_t workers : {1, 2}) {
    std::atomic<uint64_t> progress{0};
    auto par = recover_from_wal(lw.fs, "/wal", lw.cfg, 0, &progress, {}, workers);
    ASSERT_TRUE(par.ok());
    EXPECT_TRUE(view_of(*par) == expected) << workers << " workers";
    EXPECT_EQ(par->entries_restored, one->entries_restored);
    EXPECT_EQ(par->stats.blocks, one->stats.blocks);
    EXPECT_EQ(par->stats.partial_blocks, one->stats.partial_blocks);
  }
}

} // namespace
} // namespace skald::ingester
