#include "runtime/chunkenc/encoding.hpp"

#include <gtest/gtest.h>

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

TEST(encoding, zero_is_reserved_and_default_is_snappy) {
  EXPECT_FALSE(is_valid(encoding::invalid));
  EXPECT_FALSE(is_valid(static_cast<encoding>(6)));
  EXPECT_EQ(static_cast<int>(encoding::invalid), 0);
  EXPECT_EQ(default_encoding, encoding::snappy);
}

} // namespace
} // namespace skald::chunkenc
