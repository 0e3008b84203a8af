// Unit: the querier's chunk source — merge and dedupe of in-memory snapshots
// and stored chunks, and the count fast path from block metadata, each
// compared with the engine's general path over a memory_source holding the
// same (deduped) entries.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/chunkenc/iterator.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/logql/engine.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/query/chunk_source.hpp"

namespace skald::query {
namespace {

constexpr int64_t sec = 1'000'000'000;
constexpr int64_t t0 = 1'700'000'000 * sec;

using chunkenc::mem_chunk;

/// A chunk of small blocks holding `es` (appended in the given order).
mem_chunk make_chunk(const std::vector<model::entry>& es, bool close = true) {
  mem_chunk c{chunkenc::encoding::snappy, 300, 0};
  for (const auto& e : es) {
    model::entry_view v{e.ts, e.line, e.metadata.empty() ? nullptr : &e.metadata};
    EXPECT_EQ(c.append(v), chunkenc::append_result::appended);
  }
  if (close) {
    EXPECT_TRUE(c.close().ok());
  }
  return c;
}

/// What the store reader hands over: encoded, then decoded.
chunk_ptr stored(const mem_chunk& c) {
  auto bytes = c.encode();
  EXPECT_TRUE(bytes.ok());
  auto d = mem_chunk::decode(*bytes);
  EXPECT_TRUE(d.ok());
  return std::make_shared<const mem_chunk>(std::move(*d));
}

chunk_ptr in_memory(const mem_chunk& c) {
  return std::make_shared<const mem_chunk>(c.snapshot());
}

std::string render(const logql::query_result& r) {
  std::ostringstream o;
  o.precision(17);
  for (const auto& s : r.streams) {
    o << logql::labels_string(s.labels) << "\n";
    for (const auto& e : s.entries)
      o << "  " << e.ts << " " << e.line << " " << e.metadata.size() << "\n";
  }
  for (const auto& v : r.vector)
    o << logql::labels_string(v.labels) << " = " << v.v << "\n";
  for (const auto& s : r.matrix) {
    o << logql::labels_string(s.labels) << "\n";
    for (const auto& p : s.points)
      o << "  " << p.t_ns << " " << p.v << "\n";
  }
  return o.str();
}

std::string run(logql::entry_source& src, const std::string& q, logql::query_params p) {
  auto e = logql::parse(q);
  EXPECT_TRUE(e.ok()) << q;
  logql::engine eng(src);
  auto r = eng.query(*e, p);
  EXPECT_TRUE(r.ok()) << q << ": " << r.error().message();
  return r.ok() ? render(*r) : std::string{};
}

/// Counts count_windows() calls that answered (to prove the fast path ran).
class counting_source final : public logql::entry_source {
public:
  explicit counting_source(chunk_source& s) : s_(s) {}
  result<logql::stream_iterators> select(const std::vector<logql::label_matcher>& m, int64_t from,
                                         int64_t through, logql::direction dir) override {
    return s_.select(m, from, through, dir);
  }
  bool count_windows(const std::vector<logql::label_matcher>& m, const logql::window_spec& w,
                     std::vector<logql::window_counts>& out) override {
    bool ok = s_.count_windows(m, w, out);
    answered += ok ? 1 : 0;
    return ok;
  }
  int answered = 0;

private:
  chunk_source& s_;
};

TEST(query_chunk_source, identical_chunk_in_memory_and_store_is_read_once) {
  std::vector<model::entry> es;
  for (int i = 0; i < 50; ++i)
    es.push_back({t0 + i * sec, "line " + std::to_string(i), {}});
  auto c = make_chunk(es);
  chunk_source src;
  model::label_set ls{{"app", "a"}};
  src.add(ls, {in_memory(c)});
  src.add(ls, {stored(c), stored(c)});
  src.finish();
  ASSERT_EQ(src.streams().size(), 1u);
  EXPECT_EQ(src.streams()[0].chunks.size(), 1u);
  EXPECT_EQ(src.streams()[0].duplicates, 2u);
  for (auto dir : {logql::direction::forward, logql::direction::backward}) {
    auto its = src.select({}, t0, t0 + 100 * sec, dir);
    ASSERT_TRUE(its.ok());
    ASSERT_EQ(its->size(), 1u);
    model::entry_view v;
    std::vector<int64_t> got;
    while ((*its)[0]->next(v))
      got.push_back(v.ts);
    ASSERT_EQ(got.size(), 50u);
    EXPECT_TRUE(dir == logql::direction::forward ? std::is_sorted(got.begin(), got.end())
                                                 : std::is_sorted(got.rbegin(), got.rend()));
  }
}

TEST(query_chunk_source, overlapping_chunks_keep_each_entry_once_and_same_ts_different_lines) {
  // Memory holds entries 0..59, the store 40..99 (a different chunk cut):
  // 40..59 are in both. At ts 70 two different lines share the timestamp.
  std::vector<model::entry> all;
  for (int i = 0; i < 100; ++i)
    all.push_back({t0 + i * sec, "l" + std::to_string(i), {}});
  all.insert(all.begin() + 71, model::entry{t0 + 70 * sec, "l70-bis", {}});
  std::vector<model::entry> mem(all.begin(), all.begin() + 60);
  std::vector<model::entry> sto(all.begin() + 40, all.end());
  chunk_source src;
  model::label_set ls{{"app", "a"}};
  src.add(ls, {in_memory(make_chunk(mem, false))});
  src.add(ls, {stored(make_chunk(sto))});
  src.finish();
  ASSERT_EQ(src.streams()[0].groups.size(), 1u);
  logql::memory_source ref;
  for (const auto& e : all)
    ref.add(ls, e);
  logql::query_params p;
  p.start_ns = t0;
  p.end_ns = t0 + 200 * sec;
  p.step_ns = 0;
  for (auto dir : {logql::direction::forward, logql::direction::backward})
    for (uint32_t limit : {1u, 30u, 65u, 1000u}) {
      p.dir = dir;
      p.limit = limit;
      p.step_ns = 0;
      EXPECT_EQ(run(src, "{app=\"a\"}", p), run(ref, "{app=\"a\"}", p)) << limit;
    }
  p.start_ns = p.end_ns = t0 + 100 * sec;
  EXPECT_EQ(run(src, "count_over_time({app=\"a\"}[200s])", p), "{app=\"a\"} = 101\n");
}

struct random_case {
  chunk_source src;
  logql::memory_source ref;
};

/// Random streams cut into chunks that overlap by a few entries; each chunk
/// lands in memory (open or closed), in the store, or in both.
void fill_random(random_case& rc, uint32_t seed, bool with_metadata, bool overlap = true) {
  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> gap(1, 2000); // ms
  std::uniform_int_distribution<int> len(0, 40);
  std::uniform_int_distribution<int> where(0, 3);
  const char* apps[] = {"a", "b", "c"};
  for (int s = 0; s < 6; ++s) {
    model::label_set ls{{"app", apps[s % 3]}, {"pod", "p" + std::to_string(s)}, {"run", "x"}};
    std::vector<model::entry> es;
    int64_t ts = t0;
    const int n = 300 + s * 97;
    for (int i = 0; i < n; ++i) {
      ts += gap(rng) * 1'000'000;
      model::entry e{ts, std::string(static_cast<size_t>(len(rng)), 'x') + std::to_string(i), {}};
      if (with_metadata && i % 50 == 7)
        e.metadata = {{"trace", std::to_string(i % 3)}};
      es.push_back(e);
      rc.ref.add(ls, e);
    }
    for (int first = 0; first < n; first += 80) {
      int last = std::min(n, first + 80 + (overlap && first % 3 == 0 ? 10 : 0)); // some overlap
      std::vector<model::entry> part(es.begin() + first, es.begin() + last);
      if (first % 160 == 0) // out of order inside the chunk
        std::reverse(part.begin(), part.end());
      int w = where(rng);
      auto c = make_chunk(part, w != 0);
      if (w == 0 || w == 1 || w == 3)
        rc.src.add(ls, {in_memory(c)});
      if (w == 2 || w == 3)
        rc.src.add(ls, {stored(c)});
    }
  }
  rc.src.finish();
}

const char* metric_queries[] = {
    "count_over_time({run=\"x\"}[5m])",
    "sum(count_over_time({run=\"x\"}[1h]))",
    "sum by (app) (rate({run=\"x\"}[2m]))",
    "bytes_over_time({app=\"a\"}[10m])",
    "sum without (pod) (bytes_rate({run=\"x\"}[7m]))",
    "count_over_time({run=\"x\"}[90s] offset 1m)",
    "sum(count_over_time({run=\"x\"}[20m]))",
    "count_over_time({app=\"b\"}[5s])",
};

class query_chunk_source_random : public ::testing::TestWithParam<uint32_t> {};

void check_counts(uint32_t seed, bool overlap) {
  random_case rc;
  fill_random(rc, seed, false, overlap);
  for (const auto& s : rc.src.streams())
    EXPECT_EQ(s.overlaps(), overlap && s.chunks.size() > 1);
  counting_source cs{rc.src};
  const int64_t span = 900 * sec; // data spans ~300..1000 s after t0
  struct shape {
    int64_t start, end, step;
  };
  std::vector<shape> shapes = {
      {t0 + span, t0 + span, 0},             // instant
      {t0 + 2000 * sec, t0 + 2000 * sec, 0}, // instant, window holds everything
      {t0, t0 + span, 60 * sec},             // 16 steps
      {t0 + 100 * sec, t0 + span, 10 * sec}, // 81 steps
      {t0 + 333 * sec, t0 + 777 * sec, 37 * sec},
  };
  for (const auto* q : metric_queries)
    for (const auto& sh : shapes) {
      logql::query_params p;
      p.start_ns = sh.start;
      p.end_ns = sh.end;
      p.step_ns = sh.step;
      EXPECT_EQ(run(cs, q, p), run(rc.ref, q, p)) << q << " step " << sh.step;
    }
  EXPECT_GT(cs.answered, 0);
  EXPECT_TRUE(rc.src.error().ok());
}

TEST_P(query_chunk_source_random, counts_from_metadata_equal_the_general_path) {
  check_counts(GetParam(), false);
}

TEST_P(query_chunk_source_random, counts_of_overlapping_chunks_equal_the_general_path) {
  check_counts(GetParam(), true);
}

TEST_P(query_chunk_source_random, log_queries_equal_the_general_path) {
  random_case rc;
  fill_random(rc, GetParam(), false);
  for (auto dir : {logql::direction::forward, logql::direction::backward})
    for (uint32_t limit : {7u, 100u, 5000u}) {
      logql::query_params p;
      p.start_ns = t0 + 50 * sec;
      p.end_ns = t0 + 600 * sec;
      p.dir = dir;
      p.limit = limit;
      for (const char* q : {"{run=\"x\"}", "{app=~\"a|b\"} |= \"1\""})
        EXPECT_EQ(run(rc.src, q, p), run(rc.ref, q, p)) << q << " " << limit;
    }
}

TEST_P(query_chunk_source_random, structured_metadata_falls_back_and_splits_series) {
  random_case rc;
  fill_random(rc, GetParam(), true);
  counting_source cs{rc.src};
  logql::query_params p;
  p.start_ns = t0;
  p.end_ns = t0 + 900 * sec;
  p.step_ns = 60 * sec;
  for (const auto* q : metric_queries)
    EXPECT_EQ(run(cs, q, p), run(rc.ref, q, p)) << q;
  EXPECT_EQ(cs.answered, 0); // every chunk may carry metadata: general path
}

INSTANTIATE_TEST_SUITE_P(seeds, query_chunk_source_random, ::testing::Values(1u, 2u, 3u, 42u));

TEST(query_chunk_source, metadata_flag_survives_encoding) {
  std::vector<model::entry> plain{{t0, "a", {}}, {t0 + 1, "b", {}}};
  auto with = plain;
  with[1].metadata = {{"k", "v"}};
  EXPECT_FALSE(make_chunk(plain).has_metadata());
  EXPECT_FALSE(stored(make_chunk(plain))->has_metadata());
  EXPECT_TRUE(make_chunk(with).has_metadata());
  EXPECT_TRUE(stored(make_chunk(with))->has_metadata());
  // Open chunks (WAL checkpoints) keep a zero flags byte: "may have".
  auto open_bytes = make_chunk(plain, false).encode();
  ASSERT_TRUE(open_bytes.ok());
  EXPECT_EQ((*open_bytes)[6], 0);
  auto reopened = mem_chunk::decode_open(*open_bytes);
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(reopened->has_metadata());
}

TEST(query_chunk_source, decode_shared_points_into_the_object_and_reads_like_decode) {
  std::vector<model::entry> es;
  for (int i = 0; i < 60; ++i)
    es.push_back({t0 + i * sec, "entry " + std::to_string(i), {}});
  auto bytes = make_chunk(es).encode();
  ASSERT_TRUE(bytes.ok());
  auto object = std::make_shared<const std::string>("HEADER" + *bytes + "TRAILER");
  auto shared = mem_chunk::decode_shared(object, 6, bytes->size());
  ASSERT_TRUE(shared.ok()) << shared.error().message();
  ASSERT_GT(shared->blocks().size(), 1u);
  const char* b0 = shared->blocks()[0].data.data();
  EXPECT_TRUE(b0 >= object->data() && b0 < object->data() + object->size());
  auto plain = mem_chunk::decode(*bytes);
  ASSERT_TRUE(plain.ok());
  auto a = shared->iterate(INT64_MIN, chunkenc::unbounded);
  auto b = plain->iterate(INT64_MIN, chunkenc::unbounded);
  size_t n = 0;
  while (a.next()) {
    ASSERT_TRUE(b.next());
    EXPECT_EQ(a.at().ts, b.at().ts);
    EXPECT_EQ(a.at().line, b.at().line);
    ++n;
  }
  EXPECT_FALSE(b.next());
  EXPECT_EQ(n, 60u);
  // A flipped byte in a block: its CRC catches it unless the caller vouches
  // for the bytes (verify_blocks = false, after checking the object's CRC).
  std::string bad = *bytes;
  bad[10] ^= 0x01;
  auto bad_object = std::make_shared<const std::string>(bad);
  EXPECT_FALSE(mem_chunk::decode_shared(bad_object, 0, bad.size()).ok());
  EXPECT_TRUE(mem_chunk::decode_shared(bad_object, 0, bad.size(), false).ok());
  EXPECT_FALSE(mem_chunk::decode_shared(bad_object, 1, bad.size()).ok()); // out of range
}

TEST(query_chunk_source, snapshot_does_not_change_with_later_appends) {
  mem_chunk c{chunkenc::encoding::snappy, 300, 0};
  for (int i = 0; i < 40; ++i)
    c.append({t0 + i, "line" + std::to_string(i), nullptr});
  auto snap = in_memory(c);
  ASSERT_GT(snap->blocks().size(), 0u);
  EXPECT_EQ(static_cast<const void*>(snap->blocks()[0].data.data()),
            static_cast<const void*>(c.blocks()[0].data.data())); // shared bytes
  for (int i = 40; i < 80; ++i)
    c.append({t0 + i, "line" + std::to_string(i), nullptr});
  EXPECT_EQ(snap->entries(), 40u);
  auto n = snap->count(INT64_MIN, chunkenc::unbounded);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 40u);
}

} // namespace
} // namespace skald::query
