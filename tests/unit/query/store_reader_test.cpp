// Unit: the store reader — index lookup by matcher groups and time, chunk
// objects fetched and decoded, the per-stream limit's subset, labels_only —
// over runtime/storage on an in-memory file system.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/chunkenc/iterator.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/model/hash.hpp"
#include "runtime/query/store_reader.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/storage/store.hpp"

namespace skald::query {
namespace {

constexpr int64_t sec = 1'000'000'000;
constexpr int64_t t0 = 1'700'000'000 * sec;

class store_reader_test : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(fs_.create_dirs("/s").ok());
    storage::index_options o;
    o.root = "/s";
    index_ = std::make_unique<storage::index_store>(fs_, o);
  }

  /// Flushes `n_chunks` chunks of 100 entries, 1 s apart, for `ls`.
  void flush(model::label_set ls, int n_chunks) {
    std::vector<std::string> bytes;
    std::vector<storage::flush_chunk> batch;
    for (int c = 0; c < n_chunks; ++c) {
      chunkenc::mem_chunk ch;
      for (int i = 0; i < 100; ++i) {
        std::string line = "c" + std::to_string(c) + " i" + std::to_string(i);
        ch.append({t0 + (c * 100 + i) * sec, line, nullptr});
      }
      ASSERT_TRUE(ch.close().ok());
      auto enc = ch.encode();
      ASSERT_TRUE(enc.ok());
      bytes.push_back(std::move(*enc));
      storage::flush_chunk f;
      f.min_ts = ch.bounds().min_ts;
      f.max_ts = ch.bounds().max_ts;
      f.entries = static_cast<uint32_t>(ch.entries());
      batch.push_back(f);
    }
    for (size_t i = 0; i < batch.size(); ++i)
      batch[i].bytes = bytes[i];
    auto r = storage::write_chunks(chunks_, *index_, "t1", ls, model::fingerprint(ls), batch);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }

  store_query query(const std::string& selector, int64_t from, int64_t through) {
    store_query q;
    q.tenant = "t1";
    auto ms = logql::parse_matchers(selector);
    EXPECT_TRUE(ms.ok());
    q.groups.push_back(*ms);
    q.from = from;
    q.through = through;
    return q;
  }

  storage::memory_fs fs_;
  storage::chunk_store chunks_{fs_, "/s"};
  std::unique_ptr<storage::index_store> index_;
};

size_t entries_in(const store_data& d, int64_t from, int64_t through) {
  size_t n = 0;
  for (const auto& s : d.series)
    for (const auto& c : s.chunks) {
      auto k = c->count(from, through);
      n += k.ok() ? *k : 0;
    }
  return n;
}

TEST_F(store_reader_test, reads_the_chunks_of_matching_series_in_range) {
  flush({{"app", "a"}, {"run", "x"}}, 5);
  flush({{"app", "b"}, {"run", "x"}}, 5);
  auto q = query("{app=\"a\"}", t0 + 150 * sec, t0 + 350 * sec);
  auto d = read_store(chunks_, *index_, q);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  ASSERT_EQ(d->series.size(), 1u);
  EXPECT_EQ(d->series[0].refs.size(), 3u); // chunks 1, 2, 3
  EXPECT_EQ(d->chunks_fetched, 3u);
  EXPECT_EQ(entries_in(*d, q.from, q.through), 200u);
  EXPECT_FALSE(d->series[0].chunks[0]->has_metadata());
}

TEST_F(store_reader_test, groups_union_and_a_series_in_two_groups_is_read_once) {
  flush({{"app", "a"}, {"run", "x"}}, 2);
  flush({{"app", "b"}, {"run", "x"}}, 2);
  auto q = query("{run=\"x\"}", t0, t0 + 1000 * sec);
  q.groups.push_back(*logql::parse_matchers("{app=\"a\"}"));
  auto d = read_store(chunks_, *index_, q);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->series.size(), 2u);
  EXPECT_EQ(d->chunks_fetched, 4u);
  EXPECT_EQ(entries_in(*d, q.from, q.through), 400u);
}

