// Unit: one query's tail responses handed to several sessions
// (runtime/tail/fanout.hpp): the shared frame goes out unchanged to a client
// that keeps up, a client that is behind loses the entries of what does not
// fit in its queue (Loki's 10 buffered responses) and hears of them, capped
// at 1000, in its next frame rendered for it alone; and the subscription
// roles a tail group uses (the feed is not counted, a member is never fed).
#include <gtest/gtest.h>

#include "runtime/logql/parser.hpp"
#include "runtime/tail/fanout.hpp"

namespace skald::tail {
namespace {

tail_response response(int64_t first_ts, size_t n) {
  tail_response r;
  for (size_t i = 0; i < n; ++i) {
    tail_entry e;
    e.ts = first_ts + static_cast<int64_t>(i);
    e.line = "line " + std::to_string(e.ts);
    e.labels = {{"app", "a"}};
    r.entries.push_back(std::make_shared<const tail_entry>(std::move(e)));
  }
  return r;
}

std::string render(const tail_response& r) {
  return render_v1(r, false);
}

std::vector<std::shared_ptr<const std::string>>
shared_frames(const std::vector<tail_response>& rs) {
  std::vector<std::shared_ptr<const std::string>> out;
  for (const auto& r : rs)
    out.push_back(std::make_shared<const std::string>(render(r)));
  return out;
}

TEST(tail_fanout, a_client_that_keeps_up_gets_the_shared_frames_themselves) {
  std::vector<tail_response> rs{response(10, 3), response(20, 2)};
  auto shared = shared_frames(rs);
  fanout_member m;
  size_t renders = 0;
  auto plan = plan_fanout(m, rs, shared, 0, [&renders](const tail_response& r) {
    ++renders;
    return render(r);
  });
  ASSERT_EQ(plan.frames.size(), 2u);
  EXPECT_EQ(plan.frames[0], shared[0]); // the same bytes, not a copy
  EXPECT_EQ(plan.frames[1], shared[1]);
  EXPECT_EQ(renders, 0u);
  EXPECT_EQ(plan.dropped, 0u);
  EXPECT_EQ(plan.line_bytes, 5 * std::string{"line 10"}.size());
  EXPECT_TRUE(m.dropped.empty());
}

TEST(tail_fanout, a_client_behind_loses_what_does_not_fit_and_hears_of_it_next_time) {
  std::vector<tail_response> rs{response(10, 3), response(20, 2)};
  rs[1].dropped.push_back(dropped_entry{5, {{"app", "b"}}}); // dropped by a stream
  auto shared = shared_frames(rs);
  fanout_member slow;
  // Nine frames still queued: one more fits, the second response does not.
  auto plan = plan_fanout(slow, rs, shared, max_buffered_responses - 1, render);
  ASSERT_EQ(plan.frames.size(), 1u);
  EXPECT_EQ(plan.frames[0], shared[0]);
  EXPECT_EQ(plan.dropped, 2u);
  ASSERT_EQ(slow.dropped.size(), 3u); // its two entries and the stream's drop
  EXPECT_EQ(slow.dropped[0].ts, 20);
  EXPECT_EQ(slow.dropped[1].ts, 21);
  EXPECT_EQ(slow.dropped[2].ts, 5);

  // Caught up: its next frame is its own, the drops first, then the
  // response's own dropped entries; the frame after it is shared again.
  std::vector<tail_response> next{response(30, 1), response(40, 1)};
  next[0].dropped.push_back(dropped_entry{6, {{"app", "c"}}});
  auto next_shared = shared_frames(next);
  plan = plan_fanout(slow, next, next_shared, 0, render);
  ASSERT_EQ(plan.frames.size(), 2u);
  EXPECT_NE(plan.frames[0], next_shared[0]);
  EXPECT_EQ(*plan.frames[0],
            R"({"streams":[{"stream":{"app":"a"},"values":[["30","line 30"]]}],"dropped_entries":[)"
            R"({"labels":{"app":"a"},"timestamp":"20"},{"labels":{"app":"a"},"timestamp":"21"},)"
            R"({"labels":{"app":"b"},"timestamp":"5"},{"labels":{"app":"c"},"timestamp":"6"}]})");
  EXPECT_EQ(plan.frames[1], next_shared[1]);
  EXPECT_TRUE(slow.dropped.empty());
}

TEST(tail_fanout, a_full_queue_gets_nothing_and_drops_stay_capped_at_1000) {
  std::vector<tail_response> rs;
  for (int i = 0; i < 12; ++i)
    rs.push_back(response(1000 * i, 100));
  auto shared = shared_frames(rs);
  fanout_member m;
  auto plan = plan_fanout(m, rs, shared, max_buffered_responses, render);
  EXPECT_TRUE(plan.frames.empty());
  EXPECT_EQ(plan.dropped, 1200u);
  ASSERT_EQ(m.dropped.size(), max_dropped_per_response);
  EXPECT_EQ(m.dropped.front().ts, 0); // the first ones are kept
}

TEST(tail_subscription, a_groups_feed_is_not_counted_and_a_member_is_never_fed) {
  auto e = logql::parse("{app=\"a\"}");
  ASSERT_TRUE(e.ok());
  subscription alone{"t", {e->log.matchers}, 10};
  subscription feed{"t", {e->log.matchers}, 10, subscription::role::feed};
  subscription member{"t", {e->log.matchers}, 10, subscription::role::member};
  const model::label_set ls{{"app", "a"}};
  EXPECT_TRUE(alone.matches(ls));
  EXPECT_TRUE(alone.counted());
  EXPECT_TRUE(feed.matches(ls));
  EXPECT_FALSE(feed.counted());
  EXPECT_FALSE(member.matches(ls));
  EXPECT_TRUE(member.counted());
}

} // namespace
} // namespace skald::tail
