// push::label_cache (Loki's 100k LRU of parsed stream labels, spec §3.1 step
// 7): a hit gives exactly what a fresh parse gives, invalid label text is
// never cached and keeps its error text, the bound holds, and decode_push
// with a cache decodes exactly as without one.
#include "runtime/push/label_cache.hpp"

#include <gtest/gtest.h>

#include <string>

#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/push/decode.hpp"
#include "tests/testutil/push_bodies.hpp"

namespace skald::push {
namespace {

const std::vector<std::string> discover = decode_limits::default_discover_service_name();

void expect_same(const stream_labels& a, const stream_labels& b) {
  EXPECT_EQ(a.label_set, b.label_set);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
}

TEST(label_cache, hit_returns_what_a_fresh_parse_returns) {
  label_cache c;
  const auto tag = discovery_tag(discover);
  for (std::string raw : {R"({buzz="f", service_name="foo", a="b"})", R"({app="x", pod="p-1"})",
                          R"(foo{job="j", empty=""})", R"({job="foo"})", "{}",
                          R"({__pattern__="x"})", R"({a="caf\u00e9 \"q\""})"}) {
    auto fresh = resolve_stream_labels(raw, discover);
    ASSERT_TRUE(fresh.ok()) << raw;
    auto miss = c.resolve(raw, discover, tag);
    ASSERT_TRUE(miss.ok());
    expect_same(**miss, *fresh);
    auto hit = c.resolve(raw, discover, tag);
    ASSERT_TRUE(hit.ok());
    expect_same(**hit, *fresh);
  }
  EXPECT_EQ(c.misses(), 7u);
  EXPECT_EQ(c.hits(), 7u);
  // The canonical form and hashes are Loki's (spec §3.1, Appendix B).
  auto r = c.resolve(R"({buzz="f", service_name="foo", a="b"})", discover, tag);
  EXPECT_EQ((*r)->labels, R"({a="b", buzz="f", service_name="foo"})");
  auto j = c.resolve(R"({job="foo"})", {}, discovery_tag({}));
  EXPECT_EQ((*j)->fingerprint, 0x8eeb87f5eb220480ull);
}

TEST(label_cache, invalid_labels_are_not_cached_and_keep_the_parse_error_text) {
  label_cache c;
  const auto tag = discovery_tag(discover);
  const std::string raw = R"({ab")";
  auto fresh = resolve_stream_labels(raw, discover);
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.error().message(),
            "couldn't parse labels: 1:4: parse error: unterminated quoted string");
  for (int i = 0; i < 3; ++i) {
    auto r = c.resolve(raw, discover, tag);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), errc::invalid_argument);
    EXPECT_EQ(r.error().message(), fresh.error().message());
  }
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.hits(), 0u);
}

TEST(label_cache, a_different_discovery_list_is_not_served_from_the_cache) {
  label_cache c;
  const std::string raw = R"({app="shop", job="j"})";
  auto with = c.resolve(raw, discover, discovery_tag(discover));
  ASSERT_TRUE(with.ok());
  EXPECT_EQ((*with)->labels, R"({app="shop", job="j", service_name="shop"})");
  const std::vector<std::string> job_only{"job"};
  auto other = c.resolve(raw, job_only, discovery_tag(job_only));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)->labels, R"({app="shop", job="j", service_name="j"})");
  auto none = c.resolve(raw, {}, discovery_tag({}));
  EXPECT_EQ((*none)->labels, R"({app="shop", job="j"})");
  EXPECT_NE(discovery_tag(discover), discovery_tag(job_only));
  EXPECT_NE(discovery_tag({"ab", "c"}), discovery_tag({"a", "bc"}));
  EXPECT_EQ(c.size(), 1u);
}

