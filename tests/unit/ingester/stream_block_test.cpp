// WAL replay's fast path for logged blocks (docs/wal-format.md §4.4):
// mem_chunk::add_block appends an already-compressed block as cut_block
// would have, and stream::install_block puts one into the stream's chunks
// (head cut first, a new chunk when the open one is full) and continues the
// last-line duplicate rule from the block's last entry.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/chunkenc/iterator.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/ingester/stream.hpp"

namespace skald::ingester {
namespace {

constexpr int64_t sec = 1'000'000'000;

struct entries {
  std::vector<std::string> lines;
  std::vector<model::entry_view> views;
  /// Entries first .. last (seconds), line "line <i>" (padded to `width`).
  entries(int first, int last, size_t width = 0) {
    lines.reserve(static_cast<size_t>(last - first + 1));
    for (int i = first; i <= last; ++i) {
      lines.push_back("line " + std::to_string(i));
      if (lines.back().size() < width)
        lines.back().resize(width, 'x');
      views.push_back(model::entry_view{i * sec, lines.back(), nullptr});
    }
  }
};

/// The entries compressed into one block by a real chunk.
chunkenc::block cut_block_of(const entries& es,
                             chunkenc::encoding enc = chunkenc::encoding::snappy) {
  chunkenc::mem_chunk c{enc, 1 << 20, 0};
  for (const auto& e : es.views)
    EXPECT_EQ(c.append(e), chunkenc::append_result::appended);
  EXPECT_TRUE(c.cut_block().ok());
  EXPECT_EQ(c.blocks().size(), 1u);
  return c.blocks().front();
}

std::vector<int64_t> seconds_of(const chunkenc::mem_chunk& c) {
  std::vector<int64_t> out;
  auto it = c.iterate(INT64_MIN, INT64_MAX);
  while (it.next())
    out.push_back(it.at().ts / sec);
  EXPECT_TRUE(it.error().ok());
  return out;
}

std::vector<int64_t> seconds_of(const stream& s) {
  std::vector<int64_t> out;
  for (const auto& c : s.chunks())
    for (auto t : seconds_of(c))
      out.push_back(t);
  return out;
}

std::vector<int64_t> range(int64_t first, int64_t last) {
  std::vector<int64_t> out;
  for (auto i = first; i <= last; ++i)
    out.push_back(i);
  return out;
}

status install(stream& s, const entries& es, chunkenc::block b,
               chunkenc::encoding enc = chunkenc::encoding::snappy) {
  const auto& last = es.views.back();
  return s.install_block(std::move(b), enc, false, last.ts, last.line, 0);
}

TEST(mem_chunk_add_block, appends_after_the_head_with_the_offsets_cut_block_gives) {
  entries a(1, 3), b(4, 9), c(10, 12);
  chunkenc::mem_chunk chunk{chunkenc::encoding::snappy, 1 << 20, 0};
  for (const auto& e : a.views)
    ASSERT_EQ(chunk.append(e), chunkenc::append_result::appended);
  auto blk = cut_block_of(b);
  const auto compressed = blk.meta.compressed_size;
  const auto raw = blk.meta.raw_size;
  ASSERT_TRUE(chunk.add_block(blk, chunkenc::encoding::snappy, false).ok());
  // The head (1..3) was cut first: two blocks, in order.
  ASSERT_EQ(chunk.blocks().size(), 2u);
  EXPECT_EQ(chunk.blocks()[1].meta.entries, 6u);
  EXPECT_EQ(chunk.blocks()[1].meta.offset,
            chunk.blocks()[0].meta.offset + chunk.blocks()[0].meta.compressed_size + 4);
  EXPECT_EQ(chunk.entries(), 9u);
  EXPECT_EQ(chunk.compressed_size(), chunk.blocks()[0].meta.compressed_size + compressed);
  EXPECT_EQ(chunk.uncompressed_size(), chunk.blocks()[0].meta.raw_size + raw);
  EXPECT_FALSE(chunk.has_metadata());
  for (const auto& e : c.views)
    ASSERT_EQ(chunk.append(e), chunkenc::append_result::appended);
  EXPECT_EQ(seconds_of(chunk), range(1, 12));
  // Encoded and decoded: the same blocks, metadata and offsets included.
  ASSERT_TRUE(chunk.close().ok());
  auto bytes = chunk.encode();
  ASSERT_TRUE(bytes.ok());
  auto back = chunkenc::mem_chunk::decode(*bytes);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->blocks().size(), chunk.blocks().size());
  for (size_t i = 0; i < chunk.blocks().size(); ++i)
    EXPECT_EQ(back->blocks()[i].meta, chunk.blocks()[i].meta) << i;
  EXPECT_EQ(seconds_of(*back), range(1, 12));
  auto n = back->count(INT64_MIN, INT64_MAX);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 12u);
}

