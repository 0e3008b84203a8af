// runtime/ingester/stream: the blocks push() reports to its block_log (WAL
// block records, docs/wal-format.md §4.4). What must hold: a reported block's
// entries, decompressed, are exactly the stored entries with the counters
// its runs list, in that order; consecutive reports are contiguous; nothing
// is reported when that cannot be vouched for (out-of-order head, a head cut
// outside push()).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/chunkenc/buffer.hpp"
#include "runtime/chunkenc/encoding.hpp"
#include "runtime/chunkenc/entry_codec.hpp"
#include "runtime/ingester/stream.hpp"

using namespace skald;
using skald::ingester::stream;
using skald::ingester::stream_config;

namespace {

constexpr int64_t sec = 1'000'000'000;

struct saved_block {
  uint64_t first = 0, last = 0;
  std::vector<wal::counter_run> runs;
  uint32_t entries = 0;
  int64_t last_ts = 0;
  std::string last_line;
  /// (ts, line) of the decompressed entries.
  std::vector<std::pair<int64_t, std::string>> decoded;
};

class collect final : public ingester::block_log {
public:
  std::vector<saved_block> blocks;
  void on_block(wal::block_record& b) override {
    saved_block s;
    s.first = b.first;
    s.last = b.last;
    s.runs = b.runs;
    s.entries = b.entries;
    s.last_ts = b.last_ts;
    s.last_line = std::string{b.last_line};
    chunkenc::buffer raw;
    auto st =
        chunkenc::decompress(static_cast<chunkenc::encoding>(b.encoding), b.data, b.raw_size, raw);
    EXPECT_TRUE(st.ok());
    const char* p = raw.data();
    const char* end = p + raw.size();
    int64_t prev = 0;
    while (p < end) {
      chunkenc::detail::record r;
      ASSERT_TRUE(chunkenc::detail::get_record(p, end, prev, r));
      prev = r.ts;
      s.decoded.emplace_back(r.ts, std::string{r.line});
    }
    blocks.push_back(std::move(s));
  }
};

/// The stream's entries by WAL counter (1-based): what was offered.
struct feed {
  std::vector<std::string> lines{""};
  std::vector<int64_t> ts{0};
  uint64_t counter = 0;

  /// Pushes entries with these timestamps (lines name their counter).
  ingester::push_outcome push(stream& s, collect& log, std::vector<int64_t> tss) {
    std::vector<model::entry_view> es;
    const uint64_t first = counter + 1;
    for (auto t : tss) {
      ++counter;
      lines.push_back("entry number " + std::to_string(counter) + " with some padding text");
      ts.push_back(t);
    }
    for (uint64_t k = first; k <= counter; ++k)
      es.push_back(model::entry_view{ts[k], lines[k], nullptr});
    return s.push(es.data(), es.size(), "t", 0, nullptr, first, &log);
  }
};

stream_config small_blocks(size_t block_size = 256, size_t target = 1 << 20) {
  stream_config c;
  c.block_size = block_size;
  c.target_size = target;
  c.rate_bytes = 0;
  c.sync_period_ns = 0;
  return c;
}

/// Every reported block's decoded entries are the offered entries with the
/// counters its runs list; blocks are contiguous.
void check_blocks(const collect& log, const feed& f, uint64_t expect_first = 1) {
  uint64_t next = expect_first;
  for (const auto& b : log.blocks) {
    EXPECT_EQ(b.first, next);
    uint64_t k = b.first;
    size_t i = 0;
    for (const auto& r : b.runs) {
      k += r.skip;
      for (uint64_t j = 0; j < r.run; ++j, ++k, ++i) {
        ASSERT_LT(i, b.decoded.size());
        EXPECT_EQ(b.decoded[i].second, f.lines[k]) << "counter " << k;
        EXPECT_EQ(b.decoded[i].first, f.ts[k]);
      }
    }
    EXPECT_EQ(i, b.decoded.size());
    EXPECT_EQ(b.entries, b.decoded.size());
    EXPECT_EQ(k - 1, b.last);
    EXPECT_EQ(b.last_line, f.lines[b.last]);
    EXPECT_EQ(b.last_ts, f.ts[b.last]);
    next = b.last + 1;
  }
}

} // namespace

