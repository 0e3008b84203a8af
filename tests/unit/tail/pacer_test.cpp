// Unit: when a busy live tail hands its due entries over
// (runtime/tail/pacer.hpp) and how many of a tail buffer's entries are due
// (tail_buffer::due, which the pacer is asked with): a quiet tail sends at
// once, a busy one at most once per send_interval unless four full
// responses are due, and nothing due is never held.
#include <gtest/gtest.h>

#include <random>

#include "runtime/tail/pacer.hpp"
#include "runtime/tail/tail.hpp"

namespace skald::tail {
namespace {

constexpr int64_t ms = 1'000'000;

TEST(send_pacer, a_quiet_tail_sends_at_once_then_holds_until_the_interval_ends) {
  send_pacer p;
  EXPECT_EQ(p.hold_ns(1000 * ms, 1), 0); // nothing sent yet
  p.sent(1000 * ms);
  EXPECT_EQ(p.hold_ns(1000 * ms, 1), send_interval_ns);
  EXPECT_EQ(p.hold_ns(1030 * ms, 99), send_interval_ns - 30 * ms);
  EXPECT_EQ(p.hold_ns(1000 * ms + send_interval_ns, 1), 0);
  EXPECT_EQ(p.hold_ns(5000 * ms, 1), 0); // after a quiet spell
}

TEST(send_pacer, four_full_responses_go_at_once_and_nothing_due_is_not_held) {
  send_pacer p;
  p.sent(1000 * ms);
  EXPECT_EQ(p.hold_ns(1001 * ms, send_batch_entries - 1), send_interval_ns - 1 * ms);
  EXPECT_EQ(p.hold_ns(1001 * ms, send_batch_entries), 0);
  EXPECT_EQ(p.hold_ns(1001 * ms, 0), 0);
  // A burst stays within half of what a client may have queued.
  EXPECT_LE(send_batch_entries / max_entries_per_response, max_buffered_responses / 2);
}

tail_entry at(int64_t ts) {
  tail_entry e;
  e.ts = ts;
  e.line = "x";
  return e;
}

TEST(tail_buffer_due, counts_what_next_would_hand_out_up_to_the_cap) {
  const int64_t delay = 2 * ms;
  tail_buffer b{delay, 10000};
  std::mt19937 rng{7};
  std::vector<int64_t> ts;
  for (int i = 0; i < 700; ++i) {
    ts.push_back(static_cast<int64_t>(rng() % 1000) * ms);
    b.add(at(ts.back()));
  }
  for (int64_t now : {int64_t{0}, 3 * ms, 100 * ms, 500 * ms, 999 * ms, 2000 * ms}) {
    size_t want = 0;
    for (auto t : ts)
      want += now > t + delay ? 1 : 0;
    EXPECT_EQ(b.due(now, 100000), want) << now;
    EXPECT_EQ(b.due(now, 50), std::min<size_t>(want, 50)) << now;
  }
  // next() hands out exactly as many.
  size_t got = 0;
  while (auto r = b.next(500 * ms, false))
    got += r->entries.size();
  size_t want = 0;
  for (auto t : ts)
    want += 500 * ms > t + delay ? 1 : 0;
  EXPECT_EQ(got, want);
  EXPECT_EQ(b.due(500 * ms, 100000), 0u);
  EXPECT_EQ(tail_buffer(0, 10).due(5, 10), 0u);
}

} // namespace
} // namespace skald::tail
