// Actor tests of the write path on CAF's deterministic test coordinator:
// distributor -> ingester -> tenant instance -> stream actors (spec §3, §5;
// Loki: TestDistributor, TestDistributorPushErrors, TestIngesterStreamLimitExceeded,
// TestUnorderedPush, TestPushDeduplication).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include <caf/typed_event_based_actor.hpp>

#include "actors/distributor/distributor.hpp"
#include "actors/ingester/ingester.hpp"
#include "runtime/distributor/distributor_ring.hpp"
#include "runtime/distributor/rate_limiters.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/metrics/registry.hpp"
#include "testutil/caf_fixture.hpp"
#include "testutil/push_builder.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testutil::push_builder;

constexpr int64_t sec = 1'000'000'000;
constexpr int64_t now = 1'700'000'000 * sec;

class write_path : public testutil::caf_fixture {
protected:
  write_path() : limits_(std::make_shared<limits::overrides>(config::limits_config{})) {}

  ingester_actor make_ingester() {
    actors::ingester_deps deps;
    deps.limits = limits_;
    deps.metrics = &reg_;
    deps.timeout = 5s;
    return keep(actors::spawn_ingester(sys(), deps));
  }

  distributor_actor make_distributor(
    std::vector<ingester_actor> ingesters, int rf = 1,
    std::shared_ptr<const distributor::distributor_count> distributors = nullptr) {
    actors::distributor_deps deps;
    deps.distributors = std::move(distributors);
    deps.ingesters = std::move(ingesters);
    deps.replication_factor = rf;
    deps.limits = limits_;
    deps.rate = std::make_shared<distributor::rate_limiters>();
    deps.metrics = &reg_;
    deps.timeout = 5s;
    deps.wall_now = [] { return now; };
    return keep(actors::spawn_distributor(sys(), deps));
  }

  ingest_ptr batch(const std::string& tenant, push::push_request req) {
    auto b = std::make_shared<push_batch>();
    b->tenant = tenant;
    b->request = std::move(req);
    return b;
  }

  /// Sends a job to `d`, runs the system, returns what the job was answered.
  std::optional<push_result> push(const distributor_actor& d, const std::string& tenant,
                                  push::push_request req) {
    auto result = std::make_shared<std::optional<push_result>>();
    push_batch b;
    b.tenant = tenant;
    b.request = std::move(req);
    auto job = std::make_shared<push_job>(std::move(b), [result](push_result r) { *result = r; });
    caf::anon_send(d, push_atom_v, std::move(job));
    sched().run();
    return *result;
  }

  double metric(const std::string& needle) {
    auto text = "\n" + reg_.render();
    auto p = text.find("\n" + needle + " ");
    if (p == std::string::npos)
      return -1;
    return std::stod(text.substr(p + needle.size() + 2));
  }

  void set_tenant_limits(const std::string& tenant, config::limits_config l) {
    std::map<std::string, config::limits_config, std::less<>> m;
    m.emplace(tenant, std::move(l));
    limits_->set(std::move(m));
  }

  metrics::registry reg_;
  std::shared_ptr<limits::overrides> limits_;
};

// -- ingester -----------------------------------------------------------------

TEST_F(write_path, ingester_stores_each_stream_in_its_own_stream_actor) {
  auto ing = make_ingester();
  auto req = push_builder{}
               .stream("{app=\"a\"}").entry(2 * sec, "two").entry(1 * sec, "one")
               .stream("{app=\"b\"}").entry(1 * sec, "b1")
               .build();
  auto rep = ask<ingest_reply>(ing, push_atom_v, batch("t1", std::move(req)));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, 0);
  EXPECT_EQ(rep->stored, 3u);

  auto stats = ask<ingester_stats>(ing, status_atom_v);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->tenants, 1u);
  EXPECT_EQ(stats->streams, 2u);

  auto dump = ask<stream_dump>(ing, read_atom_v, std::string{"t1"}, std::string{"{app=\"a\"}"});
  ASSERT_TRUE(dump);
  EXPECT_EQ(dump->lines, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(metric("loki_ingester_memory_streams{tenant=\"t1\"}"), 2);
  EXPECT_EQ(metric("loki_ingester_chunks_created_total"), 2);
  EXPECT_EQ(metric("loki_ingester_memory_chunks"), 2);
}

