// The flush cycle the ingester actors will run, driven by hand with a fake
// clock: sweep (should_enqueue / collect_flush) → flush queue (oldest first)
// → worker writes chunks + index (storage::write_chunks) on a file system
// failing writes → retry after util::backoff delays → mark flushed → drop
// after chunk_retain_period. A usage example for the flush-worker actor, and
// a check that the pure pieces fit together.
#include <gtest/gtest.h>

#include <memory>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/ingester/flush_policy.hpp"
#include "runtime/ingester/flush_queue.hpp"
#include "runtime/storage/store.hpp"
#include "runtime/util/backoff.hpp"

namespace skald::ingester {
namespace {

using namespace std::chrono_literals;

constexpr int64_t s_ns = 1'000'000'000;
constexpr int64_t t0 = 1'700'000'000 * s_ns;

struct test_stream {
  std::string tenant;
  model::label_set labels;
  uint64_t fp;
  std::vector<std::shared_ptr<chunkenc::mem_chunk>> chunks;
  std::vector<chunk_state> states;

  void append(int64_t ts, int64_t now) {
    if (chunks.empty() || states.back().closed) {
      chunks.push_back(std::make_shared<chunkenc::mem_chunk>());
      states.push_back({});
    }
    std::string line = "line at " + std::to_string(ts);
    (void)chunks.back()->append({ts, line, nullptr});
    auto b = chunks.back()->bounds();
    states.back().min_ts = b.min_ts;
    states.back().max_ts = b.max_ts;
    states.back().last_updated_ns = now;
  }
};

/// What a flush op carries: immutable snapshots of the chunks to flush.
struct flush_op {
  test_stream* stream;
  std::vector<size_t> indexes;
  std::vector<std::shared_ptr<const chunkenc::mem_chunk>> snapshots;
  util::backoff retry{util::backoff_policy{10s, 1min, 10}};
};

TEST(flush_cycle, chunks_flush_with_retries_and_leave_memory_after_retain) {
  storage::memory_fs mem;
  ASSERT_TRUE(mem.create_dirs("/data").ok());
  // The first 6 mutating operations fail: the first attempts fail.
  storage::error_fs fs{mem, [](auto, const std::string&, uint64_t seq) { return seq < 6; }};
  storage::chunk_store chunks{fs, "/data"};
  storage::index_options io;
  io.root = "/data";
  storage::index_store index{fs, io};

  flush_config cfg;
  cfg.chunk_retain_period = 15s;
  test_stream a{"t1", {{"app", "a"}}, 1, {}, {}};
  test_stream b{"t1", {{"app", "b"}}, 2, {}, {}};
  a.append(t0 + 5 * s_ns, t0);
  b.append(t0 + 1 * s_ns, t0); // older data: flushed first

  int64_t now = t0 + std::chrono::nanoseconds{30min}.count() + 1; // both idle
  flush_queue<flush_op> q;
  for (auto* s : {&a, &b}) {
    ASSERT_TRUE(should_enqueue(s->states, now, cfg));
    flush_op op{s, {}, {}};
    for (auto& pick : collect_flush(s->states, now, cfg)) {
      EXPECT_EQ(pick.reason, flush_reason::idle);
      ASSERT_TRUE(s->chunks[pick.index]->close().ok());
      op.indexes.push_back(pick.index);
      op.snapshots.push_back(s->chunks[pick.index]);
    }
    auto first_ts = s->states[op.indexes.front()].min_ts;
    ASSERT_TRUE(q.push(flush_op_key(s->tenant, s->fp, false), first_ts, std::move(op)));
  }

  std::vector<uint64_t> order;
  int retries = 0;
  while (auto op = q.pop()) {
    order.push_back(op->stream->fp);
    while (true) {
      std::vector<std::string> bytes;
      std::vector<storage::flush_chunk> batch;
      for (auto& c : op->snapshots)
        bytes.push_back(*c->encode());
      for (size_t i = 0; i < bytes.size(); ++i) {
        auto bnd = op->snapshots[i]->bounds();
        batch.push_back({bnd.min_ts, bnd.max_ts, uint32_t(op->snapshots[i]->entries()), bytes[i]});
      }
      auto r = storage::write_chunks(chunks, index, op->stream->tenant, op->stream->labels,
                                     op->stream->fp, batch);
      if (r.ok())
        break;
      ASSERT_TRUE(op->retry.ongoing()) << "gave up";
      auto delay = op->retry.next_delay(0.5);
      EXPECT_GE(delay, 10s);
      now += delay.count(); // the actor would delay_for(delay)
      ++retries;
    }
    for (size_t i : op->indexes)
      op->stream->states[i].flushed_ns = now;
  }
  EXPECT_EQ(order, (std::vector<uint64_t>{2, 1}));
  EXPECT_GT(retries, 0);

  // Flushed chunks stay until chunk_retain_period has passed.
  int64_t flushed_at = *a.states[0].flushed_ns;
  EXPECT_FALSE(should_drop(a.states[0], flushed_at + 15 * s_ns - 1, cfg));
  EXPECT_TRUE(should_drop(a.states[0], flushed_at + 15 * s_ns, cfg));
  EXPECT_EQ(should_flush(a.states[0], now, cfg), flush_reason::none);

  // The querier's view: both series, each with its chunk, readable.
  auto series = index.series("t1", {}, t0, t0 + 10 * s_ns);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 2u);
  for (auto& s : *series) {
    ASSERT_EQ(s.chunks.size(), 1u);
    auto got = chunks.get("t1", s.fingerprint, s.chunks[0]);
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    auto c = chunkenc::mem_chunk::decode(got->chunk_bytes);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->entries(), 1u);
  }
}

} // namespace
} // namespace skald::ingester
