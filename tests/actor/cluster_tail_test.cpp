// Actor tests of live tail over the cluster, ingester side, on CAF's
// deterministic test coordinator: the wire forms of a remote subscription
// and of the entries sent back (through CAF's serialisation, as BASP sends
// them), and the ingester gateway's tail relay: a remote tailer subscribes
// like a local one (max_concurrent_tail_requests counts it), gets the stored
// entries coalesced, holds the subscription's inflight window until it acks
// (streams drop meanwhile, and the drops are reported), and its end — stop
// or its down_msg (the tail closed or the querier node died) — unsubscribes.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/cluster/cluster.hpp"
#include "actors/ingester/ingester.hpp"
#include "messages/wire.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/metrics/registry.hpp"
#include "testutil/caf_fixture.hpp"
#include "testutil/push_builder.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;

constexpr int64_t sec = 1'000'000'000;

template <class T>
T caf_round_trip(caf::actor_system& sys, T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto msg = caf::make_message(std::move(x));
  if (auto err = inspect(sink, msg))
    ADD_FAILURE() << "serialise: " << sys.render(err);
  caf::binary_deserializer source{sys, buf};
  caf::message out;
  if (auto err = inspect(source, out))
    ADD_FAILURE() << "deserialise: " << sys.render(err);
  EXPECT_TRUE(out.match_elements<T>());
  return out.get_as<T>(0);
}

std::vector<std::vector<logql::label_matcher>> groups(const std::string& selector) {
  return {*logql::parse_matchers(selector)};
}

using tail_wire_test = testutil::caf_fixture;

TEST_F(tail_wire_test, subscription_round_trip_recompiles_matchers) {
  auto w = encode_tail_sub(tail_sub{"t1", groups("{app=~\"a|c\", env!=\"dev\"}"), 77});
  auto back = caf_round_trip(sys(), w);
  ASSERT_TRUE(back.bytes);
  auto d = decode_tail_sub(*back.bytes);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->tenant, "t1");
  EXPECT_EQ(d->max_inflight, 77u);
  tail::subscription sub{d->tenant, d->groups, 10};
  EXPECT_TRUE(sub.matches({{"app", "c"}, {"env", "prod"}}));
  EXPECT_FALSE(sub.matches({{"app", "c"}, {"env", "dev"}}));
  EXPECT_FALSE(sub.matches({{"app", "b"}}));
  EXPECT_FALSE(decode_tail_sub(w.bytes->substr(0, w.bytes->size() - 1)).ok());
  EXPECT_FALSE(decode_tail_sub("garbage").ok());
}

TEST_F(tail_wire_test, batches_carry_only_the_stored_entries_and_the_drops) {
  auto b = std::make_shared<push_batch>();
  b->tenant = "t1";
  b->request = testutil::push_builder{}
                   .stream("{app=\"a\"}")
                   .entry(1 * sec, "one")
                   .entry(2 * sec, "two")
                   .entry(3 * sec, "three")
                   .stream("{app=\"b\"}")
                   .entry(4 * sec, "four")
                   .build();
  model::label_set md{{"trace_id", "x1"}};
  b->request.streams[0].entries[2].metadata = &md;
  ingest_ptr batch = b;
  std::vector<tail_batch_ptr> tbs{
      std::make_shared<const tail_batch>(tail_batch{batch, 0, {0, 2}, nullptr}),
      std::make_shared<const tail_batch>(tail_batch{batch, 1, {0}, nullptr})};
  std::vector<tail::dropped_entry> dropped{{5 * sec, {{"app", "c"}}}};
  auto w = caf_round_trip(sys(), encode_tail_batches(tbs, dropped));
  ASSERT_TRUE(w.bytes);
  auto d = decode_tail_batches(*w.bytes);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->entries, 3u);
  ASSERT_EQ(d->batch.request.streams.size(), 2u);
  const auto& s0 = d->batch.request.streams[0];
  EXPECT_EQ(s0.labels, "{app=\"a\"}");
  EXPECT_EQ(s0.fingerprint, b->request.streams[0].fingerprint);
  ASSERT_EQ(s0.entries.size(), 2u);
  EXPECT_EQ(s0.entries[0].line, "one");
  EXPECT_EQ(s0.entries[1].line, "three");
  EXPECT_EQ(s0.entries[1].ts, 3 * sec);
  ASSERT_NE(s0.entries[1].metadata, nullptr);
  EXPECT_EQ(*s0.entries[1].metadata, md);
  EXPECT_EQ(d->batch.request.streams[1].entries[0].line, "four");
  ASSERT_EQ(d->dropped.size(), 1u);
  EXPECT_EQ(d->dropped[0].ts, 5 * sec);
  EXPECT_EQ(d->dropped[0].labels, (model::label_set{{"app", "c"}}));
  EXPECT_FALSE(decode_tail_batches(w.bytes->substr(0, w.bytes->size() - 3)).ok());
}