TEST_F(write_path, tenants_are_isolated) {
  auto ing = make_ingester();
  auto r1 = ask<ingest_reply>(ing, push_atom_v,
                              batch("t1", push_builder{}.stream("{a=\"1\"}").entry(1, "x").build()));
  auto r2 = ask<ingest_reply>(ing, push_atom_v,
                              batch("t2", push_builder{}.stream("{a=\"1\"}").entry(1, "y").build()));
  ASSERT_TRUE(r1 && r2);
  auto stats = ask<ingester_stats>(ing, status_atom_v);
  EXPECT_EQ(stats->tenants, 2u);
  EXPECT_EQ(stats->streams, 2u);
  auto d = ask<stream_dump>(ing, read_atom_v, std::string{"t2"}, std::string{"{a=\"1\"}"});
  EXPECT_EQ(d->lines, (std::vector<std::string>{"y"}));
}

TEST_F(write_path, ingester_rejects_entries_too_far_behind_with_lokis_text) {
  auto ing = make_ingester();
  const int64_t hour = 3600 * sec;
  auto r1 = ask<ingest_reply>(
    ing, push_atom_v, batch("t1", push_builder{}.stream("{a=\"1\"}").entry(10 * hour, "new").build()));
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 0);
  auto r2 = ask<ingest_reply>(ing, push_atom_v,
                              batch("t1", push_builder{}
                                            .stream("{a=\"1\"}")
                                            .entry(8 * hour, "old")
                                            .entry(9 * hour + 30 * 60 * sec, "within")
                                            .build()));
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 400);
  EXPECT_EQ(r2->stored, 1u);
  EXPECT_EQ(r2->message,
            "entry with timestamp 1970-01-01 08:00:00 +0000 UTC ignored, reason: 'entry too far "
            "behind, entry timestamp is: 1970-01-01T08:00:00Z, oldest acceptable timestamp is: "
            "1970-01-01T09:00:00Z',\nuser 't1', total ignored: 1 out of 2 for stream: {a=\"1\"}");
  EXPECT_EQ(metric("loki_discarded_samples_total{reason=\"too_far_behind\",tenant=\"t1\"}"), 1);
}

TEST_F(write_path, duplicate_entry_is_stored_once) {
  auto ing = make_ingester();
  for (int i = 0; i < 2; ++i)
    ask<ingest_reply>(ing, push_atom_v,
                      batch("t1", push_builder{}.stream("{a=\"1\"}").entry(sec, "test").build()));
  ask<ingest_reply>(ing, push_atom_v,
                    batch("t1", push_builder{}.stream("{a=\"1\"}").entry(sec, "other").build()));
  auto d = ask<stream_dump>(ing, read_atom_v, std::string{"t1"}, std::string{"{a=\"1\"}"});
  EXPECT_EQ(d->lines, (std::vector<std::string>{"test", "other"}));
}

TEST_F(write_path, stream_limit_refuses_new_streams_with_429) {
  config::limits_config l;
  l.max_streams_per_user = 1;
  set_tenant_limits("t1", l);
  auto ing = make_ingester();
  auto rep = ask<ingest_reply>(ing, push_atom_v,
                               batch("t1", push_builder{}
                                             .stream("{a=\"1\"}").entry(1, "x")
                                             .stream("{a=\"2\"}").entry(1, "y")
                                             .build()));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, 429);
  EXPECT_EQ(rep->stored, 1u);
  EXPECT_THAT(rep->message, HasSubstr("maximum active stream limit exceeded when trying to create "
                                      "stream {a=\"2\"}"));
  EXPECT_THAT(rep->message, HasSubstr("user: 't1'"));
  EXPECT_EQ(metric("loki_discarded_samples_total{reason=\"stream_limit\",tenant=\"t1\"}"), 1);
  // Another tenant keeps the default (no local limit).
  auto other = ask<ingest_reply>(ing, push_atom_v,
                                 batch("t2", push_builder{}
                                               .stream("{a=\"1\"}").entry(1, "x")
                                               .stream("{a=\"2\"}").entry(1, "y")
                                               .build()));
  EXPECT_EQ(other->status, 0);
}

