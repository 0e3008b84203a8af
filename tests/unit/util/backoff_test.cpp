// backoff: dskit Backoff delays (flush_op_backoff 10s → 1m, 10 retries).
#include "runtime/util/backoff.hpp"

#include <gtest/gtest.h>

namespace skald::util {
namespace {

using namespace std::chrono_literals;

backoff_policy flush_defaults() {
  return {10s, 1min, 10};
}

TEST(backoff, delays_double_from_min_and_stay_in_their_window) {
  auto p = flush_defaults();
  EXPECT_EQ(backoff_delay(p, 0, 0.0), 10s);
  EXPECT_LT(backoff_delay(p, 0, 0.999999), 20s);
  EXPECT_GE(backoff_delay(p, 0, 0.999999), 19s);
  EXPECT_EQ(backoff_delay(p, 0, 0.5), 15s);
  EXPECT_EQ(backoff_delay(p, 1, 0.0), 20s);
  EXPECT_EQ(backoff_delay(p, 1, 0.5), 30s);
  EXPECT_EQ(backoff_delay(p, 2, 0.0), 40s);
  // window [40s, 60s): capped by max_period
  EXPECT_LT(backoff_delay(p, 2, 0.999999), 60s);
  EXPECT_EQ(backoff_delay(p, 3, 0.0), 1min);
  EXPECT_EQ(backoff_delay(p, 3, 0.7), 1min);
  EXPECT_EQ(backoff_delay(p, 1000, 0.3), 1min);
}

TEST(backoff, never_overflows_and_clamps_bad_jitter) {
  backoff_policy p{1ns, std::chrono::nanoseconds{INT64_MAX}, 0};
  EXPECT_EQ(backoff_delay(p, 62, 0.0), std::chrono::nanoseconds{int64_t{1} << 62});
  EXPECT_EQ(backoff_delay(p, 200, 0.0), std::chrono::nanoseconds{INT64_MAX});
  auto d = flush_defaults();
  EXPECT_EQ(backoff_delay(d, 0, -3.0), 10s);
  EXPECT_LT(backoff_delay(d, 0, 7.0), 20s);
  EXPECT_EQ(backoff_delay({0s, 0s, 1}, 5, 0.5), 0s);
}

TEST(backoff, gives_up_after_max_retries) {
  backoff b{flush_defaults()};
  int n = 0;
  while (b.ongoing()) {
    auto d = b.next_delay(0.0);
    EXPECT_GE(d, 10s);
    EXPECT_LE(d, 1min);
    ++n;
  }
  EXPECT_EQ(n, 10);
  EXPECT_EQ(b.retries(), 10);
  b.reset();
  EXPECT_TRUE(b.ongoing());
}

TEST(backoff, zero_max_retries_retries_forever) {
  backoff b{{1s, 2s, 0}};
  for (int i = 0; i < 1000; ++i)
    (void)b.next_delay(0.5);
  EXPECT_TRUE(b.ongoing());
}

} // namespace
} // namespace skald::util
