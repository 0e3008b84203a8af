// flush_policy: spec §5.7 (Loki shouldFlushChunk, collectChunksToFlush,
// removeFlushedChunks; TestChunkFlushingIdle, TestFlushMaxAge,
// Test_flush_not_owned_stream). Every reason at its exact boundary; time is
// an argument, nothing sleeps.
#include "runtime/ingester/flush_policy.hpp"

#include <gtest/gtest.h>

#include "runtime/config/ingester_config.hpp"

namespace skald::ingester {
namespace {

using namespace std::chrono_literals;

constexpr int64_t s_ns = 1'000'000'000;

constexpr int64_t ns(std::chrono::nanoseconds d) {
  return d.count();
}
constexpr int64_t t0 = 1'700'000'000 * s_ns;

flush_config cfg() {
  flush_config c;
  c.chunk_idle_period = 30min;
  c.max_chunk_age = 2h;
  c.chunk_retain_period = 15s;
  return c;
}

chunk_state open_chunk() {
  chunk_state c;
  c.min_ts = t0;
  c.max_ts = t0 + 10 * s_ns;
  c.last_updated_ns = t0;
  return c;
}

TEST(flush_policy, open_fresh_chunk_is_not_flushed) {
  EXPECT_EQ(should_flush(open_chunk(), t0, cfg()), flush_reason::none);
}

TEST(flush_policy, closed_chunk_flushes_as_full_immediately) {
  auto c = open_chunk();
  c.closed = true;
  EXPECT_EQ(should_flush(c, t0, cfg()), flush_reason::full);
}

TEST(flush_policy, chunk_cut_by_sync_rule_flushes_as_synced) {
  auto c = open_chunk();
  c.closed = true;
  c.synced = true;
  EXPECT_EQ(should_flush(c, t0, cfg()), flush_reason::synced);
}

TEST(flush_policy, idle_starts_one_nanosecond_after_chunk_idle_period) {
  auto c = open_chunk();
  const int64_t idle = ns(30min);
  EXPECT_EQ(should_flush(c, t0 + idle - 1, cfg()), flush_reason::none);
  EXPECT_EQ(should_flush(c, t0 + idle, cfg()), flush_reason::none);
  EXPECT_EQ(should_flush(c, t0 + idle + 1, cfg()), flush_reason::idle);
}

TEST(flush_policy, max_age_is_data_span_strictly_greater_than_max_chunk_age) {
  auto c = open_chunk();
  c.max_ts = c.min_ts + ns(2h);
  EXPECT_EQ(should_flush(c, t0, cfg()), flush_reason::none);
  c.max_ts += 1;
  EXPECT_EQ(should_flush(c, t0, cfg()), flush_reason::max_age);
  // Wall clock plays no part: a young chunk of old data spanning 2h+1ns.
  EXPECT_EQ(should_flush(c, c.last_updated_ns, cfg()), flush_reason::max_age);
}

TEST(flush_policy, reasons_follow_lokis_order) {
  auto c = open_chunk();
  c.max_ts = c.min_ts + ns(3h);      // max_age
  const int64_t later = t0 + ns(1h); // and idle
  EXPECT_EQ(should_flush(c, later, cfg()), flush_reason::idle);
  c.closed = true;
  EXPECT_EQ(should_flush(c, later, cfg()), flush_reason::full);
}

TEST(flush_policy, not_owned_stream_flushes_chunks_without_another_reason) {
  auto c = open_chunk();
  EXPECT_EQ(should_flush(c, t0, cfg(), flush_mode::not_owned), flush_reason::not_owned);
  c.closed = true;
  EXPECT_EQ(should_flush(c, t0, cfg(), flush_mode::not_owned), flush_reason::full);
}

TEST(flush_policy, immediate_forces_every_unflushed_chunk) {
  auto c = open_chunk();
  EXPECT_EQ(should_flush(c, t0, cfg(), flush_mode::immediate), flush_reason::forced);
  c.closed = true;
  EXPECT_EQ(should_flush(c, t0, cfg(), flush_mode::immediate), flush_reason::forced);
}

TEST(flush_policy, flushed_chunk_is_never_flushed_again) {
  auto c = open_chunk();
  c.closed = true;
  c.flushed_ns = t0;
  EXPECT_EQ(should_flush(c, t0 + ns(10h), cfg()), flush_reason::none);
  EXPECT_EQ(should_flush(c, t0, cfg(), flush_mode::immediate), flush_reason::none);
}

TEST(flush_policy, extreme_timestamps_do_not_overflow) {
  chunk_state c;
  c.min_ts = INT64_MIN;
  c.max_ts = INT64_MAX;
  c.last_updated_ns = INT64_MIN;
  EXPECT_EQ(should_flush(c, INT64_MAX, cfg()), flush_reason::idle);
  c.last_updated_ns = INT64_MAX;
  EXPECT_EQ(should_flush(c, INT64_MIN, cfg()), flush_reason::max_age);
}

TEST(flush_policy, stream_is_enqueued_with_several_chunks_or_a_due_last_chunk) {
  std::vector<chunk_state> none;
  EXPECT_FALSE(should_enqueue(none, t0, cfg(), flush_mode::immediate));
  std::vector<chunk_state> one{open_chunk()};
  EXPECT_FALSE(should_enqueue(one, t0, cfg()));
  EXPECT_TRUE(should_enqueue(one, t0, cfg(), flush_mode::immediate));
  EXPECT_TRUE(should_enqueue(one, t0, cfg(), flush_mode::not_owned));
  EXPECT_TRUE(should_enqueue(one, t0 + ns(31min), cfg()));
  std::vector<chunk_state> two{open_chunk(), open_chunk()};
  EXPECT_TRUE(should_enqueue(two, t0, cfg()));
}

TEST(flush_policy, collect_picks_due_chunks_in_order_and_closes_them) {
  std::vector<chunk_state> cs{open_chunk(), open_chunk(), open_chunk()};
  cs[0].closed = true;
  cs[0].flushed_ns = t0; // flushed, retained
  cs[1].closed = true;
  cs[1].synced = true;
  auto picks = collect_flush(cs, t0, cfg());
  ASSERT_EQ(picks.size(), 1u);
  EXPECT_EQ(picks[0].index, 1u);
  EXPECT_EQ(picks[0].reason, flush_reason::synced);
  EXPECT_FALSE(cs[2].closed);

  auto forced = collect_flush(cs, t0, cfg(), flush_mode::immediate);
  ASSERT_EQ(forced.size(), 2u);
  EXPECT_EQ(forced[0].index, 1u);
  EXPECT_EQ(forced[1].index, 2u);
  EXPECT_EQ(forced[1].reason, flush_reason::forced);
  EXPECT_TRUE(cs[2].closed);
}

TEST(flush_policy, chunk_leaves_memory_only_after_flush_and_retain_period) {
  auto c = open_chunk();
  c.closed = true;
  EXPECT_FALSE(should_drop(c, t0 + ns(10h), cfg()));
  c.flushed_ns = t0;
  EXPECT_FALSE(should_drop(c, t0 + 15 * s_ns - 1, cfg()));
  EXPECT_TRUE(should_drop(c, t0 + 15 * s_ns, cfg()));
  auto zero = cfg();
  zero.chunk_retain_period = 0s;
  EXPECT_TRUE(should_drop(c, t0, zero));
}

TEST(flush_policy, sweep_timing_is_jittered_like_lokis_flush_loop) {
  EXPECT_EQ(initial_sweep_delay(30s, 0.0), 0s);
  EXPECT_EQ(initial_sweep_delay(30s, 0.5), 12s);
  EXPECT_LT(initial_sweep_delay(30s, 1.0), 24s);
  EXPECT_EQ(sweep_interval(30s, 0.0), 24s);
  EXPECT_EQ(sweep_interval(30s, 0.5), 30s);
  EXPECT_LT(sweep_interval(30s, 0.9999999999), 36s);
  EXPECT_EQ(sweep_interval(30s, -1.0), 24s);
}

TEST(flush_policy, flush_op_expires_exactly_at_the_timeout) {
  EXPECT_FALSE(flush_op_expired(t0, t0 + ns(10min) - 1, 10min));
  EXPECT_TRUE(flush_op_expired(t0, t0 + ns(10min), 10min));
}

TEST(flush_policy, config_comes_from_the_ingester_block) {
  config::ingester_config ic;
  auto fc = flush_config::from(ic);
  EXPECT_EQ(fc.chunk_idle_period, 30min);
  EXPECT_EQ(fc.max_chunk_age, 2h);
  EXPECT_EQ(fc.chunk_retain_period, 0s);
}

TEST(flush_policy, reason_strings_are_lokis_metric_labels) {
  EXPECT_EQ(to_string(flush_reason::full), "full");
  EXPECT_EQ(to_string(flush_reason::synced), "synced");
  EXPECT_EQ(to_string(flush_reason::idle), "idle");
  EXPECT_EQ(to_string(flush_reason::max_age), "max_age");
  EXPECT_EQ(to_string(flush_reason::forced), "forced");
  EXPECT_EQ(to_string(flush_reason::not_owned), "not_owned");
  EXPECT_EQ(to_string(flush_reason::none), "");
}

} // namespace
} // namespace skald::ingester
