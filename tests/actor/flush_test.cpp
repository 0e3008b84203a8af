// Actor tests of the flush path on CAF's deterministic test coordinator:
// the ingester's sweep timer, stream actors picking chunks with the flush
// policy, flush workers writing a storage::memory_fs through an error_fs that
// fails chosen operations, retries with backoff until max_retries or
// flush_op_timeout, a worker's queue written oldest data first, the issue's
// metrics, the retain period, stream removal (and its stream-limit release).
// Time only moves by advance_time.
// (Loki: TestChunkFlushingIdle, TestChunkFlushingShutdown, Test_FlushOp,
// TestFlushMaxAge.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <caf/event_based_actor.hpp>

#include "actors/ingester/flush_worker.hpp"
#include "actors/ingester/ingester.hpp"
#include "runtime/chunkenc/iterator.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/index_store.hpp"
#include "testutil/caf_fixture.hpp"
#include "testutil/push_builder.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testutil::push_builder;

constexpr int64_t sec = 1'000'000'000;
constexpr int64_t t0 = 1'700'000'000 * sec;

class flush_test : public testutil::caf_fixture {
protected:
  flush_test() : limits_(std::make_shared<limits::overrides>(config::limits_config{})) {
    mem_ = std::make_shared<storage::memory_fs>();
    EXPECT_TRUE(mem_->create_dirs("/store").ok());
    efs_ = std::make_shared<storage::error_fs>(
        *mem_, [this](storage::error_fs::op o, const std::string& path, uint64_t) {
          if (o == storage::error_fs::op::write)
            writes_.push_back(path);
          return fail_.load();
        });
    store_ = std::make_shared<actors::flush_store>();
    store_->base = mem_;
    store_->fs = efs_;
    store_->chunks = std::make_unique<storage::chunk_store>(*efs_, "/store");
    storage::index_options io;
    io.root = "/store";
    store_->index = std::make_unique<storage::index_store>(*efs_, io);
  }

  /// Two workers, an ingester sweeping every 30s; chunk_idle_period 30m.
  ingester_actor
  make_ingester(std::chrono::nanoseconds retain = 0s, int max_retries = 3,
                std::function<bool(const std::string&, const std::string&)> owned = nullptr,
                std::chrono::nanoseconds op_timeout = 10min) {
    for (int i = 0; i < 2; ++i)
      workers_.push_back(make_worker(max_retries, op_timeout, 42 + static_cast<uint64_t>(i)));
    actors::ingester_deps deps;
    deps.limits = limits_;
    deps.metrics = &reg_;
    deps.timeout = 5s;
    deps.flushers = workers_;
    deps.flush.chunk_idle_period = 30min;
    deps.flush.max_chunk_age = 2h;
    deps.flush.chunk_retain_period = retain;
    deps.flush_check_period = 30s;
    deps.seed = 7;
    deps.owned = std::move(owned);
    return keep(actors::spawn_ingester(sys(), deps));
  }

  /// A flush worker on the test coordinator writing store_; backoff 1s -> 4s.
  flush_worker_actor make_worker(int max_retries, std::chrono::nanoseconds op_timeout,
                                 uint64_t seed) {
    actors::flush_worker_deps fd;
    fd.store = store_;
    fd.backoff.min_period = 1s;
    fd.backoff.max_period = 4s;
    fd.backoff.max_retries = max_retries;
    fd.op_timeout = op_timeout;
    fd.metrics = &reg_;
    fd.detached = false;
    fd.seed = seed;
    return keep(actors::spawn_flush_worker(sys(), fd));
  }

  ingest_ptr batch(const std::string& tenant, push::push_request req) {
    auto b = std::make_shared<push_batch>();
    b->tenant = tenant;
    b->request = std::move(req);
    return b;
  }

  ingest_reply push(const ingester_actor& ing, const std::string& tenant, push::push_request req) {
    auto r = ask<ingest_reply>(ing, push_atom_v, batch(tenant, std::move(req)));
    EXPECT_TRUE(r);
    return r ? *r : ingest_reply{};
  }

  /// Moves the clock in 10s steps, running what falls due.
  void advance(std::chrono::nanoseconds d) {
    for (auto left = d; left > 0s; left -= 10s) {
      sched().advance_time(std::min<std::chrono::nanoseconds>(left, 10s));
      sched().run();
    }
  }

  using reply_slot = std::shared_ptr<std::optional<flush_reply>>;