TEST_F(write_path, per_stream_rate_limit_answers_429) {
  config::limits_config l;
  l.per_stream_rate_limit.bytes = 10;
  l.per_stream_rate_limit_burst.bytes = 10;
  set_tenant_limits("t1", l);
  auto ing = make_ingester();
  auto rep = ask<ingest_reply>(ing, push_atom_v,
                               batch("t1", push_builder{}
                                             .stream("{a=\"1\"}").entry(1, "123456").entry(2, "123456")
                                             .build()));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, 429);
  EXPECT_THAT(rep->message, HasSubstr("Per stream rate limit exceeded (limit: 10B/sec)"));
  EXPECT_EQ(metric("loki_discarded_samples_total{reason=\"per_stream_rate_limit\",tenant=\"t1\"}"), 2);
}

// -- distributor ---------------------------------------------------------------

TEST_F(write_path, push_is_answered_204_after_the_ingester_stored_it) {
  auto ing = make_ingester();
  auto d = make_distributor({ing});
  auto res = push(d, "t1",
                  push_builder{}.stream("{app=\"a\"}").entry(now, "hello").entry(now + 1, "world").build());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  auto dump = ask<stream_dump>(ing, read_atom_v, std::string{"t1"}, std::string{"{app=\"a\"}"});
  EXPECT_EQ(dump->lines, (std::vector<std::string>{"hello", "world"}));
  EXPECT_EQ(metric("loki_distributor_lines_received_total{tenant=\"t1\"}"), 2);
  EXPECT_EQ(metric("loki_distributor_bytes_received_total{tenant=\"t1\"}"), 10);
}

TEST_F(write_path, valid_streams_are_written_when_others_are_invalid) {
  config::limits_config l;
  l.max_line_size.bytes = 5;
  set_tenant_limits("t1", l);
  auto ing = make_ingester();
  auto d = make_distributor({ing});
  auto res = push(d, "t1",
                  push_builder{}
                    .stream("{app=\"bad\"}").entry(now, "far too long")
                    .stream("{app=\"good\"}").entry(now, "ok")
                    .build());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body, "max entry size '5' bytes exceeded for stream '{app=\"bad\"}' while adding "
                       "an entry with length '12' bytes");
  auto stats = ask<ingester_stats>(ing, status_atom_v);
  EXPECT_EQ(stats->streams, 1u);
  EXPECT_EQ(metric("loki_discarded_samples_total{reason=\"line_too_long\",tenant=\"t1\"}"), 1);
}

TEST_F(write_path, all_invalid_is_400_and_nothing_reaches_the_ingester) {
  config::limits_config l;
  l.max_line_size.bytes = 1;
  set_tenant_limits("t1", l);
  auto ing = make_ingester();
  auto d = make_distributor({ing});
  push_builder b;
  b.stream("{foo=\"bar\"}");
  for (int i = 0; i < 100; ++i)
    b.entry(now + i, "0123456789");
  auto res = push(d, "t1", b.build());
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body, "100 errors like: max entry size '1' bytes exceeded for stream "
                       "'{foo=\"bar\"}' while adding an entry with length '10' bytes");
  EXPECT_EQ(ask<ingester_stats>(ing, status_atom_v)->tenants, 0u);
}

TEST_F(write_path, request_without_streams_is_422) {
  auto d = make_distributor({make_ingester()});
  auto res = push(d, "t1", push::push_request{});
  EXPECT_EQ(res->status, 422);
  EXPECT_EQ(res->body, "error at least one valid stream is required for ingestion");
}