// -- the gateway's tail relay ----------------------------------------------------

/// What the stand-in remote tailer received.
struct inbox {
  std::vector<tail_batches> got;
  caf::actor relay; // the sender of the last message
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& g : got)
      for (const auto& s : g.batch.request.streams)
        for (const auto& e : s.entries)
          out.emplace_back(e.line);
    return out;
  }
  size_t dropped() const {
    size_t n = 0;
    for (const auto& g : got)
      n += g.dropped.size();
    return n;
  }
};

caf::behavior remote_tailer(caf::event_based_actor* self, std::shared_ptr<inbox> box) {
  return {[self, box](tail_atom, const tail_batch_wire& w) {
    auto d = decode_tail_batches(*w.bytes);
    EXPECT_TRUE(d.ok());
    if (d.ok())
      box->got.push_back(std::move(*d));
    box->relay = caf::actor_cast<caf::actor>(self->current_sender());
  }};
}

class tail_relay : public testutil::caf_fixture {
protected:
  tail_relay() {
    config::limits_config cfg;
    cfg.max_concurrent_tail_requests = 1;
    limits_ = std::make_shared<limits::overrides>(cfg);
    actors::ingester_deps deps;
    deps.limits = limits_;
    deps.metrics = &reg_;
    ing_ = keep(actors::spawn_ingester(sys(), deps));
    gw_ = keep(actors::spawn_ingester_gateway(sys(), ing_, 10s));
  }

  void push(push::push_request req) {
    auto b = std::make_shared<push_batch>();
    b->tenant = "t1";
    b->request = std::move(req);
    auto rep = ask<ingest_reply>(ing_, push_atom_v, ingest_ptr{b});
    ASSERT_TRUE(rep);
    EXPECT_EQ(rep->status, 0);
  }

  /// Subscribes a stand-in remote tailer through the gateway (wire form):
  /// the error text ("" = subscribed) and the relay.
  std::pair<std::string, caf::actor> subscribe(caf::actor tailer, uint32_t max_inflight) {
    std::pair<std::string, caf::actor> out{"no answer", nullptr};
    auto w = encode_tail_sub(tail_sub{"t1", groups("{app=\"a\"}"), max_inflight});
    auto rh = self()->request(gw_, caf::infinite, tail_atom_v, w, tailer);
    sched().run();
    rh.receive(
        [&](std::string& err, caf::actor& relay) {
          out = {err, relay};
        },
        [&](caf::error& e) { ADD_FAILURE() << sys().render(e); });
    return out;
  }

  caf::actor spawn_tailer(std::shared_ptr<inbox>& box) {
    box = std::make_shared<inbox>();
    return keep(sys().spawn(remote_tailer, box));
  }

  metrics::registry reg_;
  std::shared_ptr<limits::overrides> limits_;
  ingester_actor ing_;
  remote_ingester_actor gw_;
};

