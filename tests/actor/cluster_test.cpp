// Actor tests of the cluster wiring on CAF's deterministic test coordinator:
// the wire forms (messages/wire.hpp) and their CAF serialisation, and a
// simulation of three ingester nodes (ingester + gateway each, reached only
// through wire messages) behind a ring-mode distributor with RF 3: quorum,
// crashed and hung nodes, injected message loss — no acknowledged write may
// be lost while a quorum of replicas survives (docs/cluster.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/cluster/cluster.hpp"
#include "actors/distributor/distributor.hpp"
#include "actors/ingester/ingester.hpp"
#include "actors/querier/querier.hpp"
#include "messages/wire.hpp"
#include "runtime/distributor/prepare.hpp"
#include "runtime/distributor/rate_limiters.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/logql/engine.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/query/chunk_source.hpp"
#include "runtime/query/collected_source.hpp"
#include "runtime/query/worker_pool.hpp"
#include "runtime/ring/tokens.hpp"
#include "testutil/caf_fixture.hpp"
#include "testutil/push_builder.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testutil::push_builder;

constexpr int64_t sec = 1'000'000'000;
constexpr int64_t now = 1'700'000'000 * sec;

// -- wire forms ----------------------------------------------------------------

push_batch sample_batch() {
  push_batch b;
  b.tenant = "t1";
  b.request = push_builder{}
                  .stream("{app=\"a\", env=\"prod\"}")
                  .entry(now, "first")
                  .entry(now + 1, "second")
                  .stream("{app=\"b\"}")
                  .entry(now + 2, "third")
                  .build();
  b.tokens = distributor::stream_tokens(b.tenant, b.request);
  b.wire_bytes = 123;
  return b;
}

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

using wire_test = testutil::caf_fixture;

TEST_F(wire_test, ingest_round_trip_keeps_streams_tokens_entries_and_metadata) {
  auto b = sample_batch();
  model::label_set md{{"trace_id", "abc"}};
  b.request.streams[0].entries[1].metadata = &md;
  auto w = encode_ingest(b, {0, 1});
  auto back = caf_round_trip(sys(), w);
  ASSERT_TRUE(back.bytes);
  EXPECT_EQ(*back.bytes, *w.bytes);
  auto d = decode_ingest(*back.bytes);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->tenant, "t1");
  EXPECT_EQ(d->wire_bytes, 123u);
  ASSERT_EQ(d->request.streams.size(), 2u);
  EXPECT_EQ(d->tokens, b.tokens);
  for (size_t i = 0; i < 2; ++i) {
    const auto& x = d->request.streams[i];
    const auto& y = b.request.streams[i];
    EXPECT_EQ(x.labels, y.labels);
    EXPECT_EQ(x.label_set, y.label_set);
    EXPECT_EQ(x.fingerprint, y.fingerprint);
    ASSERT_EQ(x.entries.size(), y.entries.size());
    for (size_t j = 0; j < x.entries.size(); ++j) {
      EXPECT_EQ(x.entries[j].ts, y.entries[j].ts);
      EXPECT_EQ(x.entries[j].line, y.entries[j].line);
    }
  }
  ASSERT_NE(d->request.streams[0].entries[1].metadata, nullptr);
  EXPECT_EQ(*d->request.streams[0].entries[1].metadata, md);
  EXPECT_EQ(d->request.streams[0].entries[0].metadata, nullptr);
  EXPECT_EQ(d->request.lines, 3u);
}

TEST_F(wire_test, ingest_subset_carries_only_those_streams) {
  auto b = sample_batch();
  auto d = decode_ingest(*encode_ingest(b, {1}).bytes);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->request.streams.size(), 1u);
  EXPECT_EQ(d->request.streams[0].labels, "{app=\"b\"}");
  EXPECT_EQ(d->tokens, std::vector<uint32_t>{b.tokens[1]});
}

TEST_F(wire_test, truncated_or_garbage_ingest_is_an_error_not_a_crash) {
  auto bytes = *encode_ingest(sample_batch(), {0, 1}).bytes;
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_ingest(bytes.substr(0, n)).ok()) << n;
  EXPECT_FALSE(decode_ingest(bytes + "x").ok());
  std::string junk(64, '\xff');
  junk[0] = 1;
  EXPECT_FALSE(decode_ingest(junk).ok());
}