TEST_F(write_path, tenant_rate_limit_is_all_or_nothing_429) {
  config::limits_config l;
  l.ingestion_rate_mb = 100.0 / (1024 * 1024);
  l.ingestion_burst_size_mb = 100.0 / (1024 * 1024);
  set_tenant_limits("t1", l);
  auto ing = make_ingester();
  auto d = make_distributor({ing});
  auto line = [](size_t n) { return std::string(n, 'x'); };
  EXPECT_EQ(push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now, line(50)).build())->status, 204);
  auto res = push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now + 1, line(60)).build());
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->body, "ingestion rate limit exceeded for user t1 (limit: 100 bytes/sec) while "
                       "attempting to ingest '1' lines totaling '60' bytes, reduce log volume or "
                       "contact your Loki administrator to see if the limit can be increased");
  EXPECT_EQ(push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now + 2, line(50)).build())->status, 204);
  EXPECT_EQ(metric("loki_discarded_samples_total{reason=\"rate_limited\",tenant=\"t1\"}"), 1);
  // Refilled after a second.
  sched().advance_time(1s);
  EXPECT_EQ(push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now + 3, line(60)).build())->status, 204);
}

TEST_F(write_path, global_rate_strategy_divides_the_rate_by_the_distributor_ring_count) {
  // TestDistributor_PushIngestionRateLimiter's global cases: rate 100 B/s,
  // burst 100 B, two healthy distributors in the ring -> limit 50 per
  // distributor; the burst is not divided.
  config::limits_config l; // ingestion_rate_strategy: global (Loki's default)
  l.ingestion_rate_mb = 100.0 / (1024 * 1024);
  l.ingestion_burst_size_mb = 100.0 / (1024 * 1024);
  set_tenant_limits("t1", l);
  auto count = std::make_shared<distributor::distributor_count>();
  count->set(2);
  auto d = make_distributor({make_ingester()}, 1, count);
  auto line = [](size_t n) { return std::string(n, 'x'); };
  EXPECT_EQ(push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now, line(100)).build())->status,
            204);
  auto res = push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now + 1, line(30)).build());
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->body, "ingestion rate limit exceeded for user t1 (limit: 50 bytes/sec) while "
                       "attempting to ingest '1' lines totaling '30' bytes, reduce log volume or "
                       "contact your Loki administrator to see if the limit can be increased");
  // Half a second refills 25 bytes at the per-distributor rate, not 50.
  sched().advance_time(500ms);
  EXPECT_EQ(push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now + 2, line(30)).build())->status,
            429);
  EXPECT_EQ(push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now + 3, line(25)).build())->status,
            204);
  // The other distributor goes: the bucket takes the new limit at its next
  // recheck (every 10s, as dskit's RateLimiter).
  count->set(1);
  sched().advance_time(9s);
  res = push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now + 4, line(101)).build());
  EXPECT_THAT(res->body, HasSubstr("(limit: 50 bytes/sec)"));
  sched().advance_time(1s);
  res = push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now + 5, line(101)).build());
  EXPECT_EQ(res->status, 429); // more than the burst: always refused
  EXPECT_THAT(res->body, HasSubstr("(limit: 100 bytes/sec)"));
  // local ignores the ring.
  l.ingestion_rate_strategy = "local";
  set_tenant_limits("t2", l);
  count->set(4);
  res = push(d, "t2", push_builder{}.stream("{a=\"1\"}").entry(now, line(101)).build());
  EXPECT_THAT(res->body, HasSubstr("(limit: 100 bytes/sec)"));
}

TEST_F(write_path, ingester_error_is_passed_through_to_the_client) {
  config::limits_config l;
  l.max_streams_per_user = 1;
  set_tenant_limits("t1", l);
  auto d = make_distributor({make_ingester()});
  auto res = push(d, "t1",
                  push_builder{}.stream("{a=\"1\"}").entry(now, "x").stream("{a=\"2\"}").entry(now, "y").build());
  EXPECT_EQ(res->status, 429);
  EXPECT_THAT(res->body, HasSubstr("maximum active stream limit exceeded"));
}

// -- messages per push (messages/push.hpp) ------------------------------------

push::push_request ten_streams(int64_t ts) {
  push_builder b;
  for (int i = 0; i < 10; ++i)
    b.stream("{s=\"" + std::to_string(i) + "\"}").entry(ts, "line " + std::to_string(i));
  return b.build();
}

