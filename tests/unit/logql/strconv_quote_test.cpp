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

} // namespace
} // namespace skald::logql