TEST_F(wire_test, select_round_trip_recompiles_matchers) {
  select_request r;
  r.tenant = "t1";
  r.groups = {{*logql::make_matcher("app", logql::match_op::eq, "a"),
               *logql::make_matcher("env", logql::match_op::re, "pr.*")}};
  r.from = 5;
  r.through = 10;
  r.labels_only = true;
  r.per_stream_limit = 7;
  r.snapshot = true;
  r.dir = logql::direction::backward;
  auto w = caf_round_trip(sys(), encode_select(r));
  auto d = decode_select(*w.bytes);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->tenant, "t1");
  ASSERT_EQ(d->groups.size(), 1u);
  ASSERT_EQ(d->groups[0].size(), 2u);
  EXPECT_TRUE(d->groups[0][1].matches("prod"));
  EXPECT_FALSE(d->groups[0][1].matches("dev"));
  EXPECT_EQ(d->from, 5);
  EXPECT_EQ(d->through, 10);
  EXPECT_TRUE(d->labels_only);
  EXPECT_EQ(d->per_stream_limit, 7u);
  EXPECT_TRUE(d->snapshot);
  EXPECT_EQ(d->dir, logql::direction::backward);
}

TEST_F(wire_test, select_reply_round_trip) {
  select_reply rep;
  stream_slice s;
  s.data.labels = {{"app", "a"}};
  model::label_set md{{"k", "v"}};
  s.data.push(1, "one");
  s.data.push(2, "two", &md);
  s.count = 2;
  s.bytes = 6;
  s.chunks = 1;
  rep.streams.push_back(s);
  auto enc = encode_select_reply(rep);
  ASSERT_TRUE(enc.ok());
  auto w = caf_round_trip(sys(), *enc);
  auto d = decode_select_reply(*w.bytes);
  ASSERT_TRUE(d.ok()) << d.error().message();
  ASSERT_EQ(d->streams.size(), 1u);
  const auto& x = d->streams[0];
  EXPECT_EQ(x.data.labels, s.data.labels);
  ASSERT_EQ(x.data.size(), 2u);
  EXPECT_EQ(x.data.line(0), "one");
  EXPECT_EQ(x.data.line(1), "two");
  ASSERT_NE(x.data.metadata_of(1), nullptr);
  EXPECT_EQ(*x.data.metadata_of(1), md);
  EXPECT_EQ(x.count, 2u);
  auto bytes = *w.bytes;
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_select_reply(bytes.substr(0, n)).ok()) << n;
}

TEST_F(wire_test, node_info_with_an_actor_handle_serialises) {
  node_info i;
  i.id = "ingester-1";
  i.addr = "127.0.0.1:9095";
  i.state = 3;
  i.tokens = {1, 2, 3};
  i.roles = {"ingester"};
  auto back = caf_round_trip(sys(), i);
  EXPECT_EQ(back.id, i.id);
  EXPECT_EQ(back.addr, i.addr);
  EXPECT_EQ(back.state, 3);
  EXPECT_EQ(back.tokens, i.tokens);
  EXPECT_EQ(back.roles, i.roles);
}

// -- a simulated three-node cluster ---------------------------------------------

/// Sits in front of a node's gateway: forwards, drops (lossy link: the
/// distributor's timeout must fire) or never answers (a hung node).
struct link_state {
  static inline const char* name = "test.link";
  remote_ingester_actor target;
  bool hung = false;
  std::shared_ptr<std::mt19937> rng;
  double loss = 0;
};