TEST(mem_chunk_add_block, refuses_a_closed_chunk_another_encoding_and_bad_metadata) {
  entries a(1, 3);
  auto blk = cut_block_of(a);
  chunkenc::mem_chunk gz{chunkenc::encoding::gzip, 1 << 20, 0};
  EXPECT_EQ(gz.add_block(blk, chunkenc::encoding::snappy, false).code(), errc::invalid_argument);
  EXPECT_TRUE(gz.empty());
  chunkenc::mem_chunk chunk{chunkenc::encoding::snappy, 1 << 20, 0};
  auto bad = blk;
  bad.meta.compressed_size += 1;
  EXPECT_EQ(chunk.add_block(bad, chunkenc::encoding::snappy, false).code(), errc::invalid_argument);
  bad = blk;
  bad.meta.entries = 0;
  EXPECT_EQ(chunk.add_block(bad, chunkenc::encoding::snappy, false).code(), errc::invalid_argument);
  EXPECT_TRUE(chunk.empty());
  ASSERT_TRUE(chunk.add_block(blk, chunkenc::encoding::snappy, true).ok());
  EXPECT_TRUE(chunk.has_metadata());
  ASSERT_TRUE(chunk.close().ok());
  EXPECT_EQ(chunk.add_block(blk, chunkenc::encoding::snappy, false).code(), errc::invalid_argument);
  EXPECT_EQ(chunk.entries(), 3u);
}

TEST(mem_chunk_add_block, decode_block_entries_reads_a_block_in_order_with_metadata) {
  chunkenc::mem_chunk c{chunkenc::encoding::zstd, 1 << 20, 0};
  model::label_set md{{"trace_id", "abc"}};
  ASSERT_EQ(c.append(model::entry_view{1, "a", nullptr}), chunkenc::append_result::appended);
  ASSERT_EQ(c.append(model::entry_view{2, "b", &md}), chunkenc::append_result::appended);
  ASSERT_EQ(c.append(model::entry_view{2, "c", nullptr}), chunkenc::append_result::appended);
  ASSERT_TRUE(c.cut_block().ok());
  const auto& b = c.blocks().front();
  chunkenc::buffer raw;
  std::vector<model::entry_view> out;
  std::vector<model::label_set> mds;
  ASSERT_TRUE(chunkenc::decode_block_entries(chunkenc::encoding::zstd, b.data, b.meta.raw_size, raw,
                                             out, mds)
                  .ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].line, "a");
  EXPECT_EQ(out[0].metadata, nullptr);
  EXPECT_EQ(out[1].line, "b");
  ASSERT_NE(out[1].metadata, nullptr);
  EXPECT_EQ(*out[1].metadata, md);
  EXPECT_EQ(out[2].ts, 2);
  EXPECT_EQ(out[2].line, "c");
  // A wrong raw size is corruption, not a crash.
  EXPECT_EQ(chunkenc::decode_block_entries(chunkenc::encoding::zstd, b.data, b.meta.raw_size + 1,
                                           raw, out, mds)
                .code(),
            errc::corrupt_record);
}

