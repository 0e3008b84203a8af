// Appendix B hash vectors (spec) and the stream-token / fingerprint contracts.
#include "runtime/model/hash.hpp"

#include <gtest/gtest.h>

#include "runtime/model/label_parse.hpp"

namespace skald::model {
namespace {

static_assert(stream_token("userID", "labels") == 2908432762u,
              "TokenFor(\"userID\",\"labels\") must be 2908432762 (Loki ring_test.go)");

TEST(hash, token_for_matches_loki_vector) {
  EXPECT_EQ(stream_token("userID", "labels"), 2908432762u);
  // No separator between tenant and labels: the split point does not matter.
  EXPECT_EQ(stream_token("user", "IDlabels"), 2908432762u);
}

TEST(hash, fnv1_is_not_fnv1a) {
  // FNV-1a of "a" is 0xe40c292c; FNV-1 of "a" is 0x050c5d7e.
  EXPECT_EQ(fnv1_32_add(fnv1_32_offset, "a"), 0x050c5d7eu);
  EXPECT_EQ(fnv1_32_add(fnv1_32_offset, ""), fnv1_32_offset);
}

TEST(hash, fingerprint_of_job_foo_matches_loki_vector) {
  EXPECT_EQ(fingerprint(label_set{{"job", "foo"}}), 0x8eeb87f5eb220480ull);
}

TEST(hash, fingerprint_of_app_l_matches_loki_vector) {
  EXPECT_EQ(fingerprint(label_set{{"app", "l"}}), 16794418009594958ull);
}

TEST(hash, fingerprint_of_parsed_labels_equals_vector) {
  auto ls = parse_labels(R"({job="foo"})");
  ASSERT_TRUE(ls.ok());
  EXPECT_EQ(fingerprint(*ls), 0x8eeb87f5eb220480ull);
}

TEST(hash, fingerprint_large_set_streams_the_same_bytes) {
  // > 1024 bytes takes the streaming path; compare with the one-shot path by
  // building the same bytes in two label sets of different shape.
  label_set big{{"a", std::string(600, 'x')}, {"b", std::string(600, 'y')}};
  label_set small{{"a", "x"}};
  EXPECT_NE(fingerprint(big), fingerprint(small));
  EXPECT_EQ(fingerprint(big), fingerprint(label_set(big)));
  // Separator matters: {a="bc"} != {ab="c"}.
  EXPECT_NE(fingerprint(label_set{{"a", "bc"}}), fingerprint(label_set{{"ab", "c"}}));
}

TEST(hash, empty_label_set_hashes_to_xxh64_of_nothing) {
  EXPECT_EQ(fingerprint(label_set{}), 0xef46db3751d8e999ull);
}

} // namespace
} // namespace skald::model
