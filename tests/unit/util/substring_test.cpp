// Unit: util::contains, the |= / != line filter's search, and util::find,
// the first occurrence's offset (runtime/util/substring.hpp): the same
// answers as std::string_view::find for needles at every position of lines
// of every length around the 16-, 32- and 64-byte blocks, a second
// occurrence, near-misses (first and last byte match, middle differs), and
// random text.
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

// contains() and find() share one candidate loop (runtime/util/substring.hpp):
// each case checks both against std::string::find.
TEST(substring, every_position_and_length_around_the_blocks) {
  for (const std::string needle :
       {"ab", "queue=email", "attempt=5/5", "x-----------------------y"}) {
    for (size_t len = 0; len < 200; ++len) {
      for (size_t at = 0; at + needle.size() <= len; ++at) {
        std::string line(len, '.');
        line.replace(at, needle.size(), needle);
        ASSERT_TRUE(contains(line, needle)) << needle << " at " << at << " of " << len;
        ASSERT_EQ(find(line, needle), at) << needle << " at " << at << " of " << len;
        // A second occurrence later does not change find's answer.
        if (at + 2 * needle.size() <= len) {
          std::string twice = line;
          twice.replace(len - needle.size(), needle.size(), needle);
          ASSERT_EQ(find(twice, needle), at);
        }
        // First and last byte in place, a middle byte wrong.
        std::string miss = line;
        if (needle.size() > 2)
          miss[at + needle.size() / 2] = '#';
        EXPECT_EQ(contains(miss, needle), miss.find(needle) != std::string::npos)
            << needle << " near-miss at " << at << " of " << len;
        EXPECT_EQ(find(miss, needle), miss.find(needle));
      }
      std::string none(len, '.');
      EXPECT_FALSE(contains(none, needle)) << len;
      EXPECT_EQ(find(none, needle), std::string::npos) << len;
    }
  }
}

TEST(substring, random_text_agrees_with_find) {
  struct params {
    unsigned seed;
    char last; // small alphabets: many partial matches
    size_t max_len;
    size_t max_needle;
  };
  for (const auto& p : {params{7, 'd', 200, 7}, params{11, 'c', 300, 6}}) {
    std::mt19937 rng{p.seed};
    std::uniform_int_distribution<int> byte{'a', p.last};
    std::uniform_int_distribution<size_t> len{0, p.max_len};
    for (int round = 0; round < 20000; ++round) {
      std::string hay(len(rng), ' ');
      for (auto& c : hay)
        c = static_cast<char>(byte(rng));
      std::string needle(1 + len(rng) % p.max_needle, ' ');
      for (auto& c : needle)
        c = static_cast<char>(byte(rng));
      ASSERT_EQ(contains(hay, needle), hay.find(needle) != std::string::npos)
          << "hay=" << hay << " needle=" << needle;
      ASSERT_EQ(find(hay, needle), hay.find(needle)) << "hay=" << hay << " needle=" << needle;
    }
  }
}

} // namespace
} // namespace skald::util