// distributor -> ingester -> tenant -> one append per stream, and no reply
// message at all: the stream actor that applies last completes the job.
TEST_F(write_path, a_push_takes_one_message_per_stream_and_no_replies) {
  auto d = make_distributor({make_ingester()});
  auto first = push(d, "t1", ten_streams(now)); // spawns the tenant and its streams
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 204);
  std::optional<push_result> got;
  push_batch b;
  b.tenant = "t1";
  b.request = ten_streams(now + sec);
  caf::anon_send(d, push_atom_v,
                 std::make_shared<push_job>(std::move(b), [&](push_result r) { got = r; }));
  const size_t handled = sched().run();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 204);
  EXPECT_EQ(handled, 13u) << "distributor, ingester, tenant and one append per stream";
  EXPECT_EQ(metric("loki_ingester_memory_streams{tenant=\"t1\"}"), 10);
}

// Loki's "last error wins" over the slots of one round, counted the same as
// the per-stream replies were: the 429 of the stream limit (tenant) and the
// 400 of a stream's too-far-behind entries.
TEST_F(write_path, the_last_failing_stream_of_a_push_gives_the_answer) {
  config::limits_config l;
  l.max_streams_per_user = 2;
  set_tenant_limits("t1", l);
  auto ing = make_ingester();
  ask<ingest_reply>(ing, push_atom_v,
                    batch("t1", push_builder{}.stream("{a=\"1\"}").entry(10 * 3600 * sec, "new").build()));
  auto rep = ask<ingest_reply>(ing, push_atom_v,
                               batch("t1", push_builder{}
                                             .stream("{a=\"2\"}").entry(1, "ok")
                                             .stream("{a=\"3\"}").entry(1, "over the limit")
                                             .stream("{a=\"1\"}").entry(1, "too old")
                                             .build()));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->status, 400);
  EXPECT_THAT(rep->message, HasSubstr("entry too far behind"));
  EXPECT_EQ(rep->stored, 1u);
  auto rep2 = ask<ingest_reply>(ing, push_atom_v,
                                batch("t1", push_builder{}
                                              .stream("{a=\"1\"}").entry(2, "too old")
                                              .stream("{a=\"4\"}").entry(2, "over the limit")
                                              .build()));
  ASSERT_TRUE(rep2);
  EXPECT_EQ(rep2->status, 429);
  EXPECT_THAT(rep2->message, HasSubstr("maximum active stream limit exceeded"));
}

/// Records how a push_round was completed (on_last is a plain function).
struct round_probe {
  static inline int calls = 0;
  static inline caf::execution_unit* host = reinterpret_cast<caf::execution_unit*>(1);
  static void on_last(const push_round_ptr&, caf::execution_unit* h) {
    ++calls;
    host = h;
  }
};

// A stream actor that exits with its append still queued: CAF drops the
// message, and its destructor fails the slot and counts it, so the round
// completes once and the push is answered (500) instead of hanging.
TEST_F(write_path, a_dropped_stream_append_fails_its_slot_and_completes_the_round) {
  round_probe::calls = 0;
  auto round = std::make_shared<push_round>();
  round->replies.resize(2);
  round->on_last = &round_probe::on_last;
  round->pending = 3; // two appends plus the tenant's own
  auto a0 = std::make_shared<stream_append>(round, 0);
  auto a1 = std::make_shared<stream_append>(round, 1);
  round->replies[0].stored = 5;
  a0->applied = true;
  EXPECT_FALSE(round->count_down()); // stream 0 applied
  EXPECT_FALSE(round->count_down()); // the tenant sent both
  a0.reset();                        // handled: its destructor does nothing
  EXPECT_EQ(round_probe::calls, 0);
  a1.reset(); // dropped unhandled
  EXPECT_EQ(round_probe::calls, 1);
  EXPECT_EQ(round_probe::host, nullptr);
  EXPECT_EQ(round->replies[1].status, 500);
  EXPECT_EQ(round->replies[1].message, "stream append failed: the stream actor exited");
  EXPECT_EQ(round->replies[0].stored, 5u);
}