  /// Starts an immediate flush from a client actor; the slot fills when the
  /// ingester answers.
  reply_slot start_flush(const ingester_actor& ing, const std::string& tenant = "") {
    auto out = std::make_shared<std::optional<flush_reply>>();
    sys().spawn([ing, tenant, out](caf::event_based_actor* self) {
      self->request(ing, caf::infinite, flush_atom_v,
                    static_cast<uint8_t>(ingester::flush_mode::immediate), tenant)
          .then([out](flush_reply& r) { *out = r; });
    });
    sched().run();
    return out;
  }

  /// An immediate flush, letting time pass (retries) until it is answered.
  std::optional<flush_reply> flush_all(const ingester_actor& ing, const std::string& tenant = "") {
    auto out = start_flush(ing, tenant);
    for (int i = 0; i < 200 && !*out; ++i) {
      sched().advance_time(1s);
      sched().run();
    }
    EXPECT_TRUE(*out) << "no answer to the flush";
    return *out;
  }

  /// Every stored line of the tenant's series matching app=<app>.
  std::vector<std::string> stored_lines(const std::string& tenant, const std::string& app) {
    std::vector<std::string> out;
    auto m = storage::make_matcher("app", storage::match_type::eq, app);
    auto series = store_->index->series(tenant, {*m}, 0, INT64_MAX / 2);
    EXPECT_TRUE(series.ok());
    if (!series.ok())
      return out;
    for (const auto& s : *series)
      for (const auto& ref : s.chunks) {
        auto c = store_->chunks->get(tenant, s.fingerprint, ref);
        EXPECT_TRUE(c.ok()) << c.error().to_string();
        if (!c.ok())
          continue;
        auto mc = chunkenc::mem_chunk::decode(c->chunk_bytes);
        EXPECT_TRUE(mc.ok());
        auto it = mc->iterate(INT64_MIN, INT64_MAX);
        while (it.next())
          out.emplace_back(it.at().line);
      }
    return out;
  }

  double metric(const std::string& needle) {
    auto text = "\n" + reg_.render();
    auto p = text.find("\n" + needle + " ");
    if (p == std::string::npos)
      return -1;
    return std::stod(text.substr(p + needle.size() + 2));
  }

  uint32_t streams(const ingester_actor& ing) {
    auto s = ask<ingester_stats>(ing, status_atom_v);
    return s ? s->streams : 999;
  }

  metrics::registry reg_;
  std::shared_ptr<limits::overrides> limits_;
  std::shared_ptr<storage::memory_fs> mem_;
  std::shared_ptr<storage::error_fs> efs_;
  std::atomic<bool> fail_{false};
  /// Paths of every write_file, in order (chunk temp files, index segments).
  std::vector<std::string> writes_;
  std::shared_ptr<actors::flush_store> store_;
  std::vector<flush_worker_actor> workers_;
};

push::push_request two_lines(const std::string& app) {
  return push_builder{}
      .stream("{app=\"" + app + "\"}")
      .entry(t0, "one")
      .entry(t0 + sec, "two")
      .build();
}

TEST_F(flush_test, sweep_flushes_an_idle_chunk_and_removes_the_stream) {
  auto ing = make_ingester();
  EXPECT_EQ(push(ing, "t1", two_lines("a")).status, 0);
  EXPECT_EQ(streams(ing), 1u);
  // 30 minutes idle is not idle yet (strictly greater), whatever the sweeps.
  advance(29min);
  EXPECT_TRUE(stored_lines("t1", "a").empty());
  EXPECT_EQ(streams(ing), 1u);
  // Past the idle period the next sweep (<= 36s later) flushes.
  advance(2min);
  EXPECT_EQ(stored_lines("t1", "a"), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"idle\"}"), 1);
  EXPECT_EQ(metric("loki_ingester_chunk_entries_count"), 1);
  EXPECT_EQ(metric("loki_ingester_memory_chunks"), 0);
  // Retain period 0: the chunk left memory and the stream with it.
  EXPECT_EQ(streams(ing), 0u);
  EXPECT_EQ(metric("loki_ingester_streams_removed_total{tenant=\"t1\"}"), 1);
  EXPECT_EQ(metric("loki_ingester_memory_streams{tenant=\"t1\"}"), 0);
  EXPECT_EQ(metric("loki_ingester_flush_queue_length"), 0);
}

