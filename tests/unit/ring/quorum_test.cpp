// Quorum bookkeeping (dskit DoBatch accounting, spec §3.5; TestDistributorPushErrors).
#include <gtest/gtest.h>

#include "runtime/ring/quorum.hpp"

using namespace skald::ring;

TEST(quorum_tracker, rf3_succeeds_after_two_acks) {
  quorum_tracker t{2, 1};
  EXPECT_EQ(t.record(true), quorum_verdict::pending);
  EXPECT_EQ(t.record(true), quorum_verdict::succeeded);
  EXPECT_EQ(t.record(false), quorum_verdict::succeeded); // decided: later answers ignored
}

TEST(quorum_tracker, rf3_one_failure_is_tolerated) {
  quorum_tracker t{2, 1};
  EXPECT_EQ(t.record(false), quorum_verdict::pending);
  EXPECT_EQ(t.record(true), quorum_verdict::pending);
  EXPECT_EQ(t.record(true), quorum_verdict::succeeded);
}

TEST(quorum_tracker, rf3_two_failures_fail_without_waiting_for_the_third) {
  quorum_tracker t{2, 1};
  EXPECT_EQ(t.record(false), quorum_verdict::pending);
  EXPECT_EQ(t.record(false), quorum_verdict::failed);
}

TEST(quorum_tracker, rf1_any_failure_fails) {
  quorum_tracker t{1, 0};
  EXPECT_EQ(t.record(false), quorum_verdict::failed);
}

TEST(batch_tracker, answer_covers_only_the_streams_it_carried) {
  batch_tracker t{{{1, 0}, {1, 0}}};
  EXPECT_EQ(t.record({0}, true), quorum_verdict::pending);
  EXPECT_EQ(t.pending_streams(), 1u);
  EXPECT_EQ(t.record({1}, true), quorum_verdict::succeeded);
}

TEST(batch_tracker, one_stream_over_its_max_failures_fails_the_push) {
  batch_tracker t{{{2, 1}, {2, 1}}};
  EXPECT_EQ(t.record({0, 1}, true), quorum_verdict::pending);
  EXPECT_EQ(t.record({0}, false), quorum_verdict::pending);
  EXPECT_EQ(t.record({0}, false), quorum_verdict::failed);
}

TEST(batch_tracker, empty_push_is_immediately_done) {
  batch_tracker t{{}};
  EXPECT_EQ(t.verdict(), quorum_verdict::succeeded);
}