remote_ingester_actor::behavior_type
link_fn(remote_ingester_actor::stateful_pointer<link_state> self, remote_ingester_actor target,
        std::shared_ptr<std::mt19937> rng, double loss) {
  self->state.target = target;
  self->state.rng = rng;
  self->state.loss = loss;
  return {
      [=](push_atom, const ingest_wire& w) -> caf::result<ingest_reply> {
        auto& st = self->state;
        std::uniform_real_distribution<double> u{0, 1};
        if (st.hung || (st.loss > 0 && u(*st.rng) < st.loss))
          return self->make_response_promise<ingest_reply>(); // never answered
        // What crosses the node boundary is the serialised form.
        std::vector<char> buf;
        caf::binary_serializer sink{self->system(), buf};
        ingest_wire copy = w;
        if (auto err = inspect(sink, copy))
          return ingest_reply{500, "serialise", 0};
        caf::binary_deserializer source{self->system(), buf};
        ingest_wire received;
        if (auto err = inspect(source, received))
          return ingest_reply{500, "deserialise", 0};
        return self->delegate(st.target, push_atom_v, std::move(received));
      },
      [=](select_atom, const select_wire& w) -> caf::result<select_reply_wire> {
        auto& st = self->state;
        std::uniform_real_distribution<double> u{0, 1};
        if (st.hung || (st.loss > 0 && u(*st.rng) < st.loss))
          return self->make_response_promise<select_reply_wire>(); // never answered
        return self->delegate(st.target, select_atom_v, w);
      },
      [=](tail_atom, const tail_sub_wire& w,
          const caf::actor& tailer) -> caf::result<std::string, caf::actor> {
        return self->delegate(self->state.target, tail_atom_v, w, tailer);
      },
  };
}

class cluster_sim : public testutil::caf_fixture {
protected:
  cluster_sim()
      : limits_(std::make_shared<limits::overrides>(config::limits_config{})),
        rng_(std::make_shared<std::mt19937>(42)), holder_(std::make_shared<actors::ring_holder>()) {
  }

  void start_nodes(int n, double loss = 0) {
    for (int i = 0; i < n; ++i) {
      node nd;
      nd.id = "ingester-" + std::to_string(i + 1);
      nd.tokens = ring::generate_tokens(128, taken_, token_rng_);
      taken_.insert(taken_.end(), nd.tokens.begin(), nd.tokens.end());
      actors::ingester_deps deps;
      deps.limits = limits_;
      deps.metrics = &reg_;
      deps.timeout = 5s;
      nd.ingester = keep(actors::spawn_ingester(sys(), deps));
      nd.gateway = keep(actors::spawn_ingester_gateway(sys(), nd.ingester, 60s));
      nd.link = keep(sys().spawn(link_fn, nd.gateway, rng_, loss));
      nodes_.push_back(std::move(nd));
    }
    publish_ring();
  }

  void publish_ring(int rf = 3) {
    auto snap = std::make_shared<actors::cluster_view>();
    constexpr int64_t now_ms = 1'000'000;
    ring::ring_desc d;
    for (const auto& nd : nodes_) {
      // Unhealthy = a heartbeat older than the timeout.
      d.add_instance(nd.id, nd.id + ":9095", "", nd.tokens, ring::instance_state::active,
                     nd.healthy ? now_ms : 1, 1);
      snap->endpoints[nd.id] = actors::ingester_endpoint{ingester_actor{}, nd.link};
    }
    ring::ring_options opts;
    opts.replication_factor = rf;
    opts.heartbeat_timeout_ms = 60'000;
    snap->view = ring::ring_view{d, opts};
    snap->now_ms = now_ms;
    holder_->set(snap);
  }

  distributor_actor make_distributor(int rf) {
    actors::distributor_deps deps;
    deps.replication_factor = rf;
    deps.limits = limits_;
    deps.rate = std::make_shared<distributor::rate_limiters>();
    deps.metrics = &reg_;
    deps.timeout = 5s;
    deps.wall_now = [] { return now; };
    deps.ring = holder_;
    return keep(actors::spawn_distributor(sys(), deps));
  }

  /// Sends a push; returns the answer after running (and, if needed,
  /// advancing time past the remote timeout).
  std::optional<push_result> push(const distributor_actor& d, push::push_request req) {
    auto result = std::make_shared<std::optional<push_result>>();
    push_batch b;
    b.tenant = "t1";
    b.request = std::move(req);
    caf::anon_send(
        d, push_atom_v,
        std::make_shared<push_job>(std::move(b), [result](push_result r) { *result = r; }));
    sched().run();
    if (!result->has_value()) {
      sched().advance_time(5s);
      sched().run();
    }
    return *result;
  }