// An ingest_done that nobody finishes (its message was dropped) answers the
// error a CAF request would have bounced with; finish() counts only once.
TEST_F(write_path, ingest_done_answers_once_and_request_receiver_down_when_dropped) {
  std::vector<caf::expected<ingest_reply>> got;
  {
    ingest_done done([&](caf::expected<ingest_reply> r) { got.push_back(std::move(r)); });
    done.finish(ingest_reply{0, "", 3});
    done.finish(ingest_reply{500, "late", 0});
  }
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0]);
  EXPECT_EQ(got[0]->stored, 3u);
  got.clear();
  { ingest_done dropped([&](caf::expected<ingest_reply> r) { got.push_back(std::move(r)); }); }
  ASSERT_EQ(got.size(), 1u);
  ASSERT_FALSE(got[0]);
  EXPECT_EQ(got[0].error(), caf::make_error(caf::sec::request_receiver_down));
}

// A dead ingester drops the one-replica push: the distributor answers 500 at
// once from the dropped ingest_done, not at the deadline.
TEST_F(write_path, a_push_to_an_exited_ingester_is_answered_500_at_once) {
  auto ing = make_ingester();
  auto d = make_distributor({ing});
  caf::anon_send_exit(ing, caf::exit_reason::user_shutdown);
  sched().run();
  auto res = push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now, "x").build());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->body, "failed to push to ingester: "
                         + sys().render(caf::make_error(caf::sec::request_receiver_down)));
}

// -- quorum with fake ingesters ----------------------------------------------

/// 0 = ok, 999 = never answers, other = that status.
ingester_actor::behavior_type fake_ingester(ingester_actor::pointer self, uint16_t status) {
  // Held until the actor is gone: a silent ingester finishes nothing.
  auto held = std::make_shared<std::vector<ingest_done_ptr>>();
  return {
    [=](push_atom, const ingest_ptr&, const ingest_done_ptr& done) {
      if (status == 999)
        held->push_back(done);
      else
        done->finish(ingest_reply{status, status == 0 ? "" : "boom", 0});
    },
    [=](push_atom, const ingest_ptr&) -> caf::result<ingest_reply> {
      if (status == 999)
        return self->make_response_promise<ingest_reply>(); // dropped: sends nothing
      return ingest_reply{status, status == 0 ? "" : "boom", 0};
    },
    [=](status_atom) -> ingester_stats { return {}; },
    [=](read_atom, const std::string&, const std::string&) -> stream_dump { return {}; },
    [=](replay_atom, const recovery_ptr&) -> ingester_stats { return {}; },
    [=](checkpoint_atom) {},
    [=](select_atom, const select_request_ptr&) -> select_reply_ptr {
      return std::make_shared<select_reply>();
    },
    [=](tail_atom, const tail_request_ptr&) -> std::string { return {}; },
    [=](flush_atom) {},
    [=](flush_atom, uint8_t, const std::string&) -> flush_reply { return {}; },
    [=](stop_atom) -> bool { return true; },
    [=](admin_flush_atom, const std::string&, const std::string&) -> uint32_t { return 0; },
    [=](info_atom) -> admin::actor_info { return {}; },
  };
}

TEST_F(write_path, rf3_push_succeeds_when_one_ingester_fails) {
  auto d = make_distributor({keep(sys().spawn(fake_ingester, uint16_t{500})),
                             keep(sys().spawn(fake_ingester, uint16_t{0})),
                             keep(sys().spawn(fake_ingester, uint16_t{0}))},
                            3);
  auto res = push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now, "x").build());
  EXPECT_EQ(res->status, 204);
}

TEST_F(write_path, rf3_push_fails_when_two_ingesters_fail) {
  auto d = make_distributor({keep(sys().spawn(fake_ingester, uint16_t{0})),
                             keep(sys().spawn(fake_ingester, uint16_t{429})),
                             keep(sys().spawn(fake_ingester, uint16_t{429}))},
                            3);
  auto res = push(d, "t1", push_builder{}.stream("{a=\"1\"}").entry(now, "x").build());
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->body, "boom");
}