// A stream answers a sweep "no chunks left" while the next push's append to
// it is already on its way (appends are one-way, messages/push.hpp): the
// tenant compares the appends it sent with those the stream had applied when
// it answered (flush_reply::appends) and keeps it, so the line stays.
TEST_F(flush_test, a_stream_is_kept_when_an_append_was_sent_after_its_sweep_answer) {
  auto ing = make_ingester();
  // A stream without chunks: its first push is over the per-stream burst
  // (all or nothing); the later one-line push is not.
  config::limits_config tight;
  tight.per_stream_rate_limit.bytes = 10;
  tight.per_stream_rate_limit_burst.bytes = 10;
  std::map<std::string, config::limits_config, std::less<>> m;
  m.emplace("t1", tight);
  limits_->set(std::move(m));
  EXPECT_EQ(push(ing, "t1",
                 push_builder{}.stream("{app=\"a\"}").entry(t0, "12345678").entry(t0 + sec, "12345678").build())
                .status,
            429);
  EXPECT_EQ(streams(ing), 1u);
  // The flush request reaches the ingester first, the push right after it:
  // the tenant sends the stream its sweep, then the append; the stream
  // answers the sweep before it applies the append.
  auto out = std::make_shared<std::optional<flush_reply>>();
  sys().spawn([ing, out](caf::event_based_actor* self) {
    self->request(ing, caf::infinite, flush_atom_v,
                  static_cast<uint8_t>(ingester::flush_mode::immediate), std::string{"t1"})
        .then([out](flush_reply& r) { *out = r; });
  });
  ASSERT_TRUE(sched().try_run_once()); // the client's request
  std::optional<caf::expected<ingest_reply>> got;
  caf::anon_send(ing, push_atom_v,
                 batch("t1", push_builder{}.stream("{app=\"a\"}").entry(t0 + 5 * sec, "three").build()),
                 std::make_shared<ingest_done>([&got](caf::expected<ingest_reply> r) { got = r; }));
  sched().run();
  ASSERT_TRUE(*out);
  EXPECT_EQ((*out)->removed, 0u);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((**got).status, 0);
  EXPECT_EQ(streams(ing), 1u);
  auto d = ask<stream_dump>(ing, read_atom_v, std::string{"t1"}, std::string{"{app=\"a\"}"});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->lines, (std::vector<std::string>{"three"}));
}

TEST_F(flush_test, immediate_flush_answers_after_the_store_write) {
  auto ing = make_ingester();
  push(ing, "t1", two_lines("a"));
  push(ing, "t2", two_lines("b"));
  auto r = flush_all(ing);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ops, 2u);
  EXPECT_EQ(r->chunks, 2u);
  EXPECT_EQ(r->failed, 0u);
  EXPECT_EQ(r->removed, 2u);
  EXPECT_EQ(stored_lines("t1", "a"), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(stored_lines("t2", "b"), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"forced\"}"), 2);
  // The metrics, one observation per stored chunk (per op for the
  // duration); the size is the encoded chunk's.
  EXPECT_EQ(metric("loki_ingester_chunk_size_bytes_count"), 2);
  EXPECT_GT(metric("loki_ingester_chunk_size_bytes_sum"), 0);
  EXPECT_EQ(metric("loki_ingester_chunk_entries_sum"), 4);
  EXPECT_EQ(metric("loki_ingester_chunk_utilization_count"), 2);
  EXPECT_EQ(metric("skald_ingester_flush_duration_seconds_count"), 2);
  EXPECT_EQ(metric("loki_ingester_flush_queue_length"), 0);
  EXPECT_EQ(metric("loki_ingester_chunks_flush_failures_total"), 0);
}

TEST_F(flush_test, flush_of_one_tenant_leaves_the_others) {
  auto ing = make_ingester();
  push(ing, "t1", two_lines("a"));
  push(ing, "t2", two_lines("b"));
  auto r = flush_all(ing, "t2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->chunks, 1u);
  EXPECT_TRUE(stored_lines("t1", "a").empty());
  EXPECT_EQ(stored_lines("t2", "b").size(), 2u);
  EXPECT_EQ(streams(ing), 1u);
}

TEST_F(flush_test, failed_writes_are_retried_with_backoff_until_they_succeed) {
  auto ing = make_ingester();
  push(ing, "t1", two_lines("a"));
  fail_ = true;
  auto out = start_flush(ing);
  EXPECT_EQ(metric("loki_ingester_chunks_flush_failures_total"), 1);
  // The first retry waits at least min_period (1s).
  sched().advance_time(900ms);
  sched().run();
  EXPECT_EQ(metric("loki_ingester_chunks_flush_failures_total"), 1);
  sched().advance_time(1200ms);
  sched().run();
  EXPECT_EQ(metric("loki_ingester_chunks_flush_failures_total"), 2);
  EXPECT_FALSE(*out); // still retrying
  fail_ = false;
  for (int i = 0; i < 10 && !*out; ++i) {
    sched().advance_time(1s);
    sched().run();
  }
  ASSERT_TRUE(*out);
  EXPECT_EQ((*out)->failed, 0u);
  EXPECT_EQ(stored_lines("t1", "a"), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"forced\"}"), 1);
  EXPECT_EQ(streams(ing), 0u);
}

