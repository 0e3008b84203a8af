// Label text parsing and the canonical string (spec §3.1, Prometheus ParseMetric
// + labels.String()).
#include "runtime/model/label_parse.hpp"

#include <gtest/gtest.h>

namespace skald::model {
namespace {

struct ok_case {
  const char* name;
  std::string_view input;
  label_set want;
};

TEST(label_parse, accepts_loki_label_text) {
  const ok_case cases[] = {
      {"simple", R"({foo="bar"})", {{"foo", "bar"}}},
      {"two sorted",
       R"({buzz="f", service_name="foo", a="b"})",
       {{"a", "b"}, {"buzz", "f"}, {"service_name", "foo"}}},
      {"no spaces", R"({a="1",b="2"})", {{"a", "1"}, {"b", "2"}}},
      {"trailing comma", R"({a="1",})", {{"a", "1"}}},
      {"whitespace everywhere", " {\n\ta = \"1\" ,\r\n b=\"2\" } ", {{"a", "1"}, {"b", "2"}}},
      {"empty braces", "{}", {}},
      {"empty input", "", {}},
      {"metric name", R"(foo{a="b"})", {{"__name__", "foo"}, {"a", "b"}}},
      {"metric name alone", "foo:bar", {{"__name__", "foo:bar"}}},
      {"single quotes", R"({a='b"c'})", {{"a", "b\"c"}}},
      {"backticks are raw", R"({a=`x\ny`})", {{"a", "x\\ny"}}},
      {"go escapes",
       R"({a="\"q\" \\ \n \t \x41 \101 \u00e9 \U0001F600"})",
       {{"a", "\"q\" \\ \n \t A A \xc3\xa9 \xf0\x9f\x98\x80"}}},
      {"utf8 value kept", "{a=\"h\xc3\xa9llo\"}", {{"a", "h\xc3\xa9llo"}}},
      {"empty value dropped", R"({a="", b="x"})", {{"b", "x"}}},
      {"only empty", R"({a=""})", {}},
      {"duplicates kept for the validator", R"({a="1", a="2"})", {{"a", "1"}, {"a", "2"}}},
      {"keywords are identifiers inside braces",
       R"({by="x", sum="y"})",
       {{"by", "x"}, {"sum", "y"}}},
      {"quoted name", R"({"foo.bar"="x"})", {{"foo.bar", "x"}}},
      {"quoted metric name", R"({"my.metric", a="b"})", {{"__name__", "my.metric"}, {"a", "b"}}},
      {"percent not interpreted", R"({a="%s %d"})", {{"a", "%s %d"}}},
      {"comment", "{a=\"b\" # c\n}", {{"a", "b"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = parse_labels(c.input);
    ASSERT_TRUE(got.ok()) << got.error().message();
    EXPECT_EQ(*got, c.want);
  }
}

struct err_case {
  const char* name;
  std::string_view input;
  std::string_view want;
};

TEST(label_parse, rejects_with_prometheus_parse_errors) {
  const err_case cases[] = {
      {"unterminated string (spec example)", R"({ab")",
       "1:4: parse error: unterminated quoted string"},
      {"missing value", R"({a=})",
       "1:4: parse error: unexpected \"}\" in label set, expected string"},
      {"missing equals", R"({a})",
       "1:3: parse error: unexpected \"}\" in label set, expected \"=\""},
      {"regex matcher", R"({a=~"b"})",
       "1:3: parse error: unexpected <op:=~> in label set, expected \"=\""},
      {"not-equal matcher", R"({a!="b"})",
       "1:3: parse error: unexpected <op:!=> in label set, expected \"=\""},
      {"unclosed brace", R"({a="b")", "1:7: parse error: unexpected end of input inside braces"},
      {"missing comma", R"({a="b" c="d"})",
       "1:8: parse error: unexpected identifier \"c\" in label set, expected \",\" or \"}\""},
      {"leading comma", "{,}",
       "1:2: parse error: unexpected \",\" in label set, expected identifier or \"}\""},
      {"dot in name", R"({foo.bar="x"})",
       "1:5: parse error: unexpected character inside braces: '.'"},
      {"colon in name", R"({a:b="x"})",
       "1:3: parse error: unexpected character inside braces: ':'"},
      {"nested brace", R"({a={"})", "1:4: parse error: unexpected left brace '{'"},
      {"newline in string", "{a=\"b\nc\"}", "1:4: parse error: unterminated quoted string"},
      {"bad escape", R"({a="\q"})", "1:4: parse error: unknown escape sequence U+0071 'q'"},
      {"single quote escaped in double", R"({a="\'"})",
       "1:4: parse error: unknown escape sequence U+0027 '''"},
      {"bad hex escape", R"({a="\xZZ"})",
       "1:4: parse error: illegal character U+005A 'Z' in escape sequence"},
      {"octal out of range", R"({a="\400"})",
       "1:4: parse error: escape sequence is an invalid Unicode code point"},
      {"surrogate escape", R"({a="\ud800"})",
       "1:4: parse error: escape sequence is an invalid Unicode code point"},
      {"invalid utf8", "{a=\"\xff\"}", "1:4: parse error: invalid UTF-8 rune"},
      {"trailing garbage", R"({a="b"} x)", "1:9: parse error: unexpected identifier \"x\""},
      {"number value", "{a=1}", "1:4: parse error: unexpected character inside braces: '1'"},
      {"position on second line", "{a=\"b\",\n c}",
       "2:3: parse error: unexpected \"}\" in label set, expected \"=\""},
      {"bare equals", R"(a="b")", "1:2: parse error: unexpected \"=\""},
      {"long string described with ...", R"({a b="c"})",
       "1:4: parse error: unexpected identifier \"b\" in label set, expected \"=\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = parse_labels(c.input);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code(), errc::invalid_argument);
    EXPECT_EQ(got.error().message(), c.want);
  }
}

TEST(label_parse, long_string_token_is_truncated_in_message) {
  auto got = parse_labels(R"({a="b" "0123456789abc"="x"})");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(
      got.error().message(),
      R"(1:8: parse error: unexpected string "\"012345678"... in label set, expected "," or "}")");
}

TEST(label_parse, canonical_string_is_prometheus_labels_string) {
  EXPECT_EQ(canonical_string({{"a", "b"}, {"buzz", "f"}, {"service_name", "foo"}}),
            R"({a="b", buzz="f", service_name="foo"})");
  EXPECT_EQ(canonical_string({}), "{}");
  EXPECT_EQ(canonical_string({{"a", "b"}, {"c", "d\"e"}}), R"({a="b", c="d\"e"})");
  EXPECT_EQ(canonical_string({{"foo.bar", "x"}}), R"({"foo.bar"="x"})");
  EXPECT_EQ(canonical_string({{"_9", "x"}}), R"({_9="x"})");
  EXPECT_EQ(canonical_string({{"9a", "x"}}), R"({"9a"="x"})");
}

TEST(label_parse, canonical_round_trips_through_the_parser) {
  auto ls = parse_labels(R"({z="1", a="tab\there", m="q\"uote\\", u="h\u00e9", c="\x01"})");
  ASSERT_TRUE(ls.ok());
  auto s = canonical_string(*ls);
  EXPECT_EQ(s, "{a=\"tab\\there\", c=\"\\x01\", m=\"q\\\"uote\\\\\", u=\"h\xc3\xa9\", z=\"1\"}");
  auto again = parse_labels(s);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *ls);
  EXPECT_EQ(canonical_string(*again), s);
}

