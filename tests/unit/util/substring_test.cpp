// Unit: util::contains (runtime/util/substring.hpp), the |= / != line
// filter's search: the same answer as std::string_view::find for needles at
// every position of lines of every length around the 16- and 32-byte blocks,
// near-misses (first and last byte match, middle differs), and random text.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "runtime/util/substring.hpp"

namespace skald::util {
namespace {

TEST(substring, edge_cases) {
  EXPECT_TRUE(contains("", ""));
  EXPECT_TRUE(contains("abc", ""));
  EXPECT_FALSE(contains("", "a"));
  EXPECT_FALSE(contains("ab", "abc"));
  EXPECT_TRUE(contains("abc", "abc"));
  EXPECT_TRUE(contains("xxb", "b"));
  EXPECT_FALSE(contains("xxx", "b"));
  // NUL bytes are ordinary bytes.
  EXPECT_TRUE(contains(std::string_view{"a\0b\0c", 5}, std::string_view{"b\0c", 3}));
  EXPECT_FALSE(contains(std::string_view{"a\0b\0d", 5}, std::string_view{"b\0c", 3}));
}

TEST(substring, every_position_and_length_around_the_blocks) {
  for (const std::string needle :
       {"ab", "queue=email", "attempt=5/5", "x-----------------------y"}) {
    for (size_t len = 0; len < 120; ++len) {
      for (size_t at = 0; at + needle.size() <= len; ++at) {
        std::string line(len, '.');
        line.replace(at, needle.size(), needle);
        ASSERT_TRUE(contains(line, needle)) << needle << " at " << at << " of " << len;
        // First and last byte in place, a middle byte wrong.
        std::string miss = line;
        if (needle.size() > 2)
          miss[at + needle.size() / 2] = '#';
        EXPECT_EQ(contains(miss, needle), miss.find(needle) != std::string::npos)
            << needle << " near-miss at " << at << " of " << len;
      }
      std::string none(len, '.');
      EXPECT_FALSE(contains(none, needle)) << len;
    }
  }
}

TEST(substring, random_text_agrees_with_find) {
  std::mt19937 rng{7};
  std::uniform_int_distribution<int> byte{'a', 'd'}; // small alphabet: many partial matches
  std::uniform_int_distribution<size_t> len{0, 200};
  for (int round = 0; round < 20000; ++round) {
    std::string hay(len(rng), ' ');
    for (auto& c : hay)
      c = static_cast<char>(byte(rng));
    std::string needle(1 + len(rng) % 7, ' ');
    for (auto& c : needle)
      c = static_cast<char>(byte(rng));
    ASSERT_EQ(contains(hay, needle), hay.find(needle) != std::string::npos)
        << "hay=" << hay << " needle=" << needle;
  }
}

} // namespace
} // namespace skald::util
