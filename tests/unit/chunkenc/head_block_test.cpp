#include "runtime/chunkenc/head_block.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "runtime/chunkenc/buffer.hpp"
#include "runtime/chunkenc/entry_codec.hpp"

namespace skald::chunkenc {
namespace {

std::vector<std::pair<model::timestamp_ns, std::string>> records(std::string_view payload) {
  std::vector<std::pair<model::timestamp_ns, std::string>> out;
  const char* p = payload.data();
  const char* end = p + payload.size();
  model::timestamp_ns prev = 0;
  detail::record r;
  while (p < end) {
    EXPECT_TRUE(detail::get_record(p, end, prev, r));
    prev = r.ts;
    out.emplace_back(r.ts, std::string{r.line});
  }
  return out;
}

TEST(head_block, ordered_head_is_its_own_payload) {
  head_block h{1024};
  h.append({10, "a", nullptr});
  h.append({10, "b", nullptr});
  h.append({12, "c", nullptr});
  EXPECT_TRUE(h.ordered());
  buffer scratch;
  auto payload = h.sorted_payload(scratch);
  EXPECT_EQ(payload.data(), h.raw().data());
  EXPECT_TRUE(scratch.empty());
  EXPECT_EQ(h.entries(), 3u);
  EXPECT_EQ(h.min_ts(), 10);
  EXPECT_EQ(h.max_ts(), 12);
}

TEST(head_block, unordered_head_sorts_stably_on_cut) {
  head_block h;
  h.append({5, "five", nullptr});
  h.append({1, "one", nullptr});
  h.append({5, "five bis", nullptr});
  h.append({3, "three", nullptr});
  h.append({1, "one bis", nullptr});
  EXPECT_FALSE(h.ordered());
  buffer scratch;
  auto got = records(h.sorted_payload(scratch));
  std::vector<std::pair<model::timestamp_ns, std::string>> want = {
    {1, "one"}, {1, "one bis"}, {3, "three"}, {5, "five"}, {5, "five bis"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(h.min_ts(), 1);
  EXPECT_EQ(h.max_ts(), 5);
}

TEST(head_block, framing_costs_a_few_bytes_per_line) {
  head_block h;
  std::string line(200, 'x');
  for (int i = 0; i < 100; ++i)
    h.append({1'700'000'000'000'000'000 + i * 1'000'000, line, nullptr});
  // First record carries the absolute ts (9 bytes); then 3-byte deltas,
  // 2-byte length, 1-byte metadata count.
  EXPECT_LE(h.size(), 100u * (200 + 6) + 9);
}

TEST(head_block, contains_matches_ts_line_and_metadata) {
  head_block h;
  model::label_set md{{"a", "1"}};
  h.append({3, "x", &md});
  h.append({2, "y", nullptr});
  EXPECT_TRUE(h.contains({3, "x", &md}));
  EXPECT_FALSE(h.contains({3, "x", nullptr}));
  EXPECT_TRUE(h.contains({2, "y", nullptr}));
  EXPECT_FALSE(h.contains({2, "x", nullptr}));
  EXPECT_FALSE(h.contains({4, "x", &md}));
  model::label_set empty;
  EXPECT_TRUE(h.contains({2, "y", &empty})); // empty metadata = none
}

TEST(head_block, contains_finds_equal_timestamps_in_ordered_and_unordered_heads) {
  head_block h;
  h.append({1, "a", nullptr});
  h.append({2, "b", nullptr});
  h.append({2, "c", nullptr});
  h.append({3, "d", nullptr});
  h.append({3, "e", nullptr});
  ASSERT_TRUE(h.ordered());
  EXPECT_TRUE(h.contains({3, "d", nullptr})); // trailing run
  EXPECT_TRUE(h.contains({3, "e", nullptr}));
  EXPECT_FALSE(h.contains({3, "c", nullptr}));
  EXPECT_TRUE(h.contains({2, "b", nullptr})); // before the run
  EXPECT_TRUE(h.contains({1, "a", nullptr}));
  EXPECT_FALSE(h.contains({2, "d", nullptr}));
  h.append({2, "f", nullptr});
  ASSERT_FALSE(h.ordered());
  EXPECT_TRUE(h.contains({3, "e", nullptr}));
  EXPECT_TRUE(h.contains({2, "f", nullptr}));
  EXPECT_FALSE(h.contains({3, "f", nullptr}));
  h.clear();
  h.append({7, "x", nullptr});
  EXPECT_TRUE(h.contains({7, "x", nullptr}));
}

TEST(head_block, clear_keeps_capacity_release_frees_it) {
  head_block h{4096};
  for (int i = 0; i < 100; ++i)
    h.append({i, "some line", nullptr});
  auto cap = h.memory_usage();
  EXPECT_GT(cap, 0u);
  h.clear();
  EXPECT_TRUE(h.empty());
  EXPECT_TRUE(h.ordered());
  EXPECT_EQ(h.memory_usage(), cap);
  h.release();
  EXPECT_EQ(h.memory_usage(), 0u);
}

TEST(varint, round_trips_go_encoding) {
  buffer b;
  const int64_t values[] = {0, 1, -1, 63, -64, 64, 300, -300,
                            std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min()};
  for (auto v : values)
    b.put_varint(v);
  b.put_uvarint(~uint64_t{0});
  const char* p = b.data();
  const char* end = p + b.size();
  for (auto v : values) {
    int64_t got;
    ASSERT_TRUE(get_varint(p, end, got));
    EXPECT_EQ(got, v);
    EXPECT_EQ(varint_size(v), [&] {
      buffer one;
      one.put_varint(v);
      return one.size();
    }());
  }
  uint64_t u;
  ASSERT_TRUE(get_uvarint(p, end, u));
  EXPECT_EQ(u, ~uint64_t{0});
  EXPECT_EQ(p, end);
  // Go: -1 → 0x01, 1 → 0x02, 300 (uvarint) → 0xAC 0x02.
  buffer go;
  go.put_varint(-1);
  go.put_varint(1);
  go.put_uvarint(300);
  EXPECT_EQ(go.view(), std::string_view("\x01\x02\xAC\x02", 4));
}

// put_record writes the delta, length and line through one prepare()/commit()
// reservation: byte-for-byte what the per-field encoders write, for every
// delta width (negative ones from out-of-order appends) and with metadata.
TEST(varint, put_record_matches_the_field_encoders) {
  const model::label_set md{{"trace_id", "abc"}, {"span", std::string(200, 's')}};
  const model::label_set none;
  const std::string long_line(300, 'x');
  struct c {
    int64_t prev;
    int64_t ts;
    std::string_view line;
    const model::label_set* metadata;
  };
  const c cases[] = {
      {0, 0, "", nullptr},
      {100, 5, "back in time", nullptr},
      {0, std::numeric_limits<int64_t>::max(), long_line, nullptr},
      {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), "wrap", nullptr},
      {7, 8, "with metadata", &md},
      {7, 8, "empty metadata", &none},
  };
  buffer got;
  buffer want;
  for (const auto& k : cases) {
    const size_t before = got.size();
    detail::put_record(got, k.prev, {k.ts, k.line, k.metadata});
    EXPECT_EQ(got.size() - before, detail::record_size(k.prev, {k.ts, k.line, k.metadata}));
    want.put_varint(detail::ts_delta(k.ts, k.prev));
    want.put_uvarint(k.line.size());
    want.append(k.line);
    want.put_uvarint(k.metadata ? k.metadata->size() : 0);
    if (k.metadata)
      for (const auto& l : *k.metadata) {
        want.put_uvarint(l.name.size());
        want.append(l.name);
        want.put_uvarint(l.value.size());
        want.append(l.value);
      }
    EXPECT_EQ(got.view(), want.view());
  }
  EXPECT_EQ(got.view(), want.view());
  // prepare() reserves without changing size(); commit() publishes.
  buffer b;
  char* p = b.prepare(3);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_GE(b.capacity(), 3u);
  p = write_uvarint(p, 300);
  b.commit(static_cast<size_t>(p - b.data()));
  EXPECT_EQ(b.view(), std::string_view("\xAC\x02", 2));
}

TEST(varint, truncated_and_overlong_input_is_rejected) {
  const char trunc[] = {'\x80', '\x80'};
  const char* p = trunc;
  uint64_t u;
  EXPECT_FALSE(get_uvarint(p, trunc + 2, u));
  const char overlong[] = {'\xFF', '\xFF', '\xFF', '\xFF', '\xFF', '\xFF', '\xFF', '\xFF', '\xFF', '\x02'};
  p = overlong;
  EXPECT_FALSE(get_uvarint(p, overlong + 10, u));
}

} // namespace
} // namespace skald::chunkenc