TEST(stream_block_log, in_order_pushes_report_every_cut_block_contiguously) {
  stream s{"{a=\"1\"}", 1, small_blocks()};
  collect log;
  feed f;
  for (int p = 0; p < 20; ++p) {
    std::vector<int64_t> tss;
    for (int i = 0; i < 7; ++i)
      tss.push_back((p * 7 + i + 1) * sec);
    f.push(s, log, tss);
  }
  ASSERT_GE(log.blocks.size(), 5u);
  check_blocks(log, f);
  for (const auto& b : log.blocks)
    EXPECT_EQ(b.runs.size(), 1u); // nothing refused: one run each
  size_t in_blocks = 0;
  for (const auto& b : log.blocks)
    in_blocks += b.entries;
  EXPECT_EQ(in_blocks + s.chunks().back().head().entries(), f.counter);
}

TEST(stream_block_log, refused_entries_are_skipped_in_the_runs) {
  auto cfg = small_blocks(512);
  cfg.max_chunk_age_ns = 20 * sec; // too far behind: older than highest - 10 s
  stream s{"{a=\"1\"}", 1, cfg};
  collect log;
  feed f;
  int64_t t = 100 * sec;
  for (int p = 0; p < 30; ++p) {
    std::vector<int64_t> tss;
    for (int i = 0; i < 5; ++i)
      tss.push_back(t += sec);
    tss.push_back(sec); // too far behind: refused
    f.push(s, log, tss);
  }
  ASSERT_GE(log.blocks.size(), 3u);
  check_blocks(log, f);
  bool skipped = false;
  for (const auto& b : log.blocks)
    for (const auto& r : b.runs)
      skipped = skipped || r.skip > 0;
  EXPECT_TRUE(skipped);
}

TEST(stream_block_log, a_head_appended_out_of_order_is_not_reported) {
  stream s{"{a=\"1\"}", 1, small_blocks()};
  collect log;
  feed f;
  f.push(s, log, {10 * sec, 9 * sec, 11 * sec}); // out of order within the head
  for (int p = 0; p < 100 && s.chunks().back().blocks().empty(); ++p)
    f.push(s, log, {(20 + p) * sec});
  ASSERT_EQ(s.chunks().back().blocks().size(), 1u);
  // The first head (with 9 s after 10 s) was cut without a report ...
  EXPECT_TRUE(log.blocks.empty());
  for (int p = 0; p < 20; ++p)
    f.push(s, log, {(100 + 2 * p) * sec, (101 + 2 * p) * sec});
  // ... and the next ones are reported, starting after it.
  ASSERT_FALSE(log.blocks.empty());
  EXPECT_GT(log.blocks.front().first, 3u);
  check_blocks(log, f, log.blocks.front().first);
}

TEST(stream_block_log, a_head_cut_outside_push_restarts_the_counters) {
  stream s{"{a=\"1\"}", 1, small_blocks(4096)};
  collect log;
  feed f;
  f.push(s, log, {1 * sec, 2 * sec, 3 * sec});
  s.close_chunk(0); // the flush sweep closes the open chunk: no report
  EXPECT_TRUE(log.blocks.empty());
  for (int p = 0; p < 60; ++p)
    f.push(s, log, {(10 + 2 * p) * sec, (11 + 2 * p) * sec});
  ASSERT_FALSE(log.blocks.empty());
  EXPECT_EQ(log.blocks.front().first, 4u);
  check_blocks(log, f, 4);
}

TEST(stream_block_log, a_chunk_cut_when_full_reports_its_last_block) {
  // Small chunks: chunk_for() closes the full chunk, cutting its head.
  stream s{"{a=\"1\"}", 1, small_blocks(1024, 2048)};
  collect log;
  feed f;
  for (int p = 0; p < 400; ++p)
    f.push(s, log, {(3 * p + 1) * sec, (3 * p + 2) * sec, (3 * p + 3) * sec});
  ASSERT_GE(s.chunks().size(), 3u);
  check_blocks(log, f);
  size_t blocks = 0;
  for (const auto& c : s.chunks())
    blocks += c.blocks().size();
  // Every cut block was reported (only the open head is not a block yet).
  EXPECT_EQ(log.blocks.size(), blocks);
}

TEST(stream_block_log, without_a_log_nothing_is_tracked) {
  stream s{"{a=\"1\"}", 1, small_blocks()};
  std::vector<std::string> lines(50, std::string(40, 'x'));
  std::vector<model::entry_view> es;
  for (size_t i = 0; i < lines.size(); ++i)
    es.push_back(model::entry_view{static_cast<int64_t>(i + 1) * sec, lines[i], nullptr});
  auto out = s.push(es.data(), es.size(), "t", 0);
  EXPECT_EQ(out.stored, 50u);
  EXPECT_FALSE(s.chunks().back().blocks().empty());
}
