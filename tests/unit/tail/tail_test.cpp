// Unit: live tail's pure parts (runtime/tail): the subscription's admission
// and dropped-entry cap, the tailer buffer (delay_for, 100 per response,
// timestamp order, drops while blocked), delay_for parsing, the v1 and
// legacy message JSON (entries rendered once with a stream's shared labels
// give the same bytes), and the tailer's inbox (wake-ups).
#include <gtest/gtest.h>

#include "runtime/logql/parser.hpp"
#include "runtime/tail/inbox.hpp"
#include "runtime/tail/tail.hpp"

namespace skald::tail {
namespace {

constexpr int64_t s = 1'000'000'000;

tail_entry entry(int64_t ts, std::string line, model::label_set ls = {{"app", "a"}}) {
  tail_entry e;
  e.ts = ts;
  e.line = std::move(line);
  e.labels = ls;
  e.stream = std::move(ls);
  return e;
}

TEST(tail_subscription, matches_its_selector) {
  auto e = logql::parse("{app=\"a\", env=~\"p.*\"}");
  ASSERT_TRUE(e.ok());
  subscription sub{"t", {e->log.matchers}, 10};
  EXPECT_TRUE(sub.matches({{"app", "a"}, {"env", "prod"}}));
  EXPECT_FALSE(sub.matches({{"app", "a"}, {"env", "dev"}}));
  EXPECT_FALSE(sub.matches({{"app", "b"}, {"env", "prod"}}));
}

TEST(tail_subscription, admits_until_max_inflight_then_records_drops_capped) {
  subscription sub{"t", {}, 10};
  EXPECT_TRUE(sub.admit(6));
  EXPECT_TRUE(sub.admit(4));
  EXPECT_FALSE(sub.admit(1)); // full
  std::vector<int64_t> ts(1500);
  for (size_t i = 0; i < ts.size(); ++i)
    ts[i] = static_cast<int64_t>(i);
  sub.record_dropped({{"app", "a"}}, ts.data(), ts.size());
  EXPECT_EQ(sub.dropped_total(), 1500u);
  auto d = sub.take_dropped();
  ASSERT_EQ(d.size(), max_dropped_per_response); // the first 1000 kept
  EXPECT_EQ(d.front().ts, 0);
  EXPECT_EQ(d.back().ts, 999);
  EXPECT_TRUE(sub.take_dropped().empty());
  sub.release(10);
  EXPECT_TRUE(sub.admit(10));
  // An idle tailer takes a batch larger than the cap (never starves).
  sub.release(10);
  EXPECT_TRUE(sub.admit(50));
}

TEST(tail_buffer, releases_in_timestamp_order_after_delay_for) {
  tail_buffer b{2 * s, 100};
  b.add(entry(10 * s, "c"));
  b.add(entry(8 * s, "a"));
  b.add(entry(9 * s, "b"));
  EXPECT_FALSE(b.next(10 * s, false)); // now must be after ts + delay
  EXPECT_EQ(b.wait_ns(10 * s), 1);     // 8s + 2s, strictly after
  auto r = b.next(11 * s + 1, false);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->entries.size(), 2u);
  EXPECT_EQ(r->entries[0]->line, "a");
  EXPECT_EQ(r->entries[1]->line, "b");
  EXPECT_EQ(b.pending(), 1u);
  r = b.next(12 * s + 1, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->entries[0]->line, "c");
  EXPECT_EQ(b.wait_ns(0), -1);
}

TEST(tail_buffer, at_most_100_entries_per_response) {
  tail_buffer b{0, 1000};
  for (int i = 0; i < 250; ++i)
    b.add(entry(i, "l" + std::to_string(i)));
  EXPECT_EQ(b.next(s, false)->entries.size(), 100u);
  EXPECT_EQ(b.next(s, false)->entries.size(), 100u);
  EXPECT_EQ(b.next(s, false)->entries.size(), 50u);
  EXPECT_FALSE(b.next(s, false));
}

TEST(tail_buffer, blocked_client_drops_entries_and_the_next_response_reports_them) {
  tail_buffer b{0, 1000};
  b.add(entry(1, "x"));
  b.add(entry(2, "y"));
  EXPECT_FALSE(b.next(s, true));
  EXPECT_EQ(b.pending(), 0u);
  EXPECT_EQ(b.dropped(), 2u);
  b.add(entry(3, "z"));
  auto r = b.next(s, false);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->entries.size(), 1u);
  ASSERT_EQ(r->dropped.size(), 2u);
  EXPECT_EQ(r->dropped[0].ts, 1);
  EXPECT_EQ(b.dropped(), 0u);
}

