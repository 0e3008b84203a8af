// Engine tests: log queries (direction, limit), window semantics, every
// range and vector aggregation, binary operators and the limits.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "runtime/logql/engine.hpp"
#include "runtime/logql/eval.hpp"
#include "runtime/logql/parser.hpp"

using namespace skald;
using namespace skald::logql;

namespace {

constexpr int64_t sec = 1000000000;

class logql_engine_test : public ::testing::Test {
protected:
  memory_source src;

  void add(model::label_set ls, int64_t ts_s, std::string line) {
    src.add(std::move(ls), model::entry{ts_s * sec, std::move(line), {}});
  }

  /// Instant query -> map of label string to value; "ERR msg" on failure.
  std::map<std::string, double> instant(const std::string& q, int64_t t_s, std::string* err = nullptr) {
    auto e = parse(q);
    if (!e.ok()) {
      if (err)
        *err = e.error().message();
      ADD_FAILURE_IF(!err, q + ": " + e.error().message());
      return {};
    }
    engine eng(src);
    query_params p;
    p.start_ns = p.end_ns = t_s * sec;
    auto r = eng.query(*e, p);
    if (!r.ok()) {
      if (err)
        *err = r.error().message();
      ADD_FAILURE_IF(!err, q + ": " + r.error().message());
      return {};
    }
    std::map<std::string, double> out;
    if (r->type == result_type::scalar)
      out["scalar"] = r->scalar;
    for (const auto& s : r->vector)
      out[labels_string(s.labels)] = s.v;
    return out;
  }

  static void ADD_FAILURE_IF(bool cond, const std::string& msg) {
    if (cond)
      ADD_FAILURE() << msg;
  }
};

} // namespace

TEST_F(logql_engine_test, log_query_backward_returns_newest_entries_up_to_limit) {
  for (int i = 0; i < 10; ++i)
    add({{"app", i % 2 ? "b" : "a"}}, i, "line " + std::to_string(i));
  auto e = parse(R"({app=~"a|b"} != "line 9")");
  ASSERT_TRUE(e.ok());
  engine eng(src);
  query_params p;
  p.start_ns = 0;
  p.end_ns = 100 * sec;
  p.limit = 3;
  p.dir = direction::backward;
  auto r = eng.query(*e, p);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->type, result_type::streams);
  ASSERT_EQ(r->streams.size(), 2u);
  EXPECT_EQ(labels_string(r->streams[0].labels), R"({app="a"})");
  ASSERT_EQ(r->streams[0].entries.size(), 2u);
  EXPECT_EQ(r->streams[0].entries[0].line, "line 8");  // newest first
  EXPECT_EQ(r->streams[0].entries[1].line, "line 6");
  ASSERT_EQ(r->streams[1].entries.size(), 1u);
  EXPECT_EQ(r->streams[1].entries[0].line, "line 7");
  p.dir = direction::forward;
  r = eng.query(*e, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->streams[0].entries[0].line, "line 0");
  EXPECT_EQ(r->streams[0].entries[1].line, "line 2");
  EXPECT_EQ(r->streams[1].entries[0].line, "line 1");
}

TEST_F(logql_engine_test, log_query_end_is_exclusive_and_pipeline_labels_split_streams) {
  add({{"app", "a"}}, 1, "level=info");
  add({{"app", "a"}}, 2, "level=error");
  add({{"app", "a"}}, 3, "level=error");
  auto e = parse(R"({app="a"} | logfmt)");
  engine eng(src);
  query_params p;
  p.start_ns = 1 * sec;
  p.end_ns = 3 * sec;
  auto r = eng.query(*e, p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->streams.size(), 2u);
  EXPECT_EQ(labels_string(r->streams[0].labels), R"({app="a", level="error"})");
  EXPECT_EQ(r->streams[0].entries.size(), 1u);
}

TEST_F(logql_engine_test, log_query_limit_above_max_entries_is_rejected) {
  add({{"app", "a"}}, 1, "x");
  auto e = parse(R"({app="a"})");
  engine eng(src);
  query_params p;
  p.end_ns = 10 * sec;
  p.limit = 6000;
  auto r = eng.query(*e, p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "max entries limit per query exceeded, limit > max_entries_limit_per_query (6000 > 5000)");
}

TEST_F(logql_engine_test, window_excludes_lower_bound_and_includes_upper) {
  for (int i = 0; i <= 12; ++i)
    add({{"app", "a"}}, i * 10, "xbar");
  auto v = instant(R"(count_over_time({app="a"}[30s]))", 60);
  EXPECT_EQ(v[R"({app="a"})"], 3);  // 40, 50, 60
  v = instant(R"(count_over_time({app="a"}[30s] offset 30s))", 60);
  EXPECT_EQ(v[R"({app="a"})"], 3);  // 10, 20, 30
  EXPECT_TRUE(instant(R"(count_over_time({app="a"}[5s]))", 125).empty());
}

