// Unit: util::append_json_string (runtime/util/json_string.hpp) writes the
// same bytes as RapidJSON's Writer::String for every byte value, at every
// position around the 16-byte blocks, and for random byte strings.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "runtime/util/json_string.hpp"

namespace skald::util {
namespace {

std::string rapid(std::string_view s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w{sb};
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return {sb.GetString(), sb.GetSize()};
}

std::string ours(std::string_view s) {
  std::string out = "prefix:";
  append_json_string(out, s);
  return out.substr(7);
}

TEST(json_string, known_escapes) {
  EXPECT_EQ(ours(""), "\"\"");
  EXPECT_EQ(ours("plain text"), "\"plain text\"");
  EXPECT_EQ(ours("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(ours("\b\t\n\f\r"), "\"\\b\\t\\n\\f\\r\"");
  EXPECT_EQ(ours(std::string_view{"\0\x1f\x7f", 3}), "\"\\u0000\\u001F\x7f\"");
  EXPECT_EQ(ours("h\xc3\xa9llo \xff"), "\"h\xc3\xa9llo \xff\""); // bytes >= 0x80 as they are
}

TEST(json_string, every_byte_at_every_position_around_the_blocks) {
  for (int c = 0; c < 256; ++c)
    for (size_t len = 1; len < 40; ++len)
      for (size_t at = 0; at < len; ++at) {
        std::string s(len, 'x');
        s[at] = static_cast<char>(c);
        ASSERT_EQ(ours(s), rapid(s)) << "byte " << c << " at " << at << " of " << len;
      }
}

TEST(json_string, random_bytes_agree_with_rapidjson) {
  std::mt19937 rng{11};
  std::uniform_int_distribution<int> byte{0, 255};
  std::uniform_int_distribution<int> pick{0, 9};
  std::uniform_int_distribution<size_t> len{0, 300};
  for (int round = 0; round < 5000; ++round) {
    std::string s(len(rng), ' ');
    for (auto& c : s) // mostly printable, like log lines, some of everything
      c = static_cast<char>(pick(rng) < 8 ? 'a' + pick(rng) : byte(rng));
    ASSERT_EQ(ours(s), rapid(s));
  }
}

} // namespace
} // namespace skald::util