TEST(tail_buffer, full_buffer_drops_the_oldest) {
  tail_buffer b{5 * s, 2};
  b.add(entry(1, "a"));
  b.add(entry(2, "b"));
  b.add(entry(3, "c"));
  EXPECT_EQ(b.pending(), 2u);
  EXPECT_EQ(b.dropped(), 1u);
  auto r = b.next(100 * s, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->entries[0]->line, "b");
  EXPECT_EQ(r->dropped[0].ts, 1);
}

TEST(tail_params, delay_for_follows_loki) {
  EXPECT_EQ(*parse_delay_for(nullptr), 0);
  std::string v = "5";
  EXPECT_EQ(*parse_delay_for(&v), 5);
  v = "6";
  EXPECT_EQ(parse_delay_for(&v).error().message(), "delay_for can't be greater than 5");
  v = "x";
  EXPECT_EQ(parse_delay_for(&v).error().message(), "strconv.Atoi: parsing \"x\": invalid syntax");
}

TEST(tail_json, v1_one_stream_per_entry_and_dropped_entries) {
  tail_response r;
  r.entries.push_back(std::make_shared<const tail_entry>(
      entry(1700000000123456789, "he said \"hi\"", {{"app", "a"}, {"x", "1"}})));
  r.entries.push_back(std::make_shared<const tail_entry>(
      entry(1700000000123456790, "two", {{"app", "a"}, {"x", "1"}})));
  EXPECT_EQ(
      render_v1(r, false),
      R"({"streams":[{"stream":{"app":"a","x":"1"},"values":[["1700000000123456789","he said \"hi\""]]},)"
      R"({"stream":{"app":"a","x":"1"},"values":[["1700000000123456790","two"]]}]})");
  r.entries.resize(1);
  r.dropped.push_back(dropped_entry{5, {{"app", "b"}}});
  EXPECT_EQ(
      render_v1(r, false),
      R"({"streams":[{"stream":{"app":"a","x":"1"},"values":[["1700000000123456789","he said \"hi\""]]}],)"
      R"("dropped_entries":[{"labels":{"app":"b"},"timestamp":"5"}]})");
}

TEST(tail_json, v1_categorize_labels) {
  tail_response r;
  auto e = entry(7, "l", {{"app", "a"}, {"level", "info"}, {"trace", "t1"}});
  e.stream = {{"app", "a"}};
  e.metadata = {{"trace", "t1"}};
  e.parsed = {{"level", "info"}};
  r.entries.push_back(std::make_shared<const tail_entry>(e));
  EXPECT_EQ(
      render_v1(r, true),
      R"({"streams":[{"stream":{"app":"a"},"values":[["7","l",{"structuredMetadata":{"trace":"t1"},)"
      R"("parsed":{"level":"info"}}]]}],"encodingFlags":["categorize-labels"]})");
}

