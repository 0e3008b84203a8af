// The distributor's validation pass (Loki pkg/distributor validator_test.go,
// distributor_test.go: TestDistributor, Test_IncrementTimestamp,
// Test_DiscardEmptyStreamsAfterValidation, Test_SortLabelsOnPush).
#include <gtest/gtest.h>

#include "runtime/distributor/prepare.hpp"
#include "runtime/model/hash.hpp"
#include "tests/testutil/push_builder.hpp"

using namespace skald;
using skald::testutil::push_builder;

namespace {

constexpr int64_t sec = 1'000'000'000;
constexpr int64_t now = 1'700'000'000 * sec;

config::limits_config limits() {
  return config::limits_config{};
}

} // namespace

TEST(prepare, valid_push_is_kept_with_tokens) {
  auto req = push_builder{}.stream("{foo=\"bar\"}").entry(now, "line1").entry(now + 1, "line2").build();
  auto p = distributor::prepare(req, "userID", limits(), now);
  EXPECT_TRUE(p.error.empty());
  EXPECT_EQ(p.lines, 2u);
  EXPECT_EQ(p.bytes, 10u);
  ASSERT_EQ(p.tokens.size(), 1u);
  EXPECT_EQ(p.tokens[0], model::stream_token("userID", "{foo=\"bar\"}"));
}

TEST(prepare, hundred_too_long_lines_are_grouped) {
  auto lim = limits();
  lim.max_line_size.bytes = 1;
  push_builder b;
  b.stream("{foo=\"bar\"}");
  for (int i = 0; i < 100; ++i)
    b.entry(now + i, "line " + std::to_string(i % 10) + "xxxx");
  auto req = b.build();
  auto p = distributor::prepare(req, "t", lim, now);
  EXPECT_EQ(p.error,
            "100 errors like: max entry size '1' bytes exceeded for stream '{foo=\"bar\"}' while "
            "adding an entry with length '10' bytes");
  EXPECT_EQ(p.lines, 0u);
  EXPECT_TRUE(req.streams.empty());
  EXPECT_EQ(p.discarded.at("line_too_long").samples, 100u);
}

TEST(prepare, single_error_is_returned_as_is_and_valid_streams_stay) {
  auto req = push_builder{}
               .stream("{a=\"1\"}").entry(now - 8 * 24 * 3600 * sec, "old")
               .stream("{b=\"2\"}").entry(now, "fine")
               .build();
  auto p = distributor::prepare(req, "t", limits(), now);
  EXPECT_EQ(p.error.rfind("entry for stream '{a=\"1\"}' has timestamp too old: ", 0), 0u);
  ASSERT_EQ(req.streams.size(), 1u);
  EXPECT_EQ(req.streams[0].labels, "{b=\"2\"}");
  EXPECT_EQ(p.lines, 1u);
}

TEST(prepare, too_many_label_names) {
  auto lim = limits();
  lim.max_label_names_per_series = 2;
  auto req = push_builder{}.stream("{a=\"1\", b=\"2\", c=\"3\"}").entry(now, "x").build();
  auto p = distributor::prepare(req, "t", lim, now);
  EXPECT_EQ(p.error, "entry for stream '{a=\"1\", b=\"2\", c=\"3\"}' has 3 label names; limit 2");
  EXPECT_EQ(p.discarded.count("max_label_names_per_series"), 1u);
}

TEST(prepare, timestamp_too_new) {
  auto req = push_builder{}.stream("{a=\"1\"}").entry(now + 3600 * sec, "x").build();
  auto p = distributor::prepare(req, "t", limits(), now);
  EXPECT_EQ(p.error.rfind("entry for stream '{a=\"1\"}' has timestamp too new: ", 0), 0u);
}

TEST(prepare, increment_duplicate_timestamp_chains) {
  auto lim = limits();
  lim.increment_duplicate_timestamp = true;
  auto req = push_builder{}
               .stream("{job=\"foo\"}")
               .entry(now, "a").entry(now, "b").entry(now, "c").entry(now + 5, "d").entry(now + 5, "d")
               .build();
  auto p = distributor::prepare(req, "t", lim, now);
  const auto& es = req.streams[0].entries;
  ASSERT_EQ(es.size(), 5u);
  EXPECT_EQ(es[0].ts, now);
  EXPECT_EQ(es[1].ts, now + 1);
  EXPECT_EQ(es[2].ts, now + 2);
  EXPECT_EQ(es[3].ts, now + 5);
  EXPECT_EQ(es[4].ts, now + 5); // same ts, same line: left for the ingester to dedupe
  EXPECT_EQ(req.streams[0].fingerprint, 0x8eeb87f5eb220480u);
}

TEST(prepare, rate_limit_text) {
  EXPECT_EQ(distributor::rate_limit_error("t", 100, 1, 60),
            "ingestion rate limit exceeded for user t (limit: 100 bytes/sec) while attempting to "
            "ingest '1' lines totaling '60' bytes, reduce log volume or contact your Loki "
            "administrator to see if the limit can be increased");
}

TEST(prepare, mixed_errors_are_grouped_with_counts) {
  distributor::error_grouper g;
  g.add("a");
  g.add("b");
  g.add("a");
  EXPECT_EQ(g.text(), "2 errors like: a; 1 errors like: b");
}