  std::vector<std::string> lines_on(size_t node, const std::string& labels) {
    auto d = ask<stream_dump>(nodes_[node].ingester, read_atom_v, std::string{"t1"}, labels);
    return d ? d->lines : std::vector<std::string>{};
  }

  void crash(size_t node) {
    caf::anon_send_exit(nodes_[node].ingester, caf::exit_reason::kill);
    caf::anon_send_exit(nodes_[node].gateway, caf::exit_reason::kill);
    sched().run();
    nodes_[node].crashed = true;
  }

  /// Replaces node i's link by one that never answers (a hung process:
  /// CAF fails nothing in flight, only the caller's timeout does).
  void hang(size_t i) {
    caf::anon_send_exit(nodes_[i].link, caf::exit_reason::user_shutdown);
    nodes_[i].link = keep(sys().spawn(link_fn, nodes_[i].gateway, rng_, 1.0));
  }

  querier_actor make_querier() {
    actors::querier_deps deps;
    deps.pool = pool_;
    deps.ring = holder_;
    deps.remote_timeout = 5s; // ingester_client.remote_timeout
    return keep(actors::spawn_querier(sys(), deps));
  }

  /// What the querier answered for one query job (set on the pool thread).
  struct answer {
    select_reply_ptr reply;
    uint16_t status = 0;
    std::string error;
  };
  using answer_slot = std::shared_ptr<std::optional<answer>>;

  /// Sends a select of `selector` over all time to `q`; runs the scheduler
  /// (no time passes) and returns the slot the answer lands in.
  answer_slot send_select(const querier_actor& q, const std::string& selector) {
    auto slot = std::make_shared<std::optional<answer>>();
    auto req = std::make_shared<select_request>();
    req->tenant = "t1";
    req->groups.push_back(*logql::parse_matchers(selector));
    req->from = 0;
    req->through = now + 3600 * sec;
    req->snapshot = true;
    auto job = std::make_shared<query_job>();
    job->request = std::move(req);
    job->deadline_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now().time_since_epoch())
                           .count() +
                       60 * sec; // query_timeout 1m: far beyond remote_timeout
    job->done = [slot](select_reply_ptr r, uint16_t st, std::string err) {
      *slot = answer{std::move(r), st, std::move(err)};
    };
    caf::anon_send(q, select_atom_v, std::move(job));
    sched().run();
    drain_pool();
    return slot;
  }

  /// Waits until every task the querier posted so far ran: the pool has one
  /// thread and runs tasks in order, so a marker posted now runs last.
  void drain_pool() {
    std::promise<void> done;
    auto fut = done.get_future();
    ASSERT_TRUE(pool_->post([&done] { done.set_value(); }));
    ASSERT_EQ(fut.wait_for(30s), std::future_status::ready);
  }

  /// The lines a log query over the reply returns (replicas merged).
  static std::vector<std::string> query_lines(select_reply& r, const std::string& q) {
    query::chunk_source src;
    for (auto& s : r.streams)
      src.add(s.data.labels, std::move(s.snapshot));
    src.finish();
    logql::engine eng(src);
    logql::query_params p;
    p.start_ns = 0;
    p.end_ns = now + 3600 * sec;
    p.dir = logql::direction::forward;
    p.limit = 1000;
    auto e = logql::parse(q);
    EXPECT_TRUE(e.ok());
    auto res = eng.query(*e, p);
    EXPECT_TRUE(res.ok());
    std::vector<std::string> out;
    if (res.ok())
      for (auto& st : res->streams)
        for (auto& en : st.entries)
          out.push_back(en.line);
    return out;
  }

  struct node {
    std::string id;
    std::vector<uint32_t> tokens;
    ingester_actor ingester;
    remote_ingester_actor gateway;
    remote_ingester_actor link;
    bool healthy = true;
    bool crashed = false;
  };

  metrics::registry reg_;
  std::shared_ptr<limits::overrides> limits_;
  std::shared_ptr<std::mt19937> rng_;
  std::shared_ptr<actors::ring_holder> holder_;
  std::vector<node> nodes_;
  std::vector<uint32_t> taken_;
  std::mt19937_64 token_rng_{7};
  std::shared_ptr<query::worker_pool> pool_ = std::make_shared<query::worker_pool>(1);
};