TEST_F(flush_test, gives_up_after_the_retries_and_keeps_the_chunk) {
  auto ing = make_ingester(0s, 2);
  push(ing, "t1", two_lines("a"));
  fail_ = true;
  auto r = flush_all(ing);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->chunks, 1u);
  EXPECT_EQ(r->failed, 1u);
  EXPECT_EQ(metric("loki_ingester_chunks_flush_failures_total"), 3); // first try + 2 retries
  EXPECT_EQ(metric("loki_ingester_memory_chunks"), 1);
  EXPECT_EQ(streams(ing), 1u);
  auto dump = ask<stream_dump>(ing, read_atom_v, std::string{"t1"}, std::string{"{app=\"a\"}"});
  ASSERT_TRUE(dump);
  EXPECT_EQ(dump->lines.size(), 2u);
  // The store heals: the closed chunk goes out with the next (periodic) sweep.
  fail_ = false;
  advance(1min);
  EXPECT_EQ(stored_lines("t1", "a"), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"full\"}"), 1);
  EXPECT_EQ(streams(ing), 0u);
}

// flush_op_timeout bounds the retries even when max_retries does not: the
// backoff step that would end past the timeout is cut short, the last try
// is at the timeout, then the op gives up (counted) and the chunk stays.
TEST_F(flush_test, gives_up_at_flush_op_timeout_and_keeps_the_chunk) {
  auto ing = make_ingester(0s, 0 /* retry forever */, nullptr, 10s);
  push(ing, "t1", two_lines("a"));
  fail_ = true;
  auto out = start_flush(ing);
  for (int i = 0; i < 99; ++i) { // 9.9s
    sched().advance_time(100ms);
    sched().run();
  }
  EXPECT_FALSE(*out) << "gave up before flush_op_timeout";
  const auto tries = metric("loki_ingester_chunks_flush_failures_total");
  EXPECT_GE(tries, 3); // 0s, then 1-2s, then +2-4s, ...
  sched().advance_time(100ms);
  sched().run();
  ASSERT_TRUE(*out) << "still retrying at flush_op_timeout";
  EXPECT_EQ((*out)->failed, 1u);
  EXPECT_EQ(metric("loki_ingester_chunks_flush_failures_total"), tries + 1);
  EXPECT_EQ(metric("loki_ingester_memory_chunks"), 1);
  EXPECT_EQ(streams(ing), 1u);
  EXPECT_TRUE(stored_lines("t1", "a").empty());
}

// One worker with ops of three streams queued at once writes them oldest
// data first (first_ts), not in arrival order.
TEST_F(flush_test, a_worker_writes_its_queued_ops_oldest_first) {
  auto w = make_worker(3, 10min, 1);
  auto op_of = [](const std::string& tenant, int64_t first_ts) {
    auto op = std::make_shared<flush_op>();
    op->tenant = tenant;
    auto ls = model::parse_labels("{app=\"x\"}");
    EXPECT_TRUE(ls.ok());
    op->labels = *ls;
    op->fingerprint = model::fingerprint(op->labels);
    op->first_ts = first_ts;
    flush_chunk_snapshot c;
    c.min_ts = first_ts;
    c.max_ts = first_ts + sec;
    c.entries = 1;
    chunkenc::mem_chunk chunk;
    const std::string line = "chunk of " + tenant;
    EXPECT_EQ(chunk.append(model::entry_view{first_ts, line, nullptr}),
              chunkenc::append_result::appended);
    EXPECT_TRUE(chunk.close().ok());
    c.chunk = std::make_shared<const chunkenc::mem_chunk>(std::move(chunk));
    op->chunks.push_back(std::move(c));
    return flush_op_ptr{std::move(op)};
  };
  auto answered = std::make_shared<int>(0);
  sys().spawn([w, op_of, answered](caf::event_based_actor* self) {
    const std::vector<std::pair<std::string, int64_t>> ops{
        {"new", t0 + 2 * sec}, {"old", t0}, {"mid", t0 + sec}};
    for (const auto& [tenant, ts] : ops)
      self->request(w, caf::infinite, flush_atom_v, op_of(tenant, ts))
          .then([answered](flush_reply& r) { *answered += r.failed == 0 ? 1 : 100; });
  });
  sched().run();
  EXPECT_EQ(*answered, 3);
  std::vector<std::string> order;
  for (const auto& p : writes_)
    for (const char* t : {"old", "mid", "new"})
      if (p.rfind("/store/" + std::string{t} + "/", 0) == 0)
        order.emplace_back(t);
  EXPECT_EQ(order, (std::vector<std::string>{"old", "mid", "new"}));
}

