// The stream's append rules (Loki pkg/ingester/stream_test.go: TestUnorderedPush,
// TestPushDeduplication, TestPushRateLimit, TestMaxReturnedStreamsErrors).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/chunkenc/iterator.hpp"
#include "runtime/ingester/stream.hpp"

using namespace skald;
using skald::ingester::stream;
using skald::ingester::stream_config;

namespace {

constexpr int64_t sec = 1'000'000'000;

struct batch {
  std::vector<std::string> lines;
  std::vector<model::entry_view> views;
  batch(std::initializer_list<std::pair<int64_t, const char*>> es) {
    lines.reserve(es.size());
    for (auto& [ts, l] : es) {
      lines.emplace_back(l);
      views.push_back(model::entry_view{ts, lines.back(), nullptr});
    }
  }
};

ingester::push_outcome push(stream& s, const batch& b, int64_t now = 0) {
  return s.push(b.views.data(), b.views.size(), "fake", now);
}

std::vector<int64_t> timestamps(const stream& s) {
  std::vector<int64_t> out;
  for (const auto& c : s.chunks()) {
    auto it = c.iterate(INT64_MIN, INT64_MAX);
    while (it.next())
      out.push_back(it.at().ts / sec);
  }
  return out;
}

stream_config ten_second_chunks() {
  stream_config cfg;
  cfg.max_chunk_age_ns = 10 * sec;
  cfg.sync_period_ns = 0;
  return cfg;
}

} // namespace

TEST(stream, unordered_push_accepts_within_half_max_chunk_age) {
  stream s{"{app=\"a\"}", 42, ten_second_chunks()};
  auto out = push(s, {{2 * sec, "x"}, {1 * sec, "x"}, {2 * sec, "x"}, {2 * sec, "x"}, {10 * sec, "x"}});
  EXPECT_EQ(out.status, 0);
  EXPECT_EQ(out.failed(), 0u);
  EXPECT_EQ(timestamps(s), (std::vector<int64_t>{1, 2, 10})); // head-block duplicates dropped

  out = push(s, {{4 * sec, "x"}, {8 * sec, "x"}, {9 * sec, "x"}});
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(out.too_far_behind, 1u);
  EXPECT_EQ(out.stored, 2u);
  EXPECT_EQ(out.error,
            "entry with timestamp 1970-01-01 00:00:04 +0000 UTC ignored, reason: 'entry too far "
            "behind, entry timestamp is: 1970-01-01T00:00:04Z, oldest acceptable timestamp is: "
            "1970-01-01T00:00:05Z',\nuser 'fake', total ignored: 1 out of 3 for stream: "
            "{app=\"a\"}");
  EXPECT_EQ(timestamps(s), (std::vector<int64_t>{1, 2, 8, 9, 10}));
  EXPECT_EQ(s.highest_ts(), 10 * sec);
}

TEST(stream, same_timestamp_and_line_as_last_line_is_skipped) {
  stream s{"{app=\"a\"}", 1, ten_second_chunks()};
  EXPECT_EQ(push(s, {{1 * sec, "test"}}).stored, 1u);
  auto out = push(s, {{1 * sec, "test"}, {1 * sec, "other"}});
  EXPECT_EQ(out.skipped, 1u);
  EXPECT_EQ(out.stored, 1u);
  EXPECT_EQ(s.entries(), 2u);
}

TEST(stream, per_stream_rate_limit_rejects_the_whole_push) {
  auto cfg = ten_second_chunks();
  cfg.rate_bytes = 10;
  cfg.burst_bytes = 10;
  stream s{"{app=\"a\"}", 1, cfg};
  auto out = push(s, {{1 * sec, "123456"}, {2 * sec, "123456"}});
  EXPECT_EQ(out.status, 429);
  EXPECT_EQ(out.rate_limited, 2u);
  EXPECT_EQ(out.stored, 0u);
  EXPECT_NE(out.error.find("Per stream rate limit exceeded (limit: 10B/sec) while attempting to "
                           "ingest for stream '{app=\"a\"}' totaling 12B, consider splitting"),
            std::string::npos);
  EXPECT_NE(out.error.find("user 'fake', total ignored: 2 out of 2 for stream: {app=\"a\"}"),
            std::string::npos);
  // Nothing was taken: a push that fits is accepted.
  EXPECT_EQ(push(s, {{3 * sec, "12345"}}).stored, 1u);
}

TEST(stream, returned_errors_are_capped_at_max_returned_errors) {
  auto cfg = ten_second_chunks();
  cfg.max_returned_errors = 2;
  stream s{"{app=\"a\"}", 1, cfg};
  EXPECT_EQ(push(s, {{100 * sec, "x"}}).stored, 1u);
  auto out = push(s, {{1 * sec, "a"}, {2 * sec, "b"}, {3 * sec, "c"}});
  EXPECT_EQ(out.too_far_behind, 3u);
  size_t listed = 0;
  for (size_t p = out.error.find("entry with timestamp"); p != std::string::npos;
       p = out.error.find("entry with timestamp", p + 1))
    ++listed;
  EXPECT_EQ(listed, 2u);
  EXPECT_NE(out.error.find("total ignored: 3 out of 3"), std::string::npos);
}