TEST_F(cluster_sim, rf3_push_is_stored_on_all_three_nodes_through_the_wire_form) {
  start_nodes(3);
  auto d = make_distributor(3);
  auto res = push(d, push_builder{}.stream("{app=\"a\"}").entry(now, "x").build());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204) << res->body;
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(lines_on(i, "{app=\"a\"}"), std::vector<std::string>{"x"}) << i;
}

TEST_F(cluster_sim, rf1_streams_spread_over_the_nodes) {
  start_nodes(3);
  publish_ring(1);
  auto d = make_distributor(1);
  push_builder b;
  for (int s = 0; s < 60; ++s)
    b.stream("{app=\"s" + std::to_string(s) + "\"}").entry(now, "x");
  auto res = push(d, b.build());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204) << res->body;
  int total = 0;
  for (size_t i = 0; i < 3; ++i) {
    auto st = ask<ingester_stats>(nodes_[i].ingester, status_atom_v);
    ASSERT_TRUE(st);
    EXPECT_GT(st->streams, 5u) << i; // each node got a share
    total += static_cast<int>(st->streams);
  }
  EXPECT_EQ(total, 60); // each stream on exactly one node
}

TEST_F(cluster_sim, one_crashed_node_keeps_writes_succeeding) {
  start_nodes(3);
  auto d = make_distributor(3);
  crash(1);
  auto res = push(d, push_builder{}.stream("{app=\"a\"}").entry(now, "x").build());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204) << res->body;
  EXPECT_EQ(lines_on(0, "{app=\"a\"}"), std::vector<std::string>{"x"});
  EXPECT_EQ(lines_on(2, "{app=\"a\"}"), std::vector<std::string>{"x"});
}

TEST_F(cluster_sim, hung_node_does_not_delay_the_quorum) {
  start_nodes(3);
  auto d = make_distributor(3);
  // Hang node 2's link: its requests are never answered.
  caf::anon_send_exit(nodes_[2].link, caf::exit_reason::user_shutdown);
  nodes_[2].link = keep(sys().spawn(link_fn, nodes_[2].gateway, rng_, 1.0));
  publish_ring();
  auto result = std::make_shared<std::optional<push_result>>();
  push_batch b;
  b.tenant = "t1";
  b.request = push_builder{}.stream("{app=\"a\"}").entry(now, "x").build();
  caf::anon_send(d, push_atom_v, std::make_shared<push_job>(std::move(b), [result](push_result r) {
                   *result = r;
                 }));
  sched().run(); // no time passes
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->status, 204);
}

TEST_F(cluster_sim, two_hung_nodes_fail_after_remote_timeout_with_500) {
  start_nodes(3, 0);
  for (size_t i : {1u, 2u}) {
    caf::anon_send_exit(nodes_[i].link, caf::exit_reason::user_shutdown);
    nodes_[i].link = keep(sys().spawn(link_fn, nodes_[i].gateway, rng_, 1.0));
  }
  publish_ring();
  auto d = make_distributor(3);
  auto result = std::make_shared<std::optional<push_result>>();
  push_batch b;
  b.tenant = "t1";
  b.request = push_builder{}.stream("{app=\"a\"}").entry(now, "x").build();
  caf::anon_send(d, push_atom_v, std::make_shared<push_job>(std::move(b), [result](push_result r) {
                   *result = r;
                 }));
  sched().run();
  EXPECT_FALSE(result->has_value()); // waiting: no down, no answer
  sched().advance_time(5s);          // ingester_client.remote_timeout
  sched().run();
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->status, 500);
  EXPECT_THAT((*result)->body, HasSubstr("failed to push to ingester"));
}