TEST(tail_json, shared_stream_labels_and_entries_rendered_once_give_the_same_bytes) {
  const model::label_set ls{{"app", "a"}, {"pod", "p\"1\\"}};
  auto shared = make_stream_labels(ls);
  EXPECT_EQ(shared->json, R"({"app":"a","pod":"p\"1\\"})");
  // Lines with quotes, control bytes and UTF-8 escape alike either way.
  for (std::string line :
       {std::string{"plain"}, std::string{"q\"\\ \t\n\x01 \xc3\xa9"}, std::string{}}) {
    tail_response plain, fast;
    plain.entries.push_back(std::make_shared<const tail_entry>(entry(42, line, ls)));
    tail_entry e;
    e.ts = 42;
    e.line = line;
    e.shared = shared; // no per-entry label copy
    EXPECT_TRUE(e.labels.empty());
    EXPECT_EQ(e.final_labels(), ls);
    EXPECT_EQ(render_v1_stream(e, false), render_v1_stream(*plain.entries[0], false));
    fast.entries.push_back(std::make_shared<const tail_entry>(e)); // written in place
    e.json = render_v1_stream(e, false); // what tailers of one query share
    fast.entries.push_back(std::make_shared<const tail_entry>(e));
    plain.entries.push_back(plain.entries[0]);
    EXPECT_EQ(render_v1(fast, false), render_v1(plain, false)) << line;
    EXPECT_EQ(render_legacy(fast), render_legacy(plain)) << line;
  }
}

TEST(tail_json, legacy_shape) {
  tail_response r;
  r.entries.push_back(
      std::make_shared<const tail_entry>(entry(1571332130934000000, "x", {{"app", "a"}})));
  EXPECT_EQ(
      render_legacy(r),
      R"({"streams":[{"labels":"{app=\"a\"}","entries":[{"ts":"2019-10-17T17:08:50.934Z","line":"x"}]}],)"
      R"("dropped_entries":null})");
  r.dropped.push_back(dropped_entry{1571332130000000000, {{"app", "a"}}});
  EXPECT_NE(
      render_legacy(r).find(
          R"("dropped_entries":[{"Timestamp":"2019-10-17T17:08:50Z","Labels":"{app=\"a\"}"}])"),
      std::string::npos);
}

TEST(tail_inbox, wakes_a_sleeping_tailer_once_then_it_polls) {
  inbox<int> box{10};
  EXPECT_TRUE(box.put(1, 2)) << "asleep: wake it";
  EXPECT_FALSE(box.put(2, 2)) << "already woken";
  EXPECT_EQ(box.take(true), (std::vector<int>{1, 2}));
  EXPECT_FALSE(box.put(3, 1)) << "a take that found batches keeps it polling";
  EXPECT_EQ(box.take(true), (std::vector<int>{3}));
  EXPECT_TRUE(box.take(true).empty()); // found nothing: asleep
  EXPECT_TRUE(box.put(4, 1));
  EXPECT_EQ(box.take(false), (std::vector<int>{4}));
  EXPECT_TRUE(box.take(false).empty()); // without sleep_if_empty: still awake
  EXPECT_FALSE(box.put(5, 1));
}

TEST(tail_inbox, a_backlog_past_the_urge_mark_asks_for_one_more_wake_up) {
  inbox<int> box{10};
  EXPECT_TRUE(box.put(1, 4));
  EXPECT_FALSE(box.put(2, 5));
  EXPECT_TRUE(box.put(3, 1)) << "10 entries wait: urge";
  EXPECT_FALSE(box.put(4, 50)) << "once per take";
  EXPECT_EQ(box.take(true).size(), 4u);
  EXPECT_FALSE(box.put(5, 9));
  EXPECT_TRUE(box.put(6, 1));
}

TEST(tail_inbox, closed_holds_and_takes_nothing) {
  inbox<std::shared_ptr<int>> box;
  auto p = std::make_shared<int>(1);
  EXPECT_TRUE(box.put(p, 1));
  box.close();
  EXPECT_EQ(p.use_count(), 1) << "what waited is released";
  EXPECT_FALSE(box.put(p, 1));
  EXPECT_TRUE(box.take(true).empty());
}

} // namespace
} // namespace skald::tail
