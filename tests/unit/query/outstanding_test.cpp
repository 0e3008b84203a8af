// Unit tests of runtime/query/outstanding: per-tenant in-flight query slots
// refused beyond the limit and given back when their token goes.
#include "runtime/query/outstanding.hpp"

#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace skald::query {
namespace {

TEST(outstanding_queries, refuses_beyond_the_limit_and_frees_a_slot_with_its_token) {
  auto q = std::make_shared<outstanding_queries>(2);
  auto a = q->try_acquire("t1");
  auto b = q->try_acquire("t1");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(q->in_flight("t1"), 2u);
  EXPECT_FALSE(q->try_acquire("t1"));
  EXPECT_EQ(q->in_flight("t1"), 2u); // a refusal takes nothing
  // Other tenants have their own slots.
  auto c = q->try_acquire("t2");
  EXPECT_TRUE(c);
  // The token's copies share the slot: it is freed when the last one goes.
  auto a2 = a;
  a.reset();
  EXPECT_FALSE(q->try_acquire("t1"));
  a2.reset();
  EXPECT_EQ(q->in_flight("t1"), 1u);
  EXPECT_TRUE(q->try_acquire("t1"));
  EXPECT_EQ(too_many_outstanding_text, "too many outstanding requests");
}

TEST(outstanding_queries, zero_means_no_limit) {
  auto q = std::make_shared<outstanding_queries>(0);
  std::vector<std::shared_ptr<void>> held;
  for (int i = 0; i < 1000; ++i)
    held.push_back(q->try_acquire("t"));
  EXPECT_EQ(q->in_flight("t"), 1000u);
  held.clear();
  EXPECT_EQ(q->in_flight("t"), 0u);
}

TEST(outstanding_queries, tokens_outlive_the_owner_and_threads_balance) {
  std::shared_ptr<void> token;
  {
    auto q = std::make_shared<outstanding_queries>(1);
    token = q->try_acquire("t");
  }
  token.reset(); // the token kept the counter alive
  auto q = std::make_shared<outstanding_queries>(4);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([q] {
      for (int i = 0; i < 10000; ++i) {
        auto s = q->try_acquire("t");
        EXPECT_TRUE(s); // at most 4 threads hold one each
      }
    });
  for (auto& t : ts)
    t.join();
  EXPECT_EQ(q->in_flight("t"), 0u);
}

} // namespace
} // namespace skald::query