TEST_F(tail_relay, a_remote_tailer_gets_the_matching_stored_entries_coalesced) {
  std::shared_ptr<inbox> box;
  auto tailer = spawn_tailer(box);
  auto [err, relay] = subscribe(tailer, 100);
  ASSERT_EQ(err, "");
  ASSERT_TRUE(relay);
  // Two pushes before the relay runs: one wire message for both.
  auto b1 = std::make_shared<push_batch>();
  b1->tenant = "t1";
  b1->request = testutil::push_builder{}
                    .stream("{app=\"a\"}")
                    .entry(1 * sec, "a1")
                    .stream("{app=\"b\"}")
                    .entry(1 * sec, "b1")
                    .build();
  auto b2 = std::make_shared<push_batch>();
  b2->tenant = "t1";
  b2->request = testutil::push_builder{}.stream("{app=\"a\"}").entry(2 * sec, "a2").build();
  self()->send(ing_, push_atom_v, ingest_ptr{b1});
  self()->send(ing_, push_atom_v, ingest_ptr{b2});
  sched().run();
  EXPECT_EQ(box->lines(), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_LE(box->got.size(), 2u);
  EXPECT_EQ(box->relay, relay);
}

TEST_F(tail_relay, unacknowledged_entries_make_streams_drop_and_the_drops_are_reported) {
  std::shared_ptr<inbox> box;
  auto tailer = spawn_tailer(box);
  auto [err, relay] = subscribe(tailer, 3);
  ASSERT_EQ(err, "");
  push(testutil::push_builder{}
           .stream("{app=\"a\"}")
           .entry(1 * sec, "x")
           .entry(2 * sec, "y")
           .build());
  // Not acknowledged: 2 of 3 in flight, so 2 more do not fit.
  push(testutil::push_builder{}
           .stream("{app=\"a\"}")
           .entry(3 * sec, "z")
           .entry(4 * sec, "w")
           .build());
  sched().run();
  EXPECT_EQ(box->lines(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(box->dropped(), 0u);
  // The tailer consumed them: the relay reports the drops at once.
  self()->send(relay, tail_ack_atom_v, uint32_t{2});
  sched().run();
  EXPECT_EQ(box->dropped(), 2u);
  push(testutil::push_builder{}.stream("{app=\"a\"}").entry(5 * sec, "v").build());
  sched().run();
  EXPECT_EQ(box->lines(), (std::vector<std::string>{"x", "y", "v"}));
}

TEST_F(tail_relay, counts_against_the_tail_limit_until_the_tailer_ends) {
  std::shared_ptr<inbox> box1, box2;
  auto t1 = spawn_tailer(box1);
  auto t2 = spawn_tailer(box2);
  ASSERT_EQ(subscribe(t1, 100).first, "");
  auto refused = subscribe(t2, 100);
  EXPECT_EQ(refused.first, "max concurrent tail requests limit exceeded, count > limit (2 > 1)");
  EXPECT_FALSE(refused.second);
  // The remote tailer's node dies / its tail closes: the relay sees its
  // down_msg and unsubscribes.
  caf::anon_send_exit(t1, caf::exit_reason::user_shutdown);
  sched().run();
  auto [err, relay] = subscribe(t2, 100);
  EXPECT_EQ(err, "");
  push(testutil::push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "after").build());
  sched().run();
  EXPECT_TRUE(box1->got.empty());
  EXPECT_EQ(box2->lines(), (std::vector<std::string>{"after"}));
  // stop_atom (the tail ended normally) unsubscribes too.
  self()->send(relay, stop_atom_v);
  sched().run();
  std::shared_ptr<inbox> box3;
  EXPECT_EQ(subscribe(spawn_tailer(box3), 100).first, "");
}

TEST_F(tail_relay, malformed_subscription_is_refused_with_a_text) {
  std::shared_ptr<inbox> box;
  auto tailer = spawn_tailer(box);
  std::string err;
  auto rh = self()->request(gw_, caf::infinite, tail_atom_v,
                            tail_sub_wire{std::make_shared<const std::string>("junk")}, tailer);
  sched().run();
  rh.receive(
      [&](std::string& e, caf::actor& relay) {
        err = e;
        EXPECT_FALSE(relay);
      },
      [&](caf::error& e) { ADD_FAILURE() << sys().render(e); });
  EXPECT_EQ(err, "malformed tail message");
}

} // namespace
} // namespace skald