TEST(stream_install_block, cuts_the_head_first_and_continues_the_last_line_rule) {
  stream_config cfg;
  cfg.sync_period_ns = 0;
  cfg.encoding = chunkenc::encoding::snappy;
  stream s{"{app=\"a\"}", 42, cfg};
  entries a(1, 3), b(4, 6);
  ASSERT_EQ(s.push(a.views.data(), a.views.size(), "t", 0).stored, 3u);
  ASSERT_TRUE(install(s, b, cut_block_of(b)).ok());
  ASSERT_EQ(s.chunks().size(), 1u);
  EXPECT_EQ(s.chunks()[0].blocks().size(), 2u);
  EXPECT_EQ(s.entries(), 6u);
  EXPECT_EQ(s.highest_ts(), 6 * sec);
  EXPECT_EQ(s.last_line(), "line 6");
  // The block's last entry again: a last-line duplicate, as it was live.
  auto again = s.push(&b.views.back(), 1, "t", 0);
  EXPECT_EQ(again.skipped, 1u);
  EXPECT_EQ(again.stored, 0u);
  entries c(7, 7);
  EXPECT_EQ(s.push(c.views.data(), 1, "t", 0).stored, 1u);
  EXPECT_EQ(seconds_of(s), range(1, 7));
}

TEST(stream_install_block, a_block_that_does_not_fit_starts_a_new_chunk) {
  stream_config cfg;
  cfg.sync_period_ns = 0;
  cfg.encoding = chunkenc::encoding::none; // compressed size == raw size
  cfg.target_size = 1000;
  stream s{"{app=\"a\"}", 42, cfg};
  entries a(1, 6, 100), b(7, 12, 100), c(13, 13, 100);
  auto ba = cut_block_of(a, cfg.encoding);
  auto bb = cut_block_of(b, cfg.encoding);
  ASSERT_GT(ba.meta.compressed_size + bb.meta.compressed_size, cfg.target_size);
  ASSERT_TRUE(install(s, a, ba, cfg.encoding).ok());
  ASSERT_TRUE(install(s, b, bb, cfg.encoding).ok());
  ASSERT_EQ(s.chunks().size(), 2u);
  EXPECT_TRUE(s.chunks()[0].closed());
  EXPECT_FALSE(s.chunks()[1].closed());
  auto& states = s.flush_states(1);
  ASSERT_EQ(states.size(), 2u);
  EXPECT_TRUE(states[0].closed);
  // Appends go on in the block's chunk.
  EXPECT_EQ(s.push(c.views.data(), 1, "t", 0).stored, 1u);
  EXPECT_EQ(s.chunks().size(), 2u);
  EXPECT_EQ(seconds_of(s), range(1, 13));
  EXPECT_EQ(s.entries(), 13u);
}

TEST(stream_install_block, without_a_target_size_a_chunk_takes_blocks_per_chunk_blocks) {
  stream_config cfg;
  cfg.sync_period_ns = 0;
  cfg.target_size = 0;
  cfg.encoding = chunkenc::encoding::snappy;
  stream s{"{app=\"a\"}", 42, cfg};
  for (int i = 0; i <= static_cast<int>(chunkenc::blocks_per_chunk); ++i) {
    entries e(i * 10 + 1, i * 10 + 10);
    ASSERT_TRUE(install(s, e, cut_block_of(e)).ok());
  }
  ASSERT_EQ(s.chunks().size(), 2u);
  EXPECT_EQ(s.chunks()[0].blocks().size(), chunkenc::blocks_per_chunk);
  EXPECT_EQ(s.chunks()[1].blocks().size(), 1u);
  EXPECT_EQ(s.entries(), 10u * (chunkenc::blocks_per_chunk + 1));
}

TEST(stream_install_block, another_encoding_is_refused_and_leaves_the_stream_as_it_was) {
  stream_config cfg;
  cfg.encoding = chunkenc::encoding::gzip;
  stream s{"{app=\"a\"}", 42, cfg};
  entries a(1, 3);
  EXPECT_EQ(install(s, a, cut_block_of(a)).code(), errc::invalid_argument);
  EXPECT_TRUE(s.chunks().empty());
  EXPECT_EQ(s.entries(), 0u);
  EXPECT_EQ(s.highest_ts(), 0);
  EXPECT_EQ(s.last_line(), "");
}

} // namespace
} // namespace skald::ingester
