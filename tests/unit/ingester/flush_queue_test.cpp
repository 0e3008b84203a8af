// flush_queue: oldest data first, FIFO among equals, dedupe by op key
// (Loki flushQueues + util.PriorityQueue with the "tenant-fp-immediate" key).
#include "runtime/ingester/flush_queue.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <type_traits>

namespace skald::ingester {
namespace {

static_assert(std::is_nothrow_move_constructible_v<flush_queue<int>>);

TEST(flush_queue, pops_oldest_first_timestamp_first) {
  flush_queue<int> q;
  EXPECT_TRUE(q.push("c", 300, 3));
  EXPECT_TRUE(q.push("a", 100, 1));
  EXPECT_TRUE(q.push("b", 200, 2));
  EXPECT_EQ(q.top_first_ts(), 100);
  EXPECT_EQ(*q.pop(), 1);
  EXPECT_EQ(*q.pop(), 2);
  EXPECT_EQ(*q.pop(), 3);
  EXPECT_FALSE(q.pop().has_value());
}

TEST(flush_queue, equal_timestamps_pop_in_push_order) {
  flush_queue<int> q;
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(q.push(std::to_string(i), 7, i));
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(*q.pop(), i);
}

TEST(flush_queue, queued_key_is_not_queued_twice_until_popped) {
  flush_queue<std::unique_ptr<int>> q;
  const auto key = flush_op_key("t1", 42, false);
  EXPECT_TRUE(q.push(key, 10, std::make_unique<int>(1)));
  EXPECT_FALSE(q.push(key, 5, std::make_unique<int>(2)));
  EXPECT_TRUE(q.contains(key));
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(**q.pop(), 1);
  EXPECT_FALSE(q.contains(key));
  EXPECT_TRUE(q.push(key, 5, std::make_unique<int>(3)));
  // The immediate op of the same stream is a different op.
  EXPECT_TRUE(q.push(flush_op_key("t1", 42, true), 5, std::make_unique<int>(4)));
  EXPECT_EQ(q.size(), 2u);
}

TEST(flush_queue, random_pushes_pop_sorted) {
  std::mt19937_64 rng{7};
  flush_queue<int64_t> q;
  for (int i = 0; i < 2000; ++i) {
    int64_t ts = static_cast<int64_t>(rng() % 500) - 250;
    q.push(std::to_string(i), ts, ts);
  }
  auto all = q.drain();
  ASSERT_EQ(all.size(), 2000u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_TRUE(q.empty());
}

TEST(flush_queue, op_key_and_queue_index_match_loki) {
  EXPECT_EQ(flush_op_key("fake", 16794418009594958u, false), "fake-16794418009594958-false");
  EXPECT_EQ(flush_op_key("fake", 1, true), "fake-1-true");
  EXPECT_EQ(flush_queue_index(16794418009594958u, 32), 16794418009594958u % 32);
  EXPECT_EQ(flush_queue_index(5, 1), 0u);
}

} // namespace
} // namespace skald::ingester
