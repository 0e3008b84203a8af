// mem_chunk: appends, cutting, ordering, iteration, sizes. Loki's names
// (pkg/chunkenc/memchunk_test.go, unordered_test.go) are in the comments.
#include "runtime/chunkenc/mem_chunk.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <type_traits>

#include "chunk_test_util.hpp"
#include "runtime/chunkenc/entry_codec.hpp"
#include "runtime/chunkenc/iterator.hpp"

namespace skald::chunkenc {
namespace {

using namespace testing;

static_assert(std::is_nothrow_move_constructible_v<mem_chunk>);
static_assert(std::is_nothrow_move_assignable_v<mem_chunk>);
static_assert(!std::is_copy_constructible_v<mem_chunk>);
static_assert(std::is_nothrow_move_constructible_v<entry_iterator>);

std::vector<model::entry> sorted_stable(std::vector<model::entry> es) {
  std::stable_sort(es.begin(), es.end(),
                   [](const model::entry& a, const model::entry& b) { return a.ts < b.ts; });
  return es;
}

std::vector<model::entry> reversed(std::vector<model::entry> es) {
  std::reverse(es.begin(), es.end());
  return es;
}

/// n entries 1ms apart starting at t0, ~200-byte lines.
std::vector<model::entry> make_entries(size_t n, model::timestamp_ns t0 = 1'700'000'000'000'000'000) {
  std::vector<model::entry> es;
  for (size_t i = 0; i < n; ++i)
    es.push_back(make_entry(t0 + static_cast<model::timestamp_ns>(i) * 1'000'000, log_line(i)));
  return es;
}

void append_all(mem_chunk& c, const std::vector<model::entry>& es) {
  for (const auto& e : es)
    ASSERT_EQ(c.append(view_of(e)), append_result::appended);
}

// -- TestBlock / TestRoundtripV3 / TestSerialization -------------------------

class every_encoding : public ::testing::TestWithParam<encoding> {};

TEST_P(every_encoding, round_trip_over_several_blocks_keeps_every_entry) {
  mem_chunk c{GetParam(), 16 * 1024, 0};
  auto es = make_entries(2000);
  append_all(c, es);
  EXPECT_GE(c.blocks().size(), 10u);
  EXPECT_EQ(c.entries(), es.size());
  EXPECT_EQ(read(c), es);
  EXPECT_EQ(read(c, min_time, max_time, direction::backward), reversed(es));

  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  auto d = mem_chunk::decode(*bytes);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_TRUE(d->closed());
  EXPECT_EQ(d->enc(), GetParam());
  EXPECT_EQ(d->entries(), es.size());
  EXPECT_EQ(read(*d), es);
  EXPECT_EQ(read(*d, min_time, max_time, direction::backward), reversed(es));
  EXPECT_EQ(d->bounds().min_ts, es.front().ts);
  EXPECT_EQ(d->bounds().max_ts, es.back().ts);

  // Re-encoding the decoded chunk gives the same bytes (leveldb-style).
  auto again = d->encode();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *bytes);
}

TEST_P(every_encoding, closed_chunk_round_trips_with_the_same_block_metadata) {
  mem_chunk c{GetParam(), 8 * 1024, default_target_size};
  append_all(c, make_entries(500));
  ASSERT_TRUE(c.close().ok());
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  auto d = mem_chunk::decode(*bytes);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->blocks().size(), c.blocks().size());
  for (size_t i = 0; i < c.blocks().size(); ++i) {
    EXPECT_EQ(d->blocks()[i].meta, c.blocks()[i].meta) << i;
    EXPECT_EQ(d->blocks()[i].data, c.blocks()[i].data) << i;
  }
  EXPECT_EQ(d->compressed_size(), c.compressed_size());
  EXPECT_EQ(d->uncompressed_size(), c.uncompressed_size());
}

