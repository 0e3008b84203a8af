// value_traits (one parser/printer per field type) and flag-name derivation.
#include "runtime/config/binder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace skald::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

template <class T>
status parse(std::string_view text, T& out, const field_opts& o = {}) {
  return value_traits<T>::parse(text, out, o);
}

TEST(config_binder, flag_names_derive_from_the_yaml_path) {
  EXPECT_EQ(derive_flag_name("ingester.chunk_idle_period"), "ingester.chunk-idle-period");
  EXPECT_EQ(derive_flag_name("limits_config.max_line_size"), "limits-config.max-line-size");
  EXPECT_EQ(derive_flag_name("target"), "target");
}

TEST(config_binder, integers_check_their_width) {
  uint8_t u8 = 0;
  EXPECT_TRUE(parse("255", u8).ok());
  EXPECT_EQ(u8, 255);
  EXPECT_THAT(parse("256", u8).message(), HasSubstr("out of range [0, 255]"));
  EXPECT_THAT(parse("-1", u8).message(), HasSubstr("must not be negative"));
  int16_t i16 = 0;
  EXPECT_TRUE(parse("-32768", i16).ok());
  EXPECT_EQ(i16, -32768);
  EXPECT_FALSE(parse("32768", i16).ok());
  int64_t i64 = 0;
  EXPECT_TRUE(parse("+42", i64).ok());
  EXPECT_EQ(i64, 42);
  EXPECT_FALSE(parse("9223372036854775808", i64).ok());
  EXPECT_FALSE(parse("", i64).ok());
  EXPECT_FALSE(parse("1e3", i64).ok());
  uint64_t u64 = 0;
  EXPECT_TRUE(parse("18446744073709551615", u64).ok());
  EXPECT_FALSE(parse("18446744073709551616", u64).ok());
}

TEST(config_binder, booleans_accept_go_and_yaml_spellings) {
  bool b = false;
  for (auto t : {"true", "TRUE", "True", "t", "1", "yes", "on"}) {
    b = false;
    EXPECT_TRUE(parse(t, b).ok()) << t;
    EXPECT_TRUE(b) << t;
  }
  for (auto f : {"false", "F", "0", "no", "off"}) {
    b = true;
    EXPECT_TRUE(parse(f, b).ok()) << f;
    EXPECT_FALSE(b) << f;
  }
  EXPECT_FALSE(parse("maybe", b).ok());
}

TEST(config_binder, doubles_round_trip) {
  double d = 0;
  for (double v : {0.1, 4.0, 1.0 / 3.0, 1e300, -2.5}) {
    auto text = value_traits<double>::format(v);
    ASSERT_TRUE(parse(text, d).ok()) << text;
    EXPECT_EQ(d, v) << text;
  }
  EXPECT_FALSE(parse("nan", d).ok());
  EXPECT_FALSE(parse("1.5x", d).ok());
}

TEST(config_binder, durations_convert_exactly_to_the_field_unit) {
  std::chrono::seconds s{0};
  EXPECT_TRUE(parse("1m30s", s).ok());
  EXPECT_EQ(s, 90s);
  EXPECT_THAT(parse("1500ms", s).message(), HasSubstr("must be a multiple of 1s"));
  std::chrono::milliseconds ms{0};
  EXPECT_TRUE(parse("1.5s", ms).ok());
  EXPECT_EQ(ms, 1500ms);
  std::chrono::nanoseconds ns{0};
  EXPECT_THAT(parse("-1s", ns).message(), HasSubstr("must not be negative"));
  EXPECT_TRUE(parse("-1s", ns, opts().allow_negative()).ok());
  EXPECT_EQ(ns, -1s);
  EXPECT_EQ(value_traits<std::chrono::seconds>::format(90s), "1m30s");
}

TEST(config_binder, enums_and_lists_check_allowed_values) {
  std::string s;
  auto o = opts().one_of({"a", "b"});
  EXPECT_TRUE(parse("b", s, o).ok());
  EXPECT_EQ(s, "b");
  EXPECT_THAT(parse("c", s, o).message(), HasSubstr("must be one of a, b"));
  EXPECT_EQ(s, "b");
  std::vector<std::string> v;
  EXPECT_TRUE(parse(" x, y ,,z ", v).ok());
  EXPECT_EQ(v, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_TRUE(parse("", v).ok());
  EXPECT_TRUE(v.empty());
  EXPECT_FALSE(parse("a,c", v, o).ok());
  EXPECT_EQ(value_traits<std::vector<std::string>>::format({"x", "y"}), "x,y");
}

TEST(config_binder, sizes_parse_with_units) {
  byte_size b;
  EXPECT_TRUE(parse("1.5MB", b).ok());
  EXPECT_EQ(b.bytes, 1572864u);
  EXPECT_THAT(parse("1.5", b).message(), HasSubstr("not a valid size"));
  EXPECT_EQ(value_traits<byte_size>::format(kib(256)), "256KB");
}

struct sample_config {
  int a = 0;
  std::string b;
  sample_config() { set_defaults(*this); }
  template <class Binder>
  void bind(Binder& bd) {
    bd.field(a, "a", 7, "an int");
    bd.field(b, "b", "x", "a string");
  }
};

TEST(config_binder, defaults_binder_resets_to_declared_defaults) {
  sample_config c;
  EXPECT_EQ(c.a, 7);
  EXPECT_EQ(c.b, "x");
  c.a = 1;
  c.b = "y";
  set_defaults(c);
  EXPECT_EQ(c.a, 7);
  EXPECT_EQ(c.b, "x");
}

} // namespace
} // namespace skald::config
