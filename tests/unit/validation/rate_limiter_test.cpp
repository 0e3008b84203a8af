// Tenant ingestion rate limit (spec §3.4; TestDistributor_PushIngestionRateLimiter,
// TestIngestionRateStrategy), time passed in.
#include "runtime/validation/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace skald::validation {
namespace {

using namespace std::chrono_literals;

const rate_clock::time_point t0{std::chrono::hours{1000}};

TEST(rate_limit_for, local_and_global_strategies) {
  validation_limits lim; // 4 MB/s, 6 MB burst
  auto local = rate_limit_for(lim, rate_strategy::local, 3);
  EXPECT_EQ(local.bytes_per_second, 4.0 * 1048576);
  EXPECT_EQ(local.burst, 6u * 1048576);
  auto global = rate_limit_for(lim, rate_strategy::global, 4);
  EXPECT_EQ(global.bytes_per_second, 1048576.0);
  EXPECT_EQ(global.burst, 6u * 1048576); // burst is not divided
  EXPECT_EQ(rate_limit_for(lim, rate_strategy::global, 0).bytes_per_second, 4.0 * 1048576);
}

TEST(token_bucket, all_or_nothing_like_the_loki_local_test) {
  // local, rate = burst = 100 B: 50 ok, 60 refused, 50 ok, 40 refused.
  tenant_rate_limiter limiter;
  rate_limit lim{100, 100};
  EXPECT_TRUE(limiter.allow("user", t0, 50, lim));
  EXPECT_FALSE(limiter.allow("user", t0, 60, lim));
  EXPECT_EQ(rate_limited_message("user", limiter.limit("user", t0, lim).bytes_per_second, 1, 60),
            "ingestion rate limit exceeded for user user (limit: 100 bytes/sec) while attempting "
            "to ingest '1' "
            "lines totaling '60' bytes, reduce log volume or contact your Loki administrator to "
            "see if the limit "
            "can be increased");
  EXPECT_TRUE(limiter.allow("user", t0, 50, lim));
  EXPECT_FALSE(limiter.allow("user", t0, 40, lim));
}

TEST(token_bucket, global_limit_is_reported_per_distributor) {
  validation_limits lim;
  lim.ingestion_rate_mb = 200.0 / 1048576;
  lim.ingestion_burst_size_mb = 100.0 / 1048576;
  auto r = rate_limit_for(lim, rate_strategy::global, 2);
  EXPECT_EQ(static_cast<long long>(r.bytes_per_second), 100);
  // rate 100, burst 200, 2 distributors: limit 50, but a 150-byte push fits the burst.
  lim.ingestion_rate_mb = 100.0 / 1048576;
  lim.ingestion_burst_size_mb = 200.0 / 1048576;
  auto r2 = rate_limit_for(lim, rate_strategy::global, 2);
  EXPECT_EQ(static_cast<long long>(r2.bytes_per_second), 50);
  tenant_rate_limiter limiter;
  EXPECT_TRUE(limiter.allow("user", t0, 150, r2));
}

TEST(token_bucket, more_than_burst_is_always_refused_and_consumes_nothing) {
  token_bucket b{rate_limit{1000, 100}, t0};
  EXPECT_FALSE(b.allow_n(t0 + 1h, 101));
  EXPECT_DOUBLE_EQ(b.tokens_at(t0), 100);
  EXPECT_TRUE(b.allow_n(t0, 100));
}

TEST(token_bucket, refills_at_the_rate_up_to_the_burst) {
  token_bucket b{rate_limit{100, 200}, t0};
  EXPECT_TRUE(b.allow_n(t0, 200));
  EXPECT_FALSE(b.allow_n(t0 + 500ms, 60)); // 50 tokens available
  EXPECT_TRUE(b.allow_n(t0 + 500ms, 50));
  EXPECT_DOUBLE_EQ(b.tokens_at(t0 + 500ms), 0);
  EXPECT_DOUBLE_EQ(b.tokens_at(t0 + 10s), 200); // capped
  EXPECT_TRUE(b.allow_n(t0 + 10s, 200));
}

TEST(token_bucket, time_going_backwards_does_not_mint_tokens) {
  token_bucket b{rate_limit{100, 100}, t0};
  EXPECT_TRUE(b.allow_n(t0, 100));
  EXPECT_FALSE(b.allow_n(t0 - 10s, 1));
  EXPECT_TRUE(b.allow_n(t0 + 10ms, 1));
}

TEST(token_bucket, zero_rate_only_spends_the_burst) {
  token_bucket b{rate_limit{0, 10}, t0};
  EXPECT_TRUE(b.allow_n(t0, 6));
  EXPECT_FALSE(b.allow_n(t0 + 1h, 6));
  EXPECT_TRUE(b.allow_n(t0 + 1h, 4));
}

TEST(tenant_rate_limiter, limits_are_rechecked_every_ten_seconds) {
  tenant_rate_limiter limiter;
  rate_limit small{10, 10}, big{1000, 1000};
  EXPECT_TRUE(limiter.allow("t", t0, 10, small));
  // New limits are not applied before the recheck period has passed.
  EXPECT_FALSE(limiter.allow("t", t0 + 1s, 500, big));
  EXPECT_EQ(limiter.limit("t", t0 + 1s, big), small);
  // After 10s they are; tokens accrued under the old limits carry over (10,
  // capped by the old burst), then refill at the new rate (Go SetLimitAt).
  EXPECT_FALSE(limiter.allow("t", t0 + 10s, 500, big));
  EXPECT_EQ(limiter.limit("t", t0 + 10s, big), big);
  EXPECT_TRUE(limiter.allow("t", t0 + 11s, 500, big));
}

TEST(tenant_rate_limiter, tenants_have_separate_buckets) {
  tenant_rate_limiter limiter;
  rate_limit lim{100, 100};
  EXPECT_TRUE(limiter.allow("a", t0, 100, lim));
  EXPECT_FALSE(limiter.allow("a", t0, 1, lim));
  EXPECT_TRUE(limiter.allow("b", t0, 100, lim));
}

} // namespace
} // namespace skald::validation
