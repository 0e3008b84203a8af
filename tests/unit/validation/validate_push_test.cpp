// The distributor's validation pass over a decoded push (TestDistributor,
// Test_DiscardEmptyStreamsAfterValidation, Test_TruncateLogLines,
// Test_IncrementTimestamp, partial success).
#include "runtime/validation/validate_push.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <type_traits>

#include "runtime/push/decode.hpp"
#include "runtime/validation/reasons.hpp"
#include "tests/testutil/push_bodies.hpp"

namespace skald::validation {
namespace {

using namespace std::chrono_literals;
using push::testing::test_stream;

static_assert(std::is_nothrow_move_constructible_v<push::push_request>);
static_assert(std::is_copy_constructible_v<push::push_request>,
              "copies share storage; CAF 0.17 messages need copyable types");

const auto test_now = std::chrono::system_clock::time_point{std::chrono::seconds{1700000000}};
constexpr int64_t now_ns = int64_t{1700000000} * 1000000000;

push::push_request decode(const std::vector<test_stream>& streams) {
  push::decode_limits dl;
  dl.discover_service_name.clear();
  auto r = push::decode_push("application/x-protobuf", "", push::testing::proto_body(streams), dl);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? std::move(*r) : push::push_request{};
}

TEST(validate_push, hundred_too_long_lines_give_an_empty_request_and_one_grouped_error) {
  std::vector<test_stream> in{{R"({foo="bar"})", {}}};
  for (int i = 0; i < 100; ++i)
    in[0].entries.push_back({now_ns + i, "line " + std::to_string(i % 10) + "xxxx", {}});
  validation_limits lim;
  lim.max_line_size = 1;
  auto out = validate_push(make_context(lim, test_now, "user"), decode(in));
  EXPECT_TRUE(out.request.streams.empty());
  EXPECT_EQ(
      out.error,
      R"(100 errors like: max entry size '1' bytes exceeded for stream '{foo="bar"}' while adding an entry with length '10' bytes)");
  ASSERT_EQ(out.discarded.size(), 1u);
  EXPECT_EQ(out.discarded[0].reason, reason::line_too_long);
  EXPECT_EQ(out.discarded[0].entries, 100u);
  EXPECT_EQ(out.discarded[0].bytes, 1000u);
  EXPECT_EQ(out.valid_bytes, 0u);
}

TEST(validate_push, valid_streams_survive_next_to_invalid_ones) {
  std::vector<test_stream> in{
      {R"({app="ok"})",
       {{now_ns, "good", {}}, {now_ns - int64_t{30} * 24 * 3600 * 1000000000, "old", {}}}},
      {R"({a="1", a="2"})", {{now_ns, "dup", {}}}},
      {R"({empty=""})", {{now_ns, "no labels", {}}}},
      {R"({idle="stream"})", {}},
  };
  auto out = validate_push(make_context(validation_limits{}, test_now, "user"), decode(in));
  ASSERT_EQ(out.request.streams.size(), 1u);
  EXPECT_EQ(out.request.streams[0].labels, R"({app="ok"})");
  ASSERT_EQ(out.request.streams[0].entries.size(), 1u);
  EXPECT_EQ(out.request.streams[0].entries[0].line, "good");
  EXPECT_EQ(out.valid_lines, 1u);
  EXPECT_EQ(out.valid_bytes, 4u);
  EXPECT_EQ(out.error, "1 errors like: entry for stream '{app=\"ok\"}' has timestamp too old: "
                       "2023-10-15T22:13:20Z, oldest "
                       "acceptable timestamp is: 2023-11-07T22:13:20Z; "
                       "1 errors like: stream '{a=\"1\", a=\"2\"}' has duplicate label name: 'a'; "
                       "1 errors like: error at least one label pair is required per stream");
  ASSERT_EQ(out.discarded.size(), 3u);
  EXPECT_EQ(out.discarded[1].reason, reason::duplicate_label_names);
  EXPECT_EQ(out.discarded[2].reason, reason::missing_labels);
  EXPECT_EQ(out.discarded[2].bytes, 9u);
}

TEST(validate_push, no_errors_means_empty_error_text) {
  auto out = validate_push(make_context(validation_limits{}, test_now),
                           decode({{R"({a="b"})", {{now_ns, "x", {{"k", "v"}}}}}}));
  EXPECT_TRUE(out.error.empty());
  EXPECT_EQ(out.valid_bytes, 3u);
  EXPECT_EQ(out.request.metadata_bytes, 2u);
}

TEST(validate_push, truncation_with_and_without_identifier) {
  std::vector<test_stream> in{
      {R"({a="b"})", {{now_ns, "0123456789abcdef", {}}, {now_ns, "short", {}}}}};
  validation_limits lim;
  lim.max_line_size = 10;
  lim.max_line_size_truncate = true;
  auto plain = validate_push(make_context(lim, test_now), decode(in));
  ASSERT_EQ(plain.request.streams.size(), 1u);
  EXPECT_EQ(plain.request.streams[0].entries[0].line, "0123456789");
  EXPECT_EQ(plain.request.streams[0].entries[1].line, "short");
  EXPECT_EQ(plain.truncated_lines, 1u);
  EXPECT_EQ(plain.truncated_bytes, 6u);
  EXPECT_TRUE(plain.error.empty());

  lim.max_line_size_truncate_identifier = "...";
  std::optional<validated_push> ident = validate_push(make_context(lim, test_now), decode(in));
  // The rewritten line lives in extra_storage and survives copies of the request.
  push::push_request copy = ident->request;
  ident.reset();
  EXPECT_EQ(copy.streams[0].entries[0].line, "0123456...");
}

TEST(validate_push, increment_duplicate_timestamps_on_and_off) {
  std::vector<test_stream> in{
      {R"({job="foo"})",
       {{now_ns, "hi", {}}, {now_ns, "hey", {}}, {now_ns, "hey", {}}, {now_ns, "yo", {}}}}};
  validation_limits lim;
  auto off = validate_push(make_context(lim, test_now), decode(in));
  for (const auto& e : off.request.streams[0].entries)
    EXPECT_EQ(e.ts, now_ns);
  lim.increment_duplicate_timestamp = true;
  auto on = validate_push(make_context(lim, test_now), decode(in));
  const auto& es = on.request.streams[0].entries;
  ASSERT_EQ(es.size(), 4u);
  EXPECT_EQ(es[0].ts, now_ns);
  EXPECT_EQ(es[1].ts, now_ns + 1);
  // Same line as the previous entry: left alone (the ingester dedupes), and
  // Loki restarts the run from this entry's timestamp...
  EXPECT_EQ(es[2].ts, now_ns);
  // ...so the next different line is previous + 1ns again.
  EXPECT_EQ(es[3].ts, now_ns + 1);
  EXPECT_EQ(on.request.streams[0].fingerprint, 0x8eeb87f5eb220480ull);
}

TEST(validate_push, structured_metadata_is_sanitised_without_touching_the_decoded_copy) {
  auto decoded = decode({{R"({a="b"})", {{now_ns, "x", {{"http.method", "GET"}}}}}});
  const model::label_set* original = decoded.streams[0].entries[0].metadata;
  auto out = validate_push(make_context(validation_limits{}, test_now), decoded);
  EXPECT_EQ(out.sanitized_metadata, 1u);
  EXPECT_EQ(*out.request.streams[0].entries[0].metadata,
            (model::label_set{{"http_method", "GET"}}));
  EXPECT_EQ(*original, (model::label_set{{"http.method", "GET"}}));
}

TEST(validate_push, enforced_labels_discard_the_stream) {
  validation_limits lim;
  lim.enforced_labels = {"team"};
  auto out = validate_push(make_context(lim, test_now, "t1"),
                           decode({{R"({app="x"})", {{now_ns, "l", {}}}}}));
  EXPECT_TRUE(out.request.streams.empty());
  EXPECT_EQ(out.error,
            R"(missing required labels 'team' for user 't1' for stream '{app="x"}' (policy: ''))");
}

} // namespace
} // namespace skald::validation