TEST_F(flush_test, flushed_chunks_stay_queryable_for_the_retain_period) {
  auto ing = make_ingester(10min);
  push(ing, "t1", two_lines("a"));
  auto r = flush_all(ing);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->removed, 0u);
  EXPECT_EQ(stored_lines("t1", "a").size(), 2u);
  EXPECT_EQ(streams(ing), 1u);
  EXPECT_EQ(metric("loki_ingester_memory_chunks"), 1);
  advance(9min);
  auto dump = ask<stream_dump>(ing, read_atom_v, std::string{"t1"}, std::string{"{app=\"a\"}"});
  ASSERT_TRUE(dump);
  EXPECT_EQ(dump->lines, (std::vector<std::string>{"one", "two"}));
  // Flushed once: later sweeps do not write it again.
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"forced\"}"), 1);
  advance(2min);
  EXPECT_EQ(metric("loki_ingester_memory_chunks"), 0);
  EXPECT_EQ(streams(ing), 0u);
}

TEST_F(flush_test, appends_after_a_flush_go_to_a_new_chunk) {
  auto ing = make_ingester(10min);
  push(ing, "t1", two_lines("a"));
  ASSERT_TRUE(flush_all(ing));
  EXPECT_EQ(
      push(ing, "t1", push_builder{}.stream("{app=\"a\"}").entry(t0 + 2 * sec, "three").build())
          .status,
      0);
  EXPECT_EQ(metric("loki_ingester_chunks_created_total"), 2);
  auto r = flush_all(ing);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->chunks, 1u); // only the new chunk
  EXPECT_EQ(stored_lines("t1", "a"), (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(flush_test, a_removed_stream_releases_its_place_in_the_stream_limit) {
  config::limits_config l;
  l.max_streams_per_user = 1;
  l.max_global_streams_per_user = 0;
  std::map<std::string, config::limits_config, std::less<>> m;
  m.emplace("t1", l);
  limits_->set(std::move(m));
  auto ing = make_ingester();
  EXPECT_EQ(push(ing, "t1", two_lines("a")).status, 0);
  EXPECT_EQ(push(ing, "t1", two_lines("b")).status, 429);
  ASSERT_TRUE(flush_all(ing));
  EXPECT_EQ(streams(ing), 0u);
  EXPECT_EQ(push(ing, "t1", two_lines("b")).status, 0);
}

TEST_F(flush_test, max_age_flushes_a_chunk_spanning_more_than_max_chunk_age) {
  auto ing = make_ingester();
  // Data time span > 2h within one chunk (wall clock does not move).
  auto req = push_builder{}
                 .stream("{app=\"a\"}")
                 .entry(t0, "old")
                 .entry(t0 + 2 * 3600 * sec + sec, "new")
                 .build();
  EXPECT_EQ(push(ing, "t1", std::move(req)).status, 0);
  advance(1min);
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"max_age\"}"), 1);
  EXPECT_EQ(stored_lines("t1", "a"), (std::vector<std::string>{"old", "new"}));
}

TEST_F(flush_test, no_flush_sweeps_when_the_data_is_fresh) {
  auto ing = make_ingester();
  push(ing, "t1", two_lines("a"));
  advance(5min);
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"idle\"}"), -1);
  EXPECT_TRUE(mem_->files().empty() || stored_lines("t1", "a").empty());
  EXPECT_EQ(streams(ing), 1u);
}

// Loki's Test_flush_not_owned_stream: after a ring change the periodic sweep
// flushes the streams this ingester no longer owns (reason not_owned), fresh
// data or not, and leaves the owned ones alone.
TEST_F(flush_test, sweep_flushes_streams_the_ring_moved_away_as_not_owned) {
  auto owned = [](const std::string& tenant, const std::string& labels) {
    return !(tenant == "t1" && labels.find("app=\"a\"") != std::string::npos);
  };
  auto ing = make_ingester(0s, 3, owned);
  push(ing, "t1", two_lines("a"));
  push(ing, "t1", two_lines("b"));
  advance(1min); // one or two sweeps; nothing idle, full or old
  EXPECT_EQ(stored_lines("t1", "a"), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(stored_lines("t1", "b").empty());
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"not_owned\"}"), 1);
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"idle\"}"), -1);
}

} // namespace
} // namespace skald
