// Actor tests of live tail's ingester side on CAF's deterministic test
// coordinator: a tail request reaches the matching streams through ingester
// -> tenant (max_concurrent_tail_requests with Loki's text), streams created
// later are attached at spawn, each append hands its stored entries to the
// tailer, and a tailer that does not keep up makes streams drop (and
// record) entries instead of queueing them — the push is answered as usual.
// With an inbox (runtime/tail/inbox.hpp), streams leave batches there and
// wake a sleeping tailer once.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>

#include "actors/ingester/ingester.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/metrics/registry.hpp"
#include "testutil/caf_fixture.hpp"
#include "testutil/push_builder.hpp"

namespace skald {
namespace {

constexpr int64_t sec = 1'000'000'000;

/// What the stand-in tailer received.
struct inbox {
  std::vector<tail_batch_ptr> batches;
  size_t entries() const {
    size_t n = 0;
    for (const auto& b : batches)
      n += b->stored.size();
    return n;
  }
};

caf::behavior recorder(caf::event_based_actor*, std::shared_ptr<inbox> box) {
  return {[box](tail_atom, const tail_batch_ptr& b) { box->batches.push_back(b); }};
}

class tail_path : public testutil::caf_fixture {
protected:
  tail_path() {
    config::limits_config cfg;
    cfg.max_concurrent_tail_requests = 2;
    limits_ = std::make_shared<limits::overrides>(cfg);
    actors::ingester_deps deps;
    deps.limits = limits_;
    deps.metrics = &reg_;
    ing_ = keep(actors::spawn_ingester(sys(), deps));
  }

  ingest_reply push(push::push_request req) {
    auto b = std::make_shared<push_batch>();
    b->tenant = "t1";
    b->request = std::move(req);
    auto rep = ask<ingest_reply>(ing_, push_atom_v, ingest_ptr{b});
    EXPECT_TRUE(rep);
    return rep ? *rep : ingest_reply{};
  }

  /// Subscribes a recorder to `selector` for tenant t1; "" on success.
  std::string subscribe(const std::string& selector, size_t max_inflight,
                        std::shared_ptr<tail::subscription>& sub, std::shared_ptr<inbox>& box,
                        tail::subscription::role role = tail::subscription::role::session) {
    box = std::make_shared<inbox>();
    auto tailer = keep(sys().spawn(recorder, box));
    sub = std::make_shared<tail::subscription>(
        "t1", std::vector<std::vector<logql::label_matcher>>{*logql::parse_matchers(selector)},
        max_inflight, role);
    auto req = std::make_shared<const tail_request>(tail_request{sub, tailer});
    auto rep = ask<std::string>(ing_, tail_atom_v, tail_request_ptr{req});
    EXPECT_TRUE(rep);
    return rep ? *rep : "no answer";
  }