TEST_F(logql_engine_test, range_query_steps_give_no_point_for_empty_windows) {
  add({{"app", "a"}}, 20, "x");
  add({{"app", "a"}}, 40, "x");
  auto e = parse(R"(count_over_time({app="a"}[20s]))");
  engine eng(src);
  query_params p{0, 80 * sec, 20 * sec};
  auto r = eng.query(*e, p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->type, result_type::matrix);
  ASSERT_EQ(r->matrix.size(), 1u);
  ASSERT_EQ(r->matrix[0].points.size(), 2u);
  EXPECT_EQ(r->matrix[0].points[0].t_ns, 20 * sec);
  EXPECT_EQ(r->matrix[0].points[1].t_ns, 40 * sec);
}

TEST_F(logql_engine_test, line_range_aggregations) {
  for (int i = 1; i <= 6; ++i)
    add({{"app", "a"}}, i * 10, "abcd");
  EXPECT_EQ(instant(R"(count_over_time({app="a"}[1m]))", 60)[R"({app="a"})"], 6);
  EXPECT_DOUBLE_EQ(instant(R"(rate({app="a"}[1m]))", 60)[R"({app="a"})"], 0.1);
  EXPECT_EQ(instant(R"(bytes_over_time({app="a"}[1m]))", 60)[R"({app="a"})"], 24);
  EXPECT_DOUBLE_EQ(instant(R"(bytes_rate({app="a"}[1m]))", 60)[R"({app="a"})"], 0.4);
  EXPECT_TRUE(instant(R"(absent_over_time({app="a"}[1m]))", 60).empty());
  EXPECT_EQ(instant(R"(absent_over_time({app="a", x=~"y"}[1m]))", 600)[R"({app="a"})"], 1);
}

TEST_F(logql_engine_test, unwrap_range_aggregations) {
  int vals[] = {1, 2, 3, 4, 5};
  for (int i = 0; i < 5; ++i)
    add({{"app", "a"}}, (i + 1) * 10, "v=" + std::to_string(vals[i]));
  for (int i = 0; i < 5; ++i)
    add({{"app", "d"}}, (i + 1) * 10, "d=" + std::to_string(vals[i]) + "s");
  add({{"app", "a"}}, 25, "noise");
  auto at = [&](const std::string& q) { return instant(q, 60)[R"({app="a"})"]; };
  EXPECT_EQ(at(R"(sum_over_time({app="a"} | logfmt | unwrap v [1m]))"), 15);
  EXPECT_EQ(at(R"(avg_over_time({app="a"} | logfmt | unwrap v [1m]))"), 3);
  EXPECT_EQ(at(R"(min_over_time({app="a"} | logfmt | unwrap v [1m]))"), 1);
  EXPECT_EQ(at(R"(max_over_time({app="a"} | logfmt | unwrap v [1m]))"), 5);
  EXPECT_EQ(at(R"(first_over_time({app="a"} | logfmt | unwrap v [1m]))"), 1);
  EXPECT_EQ(at(R"(last_over_time({app="a"} | logfmt | unwrap v [1m]))"), 5);
  EXPECT_DOUBLE_EQ(at(R"(stdvar_over_time({app="a"} | logfmt | unwrap v [1m]))"), 2);
  EXPECT_DOUBLE_EQ(at(R"(stddev_over_time({app="a"} | logfmt | unwrap v [1m]))"), std::sqrt(2.0));
  EXPECT_NEAR(at(R"(quantile_over_time(0.4, {app="a"} | logfmt | unwrap v [1m]))"), 2.6, 1e-12);
  EXPECT_DOUBLE_EQ(at(R"(rate({app="a"} | logfmt | unwrap v [1m]))"), 0.25);
  EXPECT_EQ(instant(R"(sum_over_time({app="d"} | logfmt | unwrap duration(d) [1m]))", 60)[R"({app="d"})"], 15);
  EXPECT_EQ(instant(R"(max_over_time({app="a"} | logfmt | unwrap v [1m]) by (app))", 60)[R"({app="a"})"], 5);
}