TEST_F(cluster_sim, too_few_healthy_instances_is_500_with_lokis_text) {
  start_nodes(3);
  nodes_[1].healthy = false;
  nodes_[2].healthy = false;
  publish_ring();
  auto d = make_distributor(3);
  auto res = push(d, push_builder{}.stream("{app=\"a\"}").entry(now, "x").build());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_THAT(res->body, HasSubstr("at least 2 live replicas required, could only find 1"));
}

TEST_F(cluster_sim, empty_ring_is_500) {
  auto d = make_distributor(3);
  holder_->set(std::make_shared<actors::cluster_view>());
  auto res = push(d, push_builder{}.stream("{app=\"a\"}").entry(now, "x").build());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->body, "empty ring");
}

TEST_F(cluster_sim, ingester_error_fails_the_stream_with_that_ingesters_text) {
  config::limits_config l;
  l.max_streams_per_user = 1;
  std::map<std::string, config::limits_config, std::less<>> m;
  m.emplace("t1", l);
  limits_->set(std::move(m));
  start_nodes(3);
  auto d = make_distributor(3);
  auto res = push(d, push_builder{}
                         .stream("{a=\"1\"}")
                         .entry(now, "x")
                         .stream("{a=\"2\"}")
                         .entry(now, "y")
                         .build());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_THAT(res->body, HasSubstr("maximum active stream limit exceeded"));
}

// With 20% of the messages to each node lost, every push that was answered
// 204 must still be readable after any one node crashes (quorum 2 of 3).
TEST_F(cluster_sim, no_acknowledged_write_is_lost_under_message_loss_and_one_crash) {
  for (size_t victim = 0; victim < 3; ++victim) {
    nodes_.clear();
    start_nodes(3, 0.2);
    auto d = make_distributor(3);
    std::vector<std::string> acked;
    int failed = 0;
    for (int i = 0; i < 40; ++i) {
      std::string line = "line-" + std::to_string(victim) + "-" + std::to_string(i);
      auto res = push(d, push_builder{}.stream("{app=\"sim\"}").entry(now + i, line).build());
      ASSERT_TRUE(res);
      if (res->status == 204)
        acked.push_back(line);
      else
        ++failed;
    }
    EXPECT_GT(acked.size(), 20u);
    crash(victim);
    std::set<std::string> survivors;
    for (size_t n = 0; n < 3; ++n)
      if (n != victim)
        for (auto& l : lines_on(n, "{app=\"sim\"}"))
          survivors.insert(l);
    for (const auto& l : acked)
      EXPECT_TRUE(survivors.count(l)) << "acknowledged " << l << " lost (victim " << victim << ")";
  }
}

// -- the querier over the cluster (dskit GetReplicationSetForOperation(Read)) ----

class cluster_read : public cluster_sim {
protected:
  /// Three nodes, RF 3, lines l0..l9 in {app="a"} acknowledged by all three.
  void SetUp() override {
    start_nodes(3);
    auto d = make_distributor(3);
    push_builder b;
    b.stream("{app=\"a\"}");
    for (int i = 0; i < 10; ++i)
      b.entry(now + i, "l" + std::to_string(i));
    auto res = push(d, b.build());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 204) << res->body;
    for (size_t i = 0; i < 3; ++i)
      ASSERT_EQ(lines_on(i, "{app=\"a\"}").size(), 10u) << i;
  }

  static std::vector<std::string> all_lines() {
    std::vector<std::string> v;
    for (int i = 0; i < 10; ++i)
      v.push_back("l" + std::to_string(i));
    return v;
  }
};

TEST_F(cluster_read, all_healthy_returns_each_replicated_line_once) {
  auto q = make_querier();
  auto a = send_select(q, "{app=\"a\"}");
  ASSERT_TRUE(a->has_value());
  ASSERT_TRUE((*a)->reply) << (*a)->error;
  EXPECT_EQ(query_lines(*(*a)->reply, "{app=\"a\"}"), all_lines());
}

