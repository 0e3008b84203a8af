// Unit: the querier's collected source and select plan, with the engine on top.
#include <gtest/gtest.h>

#include "runtime/logql/parser.hpp"
#include "runtime/query/collected_source.hpp"

namespace skald::query {
namespace {

constexpr int64_t s = 1'000'000'000;

collected_source sample() {
  collected_source src;
  collected_stream a;
  a.labels = {{"app", "a"}, {"run", "x"}};
  collected_stream b;
  b.labels = {{"app", "b"}, {"run", "x"}};
  for (int i = 0; i < 10; ++i) {
    a.push(i * s, "a" + std::to_string(i));
    b.push(i * s + 1, "b" + std::to_string(i));
  }
  src.add(std::move(a));
  src.add(std::move(b));
  return src;
}

TEST(query_collected_source, log_query_limits_and_directions) {
  auto src = sample();
  logql::engine eng(src);
  auto e = logql::parse("{run=\"x\"}");
  ASSERT_TRUE(e.ok());
  logql::query_params p;
  p.start_ns = 2 * s;
  p.end_ns = 5 * s;
  p.limit = 3;
  p.dir = logql::direction::backward;
  auto r = eng.query(*e, p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->streams.size(), 2u);
  // Newest 3 of [2s, 5s): b4 (4s+1), a4 (4s), b3 (3s+1).
  EXPECT_EQ(r->streams[0].entries.size(), 1u); // app="a": a4
  EXPECT_EQ(r->streams[0].entries[0].line, "a4");
  EXPECT_EQ(r->streams[1].entries.size(), 2u);
  EXPECT_EQ(r->streams[1].entries[0].line, "b4");
  EXPECT_EQ(r->streams[1].entries[1].line, "b3");
  p.dir = logql::direction::forward;
  r = eng.query(*e, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->streams[0].entries[0].line, "a2");
  EXPECT_EQ(r->streams[1].entries[0].line, "b2");
}

TEST(query_collected_source, metric_query) {
  auto src = sample();
  logql::engine eng(src);
  auto e = logql::parse("sum by (app) (count_over_time({run=\"x\"}[10s]))");
  ASSERT_TRUE(e.ok());
  logql::query_params p;
  p.start_ns = p.end_ns = 9 * s + 1;
  auto r = eng.query(*e, p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->vector.size(), 2u);
  EXPECT_EQ(r->vector[0].v, 10);
  EXPECT_EQ(r->vector[1].v, 10);
}

TEST(query_collected_source, plan) {
  logql::query_params p;
  p.start_ns = 100 * s;
  p.end_ns = 200 * s;
  p.limit = 7;
  auto log = logql::parse("{a=\"b\"}");
  auto plan = plan_select(*log, p);
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_EQ(plan.from, 100 * s);
  EXPECT_EQ(plan.through, 200 * s);
  EXPECT_EQ(plan.per_stream_limit, 7u);
  auto filtered = logql::parse("{a=\"b\"} |= \"x\"");
  EXPECT_EQ(plan_select(*filtered, p).per_stream_limit, 0u);
  auto m =
      logql::parse("count_over_time({a=\"b\"}[1m] offset 1m) / count_over_time({c=\"d\"}[5m])");
  plan = plan_select(*m, p);
  EXPECT_EQ(plan.groups.size(), 2u);
  EXPECT_EQ(plan.from, 100 * s - 300 * s + 1);
  EXPECT_EQ(plan.through, 200 * s + 1);
  auto lit = logql::parse("vector(1)+vector(1)");
  EXPECT_TRUE(plan_select(*lit, p).groups.empty());
}

} // namespace
} // namespace skald::query