TEST_F(logql_engine_test, unwrap_conversion_failure_fails_query_unless_filtered) {
  add({{"app", "a"}}, 10, "v=oops");
  add({{"app", "a"}}, 20, "v=2");
  std::string err;
  instant(R"(sum_over_time({app="a"} | logfmt | unwrap v [1m]))", 60, &err);
  EXPECT_EQ(err.rfind("pipeline error: 'SampleExtractionErr' for series: '{__error__=\"SampleExtractionErr\"", 0), 0u) << err;
  EXPECT_EQ(instant(R"(sum_over_time({app="a"} | logfmt | unwrap v | __error__="" [1m]))", 60)[R"({app="a"})"], 2);
}

TEST_F(logql_engine_test, rate_counter_extrapolates_like_prometheus) {
  add({{"app", "a"}}, 450, "c=580");
  add({{"app", "a"}}, 480, "c=640");
  EXPECT_DOUBLE_EQ(instant(R"(rate_counter({app="a"} | logfmt | unwrap c [1m]))", 480)[R"({app="a"})"], 2);
}

TEST_F(logql_engine_test, vector_aggregations) {
  add({{"app", "foo"}, {"pod", "a"}}, 10, "x");
  add({{"app", "foo"}, {"pod", "b"}}, 10, "x");
  add({{"app", "foo"}, {"pod", "b"}}, 20, "x");
  add({{"app", "bar"}, {"pod", "a"}}, 10, "x");
  add({{"app", "bar"}, {"pod", "a"}}, 20, "x");
  add({{"app", "bar"}, {"pod", "a"}}, 30, "x");
  const std::string inner = R"(count_over_time({app=~"foo|bar"}[1m]))";
  EXPECT_EQ(instant("sum(" + inner + ")", 60)["{}"], 6);
  auto by = instant("sum by (app) (" + inner + ")", 60);
  EXPECT_EQ(by[R"({app="foo"})"], 3);
  EXPECT_EQ(by[R"({app="bar"})"], 3);
  EXPECT_EQ(instant("avg(" + inner + ")", 60)["{}"], 2);
  EXPECT_EQ(instant("count(" + inner + ")", 60)["{}"], 3);
  EXPECT_EQ(instant("min(" + inner + ")", 60)["{}"], 1);
  EXPECT_EQ(instant("max(" + inner + ")", 60)["{}"], 3);
  EXPECT_DOUBLE_EQ(instant("stdvar(" + inner + ")", 60)["{}"], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(instant("stddev(" + inner + ")", 60)["{}"], std::sqrt(2.0 / 3.0));
  auto without = instant("sum without (pod) (" + inner + ")", 60);
  EXPECT_EQ(without[R"({app="foo"})"], 3);
  auto top = instant("topk(1, " + inner + ")", 60);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[R"({app="bar", pod="a"})"], 3);
  auto bottom = instant("bottomk(1, " + inner + ") ", 60);
  EXPECT_EQ(bottom[R"({app="foo", pod="a"})"], 1);
  auto approx = instant("approx_topk(1, " + inner + ")", 60);
  EXPECT_EQ(approx[R"({app="bar", pod="a"})"], 3);
  auto top_by = instant("topk by (app) (1, " + inner + ")", 60);
  EXPECT_EQ(top_by.size(), 2u);
}

TEST_F(logql_engine_test, sort_orders_instant_vectors) {
  add({{"app", "a"}}, 10, "x");
  add({{"app", "b"}}, 10, "x");
  add({{"app", "b"}}, 20, "x");
  auto e = parse(R"(sort_desc(count_over_time({app=~"a|b"}[1m])))");
  engine eng(src);
  query_params p;
  p.start_ns = p.end_ns = 60 * sec;
  auto r = eng.query(*e, p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->vector.size(), 2u);
  EXPECT_EQ(r->vector[0].v, 2);
  e = parse(R"(sort(count_over_time({app=~"a|b"}[1m])))");
  r = eng.query(*e, p);
  EXPECT_EQ(r->vector[0].v, 1);
}

