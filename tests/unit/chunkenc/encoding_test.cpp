#include "runtime/chunkenc/encoding.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "chunk_test_util.hpp"

namespace skald::chunkenc {
namespace {

std::string sample_payload(size_t bytes) {
  std::string s;
  for (uint64_t i = 0; s.size() < bytes; ++i)
    s += testing::log_line(i) + '\n';
  s.resize(bytes);
  return s;
}

class codec_test : public ::testing::TestWithParam<encoding> {};

TEST_P(codec_test, round_trips_a_256k_block) {
  auto in = sample_payload(256 * 1024);
  buffer compressed;
  buffer out;
  ASSERT_TRUE(compress(GetParam(), in, compressed).ok());
  if (GetParam() != encoding::none) {
    EXPECT_LT(compressed.size(), in.size() / 2) << to_string(GetParam());
  }
  ASSERT_TRUE(decompress(GetParam(), compressed.view(), in.size(), out).ok());
  EXPECT_EQ(out.view(), in);
}

TEST_P(codec_test, round_trips_tiny_inputs) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{64}}) {
    auto in = sample_payload(n);
    buffer compressed;
    buffer out;
    ASSERT_TRUE(compress(GetParam(), in, compressed).ok());
    ASSERT_TRUE(decompress(GetParam(), compressed.view(), in.size(), out).ok()) << n;
    EXPECT_EQ(out.view(), in);
  }
}

TEST_P(codec_test, reused_buffers_give_the_same_result) {
  buffer compressed;
  buffer out;
  for (int round = 0; round < 3; ++round) {
    auto in = sample_payload(10000 + 5000 * round);
    ASSERT_TRUE(compress(GetParam(), in, compressed).ok());
    ASSERT_TRUE(decompress(GetParam(), compressed.view(), in.size(), out).ok());
    EXPECT_EQ(out.view(), in);
  }
}

TEST_P(codec_test, wrong_size_is_corrupt) {
  auto in = sample_payload(5000);
  buffer compressed;
  buffer out;
  ASSERT_TRUE(compress(GetParam(), in, compressed).ok());
  auto st = decompress(GetParam(), compressed.view(), in.size() + 1, out);
  EXPECT_EQ(st.code(), errc::corrupt_record);
  st = decompress(GetParam(), compressed.view(), in.size() - 1, out);
  EXPECT_EQ(st.code(), errc::corrupt_record);
}

TEST_P(codec_test, garbage_input_is_corrupt_not_a_crash) {
  if (GetParam() == encoding::none)
    GTEST_SKIP() << "none has no structure";
  std::string garbage(300, '\x5a');
  buffer out;
  auto st = decompress(GetParam(), garbage, 1000, out);
  EXPECT_EQ(st.code(), errc::corrupt_record);
}

INSTANTIATE_TEST_SUITE_P(all, codec_test, ::testing::ValuesIn(all_encodings),
                         [](const auto& info) { return std::string{to_string(info.param)}; });

TEST(encoding, names_parse_back) {
  for (auto e : all_encodings) {
    auto parsed = parse_encoding(to_string(e));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, e);
  }
  EXPECT_EQ(*parse_encoding("lz4-256k"), encoding::lz4);
  EXPECT_EQ(*parse_encoding("lz4-4M"), encoding::lz4);
  EXPECT_EQ(*parse_encoding("flate"), encoding::gzip);
  EXPECT_FALSE(parse_encoding("SNAPPY").ok());
  EXPECT_EQ(parse_encoding("brotli").error().code(), errc::invalid_argument);
  EXPECT_EQ(parse_encoding("").error().code(), errc::invalid_argument);
  EXPECT_FALSE(parse_encoding("invalid").ok());
}

// snappy_pieces: compressing a growing payload 64 KiB at a time must give
// exactly compress(snappy, payload), for any way the payload grows.
TEST(snappy_pieces, equals_one_snappy_call_for_any_growth) {
  const auto all = sample_payload(700 * 1024);
  const size_t frag = snappy_pieces::fragment_size;
  const size_t sizes[] = {0,        1,        200,      frag - 1,      frag,
                          frag + 1, 2 * frag, 3 * frag + 77, 4 * frag + 300, 10 * frag + 1};
  // Growth steps: one byte, a line's worth, exactly a fragment, several at once.
  const size_t steps[] = {1, 207, 4099, frag, 3 * frag + 5};
  snappy_pieces pieces;
  buffer expected;
  for (size_t total : sizes) {
    for (size_t step : steps) {
      if (step == 1 && total > 3 * frag)
        continue; // slow and adds nothing
      pieces.reset();
      std::string_view in{all.data(), total};
      for (size_t n = 0; n < total;) {
        n = std::min(total, n + step);
        pieces.advance(in.substr(0, n));
        EXPECT_EQ(pieces.done(), n / frag * frag);
      }
      auto got = pieces.finish(in);
      ASSERT_TRUE(compress(encoding::snappy, in, expected).ok());
      ASSERT_EQ(got, expected.view()) << "total " << total << " step " << step;
      buffer out;
      ASSERT_TRUE(decompress(encoding::snappy, got, total, out).ok());
      EXPECT_EQ(out.view(), in);
    }
  }
}

TEST(snappy_pieces, finish_without_advance_and_reuse_after_reset) {
  snappy_pieces pieces;
  buffer expected;
  for (size_t total : {size_t{300000}, size_t{5}, size_t{0}, size_t{200000}}) {
    auto in = sample_payload(total);
    pieces.reset();
    auto got = pieces.finish(in);
    ASSERT_TRUE(compress(encoding::snappy, in, expected).ok());
    EXPECT_EQ(got, expected.view()) << total;
  }
  EXPECT_GT(pieces.capacity(), 0u);
  pieces.release();
  EXPECT_EQ(pieces.capacity(), 0u);
  EXPECT_EQ(pieces.done(), 0u);
}

TEST(encoding, zero_is_reserved_and_default_is_snappy) {
  EXPECT_FALSE(is_valid(encoding::invalid));
  EXPECT_FALSE(is_valid(static_cast<encoding>(6)));
  EXPECT_EQ(static_cast<int>(encoding::invalid), 0);
  EXPECT_EQ(default_encoding, encoding::snappy);
}

} // namespace
} // namespace skald::chunkenc
