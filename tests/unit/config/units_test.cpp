// Duration and byte-size parsing/formatting (runtime/util/units.hpp).
#include "runtime/util/units.hpp"

#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace skald {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

struct duration_case {
  const char* text;
  nanoseconds want;
};

TEST(config_units, valid_durations_parse) {
  const duration_case cases[] = {
    {"0", 0ns},
    {"0s", 0ns},
    {"-0", 0ns},
    {"30s", 30s},
    {"1h30m", 90min},
    {"1h30m0s", 90min},
    {"500ms", 500ms},
    {"1.5h", 90min},
    {".5s", 500ms},
    {"2d", 48h},
    {"1w", 168h},
    {"1y", 365 * 24h},
    {"30d1h", 721h},
    {"10ms5us3ns", 10ms + 5us + 3ns},
    {"1\xc2\xb5s", 1us},
    {"1\xce\xbcs", 1us},
    {"1.000000001s", 1s + 1ns},
    {"-5m", -5min},
    {"+5m", 5min},
    {"2562047h47m16.854775807s", nanoseconds{std::numeric_limits<int64_t>::max()}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto d = parse_duration(c.text);
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(*d, c.want);
  }
}

TEST(config_units, invalid_durations_are_rejected_with_the_text) {
  const char* cases[] = {"", "abc", "5", "5x", "1h5", "s", "-", ".s", "1..5s", "5 s",
                         "2562047h47m16.854775808s", "99999999999999999999s", "1hh"};
  for (const char* c : cases) {
    SCOPED_TRACE(c);
    auto d = parse_duration(c);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code(), errc::invalid_argument);
    EXPECT_NE(d.error().message().find(std::string{"\""} + c + "\""), std::string::npos)
      << d.error().message();
  }
}

TEST(config_units, durations_format_the_prometheus_way) {
  EXPECT_EQ(format_duration(0ns), "0s");
  EXPECT_EQ(format_duration(30s), "30s");
  EXPECT_EQ(format_duration(90min), "1h30m");
  EXPECT_EQ(format_duration(721h), "30d1h");
  EXPECT_EQ(format_duration(168h), "1w");
  EXPECT_EQ(format_duration(14 * 24h), "2w");
  EXPECT_EQ(format_duration(90 * 24h), "90d");
  EXPECT_EQ(format_duration(365 * 24h), "1y");
  EXPECT_EQ(format_duration(1500ms), "1s500ms");
  EXPECT_EQ(format_duration(10ms), "10ms");
  EXPECT_EQ(format_duration(1ns), "1ns");
  EXPECT_EQ(format_duration(-90s), "-1m30s");
}

TEST(config_units, durations_round_trip) {
  const nanoseconds values[] = {0ns, 1ns, 999ns, 1us, 1ms, 1s, 59s, 1min, 90min, 721h, 168h,
                                169h, 365 * 24h, 366 * 24h, 3h + 2min + 1s + 5ms + 7ns, -3s,
                                nanoseconds{std::numeric_limits<int64_t>::max()},
                                nanoseconds{std::numeric_limits<int64_t>::min() + 1}};
  for (auto v : values) {
    SCOPED_TRACE(v.count());
    auto text = format_duration(v);
    auto back = parse_duration(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().message();
    EXPECT_EQ(*back, v) << text;
  }
}

struct size_case {
  const char* text;
  uint64_t want;
};

TEST(config_units, valid_sizes_parse_1024_based) {
  const size_case cases[] = {
    {"0", 0},
    {"1024", 1024},
    {"0B", 0},
    {"10B", 10},
    {"1KB", 1024},
    {"1kb", 1024},
    {"1K", 1024},
    {"1KiB", 1024},
    {"256KB", 262144},
    {"1.5MB", 1572864},
    {"1.5MiB", 1572864},
    {"100MB", 100ull << 20},
    {"1GB", 1ull << 30},
    {"4GiB", 4ull << 30},
    {"2TB", 2ull << 40},
    {"15EB", 15ull << 60},
    {"0.5KB", 512},
    {"18446744073709551615", std::numeric_limits<uint64_t>::max()},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto n = parse_bytes(c.text);
    ASSERT_TRUE(n.ok()) << n.error().message();
    EXPECT_EQ(*n, c.want);
  }
}

TEST(config_units, invalid_sizes_are_rejected) {
  const char* cases[] = {"",      "abc",  "-1",   "-1KB",  "1XB", "1 KB", "1.1B",
                         "0.3KB", "16EB", "18446744073709551616", "KB",  "1KBB"};
  for (const char* c : cases) {
    SCOPED_TRACE(c);
    auto n = parse_bytes(c);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().code(), errc::invalid_argument);
  }
}

TEST(config_units, sizes_format_as_exact_units_and_round_trip) {
  EXPECT_EQ(format_bytes(0), "0B");
  EXPECT_EQ(format_bytes(1000), "1000B");
  EXPECT_EQ(format_bytes(1024), "1KB");
  EXPECT_EQ(format_bytes(262144), "256KB");
  EXPECT_EQ(format_bytes(1572864), "1536KB");
  EXPECT_EQ(format_bytes(100ull << 20), "100MB");
  EXPECT_EQ(format_bytes(4ull << 30), "4GB");
  const uint64_t values[] = {0, 1, 1023, 1024, 1025, 1572864, 3ull << 20, 1ull << 63,
                             std::numeric_limits<uint64_t>::max()};
  for (auto v : values) {
    auto back = parse_bytes(format_bytes(v));
    ASSERT_TRUE(back.ok()) << format_bytes(v);
    EXPECT_EQ(*back, v);
  }
}

} // namespace
} // namespace skald
