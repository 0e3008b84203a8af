// Unit: util::for_each_line_containing (runtime/util/lines_containing.hpp): the
// one-pass scan over lines laid out in one buffer reports exactly the lines
// a per-line search finds, with occurrences across line ends and in the
// gaps between lines, empty lines, lines outside the buffer or out of order
// (searched one by one) and random layouts.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "runtime/util/lines_containing.hpp"

namespace skald::util {
namespace {

std::vector<size_t> per_line(const std::vector<std::string_view>& lines, std::string_view needle) {
  std::vector<size_t> out;
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find(needle) != std::string_view::npos)
      out.push_back(i);
  return out;
}

std::vector<size_t> scanned(std::string_view region, const std::vector<std::string_view>& lines,
                            std::string_view needle) {
  std::vector<size_t> out;
  for_each_line_containing(
      region, lines.size(), [&](size_t i) { return lines[i]; }, needle,
      [&](size_t i) { out.push_back(i); });
  return out;
}

TEST(lines_containing, occurrences_across_line_ends_and_in_gaps_are_not_a_lines) {
  // Line 0 "xxqueue=" | gap "email qu" | line 1 "eue=email" (its own) |
  // gap "queue=email" | line 2 "queue=emai" | gap "l" | line 3 "" | line 4 "...queue=email".
  std::string buf = "xxqueue="
                    "email qu"
                    "eue=email"
                    "queue=email"
                    "queue=emai"
                    "l"
                    "...queue=email";
  std::vector<std::string_view> lines;
  std::string_view b{buf};
  lines.push_back(b.substr(0, 8));
  lines.push_back(b.substr(16, 9));
  lines.push_back(b.substr(36, 10));
  lines.push_back(b.substr(47, 0));
  lines.push_back(b.substr(47, 14));
  EXPECT_EQ(scanned(b, lines, "queue=email"), (std::vector<size_t>{4}));
  EXPECT_EQ(scanned(b, lines, "eue=email"), (std::vector<size_t>{1, 4}));
  EXPECT_EQ(scanned(b, lines, "queue=email"), per_line(lines, "queue=email"));
  EXPECT_EQ(scanned(b, lines, ""), (std::vector<size_t>{0, 1, 2, 3, 4}));
  // Out of order or outside the region: searched line by line, same answer.
  std::vector<std::string_view> back(lines.rbegin(), lines.rend());
  EXPECT_EQ(scanned(b, back, "eue=email"), (std::vector<size_t>{0, 3}));
  EXPECT_EQ(scanned(b.substr(0, 40), lines, "eue=email"), (std::vector<size_t>{1, 4}));
  EXPECT_EQ(scanned({}, lines, "eue=email"), (std::vector<size_t>{1, 4}));
}

TEST(lines_containing, random_layouts_agree_with_a_per_line_search) {
  std::mt19937 rng{3};
  std::uniform_int_distribution<int> byte{'a', 'c'};
  std::uniform_int_distribution<size_t> small{0, 12};
  std::uniform_int_distribution<size_t> big{0, 300};
  for (int round = 0; round < 5000; ++round) {
    std::string needle(2 + small(rng) % 4, ' ');
    for (auto& c : needle)
      c = static_cast<char>(byte(rng));
    const size_t n = 1 + small(rng) * 3;
    std::string buf;
    std::vector<std::pair<size_t, size_t>> at;
    for (size_t i = 0; i < n; ++i) {
      std::string gap(small(rng), ' ');
      for (auto& c : gap)
        c = static_cast<char>(byte(rng));
      buf += gap;
      std::string line(round % 2 ? big(rng) : small(rng), ' ');
      for (auto& c : line)
        c = static_cast<char>(byte(rng));
      at.emplace_back(buf.size(), line.size());
      buf += line;
    }
    buf += std::string(small(rng), 'a');
    std::vector<std::string_view> lines;
    for (auto [off, len] : at)
      lines.push_back(std::string_view{buf}.substr(off, len));
    ASSERT_EQ(scanned(buf, lines, needle), per_line(lines, needle)) << buf << " / " << needle;
  }
}

} // namespace
} // namespace skald::util
