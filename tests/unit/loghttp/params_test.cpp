// Unit: Loki's read-path parameters (pkg/loghttp/params_test.go cases).
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "runtime/loghttp/params.hpp"

namespace skald::loghttp {
namespace {

constexpr int64_t s = 1'000'000'000;

struct params {
  std::map<std::string, std::string, std::less<>> kv;
  param_lookup get() const {
    return [this](std::string_view k) -> const std::string* {
      auto i = kv.find(k);
      return i == kv.end() ? nullptr : &i->second;
    };
  }
};

TEST(loghttp_params, timestamp_forms) {
  EXPECT_EQ(*parse_timestamp("1571332130", 0), 1571332130 * s);
  EXPECT_EQ(*parse_timestamp("1571334162051000000", 0), 1571334162051000000);
  EXPECT_EQ(*parse_timestamp("1571332130.934", 0), 1571332130 * s + 934'000'000);
  EXPECT_EQ(*parse_timestamp("2002-10-02T15:00:00Z", 0), 1033570800 * s);
  EXPECT_EQ(*parse_timestamp("2009-11-10T23:00:00.000000001Z", 0), 1257894000 * s + 1);
  EXPECT_EQ(*parse_timestamp("", 42), 42);
  auto bad = parse_timestamp("we", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "cannot parse \"we\" to a valid timestamp");
  // Grafana's health check sends 4 s as ns: 10 characters read as seconds.
  EXPECT_EQ(*parse_timestamp("4000000000", 0), 4000000000 * s);
}

TEST(loghttp_params, durations_limit_direction) {
  EXPECT_EQ(*parse_seconds_or_duration("15"), 15 * s);
  EXPECT_EQ(*parse_seconds_or_duration("0.5"), s / 2);
  EXPECT_EQ(*parse_seconds_or_duration("1h30m"), 5400 * s);
  EXPECT_EQ(*parse_seconds_or_duration("500ms"), s / 2);
  EXPECT_FALSE(parse_seconds_or_duration("x").ok());
  EXPECT_EQ(*parse_limit(nullptr), 100u);
  std::string zero = "0";
  EXPECT_EQ(parse_limit(&zero).error().message(), "limit must be a positive value");
  std::string up = "FORWARD";
  EXPECT_EQ(*parse_direction(&up), logql::direction::forward);
  std::string side = "sideways";
  EXPECT_EQ(parse_direction(&side).error().message(), "invalid direction 'sideways'");
}

TEST(loghttp_params, range_defaults_and_step) {
  params p;
  p.kv["query"] = "{a=\"b\"}";
  const int64_t now = 1'700'000'000 * s;
  auto q = parse_range_query(p.get(), now);
  ASSERT_TRUE(q.ok()) << q.error().message();
  EXPECT_EQ(q->end_ns, now);
  EXPECT_EQ(q->start_ns, now - 3600 * s);
  EXPECT_EQ(q->limit, 100u);
  EXPECT_EQ(q->dir, logql::direction::backward);
  EXPECT_EQ(q->step_ns, 14 * s); // 1h -> 14s
  EXPECT_EQ(default_step_ns(0, 300 * s), 1 * s);
  p.kv["step"] = "0";
  EXPECT_EQ(parse_range_query(p.get(), now).error().message(),
            "zero or negative query resolution step widths are not accepted. Try a positive "
            "integer");
  p.kv["step"] = "100ms";
  EXPECT_EQ(parse_range_query(p.get(), now).error().message(),
            "exceeded maximum resolution of 11,000 points per time series. Try increasing the "
            "value of the step parameter");
  p.kv.erase("step");
  p.kv["start"] = "20";
  p.kv["end"] = "10";
  EXPECT_EQ(parse_range_query(p.get(), now).error().message(),
            "end timestamp must not be before or equal to start time");
  p.kv["end"] = "30";
  p.kv["interval"] = "-1";
  EXPECT_EQ(parse_range_query(p.get(), now).error().message(), "interval must be >= 0");
}

TEST(loghttp_params, bounds_since_and_future_end) {
  params p;
  const int64_t now = 1000 * s;
  p.kv["since"] = "10m";
  auto b = determine_bounds(p.get(), now);
  EXPECT_EQ(b->start_ns, now - 600 * s);
  p.kv["end"] = "2000"; // in the future: start counts back from now
  b = determine_bounds(p.get(), now);
  EXPECT_EQ(b->end_ns, 2000 * s);
  EXPECT_EQ(b->start_ns, now - 600 * s);
}

TEST(loghttp_params, match_all) {
  EXPECT_TRUE(is_match_all(""));
  EXPECT_TRUE(is_match_all("{ }"));
  EXPECT_FALSE(is_match_all("{a=\"b\"}"));
}

} // namespace
} // namespace skald::loghttp
