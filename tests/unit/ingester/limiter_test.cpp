// Limit math (Loki pkg/ingester/limiter_test.go) and the token bucket.
#include <gtest/gtest.h>

#include "runtime/ingester/limiter.hpp"
#include "runtime/ingester/time_text.hpp"

using namespace skald::ingester;

TEST(stream_limit, global_limit_is_shared_by_healthy_ingesters_times_rf) {
  EXPECT_EQ(max_streams_allowed({0, 5000, 1, 1}), 5000);
  EXPECT_EQ(max_streams_allowed({0, 1000, 3, 3}), 1000);
  EXPECT_EQ(max_streams_allowed({0, 1000, 10, 3}), 300);
}

TEST(stream_limit, min_non_zero_of_local_and_global) {
  EXPECT_EQ(max_streams_allowed({100, 5000, 1, 1}), 100);
  EXPECT_EQ(max_streams_allowed({100, 0, 1, 1}), 100);
  EXPECT_EQ(max_streams_allowed({0, 0, 1, 1}), INT32_MAX);
}

TEST(stream_limit, error_text_is_lokis) {
  EXPECT_EQ(stream_limit_error("{app=\"a\"}", "t1"),
            "maximum active stream limit exceeded when trying to create stream {app=\"a\"}, "
            "reduce the number of active streams (reduce labels or reduce label values), or "
            "contact your Loki administrator to see if the limit can be increased, user: 't1'");
}

TEST(time_text, go_time_string) {
  EXPECT_EQ(go_time_string(1'000'000'000), "1970-01-01 00:00:01 +0000 UTC");
  EXPECT_EQ(go_time_string(1'500'000'000), "1970-01-01 00:00:01.5 +0000 UTC");
}