TEST(stream, chunks_are_cut_at_target_size) {
  auto cfg = ten_second_chunks();
  cfg.block_size = 256;
  cfg.target_size = 1024;
  cfg.encoding = chunkenc::encoding::none;
  stream s{"{app=\"a\"}", 1, cfg};
  std::vector<std::string> lines;
  std::vector<model::entry_view> views;
  for (int i = 0; i < 200; ++i)
    lines.push_back("line number " + std::to_string(i) + " with some padding text");
  for (int i = 0; i < 200; ++i)
    views.push_back(model::entry_view{(i + 1) * 1000, lines[static_cast<size_t>(i)], nullptr});
  auto out = s.push(views.data(), views.size(), "fake", 0);
  EXPECT_EQ(out.stored, 200u);
  EXPECT_GT(s.chunks().size(), 3u);
  EXPECT_EQ(out.chunks_created, s.chunks().size());
  for (size_t i = 0; i + 1 < s.chunks().size(); ++i)
    EXPECT_TRUE(s.chunks()[i].closed());
  EXPECT_EQ(s.entries(), 200u);
  size_t total = 0;
  for (const auto& c : s.chunks())
    total += c.entries();
  EXPECT_EQ(total, 200u);
}

// -- flush bookkeeping (flush_states, close_chunk, drop_flushed) -------------

TEST(stream, flush_states_follow_the_chunks) {
  stream_config cfg;
  cfg.sync_period_ns = 0;
  stream s{"{app=\"a\"}", 42, cfg};
  push(s, {{1 * sec, "a"}, {3 * sec, "b"}}, 100);
  auto& st = s.flush_states(200);
  ASSERT_EQ(st.size(), 1u);
  EXPECT_FALSE(st[0].closed);
  EXPECT_EQ(st[0].min_ts, 1 * sec);
  EXPECT_EQ(st[0].max_ts, 3 * sec);
  EXPECT_EQ(st[0].last_updated_ns, 100); // the push's clock, not the sweep's
  push(s, {{4 * sec, "c"}}, 150);
  EXPECT_EQ(s.flush_states(300)[0].last_updated_ns, 150);
}

TEST(stream, a_closed_chunk_takes_no_more_entries) {
  stream_config cfg;
  cfg.sync_period_ns = 0;
  stream s{"{app=\"a\"}", 42, cfg};
  push(s, {{1 * sec, "a"}}, 100);
  s.close_chunk(0);
  EXPECT_TRUE(s.flush_states(100)[0].closed);
  push(s, {{2 * sec, "b"}}, 200);
  ASSERT_EQ(s.chunks().size(), 2u);
  auto& st = s.flush_states(300);
  EXPECT_TRUE(st[0].closed);
  EXPECT_FALSE(st[1].closed);
  EXPECT_EQ(st[0].last_updated_ns, 100);
  EXPECT_EQ(st[1].last_updated_ns, 200);
  EXPECT_EQ(timestamps(s), (std::vector<int64_t>{1, 2}));
}

TEST(stream, sync_cut_marks_the_chunk_synced) {
  stream_config cfg;
  cfg.sync_period_ns = 10 * sec;
  cfg.sync_min_utilization = 0; // cut at every period boundary
  stream s{"{app=\"a\"}", 0, cfg};
  push(s, {{9 * sec, "a"}}, 1);
  push(s, {{11 * sec, "b"}}, 2); // crossed the boundary at 10s (fp 0)
  ASSERT_EQ(s.chunks().size(), 2u);
  auto& st = s.flush_states(3);
  EXPECT_TRUE(st[0].closed);
  EXPECT_TRUE(st[0].synced);
  EXPECT_EQ(ingester::should_flush(st[0], 3, ingester::flush_config{}),
            ingester::flush_reason::synced);
}

TEST(stream, drop_flushed_removes_only_flushed_chunks_past_retain) {
  stream_config cfg;
  cfg.sync_period_ns = 0;
  stream s{"{app=\"a\"}", 42, cfg};
  push(s, {{1 * sec, "a"}}, 1);
  s.close_chunk(0);
  push(s, {{2 * sec, "b"}}, 2);
  ingester::flush_config fc;
  fc.chunk_retain_period = std::chrono::seconds{10};
  s.flush_states(3)[0].flushed_ns = 5 * sec;
  EXPECT_EQ(s.drop_flushed(15 * sec - 1, fc), 0u);
  EXPECT_EQ(s.drop_flushed(15 * sec, fc), 1u);
  ASSERT_EQ(s.chunks().size(), 1u);
  EXPECT_EQ(timestamps(s), (std::vector<int64_t>{2}));
  EXPECT_FALSE(s.flush_states(20 * sec)[0].flushed_ns);
}

TEST(stream, restored_chunks_count_as_updated_at_the_first_sweep) {
  stream_config cfg;
  stream s{"{app=\"a\"}", 42, cfg};
  std::vector<chunkenc::mem_chunk> cs;
  cs.emplace_back();
  model::entry_view e{1 * sec, "x", nullptr};
  (void)cs.back().append(e);
  s.restore(std::move(cs), 1 * sec, "x");
  EXPECT_EQ(s.flush_states(777)[0].last_updated_ns, 777);
  s.drop_all_chunks();
  EXPECT_TRUE(s.chunks().empty());
  EXPECT_TRUE(s.flush_states(778).empty());
  EXPECT_EQ(s.highest_ts(), 1 * sec);
  EXPECT_EQ(s.last_line(), "x");
}