TEST_F(logql_engine_test, binary_operators_follow_promql) {
  add({{"app", "a"}, {"env", "x"}}, 10, "12345");
  add({{"app", "b"}, {"env", "x"}}, 10, "1");
  const std::string c = R"(count_over_time({app=~"a|b"}[1m]))";
  const std::string b = R"(bytes_over_time({app=~"a|b"}[1m]))";
  auto v = instant(b + " > 1", 60);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[R"({app="a", env="x"})"], 5);
  v = instant("1 < " + b, 60);
  EXPECT_EQ(v[R"({app="a", env="x"})"], 5);
  v = instant(b + " > bool 1", 60);
  EXPECT_EQ(v[R"({app="b", env="x"})"], 0);
  v = instant(b + " / " + c, 60);
  EXPECT_EQ(v[R"({app="a", env="x"})"], 5);
  v = instant(b + " * 2 + 1", 60);
  EXPECT_EQ(v[R"({app="a", env="x"})"], 11);
  v = instant(b + " / on (env) group_left sum by (env) (" + b + ")", 60);
  EXPECT_DOUBLE_EQ(v[R"({app="a", env="x"})"], 5.0 / 6.0);
  v = instant(b + " and " + b + " > 1", 60);
  EXPECT_EQ(v.size(), 1u);
  v = instant(b + " unless " + b + " > 1", 60);
  EXPECT_EQ(v.count(R"({app="b", env="x"})"), 1u);
  v = instant("(" + b + " > 1) or " + c, 60);
  EXPECT_EQ(v.size(), 2u);
  v = instant(b + " / 0", 60);
  EXPECT_TRUE(std::isinf(v[R"({app="a", env="x"})"]));
  EXPECT_EQ(instant("vector(1) + vector(1)", 60)["{}"], 2);
  EXPECT_EQ(instant("1 + 1", 60)["scalar"], 2);
}

TEST_F(logql_engine_test, label_replace_rewrites_labels) {
  add({{"app", "web-1"}}, 10, "x");
  auto v = instant(R"(label_replace(count_over_time({app="web-1"}[1m]), "svc", "$1", "app", "(.*)-\\d+"))", 60);
  EXPECT_EQ(v[R"({app="web-1", svc="web"})"], 1);
}

TEST_F(logql_engine_test, series_limit_reports_loki_text) {
  for (int i = 0; i < 501; ++i)
    add({{"app", "a"}, {"i", std::to_string(i)}}, 10, "x");
  std::string err;
  instant(R"(count_over_time({app="a"}[1m]))", 60, &err);
  EXPECT_EQ(err.rfind("maximum number of series (500) reached for a single query; consider reducing", 0), 0u) << err;
}

TEST(logql_range_functions, quantile_interpolates_and_clamps) {
  EXPECT_DOUBLE_EQ(detail::quantile(0.5, {1, 2, 3, 4}), 2.5);
  EXPECT_TRUE(std::isinf(detail::quantile(1.5, {1})));
  EXPECT_TRUE(std::isnan(detail::quantile(0.5, {})));
}

TEST(logql_step_alignment, start_rounds_down_and_end_rounds_up_like_lokis_frontend) {
  query_params p{2 * sec, 102 * sec, 10 * sec};
  auto a = align_to_step(p);
  EXPECT_EQ(a.start_ns, 0);
  EXPECT_EQ(a.end_ns, 110 * sec);
  query_params exact{20 * sec, 100 * sec, 10 * sec};
  EXPECT_EQ(align_to_step(exact).end_ns, 100 * sec);
  query_params instant_q{5, 5, 0};
  EXPECT_EQ(align_to_step(instant_q).start_ns, 5);
}

TEST_F(logql_engine_test, range_query_parameters_are_validated_with_loki_texts) {
  auto e = parse(R"(count_over_time({app="a"}[1m]))");
  engine eng(src);
  auto r = eng.query(*e, query_params{10 * sec, 0, 1 * sec});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "end timestamp must not be before or equal to start time");
  r = eng.query(*e, query_params{0, 20000 * sec, 1 * sec});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter");
}

TEST_F(logql_engine_test, parser_hints_under_sum_by_keep_results_identical) {
  add({{"app", "a"}, {"level", "stream"}}, 10, "level=info status=500 other=x");
  add({{"app", "a"}, {"level", "stream"}}, 20, "level=info status=200 other=y");
  add({{"app", "a"}, {"level", "stream"}}, 30, "level=warn status=503 other=z");
  auto v = instant(R"(sum by (level_extracted) (count_over_time({app="a"} | logfmt | status >= 500 [1m])))", 60);
  EXPECT_EQ(v[R"({level_extracted="info"})"], 1);
  EXPECT_EQ(v[R"({level_extracted="warn"})"], 1);
  v = instant(R"(sum by (other) (count_over_time({app="a"} | logfmt [1m])))", 60);
  EXPECT_EQ(v.size(), 3u);
  // A formatter reads arbitrary labels: hints must be off.
  v = instant(R"(sum by (msg) (count_over_time({app="a"} | logfmt | label_format msg="{{.other}}" [1m])))", 60);
  EXPECT_EQ(v[R"({msg="x"})"], 1);
}

namespace {

/// Two replicas of the same data, as ingesters answering the same query.
class replicated_source final : public entry_source {
public:
  memory_source a, b;
  result<stream_iterators> select(const std::vector<label_matcher>& m, int64_t from, int64_t through,
                                  direction dir) override {
    auto x = a.select(m, from, through, dir);
    auto y = b.select(m, from, through, dir);
    stream_iterators out = std::move(*x);
    for (auto& it : *y)
      out.push_back(std::move(it));
    return out;
  }
};

} // namespace

