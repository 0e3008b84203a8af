// logql::go_quote shares model::append_go_quote, so a query printed back and a
// label's canonical form escape the same bytes the same way (Go's strconv.Quote).
#include "runtime/logql/strconv.hpp"

#include <gtest/gtest.h>

#include "runtime/model/label_parse.hpp"

namespace skald::logql {
namespace {

TEST(go_quote, escapes_like_strconv_quote) {
  EXPECT_EQ(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(go_quote(std::string_view{"\x01", 1}), "\"\\x01\"");
  EXPECT_EQ(go_quote("h\xc3\xa9llo"), "\"h\xc3\xa9llo\"");     // printable rune kept
  EXPECT_EQ(go_quote("\xff"), "\"\\xff\"");                    // invalid UTF-8 byte
  EXPECT_EQ(go_quote("\xe2\x80\x8b"), "\"\\u200b\"");          // zero-width space
}

TEST(go_quote, agrees_with_the_label_canonical_quoting) {
  for (std::string_view s : {"plain", "q\"uote", "\xff\xfe", "tab\there", "\xe2\x80\x8b"}) {
    std::string model_out;
    model::append_go_quote(model_out, s);
    EXPECT_EQ(go_quote(s), model_out) << s;
  }
}

// Prometheus model.Duration.String(): years and weeks only when exact, days
// always (LogQL ranges print like Loki's, and the max_query_length text).
TEST(prom_duration, formats_like_model_duration) {
  constexpr int64_t ms = 1'000'000;
  constexpr int64_t h = 3600'000 * ms;
  EXPECT_EQ(format_prom_duration(0), "0s");
  EXPECT_EQ(format_prom_duration(1500 * ms), "1s500ms");
  EXPECT_EQ(format_prom_duration(90 * 60'000 * ms), "1h30m");
  EXPECT_EQ(format_prom_duration(24 * h), "1d");
  EXPECT_EQ(format_prom_duration(25 * h), "1d1h");
  EXPECT_EQ(format_prom_duration(721 * h), "30d1h");
  EXPECT_EQ(format_prom_duration(14 * 24 * h), "2w");
  EXPECT_EQ(format_prom_duration(90 * 24 * h), "90d"); // not 12w6d
  EXPECT_EQ(format_prom_duration(365 * 24 * h), "1y");
  EXPECT_EQ(format_prom_duration(366 * 24 * h), "366d");
  for (int64_t v : {25 * h, 721 * h, 90 * 24 * h, 1500 * ms}) {
    auto back = parse_prom_duration(format_prom_duration(v));
    ASSERT_TRUE(back.ok()) << v;
    EXPECT_EQ(*back, v);
  }
}

} // namespace
} // namespace skald::logql