TEST(label_parse, go_quote_matches_strconv_quote) {
  auto q = [](std::string_view s) {
    std::string out;
    append_go_quote(out, s);
    return out;
  };
  EXPECT_EQ(q(""), R"("")");
  EXPECT_EQ(q("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(q("\a\b\f\n\r\t\v"), R"("\a\b\f\n\r\t\v")");
  EXPECT_EQ(q(std::string_view("\x00\x1f\x7f", 3)), R"("\x00\x1f\x7f")");
  EXPECT_EQ(q("\xff"), R"("\xff")");                                        // invalid UTF-8 byte
  EXPECT_EQ(q("\xc2\xa0"), R"("\u00a0")");                                  // NBSP is not printable
  EXPECT_EQ(q("\xc2\x85"), R"("\u0085")");                                  // C1 control
  EXPECT_EQ(q("\xe2\x80\xa8"), R"("\u2028")");                              // line separator
  EXPECT_EQ(q("\xef\xbb\xbf"), R"("\ufeff")");                              // BOM
  EXPECT_EQ(q("\xf3\xb0\x80\x80"), R"("\U000f0000")");                      // private use plane 15
  EXPECT_EQ(q("\xe6\x97\xa5\xe6\x9c\xac"), "\"\xe6\x97\xa5\xe6\x9c\xac\""); // CJK kept
  EXPECT_EQ(q("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");                 // emoji kept
  EXPECT_EQ(q("'"), R"("'")");
}

TEST(label_parse, utf8_validation) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("h\xc3\xa9"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // > U+10FFFF
}

} // namespace
} // namespace skald::model
