// cut_rules: spec §5.6 (cutting) and the max_age flush test of §5.7.
// Loki: TestSyncPeriod (pkg/ingester/stream_test.go), shouldFlushChunk.
#include "runtime/chunkenc/cut_rules.hpp"

#include <gtest/gtest.h>

#include <random>

#include "chunk_test_util.hpp"

namespace skald::chunkenc {
namespace {

using namespace std::chrono_literals;

constexpr int64_t hour_ns = 3'600'000'000'000;

chunk_facts open_chunk(double utilization = 0.5) {
  return {false, false, true, utilization};
}

TEST(cut_rules, closed_chunk_is_always_cut) {
  chunk_facts f{true, true, true, 0};
  EXPECT_EQ(should_cut(f, 1, {}, {}), cut_reason::closed);
}

TEST(cut_rules, full_chunk_is_cut_but_an_empty_one_never) {
  chunk_facts full{false, false, false, 1.0};
  EXPECT_EQ(should_cut(full, 1, {}, {}), cut_reason::full);
  chunk_facts empty_no_space{false, true, false, 0};
  EXPECT_EQ(should_cut(empty_no_space, 1, {}, {}), cut_reason::none);
}

TEST(cut_rules, sync_cuts_when_crossing_a_period_boundary) {
  cut_config cfg;
  stream_state s{0, hour_ns - 10};
  EXPECT_EQ(should_cut(open_chunk(), hour_ns + 5, s, cfg), cut_reason::synced);
  EXPECT_EQ(should_cut(open_chunk(), hour_ns - 5, s, cfg), cut_reason::none);
  // Out-of-order entries (ts < highest) never trigger the sync rule.
  stream_state later{0, hour_ns + 10};
  EXPECT_EQ(should_cut(open_chunk(), hour_ns + 5, later, cfg), cut_reason::none);
  // No highest timestamp yet: no sync.
  EXPECT_EQ(should_cut(open_chunk(), hour_ns + 5, stream_state{}, cfg), cut_reason::none);
}

TEST(cut_rules, sync_boundary_is_shifted_by_the_fingerprint) {
  // fp = 30min: the boundary is at ts ≡ 30min (mod 1h).
  uint64_t fp = hour_ns / 2;
  EXPECT_FALSE(crosses_sync_boundary(hour_ns + 5, hour_ns - 10, fp, 1h));
  EXPECT_TRUE(crosses_sync_boundary(hour_ns / 2 + 5, hour_ns / 2 - 5, fp, 1h));
  // Huge fingerprints wrap like Go's uint64 arithmetic.
  uint64_t big = ~uint64_t{0};
  EXPECT_EQ(crosses_sync_boundary(hour_ns + 5, hour_ns - 10, big, 1h),
            ((uint64_t{hour_ns + 5} + big) % hour_ns) < ((uint64_t{hour_ns - 10} + big) % hour_ns));
}

TEST(cut_rules, sync_respects_min_utilization) {
  cut_config cfg; // min 0.1
  stream_state s{0, hour_ns - 10};
  EXPECT_EQ(should_cut(open_chunk(0.05), hour_ns + 5, s, cfg), cut_reason::none);
  EXPECT_EQ(should_cut(open_chunk(0.1), hour_ns + 5, s, cfg), cut_reason::none); // strictly >
  EXPECT_EQ(should_cut(open_chunk(0.11), hour_ns + 5, s, cfg), cut_reason::synced);
  cfg.sync_min_utilization = 0;
  EXPECT_EQ(should_cut(open_chunk(0.0), hour_ns + 5, s, cfg), cut_reason::synced);
  cfg.sync_period = 0ns;
  EXPECT_EQ(should_cut(open_chunk(0.9), hour_ns + 5, s, cfg), cut_reason::none);
}

// Loki TestSyncPeriod: with sync cutting on, every chunk either spans less
// than sync_period or is at least sync_min_utilization full.
TEST(cut_rules, sync_period_bounds_every_chunk_span) {
  cut_config cfg;
  cfg.sync_period = std::chrono::minutes{1};
  cfg.sync_min_utilization = 0.2;
  const uint64_t fp = 1234567;
  std::vector<mem_chunk> chunks;
  chunks.emplace_back(encoding::snappy, 4096, 20000);
  stream_state s{fp, std::nullopt};
  std::mt19937 rng{7};
  model::timestamp_ns ts = 0;
  for (int i = 0; i < 3000; ++i) {
    ts += static_cast<model::timestamp_ns>(rng() % 400) * 1'000'000; // 0-400ms apart
    auto line = testing::log_line(static_cast<uint64_t>(i));
    model::entry_view e{ts, line, nullptr};
    if (should_cut(facts_of(chunks.back(), e), ts, s, cfg) != cut_reason::none) {
      ASSERT_TRUE(chunks.back().close().ok());
      chunks.emplace_back(encoding::snappy, 4096, 20000);
    }
    ASSERT_EQ(chunks.back().append(e), append_result::appended);
    s.highest_ts = std::max(s.highest_ts.value_or(ts), ts);
  }
  ASSERT_GT(chunks.size(), 5u);
  for (size_t i = 0; i + 1 < chunks.size(); ++i) {
    auto b = chunks[i].bounds();
    auto span = b.max_ts - b.min_ts;
    EXPECT_TRUE(span < cfg.sync_period.count() || chunks[i].utilization() >= 0.2)
      << i << " span " << span << " util " << chunks[i].utilization();
  }
}

TEST(cut_rules, max_age_compares_the_data_span) {
  EXPECT_FALSE(exceeds_max_age({0, 2 * hour_ns}, 2h));
  EXPECT_TRUE(exceeds_max_age({0, 2 * hour_ns + 1}, 2h));
  EXPECT_FALSE(exceeds_max_age({}, 2h));
}

TEST(cut_rules, reasons_have_names) {
  EXPECT_EQ(to_string(cut_reason::synced), "synced");
  EXPECT_EQ(to_string(cut_reason::full), "full");
  EXPECT_EQ(to_string(cut_reason::max_age), "max_age");
}

} // namespace
} // namespace skald::chunkenc