TEST_P(every_encoding, unclosed_chunk_encodes_its_head_too) {
  mem_chunk c{GetParam(), 4096, 0};
  auto es = make_entries(50);
  append_all(c, es);
  ASSERT_FALSE(c.head().empty());
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  auto d = mem_chunk::decode(*bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(read(*d), es);
  EXPECT_FALSE(c.closed()); // encode() does not change the chunk
  EXPECT_FALSE(c.head().empty());
}

TEST_P(every_encoding, out_of_order_appends_come_back_sorted) {
  mem_chunk c{GetParam(), 8 * 1024, 0};
  auto es = make_entries(1500);
  std::mt19937 rng{42};
  std::shuffle(es.begin(), es.end(), rng);
  append_all(c, es);
  auto want = sorted_stable(es);
  EXPECT_EQ(read(c), want);
  EXPECT_EQ(read(c, min_time, max_time, direction::backward), reversed(want));
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  auto d = mem_chunk::decode(*bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(read(*d), want);
  ASSERT_TRUE(c.close().ok());
  EXPECT_EQ(read(c), want);
}

INSTANTIATE_TEST_SUITE_P(all, every_encoding, ::testing::ValuesIn(all_encodings),
                         [](const auto& info) { return std::string{to_string(info.param)}; });

// Loki TestBlock: same-ts entries, different lines, cut in the middle.
TEST(mem_chunk, entries_with_equal_timestamps_keep_append_order) {
  mem_chunk c{encoding::gzip, 64, 0};
  std::vector<model::entry> es = {
    make_entry(1, "1"), make_entry(2, "2"), make_entry(3, "3"), make_entry(3, "3 again"),
    make_entry(3, "3 third"), make_entry(4, "4"), make_entry(4, "4 bis"), make_entry(8, "8"),
    make_entry(8, "8 bis"), make_entry(9, "9"),
  };
  for (size_t i = 0; i < es.size(); ++i) {
    ASSERT_EQ(c.append(view_of(es[i])), append_result::appended);
    if (i == 3) {
      ASSERT_TRUE(c.cut_block().ok()); // equal ts across a block boundary
    }
  }
  EXPECT_EQ(read(c), es);
  EXPECT_EQ(read(c, min_time, max_time, direction::backward), reversed(es));
}

// Loki TestBlocksInclusive: a block [1,1] is visible for from=1.
TEST(mem_chunk, block_bounds_are_inclusive_of_their_own_timestamps) {
  mem_chunk c{encoding::none};
  ASSERT_EQ(c.append({1, "1", nullptr}), append_result::appended);
  ASSERT_TRUE(c.cut_block().ok());
  ASSERT_EQ(c.blocks().size(), 1u);
  EXPECT_EQ(c.blocks()[0].meta.entries, 1u);
  EXPECT_TRUE(c.blocks()[0].meta.overlaps(1, 2));
  EXPECT_EQ(read(c, 1, 2).size(), 1u);
  EXPECT_EQ(read(c, 2, 3).size(), 0u);
  EXPECT_EQ(read(c, 0, 1).size(), 0u);
}

// Loki TestBlockIterator / TestIteratorBounds: [from, through) at exact edges.
TEST(mem_chunk, iteration_bounds_are_from_inclusive_through_exclusive) {
  mem_chunk c{encoding::snappy, 128, 0};
  std::vector<model::entry> es;
  for (int i = 0; i < 100; ++i)
    es.push_back(make_entry(i * 10, "line " + std::to_string(i)));
  append_all(c, es);
  ASSERT_GT(c.blocks().size(), 3u);
  auto between = [&](model::timestamp_ns from, model::timestamp_ns through) {
    std::vector<model::entry> out;
    for (const auto& e : es)
      if (e.ts >= from && e.ts < through)
        out.push_back(e);
    return out;
  };
  // Every pair of edges on and next to entries, including block edges.
  for (model::timestamp_ns from : {-1, 0, 1, 9, 10, 11, 100, 495, 500, 990, 991}) {
    for (model::timestamp_ns through : {0, 1, 10, 11, 100, 101, 500, 990, 991, 2000}) {
      auto want = between(from, through);
      EXPECT_EQ(read(c, from, through), want) << from << " " << through;
      EXPECT_EQ(read(c, from, through, direction::backward), reversed(want))
        << from << " " << through;
      auto n = c.count(from, through);
      ASSERT_TRUE(n.ok());
      EXPECT_EQ(*n, want.size()) << from << " " << through;
    }
  }
  // Edges at block boundaries exactly.
  for (const auto& b : c.blocks()) {
    auto want = between(b.meta.min_ts, b.meta.max_ts + 1);
    EXPECT_EQ(want.size(), b.meta.entries);
    EXPECT_EQ(read(c, b.meta.min_ts, b.meta.max_ts + 1), want);
    EXPECT_EQ(read(c, b.meta.min_ts, b.meta.max_ts), between(b.meta.min_ts, b.meta.max_ts));
  }
}

// Loki TestMemChunk_AppendOutOfOrder (unordered head): accepted in the same
// block, after a cut and after several cuts.
TEST(mem_chunk, append_out_of_order_is_accepted_in_head_and_across_cuts) {
  mem_chunk c{encoding::gzip, default_block_size, 0};
  ASSERT_EQ(c.append({5, "five", nullptr}), append_result::appended);
  ASSERT_EQ(c.append({1, "one", nullptr}), append_result::appended);
  ASSERT_FALSE(c.head().ordered());
  ASSERT_TRUE(c.cut_block().ok());
  ASSERT_EQ(c.append({3, "three", nullptr}), append_result::appended);
  ASSERT_TRUE(c.cut_block().ok());
  ASSERT_EQ(c.append({0, "zero", nullptr}), append_result::appended);
  ASSERT_EQ(c.append({4, "four", nullptr}), append_result::appended);
  std::vector<model::entry> want = {make_entry(0, "zero"), make_entry(1, "one"),
                                    make_entry(3, "three"), make_entry(4, "four"),
                                    make_entry(5, "five")};
  EXPECT_EQ(read(c), want);
  EXPECT_EQ(read(c, 1, 5), std::vector<model::entry>(want.begin() + 1, want.begin() + 4));
  EXPECT_EQ(read(c, min_time, max_time, direction::backward), reversed(want));
  EXPECT_EQ(c.bounds().min_ts, 0);
  EXPECT_EQ(c.bounds().max_ts, 5);
}

// Loki Test_Unordered_InsertRetrieval: duplicates only when ts, line and
// metadata are all equal.
TEST(mem_chunk, exact_duplicates_in_the_head_are_dropped) {
  mem_chunk c{encoding::snappy};
  model::label_set md{{"trace_id", "abc"}};
  model::label_set other{{"trace_id", "abd"}};
  EXPECT_EQ(c.append({2, "a", nullptr}), append_result::appended);
  EXPECT_EQ(c.append({1, "a", nullptr}), append_result::appended);
  EXPECT_EQ(c.append({2, "a", nullptr}), append_result::duplicate);
  EXPECT_EQ(c.append({2, "b", nullptr}), append_result::appended);
  EXPECT_EQ(c.append({2, "a", &md}), append_result::appended);
  EXPECT_EQ(c.append({2, "a", &md}), append_result::duplicate);
  EXPECT_EQ(c.append({2, "a", &other}), append_result::appended);
  EXPECT_EQ(c.append({1, "a", nullptr}), append_result::duplicate);
  EXPECT_EQ(c.entries(), 5u);
  std::vector<model::entry> want = {make_entry(1, "a"), make_entry(2, "a"), make_entry(2, "b"),
                                    make_entry(2, "a", md), make_entry(2, "a", other)};
  EXPECT_EQ(read(c), want);
  // After a cut the earlier entries are no longer checked (as in Loki).
  ASSERT_TRUE(c.cut_block().ok());
  EXPECT_EQ(c.append({2, "a", nullptr}), append_result::appended);
}

// The chunk half of Loki's TestUnorderedPush (spec §5.4): 2,1,2,2,10 with
// the same line; the repeated 2s are head duplicates (the stream counts them
// as stored), the chunk holds 1,2,10; after a cut 11 and 7 are accepted.
TEST(mem_chunk, unordered_push_sequence_from_loki) {
  mem_chunk c{encoding::snappy};
  constexpr int64_t s = 1'000'000'000;
  EXPECT_EQ(c.append({2 * s, "x", nullptr}), append_result::appended);
  EXPECT_EQ(c.append({1 * s, "x", nullptr}), append_result::appended);
  EXPECT_EQ(c.append({2 * s, "x", nullptr}), append_result::duplicate);
  EXPECT_EQ(c.append({2 * s, "x", nullptr}), append_result::duplicate);
  EXPECT_EQ(c.append({10 * s, "x", nullptr}), append_result::appended);
  EXPECT_EQ(c.append({8 * s, "x", nullptr}), append_result::appended);
  EXPECT_EQ(c.append({9 * s, "x", nullptr}), append_result::appended);
  ASSERT_TRUE(c.cut_block().ok());
  EXPECT_EQ(c.append({11 * s, "x", nullptr}), append_result::appended);
  EXPECT_EQ(c.append({7 * s, "x", nullptr}), append_result::appended);
  std::vector<model::timestamp_ns> got;
  for (const auto& e : read(c))
    got.push_back(e.ts / s);
  EXPECT_EQ(got, (std::vector<model::timestamp_ns>{1, 2, 7, 8, 9, 10, 11}));
}

// The unordered head's timestamp filter never hides a duplicate.
TEST(mem_chunk, every_duplicate_in_an_unordered_head_is_found) {
  mem_chunk c{encoding::snappy, 1 << 20, 0};
  std::mt19937_64 rng{99};
  std::vector<model::entry> es;
  for (int i = 0; i < 3000; ++i)
    es.push_back(make_entry(static_cast<model::timestamp_ns>(rng() % 1'000'000'000), "l" + std::to_string(i)));
  append_all(c, es);
  ASSERT_FALSE(c.head().ordered());
  ASSERT_TRUE(c.blocks().empty());
  for (const auto& e : es) {
    ASSERT_EQ(c.append(view_of(e)), append_result::duplicate) << e.ts;
    auto other = make_entry(e.ts, e.line + "'");
    ASSERT_EQ(c.append(view_of(other)), append_result::appended);
  }
  EXPECT_EQ(c.entries(), 6000u);
}

// Loki TestChunk_reorder / TestReorderAcrossBlocks.
TEST(mem_chunk, close_reorders_overlapping_blocks) {
  mem_chunk c{encoding::lz4, 1024, 0};
  auto es = make_entries(300);
  // Append in three interleaved passes so every block spans the whole range.
  for (size_t pass = 0; pass < 3; ++pass)
    for (size_t i = pass; i < es.size(); i += 3)
      ASSERT_EQ(c.append(view_of(es[i])), append_result::appended);
  ASSERT_GT(c.blocks().size(), 3u);
  bool overlapping = false;
  for (size_t i = 1; i < c.blocks().size(); ++i)
    overlapping |= c.blocks()[i].meta.min_ts < c.blocks()[i - 1].meta.max_ts;
  ASSERT_TRUE(overlapping);
  EXPECT_EQ(read(c), es);
  auto before = c.entries();
  ASSERT_TRUE(c.close().ok());
  EXPECT_EQ(c.entries(), before);
  for (size_t i = 1; i < c.blocks().size(); ++i)
    EXPECT_LE(c.blocks()[i - 1].meta.max_ts, c.blocks()[i].meta.min_ts) << i;
  EXPECT_EQ(read(c), es);
  EXPECT_EQ(read(c, min_time, max_time, direction::backward), reversed(es));
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  auto d = mem_chunk::decode(*bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(read(*d), es);
}

TEST(mem_chunk, close_is_idempotent_and_refuses_appends) {
  mem_chunk c{encoding::snappy};
  append_all(c, make_entries(10));
  ASSERT_TRUE(c.close().ok());
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(c.head().empty());
  EXPECT_EQ(c.head().memory_usage(), 0u);
  ASSERT_TRUE(c.close().ok());
  EXPECT_EQ(c.blocks().size(), 1u);
  EXPECT_EQ(c.append({1, "x", nullptr}), append_result::closed);
  EXPECT_EQ(c.entries(), 10u);
}

// Loki TestChunkFilling / TestGZIPChunkTargetSize.
TEST(mem_chunk, fills_up_to_target_size_with_block_size_cuts) {
  mem_chunk c{encoding::gzip, default_block_size, default_target_size};
  size_t i = 0;
  for (; i < 1'000'000; ++i) {
    model::entry e = make_entry(static_cast<model::timestamp_ns>(i), log_line(i));
    if (!c.space_for(view_of(e)))
      break;
    ASSERT_EQ(c.append(view_of(e)), append_result::appended);
  }
  EXPECT_TRUE(c.is_full() || c.size() > default_target_size - 300);
  EXPECT_LT(c.size(), default_target_size);
  EXPECT_GT(c.utilization(), 0.99);
  EXPECT_LE(c.utilization(), 1.0);
  for (const auto& b : c.blocks()) {
    EXPECT_GE(b.meta.raw_size, default_block_size);
    EXPECT_LT(b.meta.raw_size, default_block_size + 300);
  }
  ASSERT_TRUE(c.close().ok());
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  // Encoded size ≈ compressed blocks + per-block CRC/meta + header/footer.
  EXPECT_LT(bytes->size(), default_target_size + 1024);
  EXPECT_EQ(c.entries(), i);
}

// Loki TestMemChunk_SpaceFor.
// space_for's shortcut (line + 21 bytes below the target) must agree with
// the exact record size on both sides of the boundary, for every delta width.
TEST(mem_chunk, space_for_is_exact_at_the_target_boundary) {
  const model::timestamp_ns deltas[] = {0, 1, 1000, 1'000'000'000, INT64_MAX / 2};
  for (auto delta : deltas) {
    for (size_t head = 0; head < 80; ++head) {
      mem_chunk c{encoding::none, 1024, 100};
      if (head > 0) {
        ASSERT_EQ(c.append({5, std::string(head - 1, 'h'), nullptr}), append_result::appended);
      }
      for (size_t len = 0; len < 100 - c.size() + 2; ++len) {
        const std::string line(len, 'l');
        const model::entry_view e{c.head().max_ts() + delta, line, nullptr};
        EXPECT_EQ(c.space_for(e), c.size() + detail::record_size(c.head().max_ts(), e) < 100)
          << "head " << c.size() << " line " << len << " delta " << delta;
      }
    }
  }
}

TEST(mem_chunk, space_for_counts_blocks_head_and_the_new_entry) {
  {
    SCOPED_TRACE("target size 0: at most 10 blocks");
    mem_chunk c{encoding::none, 64, 0};
    for (int i = 0; i < 9; ++i) {
      ASSERT_EQ(c.append({i, "x", nullptr}), append_result::appended);
      ASSERT_TRUE(c.cut_block().ok());
    }
    EXPECT_TRUE(c.space_for({10, "a", nullptr}));
    EXPECT_FALSE(c.is_full());
    ASSERT_EQ(c.append({10, "x", nullptr}), append_result::appended);
    ASSERT_TRUE(c.cut_block().ok());
    EXPECT_FALSE(c.space_for({11, "a", nullptr}));
    EXPECT_TRUE(c.is_full());
  }
  {
    SCOPED_TRACE("head too big");
    mem_chunk c{encoding::none, 1024, 100};
    ASSERT_EQ(c.append({1, std::string(95, 'x'), nullptr}), append_result::appended);
    EXPECT_EQ(c.blocks().size(), 0u);
    EXPECT_FALSE(c.space_for({2, "a", nullptr}));
  }
  {
    SCOPED_TRACE("cut blocks too big");
    mem_chunk c{encoding::none, 1024, 100};
    ASSERT_EQ(c.append({1, std::string(95, 'x'), nullptr}), append_result::appended);
    ASSERT_TRUE(c.cut_block().ok());
    EXPECT_TRUE(c.head().empty());
    EXPECT_FALSE(c.space_for({2, "a", nullptr}));
  }
  {
    SCOPED_TRACE("fits exactly below target");
    mem_chunk c{encoding::none, 1024, 100};
    ASSERT_EQ(c.append({1, std::string(50, 'x'), nullptr}), append_result::appended);
    auto used = c.size(); // 1 (ts) + 1 (len) + 50 + 1 (no metadata)
    EXPECT_EQ(used, 53u);
    // A record of 46 bytes: 1 + 1 + 43 + 1 → total 99 < 100.
    EXPECT_TRUE(c.space_for({1, std::string(43, 'y'), nullptr}));
    EXPECT_FALSE(c.space_for({1, std::string(44, 'y'), nullptr}));
  }
  {
    SCOPED_TRACE("structured metadata counts");
    mem_chunk c{encoding::none, 1024, 100};
    model::label_set md{{"k", std::string(60, 'v')}};
    EXPECT_TRUE(c.space_for({1, "line", nullptr}));
    EXPECT_FALSE(c.space_for({1, std::string(40, 'l'), &md}));
  }
}

// Loki TestCheckChunkSize-like: utilization and sizes track the parts.
TEST(mem_chunk, sizes_and_utilization_follow_blocks_and_head) {
  mem_chunk c{encoding::snappy, 4096, 10000};
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.utilization(), 0.0);
  append_all(c, make_entries(100));
  size_t compressed = 0;
  size_t raw = 0;
  for (const auto& b : c.blocks()) {
    compressed += b.meta.compressed_size;
    raw += b.meta.raw_size;
  }
  EXPECT_EQ(c.compressed_size(), compressed);
  EXPECT_EQ(c.size(), compressed + c.head().size());
  EXPECT_EQ(c.uncompressed_size(), raw + c.head().size());
  EXPECT_DOUBLE_EQ(c.utilization(), static_cast<double>(c.size()) / 10000.0);
  EXPECT_GT(c.memory_usage(), c.size());

  mem_chunk untargeted{encoding::snappy, 4096, 0};
  append_all(untargeted, make_entries(100));
  EXPECT_DOUBLE_EQ(untargeted.utilization(),
                   static_cast<double>(untargeted.uncompressed_size()) / (10.0 * 4096));
}

TEST(mem_chunk, head_stays_below_block_size_after_each_append) {
  mem_chunk c{encoding::snappy, 4096, 0};
  for (const auto& e : make_entries(500)) {
    ASSERT_EQ(c.append(view_of(e)), append_result::appended);
    ASSERT_LT(c.head().size(), 4096u);
    // The head never reserves twice the block size.
    ASSERT_LE(c.head().memory_usage(), 4096u + 4096u);
  }
}

TEST(mem_chunk, structured_metadata_round_trips) {
  mem_chunk c{encoding::zstd, 2048, 0};
  std::vector<model::entry> es;
  for (int i = 0; i < 200; ++i) {
    model::label_set md;
    if (i % 3 == 0)
      md = {{"pod", "ingester-" + std::to_string(i % 5)}, {"trace_id", std::to_string(i * 977)}};
    else if (i % 3 == 1)
      md = {{"empty_name_ok", "v"}};
    es.push_back(make_entry(1000 + i, log_line(static_cast<uint64_t>(i)), md));
  }
  append_all(c, es);
  EXPECT_EQ(read(c), es);
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  auto d = mem_chunk::decode(*bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(read(*d), es);
  EXPECT_EQ(read(*d, min_time, max_time, direction::backward), reversed(es));
}

TEST(mem_chunk, empty_chunk_encodes_and_decodes) {
  mem_chunk c{encoding::snappy};
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.bounds().min_ts, 0);
  EXPECT_EQ(c.bounds().max_ts, 0);
  EXPECT_TRUE(read(c).empty());
  EXPECT_TRUE(read(c, min_time, max_time, direction::backward).empty());
  auto n = c.count(min_time, max_time);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  ASSERT_TRUE(c.close().ok());
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 8u + 1u + 4u + 16u);
  auto d = mem_chunk::decode(*bytes);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_TRUE(d->empty());
  EXPECT_TRUE(d->blocks().empty());
  EXPECT_TRUE(read(*d).empty());
}

TEST(mem_chunk, extreme_timestamps_and_empty_lines_round_trip) {
  mem_chunk c{encoding::snappy, 64, 0};
  std::vector<model::entry> es = {make_entry(min_time, ""), make_entry(-5, "negative"),
                                  make_entry(0, ""), make_entry(max_time - 1, "late"),
                                  make_entry(max_time, "last")};
  append_all(c, es);
  EXPECT_EQ(read(c), es); // through = INT64_MAX is unbounded
  EXPECT_EQ(read(c, min_time, max_time - 1).size(), 3u);
  EXPECT_EQ(*c.count(min_time, max_time), 5u);
  // Out of order at the extremes, then close() reorders.
  ASSERT_EQ(c.append({max_time, "last again", nullptr}), append_result::appended);
  ASSERT_EQ(c.append({min_time, "first again", nullptr}), append_result::appended);
  ASSERT_TRUE(c.close().ok());
  EXPECT_EQ(c.entries(), 7u);
  es = sorted_stable({make_entry(min_time, ""), make_entry(-5, "negative"), make_entry(0, ""),
                      make_entry(max_time - 1, "late"), make_entry(max_time, "last"),
                      make_entry(max_time, "last again"), make_entry(min_time, "first again")});
  EXPECT_EQ(read(c), es);
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  auto d = mem_chunk::decode(*bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(read(*d), es);
}

TEST(mem_chunk, count_uses_metadata_for_whole_blocks) {
  mem_chunk c{encoding::snappy, 1024, 0};
  auto es = make_entries(300, 0);
  append_all(c, es);
  ASSERT_GT(c.blocks().size(), 4u);
  for (model::timestamp_ns from : {0L, 7'000'000L, 100'000'000L}) {
    for (model::timestamp_ns through : {1L, 150'000'001L, 299'000'000L, 400'000'000L}) {
      auto n = c.count(from, through);
      ASSERT_TRUE(n.ok());
      EXPECT_EQ(*n, read(c, from, through).size()) << from << " " << through;
    }
  }
}

// Randomised: out-of-order timestamps with many ties, cut at random points;
// any [from, through) in either direction equals a stable sort of the
// appended entries, before close(), after close() and after a round trip.
TEST(mem_chunk, random_out_of_order_matches_a_stable_sort_for_any_bounds) {
  std::mt19937 rng{2024};
  for (int round = 0; round < 20; ++round) {
    mem_chunk c{all_encodings[round % 5], 64 + rng() % 2000, 0};
    std::vector<model::entry> appended;
    int n = 1 + static_cast<int>(rng() % 400);
    for (int i = 0; i < n; ++i) {
      auto ts = static_cast<model::timestamp_ns>(rng() % 100);
      appended.push_back(make_entry(ts, "r" + std::to_string(round) + " #" + std::to_string(i)));
      ASSERT_EQ(c.append(view_of(appended.back())), append_result::appended);
      if (rng() % 50 == 0) {
        ASSERT_TRUE(c.cut_block().ok());
      }
    }
    auto all = sorted_stable(appended);
    auto check = [&](const mem_chunk& chunk, const char* when) {
      for (int q = 0; q < 10; ++q) {
        auto from = static_cast<model::timestamp_ns>(rng() % 110) - 5;
        auto through = from + static_cast<model::timestamp_ns>(rng() % 60);
        std::vector<model::entry> want;
        for (const auto& e : all)
          if (e.ts >= from && e.ts < through)
            want.push_back(e);
        ASSERT_EQ(read(chunk, from, through), want) << when << " round " << round;
        ASSERT_EQ(read(chunk, from, through, direction::backward), reversed(want)) << when;
        auto cnt = chunk.count(from, through);
        ASSERT_TRUE(cnt.ok());
        ASSERT_EQ(*cnt, want.size()) << when;
      }
    };
    check(c, "open");
    auto bytes = c.encode();
    ASSERT_TRUE(bytes.ok());
    auto d = mem_chunk::decode(*bytes);
    ASSERT_TRUE(d.ok());
    check(*d, "decoded open");
    ASSERT_TRUE(c.close().ok());
    check(c, "closed");
    auto closed_bytes = c.encode();
    ASSERT_TRUE(closed_bytes.ok());
    auto d2 = mem_chunk::decode(*closed_bytes);
    ASSERT_TRUE(d2.ok());
    check(*d2, "decoded closed");
  }
}

// Loki TestCheckpointEncoding-like: an open chunk (blocks + head) survives
// encode → decode_open and keeps accepting appends.
TEST(mem_chunk, open_chunk_restores_for_further_appends) {
  mem_chunk c{encoding::snappy, 4096, 100000};
  auto es = make_entries(120);
  append_all(c, std::vector<model::entry>(es.begin(), es.begin() + 100));
  ASSERT_FALSE(c.head().empty());
  auto bytes = c.encode();
  ASSERT_TRUE(bytes.ok());
  auto restored = mem_chunk::decode_open(*bytes, 4096, 100000);
  ASSERT_TRUE(restored.ok()) << restored.error().to_string();
  EXPECT_FALSE(restored->closed());
  EXPECT_EQ(restored->block_size(), 4096u);
  EXPECT_EQ(restored->target_size(), 100000u);
  EXPECT_EQ(restored->entries(), 100u);
  append_all(*restored, std::vector<model::entry>(es.begin() + 100, es.end()));
  EXPECT_EQ(read(*restored), es);
  ASSERT_TRUE(restored->close().ok());
  EXPECT_EQ(read(*restored), es);
  // A plain decode() is closed.
  auto closed = mem_chunk::decode(*bytes);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->append(view_of(es[0])), append_result::closed);
}

TEST(mem_chunk, iterating_a_large_line_works) {
  mem_chunk c{encoding::lz4, 1024, 0};
  std::string big(100000, 'q');
  ASSERT_EQ(c.append({5, big, nullptr}), append_result::appended);
  ASSERT_EQ(c.blocks().size(), 1u); // cut right away: larger than the block size
  ASSERT_EQ(c.append({6, "small", nullptr}), append_result::appended);
  auto got = read(c);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].line, big);
}

} // namespace
} // namespace skald::chunkenc