TEST(label_cache, holds_at_most_capacity_entries_least_recently_used_go_first) {
  label_cache c{3};
  const auto tag = discovery_tag(discover);
  auto raw = [](int i) { return R"({app="a)" + std::to_string(i) + R"("})"; };
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(c.resolve(raw(i), discover, tag).ok());
  ASSERT_TRUE(c.resolve(raw(0), discover, tag).ok()); // a0 recent again
  ASSERT_TRUE(c.resolve(raw(3), discover, tag).ok()); // evicts a1
  EXPECT_EQ(c.size(), 3u);
  const auto misses = c.misses();
  ASSERT_TRUE(c.resolve(raw(0), discover, tag).ok());
  ASSERT_TRUE(c.resolve(raw(2), discover, tag).ok());
  EXPECT_EQ(c.misses(), misses); // both still there
  ASSERT_TRUE(c.resolve(raw(1), discover, tag).ok());
  EXPECT_EQ(c.misses(), misses + 1); // a1 was evicted
  EXPECT_EQ(c.capacity(), 3u);
  EXPECT_EQ(label_cache{}.capacity(), 100000u);
}

TEST(label_cache, byte_budget_bounds_huge_label_text) {
  label_cache c{100, 64 * 1024};
  const auto tag = discovery_tag(discover);
  std::string big_value(20000, 'v');
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(c.resolve(R"({app="a)" + std::to_string(i) + R"(", big=")" + big_value + R"("})",
                          discover, tag)
                    .ok());
  EXPECT_LE(c.bytes(), 64u * 1024);
  EXPECT_LT(c.size(), 10u);
  EXPECT_GE(c.size(), 1u);
}

TEST(label_cache, decode_push_with_a_cache_decodes_exactly_as_without) {
  std::vector<testing::test_stream> streams = {
      {R"({app="checkout", env="prod"})", {{1700000000000000000, "one", {}}}},
      {R"({job="x", pod="p"})", {{1700000000000000001, "two", {}}, {1700000000000000002, "3", {}}}},
      {R"({app="checkout", env="prod"})", {{1700000000000000003, "four", {}}}},
  };
  const std::string body = testing::proto_body(streams);
  label_cache c;
  decode_limits limits;
  for (int round = 0; round < 2; ++round) {
    auto plain = decode_push("application/x-protobuf", "", body, limits);
    auto cached = decode_push("application/x-protobuf", "", body, limits, json_format::v1, &c);
    ASSERT_TRUE(plain.ok());
    ASSERT_TRUE(cached.ok());
    ASSERT_EQ(plain->streams.size(), cached->streams.size());
    for (size_t i = 0; i < plain->streams.size(); ++i) {
      EXPECT_EQ(plain->streams[i].labels, cached->streams[i].labels);
      EXPECT_EQ(plain->streams[i].label_set, cached->streams[i].label_set);
      EXPECT_EQ(plain->streams[i].fingerprint, cached->streams[i].fingerprint);
      EXPECT_EQ(cached->streams[i].fingerprint, model::fingerprint(cached->streams[i].label_set));
      EXPECT_EQ(cached->streams[i].labels, model::canonical_string(cached->streams[i].label_set));
    }
    EXPECT_EQ(plain->lines, cached->lines);
  }
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.misses(), 2u);
  EXPECT_EQ(c.hits(), 4u);
  // A bad stream fails the whole request with the same text, cache or not.
  streams.push_back({R"({ab")", {{1700000000000000004, "bad", {}}}});
  const std::string bad = testing::proto_body(streams);
  auto plain = decode_push("application/x-protobuf", "", bad, limits);
  auto cached = decode_push("application/x-protobuf", "", bad, limits, json_format::v1, &c);
  ASSERT_FALSE(plain.ok());
  ASSERT_FALSE(cached.ok());
  EXPECT_EQ(plain.error().message(), cached.error().message());
  EXPECT_EQ(cached.error().message(),
            "couldn't parse labels: 1:4: parse error: unterminated quoted string");
}

} // namespace
} // namespace skald::push