TEST_F(cluster_read, one_hung_ingester_does_not_hold_the_query) {
  hang(2);
  publish_ring();
  auto q = make_querier();
  auto a = send_select(q, "{app=\"a\"}"); // no time passes
  ASSERT_TRUE(a->has_value()) << "a quorum answered: the hung node is not awaited";
  ASSERT_TRUE((*a)->reply) << (*a)->error;
  EXPECT_EQ(query_lines(*(*a)->reply, "{app=\"a\"}"), all_lines());
}

TEST_F(cluster_read, two_hung_ingesters_fail_after_remote_timeout_with_504) {
  // Two failures > max_errors 1, but only once the hung requests time out:
  // the querier's own remote_timeout decides, not the query's deadline.
  hang(1);
  hang(2);
  publish_ring();
  auto q = make_querier();
  auto a = send_select(q, "{app=\"a\"}");
  EXPECT_FALSE(a->has_value()) << "nothing may answer before remote_timeout";
  sched().advance_time(4s);
  sched().run();
  drain_pool();
  EXPECT_FALSE(a->has_value());
  sched().advance_time(1s); // remote_timeout 5s, not the query's 1m
  sched().run();
  drain_pool();
  ASSERT_TRUE(a->has_value());
  EXPECT_FALSE((*a)->reply) << "never partial data";
  EXPECT_EQ((*a)->status, 504);
  EXPECT_THAT((*a)->error, HasSubstr("request timed out"));
}

TEST_F(cluster_read, two_crashed_ingesters_fail_with_500_not_partial_data) {
  crash(1);
  crash(2);
  auto q = make_querier();
  auto a = send_select(q, "{app=\"a\"}");
  if (!a->has_value()) { // requests to a dead local actor may need the timeout
    sched().advance_time(5s);
    sched().run();
    drain_pool();
  }
  ASSERT_TRUE(a->has_value());
  EXPECT_FALSE((*a)->reply);
  EXPECT_EQ((*a)->status, 500);
  EXPECT_THAT((*a)->error, HasSubstr("querying ingesters failed: ingester-"));
  EXPECT_THAT((*a)->error, HasSubstr(":9095: ")); // which ingester, then why
}

TEST_F(cluster_read, too_many_unhealthy_in_the_ring_is_500_with_dskits_text) {
  nodes_[1].healthy = false;
  nodes_[2].healthy = false;
  publish_ring();
  auto q = make_querier();
  auto a = send_select(q, "{app=\"a\"}");
  ASSERT_TRUE(a->has_value());
  EXPECT_FALSE((*a)->reply);
  EXPECT_EQ((*a)->status, 500);
  EXPECT_EQ((*a)->error, "too many unhealthy instances in the ring");
}

TEST_F(cluster_read, one_unhealthy_in_the_ring_needs_both_others) {
  // Ring: node 2 unhealthy -> read set {0, 1}, max_errors 0: a hung node 1
  // fails the query after remote_timeout.
  nodes_[2].healthy = false;
  hang(1);
  publish_ring();
  auto q = make_querier();
  auto a = send_select(q, "{app=\"a\"}");
  EXPECT_FALSE(a->has_value());
  sched().advance_time(5s);
  sched().run();
  drain_pool();
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->status, 504);
}

TEST_F(cluster_read, labels_only_selects_keep_one_slice_per_stream) {
  auto q = make_querier();
  auto slot = std::make_shared<std::optional<answer>>();
  auto req = std::make_shared<select_request>();
  req->tenant = "t1";
  req->groups.emplace_back();
  req->from = 0;
  req->through = now + 3600 * sec;
  req->labels_only = true;
  auto job = std::make_shared<query_job>();
  job->request = std::move(req);
  job->deadline_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count() +
                     60 * sec;
  job->done = [slot](select_reply_ptr r, uint16_t st, std::string err) {
    *slot = answer{std::move(r), st, std::move(err)};
  };
  caf::anon_send(q, select_atom_v, std::move(job));
  sched().run();
  drain_pool();
  ASSERT_TRUE(slot->has_value());
  ASSERT_TRUE((*slot)->reply);
  ASSERT_EQ((*slot)->reply->streams.size(), 1u);
  EXPECT_EQ((*slot)->reply->streams[0].count, 10u);
}

} // namespace
} // namespace skald