TEST(logql_replicas, identical_entries_from_replicas_count_once) {
  replicated_source src;
  for (auto* m : {&src.a, &src.b}) {
    m->add({{"app", "a"}}, model::entry{10 * sec, "same", {}});
    m->add({{"app", "a"}}, model::entry{20 * sec, "same", {}});
  }
  src.a.add({{"app", "a"}}, model::entry{20 * sec, "different line, same ts", {}});
  src.b.add({{"app", "a"}}, model::entry{20 * sec, "same", {{"trace", "1"}}});  // differs in metadata
  engine eng(src);
  auto e = parse(R"(count_over_time({app="a"}[1m]))");
  query_params p;
  p.start_ns = p.end_ns = 60 * sec;
  auto r = eng.query(*e, p);
  ASSERT_TRUE(r.ok());
  double total = 0;
  for (const auto& s : r->vector)
    total += s.v;
  EXPECT_EQ(total, 4);  // same@10, same@20, different@20, same+metadata@20
  auto lq = parse(R"({app="a"})");
  query_params lp{0, 100 * sec, 0, direction::forward, 100};
  auto lr = eng.query(*lq, lp);
  ASSERT_TRUE(lr.ok());
  size_t entries = 0;
  for (const auto& s : lr->streams)
    entries += s.entries.size();
  EXPECT_EQ(entries, 4u);
}

TEST(logql_replicas, instant_log_queries_are_rejected_like_loki) {
  memory_source src;
  engine eng(src);
  auto e = parse(R"({app="a"})");
  auto r = eng.query(*e, query_params{5, 5, 0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "log queries are not supported as an instant query type, please change your query to a range query type");
}

TEST_F(logql_engine_test, log_query_streams_carry_metadata_and_parsed_labels) {
  src.add({{"app", "a"}}, model::entry{1 * sec, "level=info msg=hi", {{"trace", "t1"}}});
  src.add({{"app", "a"}}, model::entry{2 * sec, "level=error msg=boom", {}});
  auto e = parse(R"({app="a"} | logfmt | level="error" or trace="t1")");
  engine eng(src);
  query_params p{0, 10 * sec, 0, direction::backward, 10};
  auto r = eng.query(*e, p);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->streams.size(), 2u);
  EXPECT_EQ(labels_string(r->streams[0].labels), R"({app="a", level="error", msg="boom"})");
  EXPECT_EQ(labels_string(r->streams[1].labels), R"({app="a", level="info", msg="hi", trace="t1"})");
  ASSERT_EQ(r->streams[1].entries.size(), 1u);
  EXPECT_EQ(r->streams[1].entries[0].metadata, (model::label_set{{"trace", "t1"}}));
}

TEST(logql_replicas, backward_merge_keeps_newest_first) {
  stream_iterators its;
  memory_source a, b;
  for (int i = 1; i <= 3; ++i)
    a.add({{"app", "x"}}, model::entry{i * sec, "l" + std::to_string(i), {}});
  for (int i = 2; i <= 4; ++i)
    b.add({{"app", "x"}}, model::entry{i * sec, "l" + std::to_string(i), {}});
  auto x = a.select({}, 0, 10 * sec, direction::backward);
  auto y = b.select({}, 0, 10 * sec, direction::backward);
  for (auto* v : {&*x, &*y})
    for (auto& it : *v)
      its.push_back(std::move(it));
  auto merged = merge_replicas(std::move(its), direction::backward);
  ASSERT_EQ(merged.size(), 1u);
  std::vector<std::string> lines;
  model::entry_view ev;
  while (merged[0]->next(ev))
    lines.emplace_back(ev.line);
  EXPECT_EQ(lines, (std::vector<std::string>{"l4", "l3", "l2", "l1"}));
}

TEST_F(logql_engine_test, log_query_interval_thins_entries_like_loki) {
  for (int i = 0; i < 10; ++i)
    add({{"app", "a"}}, i, "l" + std::to_string(i));
  auto e = parse(R"({app="a"})");
  engine eng(src);
  query_params p{0, 100 * sec, 0, direction::forward, 100};
  p.interval_ns = 3 * sec;
  auto r = eng.query(*e, p);
  ASSERT_TRUE(r.ok());
  std::vector<std::string> lines;
  for (const auto& en : r->streams[0].entries)
    lines.push_back(en.line);
  EXPECT_EQ(lines, (std::vector<std::string>{"l0", "l3", "l6", "l9"}));
}