  metrics::registry reg_;
  std::shared_ptr<limits::overrides> limits_;
  ingester_actor ing_;
};

TEST_F(tail_path, matching_streams_now_and_later_feed_the_tailer) {
  push(testutil::push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "old").build());
  std::shared_ptr<tail::subscription> sub;
  std::shared_ptr<inbox> box;
  ASSERT_EQ(subscribe("{app=~\"a|c\"}", 100, sub, box), "");
  push(testutil::push_builder{}
           .stream("{app=\"a\"}")
           .entry(2 * sec, "a2")
           .entry(3 * sec, "a3")
           .stream("{app=\"b\"}")
           .entry(2 * sec, "b2")
           .build());
  push(testutil::push_builder{}.stream("{app=\"c\"}").entry(4 * sec, "c4").build());
  sched().run();
  ASSERT_EQ(box->batches.size(), 2u);
  const auto& first = *box->batches[0];
  const auto& ps = first.batch->request.streams[first.index];
  EXPECT_EQ(ps.labels, "{app=\"a\"}");
  ASSERT_EQ(first.stored.size(), 2u);
  EXPECT_EQ(ps.entries[first.stored[0]].line, "a2");
  EXPECT_EQ(ps.entries[first.stored[1]].line, "a3");
  const auto& second = *box->batches[1];
  EXPECT_EQ(second.batch->request.streams[second.index].labels, "{app=\"c\"}");
  EXPECT_EQ(sub->inflight(), 3u); // handed over, not consumed by the recorder
}

TEST_F(tail_path, several_tailers_of_a_stream_share_one_batch_with_a_memo) {
  std::shared_ptr<tail::subscription> sub1, sub2;
  std::shared_ptr<inbox> box1, box2;
  ASSERT_EQ(subscribe("{app=\"a\"}", 100, sub1, box1), "");
  push(testutil::push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "one tailer").build());
  sched().run();
  ASSERT_EQ(box1->batches.size(), 1u);
  EXPECT_FALSE(box1->batches[0]->memo) << "one tailer: nothing to share";
  ASSERT_EQ(subscribe("{app=\"a\"}", 100, sub2, box2), "");
  push(testutil::push_builder{}.stream("{app=\"a\"}").entry(2 * sec, "two tailers").build());
  sched().run();
  ASSERT_EQ(box1->batches.size(), 2u);
  ASSERT_EQ(box2->batches.size(), 1u);
  // One batch object for both, with a memo where the tailers of one query
  // leave their pipeline's result for the others (actors/querier/tail.cpp).
  EXPECT_EQ(box1->batches[1].get(), box2->batches[0].get());
  EXPECT_TRUE(box2->batches[0]->memo);
}

TEST_F(tail_path, a_tailer_that_does_not_keep_up_loses_entries_not_pushes) {
  std::shared_ptr<tail::subscription> sub;
  std::shared_ptr<inbox> box;
  ASSERT_EQ(subscribe("{app=\"a\"}", 3, sub, box), "");
  auto r = push(testutil::push_builder{}
                    .stream("{app=\"a\"}")
                    .entry(1 * sec, "x")
                    .entry(2 * sec, "y")
                    .build());
  EXPECT_EQ(r.status, 0);
  r = push(testutil::push_builder{}
               .stream("{app=\"a\"}")
               .entry(3 * sec, "z")
               .entry(4 * sec, "w")
               .build());
  EXPECT_EQ(r.status, 0); // the push is answered as usual
  EXPECT_EQ(r.stored, 2u);
  sched().run();
  EXPECT_EQ(box->entries(), 2u);
  EXPECT_EQ(sub->dropped_total(), 2u);
  auto d = sub->take_dropped();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].ts, 3 * sec);
  EXPECT_EQ(d[1].ts, 4 * sec);
  EXPECT_EQ(d[0].labels, (model::label_set{{"app", "a"}}));
  // Once the tailer consumed, entries flow again.
  sub->release(2);
  push(testutil::push_builder{}.stream("{app=\"a\"}").entry(5 * sec, "v").build());
  sched().run();
  EXPECT_EQ(box->entries(), 3u);
}

/// A stand-in tailer with an inbox: counts its wake-ups.
caf::behavior waker(caf::event_based_actor*, std::shared_ptr<int> wakes) {
  return {[wakes](tail_atom) { ++*wakes; }};
}