TEST_F(store_reader_test, labels_only_fetches_no_chunk) {
  flush({{"app", "a"}}, 3);
  auto q = query("{app=~\".+\"}", t0, t0 + 1000 * sec);
  q.labels_only = true;
  auto d = read_store(chunks_, *index_, q);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->series.size(), 1u);
  EXPECT_EQ(d->series[0].refs.size(), 3u);
  EXPECT_EQ(d->series[0].refs[0].entries, 100u);
  EXPECT_EQ(d->chunks_fetched, 0u);
}

TEST_F(store_reader_test, per_stream_limit_fetches_only_reachable_chunks_in_direction) {
  flush({{"app", "a"}}, 6);
  auto q = query("{app=\"a\"}", t0, t0 + 600 * sec);
  q.per_stream_limit = 150;
  q.dir = logql::direction::forward;
  auto d = read_store(chunks_, *index_, q);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->chunks_fetched, 2u);
  EXPECT_EQ(d->series[0].chunks[0]->bounds().min_ts, t0);
  q.dir = logql::direction::backward;
  d = read_store(chunks_, *index_, q);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->chunks_fetched, 2u);
  EXPECT_EQ(d->series[0].chunks[0]->bounds().max_ts, t0 + 599 * sec);
}

TEST(store_reader_matchers, logql_and_index_matchers_are_one_type_with_one_semantics) {
  static_assert(std::is_same_v<logql::label_matcher, storage::label_matcher>);
  auto parsed = logql::parse_matchers("{a=~\"x.*\", b!~\"\", c=\"\"}");
  ASSERT_TRUE(parsed.ok());
  auto re = storage::make_matcher("a", storage::match_type::re, "x.*");
  auto nre = storage::make_matcher("b", storage::match_type::nre, "");
  ASSERT_TRUE(re.ok() && nre.ok());
  for (std::string v : {"", "x", "xyz", "yx", "x\ny"}) {
    EXPECT_EQ((*parsed)[0].matches(v), re->matches(v)) << v;
    EXPECT_EQ((*parsed)[1].matches(v), nre->matches(v)) << v;
  }
  EXPECT_TRUE((*parsed)[2].matches_empty());
  EXPECT_EQ(re->to_string(), "a=~\"x.*\"");
}

TEST_F(store_reader_test, a_cancelled_query_stops_before_the_next_chunk) {
  flush({{"app", "a"}}, 3);
  std::atomic<bool> cancel{true};
  auto q = query("{app=\"a\"}", t0, t0 + 1000 * sec);
  q.cancel = &cancel;
  auto d = read_store(chunks_, *index_, q);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), errc::timeout);
  cancel = false;
  d = read_store(chunks_, *index_, q);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->chunks_fetched, 3u);
}

TEST_F(store_reader_test, a_missing_chunk_object_is_an_error) {
  flush({{"app", "a"}}, 1);
  auto q = query("{app=\"a\"}", t0, t0 + 100 * sec);
  auto d = read_store(chunks_, *index_, q);
  ASSERT_TRUE(d.ok());
  auto id = storage::id_of("t1", d->series[0].fingerprint, d->series[0].refs[0]);
  ASSERT_TRUE(fs_.remove(chunks_.path_of(id)).ok());
  d = read_store(chunks_, *index_, q);
  ASSERT_FALSE(d.ok());
}

TEST_F(store_reader_test, a_corrupt_chunk_object_is_an_error_not_data) {
  flush({{"app", "a"}}, 1);
  auto q = query("{app=\"a\"}", t0, t0 + 100 * sec);
  auto d = read_store(chunks_, *index_, q);
  ASSERT_TRUE(d.ok());
  auto path = chunks_.path_of(storage::id_of("t1", d->series[0].fingerprint, d->series[0].refs[0]));
  auto bytes = fs_.read_file(path);
  ASSERT_TRUE(bytes.ok());
  (*bytes)[bytes->size() / 2] ^= 0x40;
  ASSERT_TRUE(fs_.write_file(path, *bytes, true).ok());
  d = read_store(chunks_, *index_, q);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), errc::corrupt_record);
}

} // namespace
} // namespace skald::query