TEST_F(write_path, silent_ingester_times_out_with_500) {
  auto d = make_distributor({keep(sys().spawn(fake_ingester, uint16_t{999}))});
  auto result = std::make_shared<std::optional<push_result>>();
  push_batch b;
  b.tenant = "t1";
  b.request = push_builder{}.stream("{a=\"1\"}").entry(now, "x").build();
  caf::anon_send(d, push_atom_v,
                 std::make_shared<push_job>(std::move(b), [result](push_result r) { *result = r; }));
  sched().run();
  EXPECT_FALSE(result->has_value());
  sched().advance_time(5s);
  sched().run();
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->status, 500);
  EXPECT_EQ((*result)->body,
            "failed to push to ingester: "
              + sys().render(caf::make_error(caf::sec::request_timeout)));
}

// Requests to local ingesters carry no CAF timeout each: one deadline sweep per
// distributor fails the overdue ones (distributor.hpp, Timers).
TEST_F(write_path, each_silent_push_times_out_at_its_own_deadline) {
  auto d = make_distributor({keep(sys().spawn(fake_ingester, uint16_t{999}))});
  auto send = [&] {
    auto result = std::make_shared<std::optional<push_result>>();
    push_batch b;
    b.tenant = "t1";
    b.request = push_builder{}.stream("{a=\"1\"}").entry(now, "x").build();
    caf::anon_send(d, push_atom_v,
                   std::make_shared<push_job>(std::move(b), [result](push_result r) {
                     EXPECT_FALSE(result->has_value()) << "answered twice";
                     *result = r;
                   }));
    sched().run();
    return result;
  };
  auto first = send();
  sched().advance_time(3s);
  sched().run();
  auto second = send(); // deadline 3s after the first one's
  sched().advance_time(2s);
  sched().run();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->status, 500);
  EXPECT_FALSE(second->has_value()) << "failed before its own deadline";
  sched().advance_time(2900ms);
  sched().run();
  EXPECT_FALSE(second->has_value()) << "failed before its own deadline";
  // The sweep notices a deadline at most min(timeout / 50, 100 ms) late.
  sched().advance_time(200ms);
  sched().run();
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->status, 500);
}

TEST_F(write_path, answered_pushes_are_not_failed_by_the_deadline_sweep) {
  // RF 3, one replica silent: the quorum answers 204 at once; the silent
  // replica's deadline passes later without a second answer.
  auto d = make_distributor({keep(sys().spawn(fake_ingester, uint16_t{0})),
                             keep(sys().spawn(fake_ingester, uint16_t{999})),
                             keep(sys().spawn(fake_ingester, uint16_t{0}))},
                            3);
  int answers = 0;
  std::optional<push_result> got;
  push_batch b;
  b.tenant = "t1";
  b.request = push_builder{}.stream("{a=\"1\"}").entry(now, "x").build();
  caf::anon_send(d, push_atom_v, std::make_shared<push_job>(std::move(b), [&](push_result r) {
                   ++answers;
                   got = r;
                 }));
  sched().run();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 204);
  sched().advance_time(10s);
  sched().run();
  EXPECT_EQ(answers, 1);
  EXPECT_EQ(got->status, 204);
  // Nothing left to sweep: no timer keeps firing.
  EXPECT_FALSE(sched().has_pending_timeout());
}

TEST_F(write_path, job_dropped_without_answer_replies_503) {
  std::optional<push_result> got;
  {
    push_batch b;
    auto job = std::make_shared<push_job>(std::move(b), [&got](push_result r) { got = r; });
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 503);
}

TEST_F(write_path, stopping_the_ingester_stops_its_tenants_and_streams) {
  auto ing = actors::spawn_ingester(sys(), [&] {
    actors::ingester_deps deps;
    deps.limits = limits_;
    deps.metrics = &reg_;
    return deps;
  }());
  ask<ingest_reply>(ing, push_atom_v,
                    batch("t1", push_builder{}.stream("{a=\"1\"}").entry(1, "x").build()));
  auto before = sys().registry().running();
  EXPECT_GE(before, 3u); // ingester, tenant, stream
  caf::anon_send_exit(ing, caf::exit_reason::user_shutdown);
  sched().run();
  EXPECT_EQ(sys().registry().running(), before - 3);
}

} // namespace
} // namespace skald