TEST_F(tail_path, with_an_inbox_streams_wake_a_sleeping_tailer_once_and_share_labels) {
  auto wakes = std::make_shared<int>(0);
  auto tailer = keep(sys().spawn(waker, wakes));
  auto sub = std::make_shared<tail::subscription>(
      "t1",
      std::vector<std::vector<logql::label_matcher>>{*logql::parse_matchers("{app=~\"a|b\"}")},
      100);
  auto box = std::make_shared<tail_inbox>(50);
  auto req = std::make_shared<const tail_request>(tail_request{sub, tailer, box});
  ASSERT_EQ(ask<std::string>(ing_, tail_atom_v, tail_request_ptr{req}).value_or("no answer"), "");
  // Three stream batches from two streams: one wake-up (the inbox slept).
  push(testutil::push_builder{}
           .stream("{app=\"a\"}")
           .entry(1 * sec, "a1")
           .stream("{app=\"b\"}")
           .entry(1 * sec, "b1")
           .build());
  push(testutil::push_builder{}.stream("{app=\"a\"}").entry(2 * sec, "a2").build());
  sched().run();
  EXPECT_EQ(*wakes, 1);
  auto got = box->take(true);
  ASSERT_EQ(got.size(), 3u);
  // Each stream's labels (and their JSON) are made once and shared by its
  // batches: no copy per batch or entry.
  ASSERT_TRUE(got[0]->labels);
  EXPECT_EQ(got[0]->labels->json, R"({"app":"a"})");
  EXPECT_EQ(got[0]->labels.get(), got[2]->labels.get());
  EXPECT_EQ(got[1]->labels->json, R"({"app":"b"})");
  // take(true) found batches: still awake, the tailer polls; no wake-up.
  push(testutil::push_builder{}.stream("{app=\"a\"}").entry(3 * sec, "a3").build());
  sched().run();
  EXPECT_EQ(*wakes, 1);
  EXPECT_EQ(box->take(true).size(), 1u);
  EXPECT_TRUE(box->take(true).empty()); // asleep now
  push(testutil::push_builder{}.stream("{app=\"b\"}").entry(4 * sec, "b4").build());
  sched().run();
  EXPECT_EQ(*wakes, 2);
  // A closed inbox takes nothing (the session ended).
  box->close();
  push(testutil::push_builder{}.stream("{app=\"b\"}").entry(5 * sec, "b5").build());
  sched().run();
  EXPECT_TRUE(box->take(true).empty());
  EXPECT_EQ(*wakes, 2);
}

TEST_F(tail_path, concurrent_tail_limit_uses_lokis_text_and_closed_tails_free_a_slot) {
  std::shared_ptr<tail::subscription> s1, s2, s3;
  std::shared_ptr<inbox> b1, b2, b3;
  ASSERT_EQ(subscribe("{app=\"a\"}", 10, s1, b1), "");
  ASSERT_EQ(subscribe("{app=\"a\"}", 10, s2, b2), "");
  EXPECT_EQ(subscribe("{app=\"a\"}", 10, s3, b3),
            "max concurrent tail requests limit exceeded, count > limit (3 > 2)");
  s1->close();
  EXPECT_EQ(subscribe("{app=\"a\"}", 10, s3, b3), "");
  // A closed subscription gets nothing more.
  push(testutil::push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "x").build());
  sched().run();
  EXPECT_TRUE(b1->batches.empty());
  EXPECT_EQ(b2->entries(), 1u);
  EXPECT_EQ(b3->entries(), 1u);
}

TEST_F(tail_path, a_tail_groups_feed_is_fed_not_counted_and_its_sessions_counted_not_fed) {
  // Single node: the sessions of one query share a group (actors/querier/
  // tail.cpp); the group's feed is the only subscription streams feed, each
  // session's own one only holds its place under max_concurrent_tail_requests.
  using role = tail::subscription::role;
  std::shared_ptr<tail::subscription> feed, m1, m2, m3;
  std::shared_ptr<inbox> fb, b1, b2, b3;
  ASSERT_EQ(subscribe("{app=\"a\"}", 10, feed, fb, role::feed), "");
  ASSERT_EQ(subscribe("{app=\"a\"}", 10, m1, b1, role::member), "");
  ASSERT_EQ(subscribe("{app=\"a\"}", 10, m2, b2, role::member), "");
  EXPECT_EQ(subscribe("{app=\"a\"}", 10, m3, b3, role::member),
            "max concurrent tail requests limit exceeded, count > limit (3 > 2)");
  push(testutil::push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "x").build());
  push(testutil::push_builder{}.stream("{app=\"a\", new=\"1\"}").entry(2 * sec, "y").build());
  sched().run();
  EXPECT_EQ(fb->entries(), 2u); // a stream created later is attached too
  EXPECT_TRUE(b1->batches.empty());
  EXPECT_TRUE(b2->batches.empty());
  // A session that ends frees its place.
  m1->close();
  EXPECT_EQ(subscribe("{app=\"a\"}", 10, m3, b3, role::member), "");
}

} // namespace
} // namespace skald
