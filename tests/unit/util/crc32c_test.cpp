#include "runtime/util/crc32c.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace skald::util {
namespace {

TEST(crc32c, matches_the_castagnoli_check_value) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(detail::crc32c_extend_portable(0, "123456789", 9), 0xE3069283u);
}

TEST(crc32c, empty_input_is_zero) {
  EXPECT_EQ(crc32c(std::string_view{}), 0u);
}

TEST(crc32c, matches_rfc3720_vectors) {
  std::string zeros(32, '\0');
  std::string ones(32, '\xFF');
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
}

TEST(crc32c, extend_equals_whole_and_both_implementations_agree) {
  std::string data;
  for (int i = 0; i < 1000; ++i)
    data.push_back(static_cast<char>(i * 131 + 7));
  for (size_t split : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{333}, data.size()}) {
    auto a = crc32c(data.data(), split);
    EXPECT_EQ(crc32c_extend(a, data.data() + split, data.size() - split), crc32c(data));
  }
  for (size_t len = 0; len < 40; ++len)
    EXPECT_EQ(crc32c(data.data() + 3, len),
              detail::crc32c_extend_portable(0, data.data() + 3, len));
}

TEST(crc32c, interleaved_chains_agree_with_the_table_on_every_block_boundary) {
  // The SSE4.2 path splits inputs of >= 3 x 256 bytes into three chains
  // (3 x 8192 first): lengths around each boundary, odd offsets, and
  // continuing from a non-zero CRC.
  std::string data;
  for (int i = 0; i < 3 * 8192 * 2 + 4096; ++i)
    data.push_back(static_cast<char>((i * 2654435761u) >> 13));
  std::vector<size_t> lens;
  for (size_t base : {size_t{3 * 256}, size_t{2 * 3 * 256}, size_t{3 * 8192}, size_t{2 * 3 * 8192}})
    for (size_t d = 0; d < 20; ++d) {
      lens.push_back(base + d);
      lens.push_back(base - 1 - d);
    }
  lens.push_back(20000);
  lens.push_back(3 * 8192 + 3 * 256 + 7);
  for (size_t off : {size_t{0}, size_t{1}, size_t{5}})
    for (size_t len : lens) {
      ASSERT_LE(off + len, data.size());
      const char* p = data.data() + off;
      EXPECT_EQ(crc32c(p, len), detail::crc32c_extend_portable(0, p, len))
          << "offset " << off << ", length " << len;
      EXPECT_EQ(crc32c_extend(0x12345678u, p, len),
                detail::crc32c_extend_portable(0x12345678u, p, len))
          << "offset " << off << ", length " << len;
    }
}

} // namespace
} // namespace skald::util
