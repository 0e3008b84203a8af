// Integration: push through HTTP to the real skald binary, then read back
// through Loki's query API (read-path spec §1.3, §1.4, §6): query_range in
// both directions with limits, instant metric queries, labels, label values,
// series, index/stats, format_query, errors, read-your-writes and the request
// sequence of Grafana's "Test connection" and Explore.
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "testutil/http_client.hpp"
#include "testutil/process.hpp"
#include "testutil/push_bodies.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testutil::child_process;
using testutil::http_client;
using testutil::enc;
using testutil::now_ns;

class query_it : public testing::Test {
protected:
  void SetUp() override { start({}); }

  void start(const std::vector<std::string>& extra) {
    port_ = testutil::free_port();
    data_dir_ = testutil::make_temp_dir("skald-query-it");
    std::vector<std::string> args{
        "-config.file=" + std::string{SKALD_SOURCE_DIR} + "/configs/skald-local.yaml",
        "-server.http-listen-port=" + std::to_string(port_), "-common.path-prefix=" + data_dir_};
    args.insert(args.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<child_process>(SKALD_BINARY, args);
    auto ready = testutil::wait_for_status_200(port_, "/ready", 10s);
    ASSERT_EQ(ready.status, 200) << proc_->output();
    base_ = now_ns() - 60'000'000'000; // a minute ago, well inside the ingester window
  }

  /// Pushes `lines` to stream `labels_json` at base_ + i ms.
  void push(const std::string& labels_json,
            const std::vector<std::pair<int64_t, std::string>>& es) {
    std::string body = "{\"streams\":[{\"stream\":" + labels_json + ",\"values\":[";
    for (size_t i = 0; i < es.size(); ++i) {
      if (i)
        body += ",";
      body += "[\"" + std::to_string(es[i].first) + "\",\"" + es[i].second + "\"]";
    }
    body += "]}]}";
    http_client c{port_};
    auto r = c.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 204) << r.body;
  }

  testutil::http_reply get(const std::string& target,
                           std::map<std::string, std::string> headers = {}) {
    http_client c{port_};
    return c.request("GET", target, {}, headers);
  }

  static rapidjson::Document parse(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    EXPECT_FALSE(d.HasParseError()) << body;
    return d;
  }

  /// ts,line pairs of every stream of a streams result, in response order.
  static std::vector<std::string> lines(const rapidjson::Document& d) {
    std::vector<std::string> out;
    for (const auto& s : d["data"]["result"].GetArray())
      for (const auto& v : s["values"].GetArray())
        out.push_back(v[1].GetString());
    return out;
  }

  std::string range(const std::string& q, int64_t start, int64_t end, const std::string& extra) {
    return "/loki/api/v1/query_range?query=" + enc(q) + "&start=" + std::to_string(start) +
           "&end=" + std::to_string(end) + extra;
  }

  void push_fixture() {
    std::vector<std::pair<int64_t, std::string>> a, b;
    for (int i = 0; i < 5; ++i) {
      a.emplace_back(base_ + i * 1'000'000, "a" + std::to_string(i));
      b.emplace_back(base_ + i * 1'000'000 + 500'000, "b" + std::to_string(i) + " level=error");
    }
    push("{\"app\":\"a\",\"run\":\"x\"}", a);
    push("{\"app\":\"b\",\"run\":\"x\"}", b);
  }

  uint16_t port_ = 0;
  int64_t base_ = 0;
  std::string data_dir_;
  std::unique_ptr<child_process> proc_;
};

TEST_F(query_it, query_range_returns_pushed_lines_in_both_directions_with_limits) {
  push_fixture();
  auto r = get(range("{app=\"a\"}", base_, base_ + 10'000'000, "&direction=forward&limit=3"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r.body);
  EXPECT_STREQ(d["status"].GetString(), "success");
  EXPECT_STREQ(d["data"]["resultType"].GetString(), "streams");
  ASSERT_EQ(d["data"]["result"].Size(), 1u);
  EXPECT_STREQ(d["data"]["result"][0]["stream"]["app"].GetString(), "a");
  EXPECT_EQ(lines(d), (std::vector<std::string>{"a0", "a1", "a2"}));
  EXPECT_EQ(std::string{d["data"]["result"][0]["values"][0][0].GetString()}, std::to_string(base_));
  EXPECT_TRUE(d["data"]["stats"]["summary"].IsObject());

  r = get(range("{run=\"x\"}", base_, base_ + 10'000'000, "&direction=backward&limit=3"));
  ASSERT_EQ(r.status, 200) << r.body;
  d = parse(r.body);
  // Global limit, newest first: b4, a4, b3; streams sorted by labels.
  ASSERT_EQ(d["data"]["result"].Size(), 2u);
  EXPECT_EQ(lines(d), (std::vector<std::string>{"a4", "b4 level=error", "b3 level=error"}));

  // end is exclusive, start inclusive.
  r = get(range("{app=\"a\"}", base_ + 1'000'000, base_ + 3'000'000, "&direction=forward"));
  EXPECT_EQ(lines(parse(r.body)), (std::vector<std::string>{"a1", "a2"}));

  // A pipeline runs in the engine.
  r = get(range("{run=\"x\"} |= \"error\" | logfmt", base_, base_ + 10'000'000, "&limit=2"));
  ASSERT_EQ(r.status, 200) << r.body;
  d = parse(r.body);
  EXPECT_STREQ(d["data"]["result"][0]["stream"]["level"].GetString(), "error");
}

TEST_F(query_it, metric_queries_instant_and_range) {
  push_fixture();
  const int64_t t = base_ + 10'000'000;
  auto r =
      get("/loki/api/v1/query?query=" + enc("sum by (app) (count_over_time({run=\"x\"}[1m]))") +
          "&time=" + std::to_string(t));
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r.body);
  EXPECT_STREQ(d["data"]["resultType"].GetString(), "vector");
  ASSERT_EQ(d["data"]["result"].Size(), 2u);
  for (const auto& s : d["data"]["result"].GetArray()) {
    EXPECT_TRUE(s["value"][0].IsNumber());
    EXPECT_STREQ(s["value"][1].GetString(), "5");
  }
  r = get("/loki/api/v1/query?query=" + enc("count_over_time({app=\"a\"}[1m])") +
          "&time=" + std::to_string(t));
  d = parse(r.body);
  ASSERT_EQ(d["data"]["result"].Size(), 1u);
  EXPECT_STREQ(d["data"]["result"][0]["metric"]["app"].GetString(), "a");

  r = get(range("sum(count_over_time({run=\"x\"}[1m]))", t - 60'000'000'000, t, "&step=30s"));
  ASSERT_EQ(r.status, 200) << r.body;
  d = parse(r.body);
  EXPECT_STREQ(d["data"]["resultType"].GetString(), "matrix");
  ASSERT_EQ(d["data"]["result"].Size(), 1u);
  const auto& vals = d["data"]["result"][0]["values"];
  ASSERT_GE(vals.Size(), 1u);
  EXPECT_STREQ(vals[vals.Size() - 1][1].GetString(), "10");
}

TEST_F(query_it, labels_label_values_series_and_stats) {
  push_fixture();
  const std::string win =
      "start=" + std::to_string(base_ - 1'000'000'000) + "&end=" + std::to_string(now_ns());
  auto r = get("/loki/api/v1/labels?" + win);
  ASSERT_EQ(r.status, 200) << r.body;
  // service_name is discovered at ingestion (discover_service_name).
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[\"app\",\"run\",\"service_name\"]}\n");
  r = get("/loki/api/v1/label?" + win);
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[\"app\",\"run\",\"service_name\"]}\n");
  r = get("/loki/api/v1/label/app/values?" + win);
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[\"a\",\"b\"]}\n");
  r = get("/loki/api/v1/label/app/values?" + win + "&query=" + enc("{app=\"b\"}"));
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[\"b\"]}\n");
  r = get("/loki/api/v1/label/nope/values?" + win);
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[]}\n");
  r = get("/loki/api/v1/series?" + win + "&match[]=" + enc("{app=\"a\"}") +
          "&match=" + enc("{app=\"b\"}"));
  EXPECT_EQ(r.body,
            "{\"status\":\"success\",\"data\":[{\"app\":\"a\",\"run\":\"x\",\"service_name\":"
            "\"a\"},{\"app\":\"b\",\"run\":\"x\",\"service_name\":\"b\"}]}\n");
  r = get("/loki/api/v1/series?" + win + "&match[]=" + enc("{app=\"zzz\"}"));
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[]}\n");
  // POST form.
  http_client c{port_};
  r = c.request("POST", "/loki/api/v1/series", win + "&match[]=" + enc("{}"),
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(parse(r.body)["data"].Size(), 2u) << r.body;
  r = get("/loki/api/v1/index/stats?" + win + "&query=" + enc("{run=\"x\"}"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r.body);
  EXPECT_EQ(d["streams"].GetInt(), 2);
  EXPECT_EQ(d["entries"].GetInt(), 10);
  r = get("/loki/api/v1/format_query?query=" + enc("{a=\"b\"}|=\"x\""));
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":\"{a=\\\"b\\\"} |= \\\"x\\\"\"}\n");
}

TEST_F(query_it, protobuf_push_reads_back_through_post_forms_and_unknown_parameters_are_ignored) {
  // A snappy protobuf push (the JSON pushes are above), with structured metadata.
  push::testing::test_stream s{"{app=\"pb\", run=\"y\"}", {}};
  for (int i = 0; i < 3; ++i)
    s.entries.push_back({base_ + i * 1000, "pb" + std::to_string(i), {}});
  s.entries.back().metadata = {{"trace_id", "t1"}};
  http_client c{port_};
  auto r = c.request("POST", "/loki/api/v1/push", push::testing::proto_body({s}),
                     {{"Content-Type", "application/x-protobuf"}});
  ASSERT_EQ(r.status, 204) << r.body;

  // query_range as a POST form, with parameters Loki does not know.
  const std::string form = "query=" + enc("{app=\"pb\"}") + "&start=" + std::to_string(base_) +
                           "&end=" + std::to_string(base_ + 10'000) +
                           "&direction=forward&no_such_param=1&foo=bar";
  r = c.request("POST", "/loki/api/v1/query_range", form,
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json; charset=UTF-8");
  auto d = parse(r.body);
  // Without categorize-labels, structured metadata joins the stream labels
  // (read-path spec §1.4): the entry with trace_id is its own result stream.
  ASSERT_EQ(d["data"]["result"].Size(), 2u) << r.body;
  std::map<std::string, std::vector<std::string>> by_trace; // trace_id ("" = none) -> ts line
  for (const auto& st : d["data"]["result"].GetArray()) {
    const std::string trace =
        st["stream"].HasMember("trace_id") ? st["stream"]["trace_id"].GetString() : "";
    for (const auto& v : st["values"].GetArray())
      by_trace[trace].push_back(std::string{v[0].GetString()} + " " + v[1].GetString());
  }
  const auto ts = [&](int i) {
    return std::to_string(base_ + i * 1000) + " pb" + std::to_string(i);
  };
  EXPECT_EQ(by_trace[""], (std::vector<std::string>{ts(0), ts(1)})) << r.body;
  EXPECT_EQ(by_trace["t1"], (std::vector<std::string>{ts(2)})) << r.body;

  // The instant query as a POST form.
  r = c.request("POST", "/loki/api/v1/query",
                "query=" + enc("sum(count_over_time({app=\"pb\"}[1m]))") +
                    "&time=" + std::to_string(base_ + 10'000) + "&unknown=x",
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json; charset=UTF-8");
  d = parse(r.body);
  ASSERT_EQ(d["data"]["result"].Size(), 1u) << r.body;
  EXPECT_STREQ(d["data"]["result"][0]["value"][1].GetString(), "3");
}

TEST_F(query_it, errors_use_lokis_texts) {
  auto r = get("/loki/api/v1/query_range?query=" + enc("{app=\"a\"") + "");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("parse error at line 1"));
  r = get("/loki/api/v1/query?query=" + enc("{app=\"a\"}"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "log queries are not supported as an instant query type, please change your "
                    "query to a range query type\n");
  r = get("/loki/api/v1/query_range?query=" + enc("{app=\"a\"}") + "&limit=5001");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "max entries limit per query exceeded, limit > max_entries_limit_per_query "
                    "(5001 > 5000)\n");
  r = get("/loki/api/v1/query_range?query=" + enc("{app=\"a\"}") + "&start=we");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "cannot parse \"we\" to a valid timestamp\n");
  r = get("/loki/api/v1/query_range?query=" + enc("{app=\"a\"}") + "&start=0&end=3000000");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "the query time range exceeds the limit (query length: 833h20m0s, limit: "
                    "30d1h)\n");
  r = get("/loki/api/v1/labels?query=" + enc("{app=\"a\"} |= \"x\""));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "only label matchers are supported\n");
  r = get("/loki/api/v1/series?match[]=" + enc("{app="));
  EXPECT_EQ(r.status, 400);
}

TEST_F(query_it, a_query_past_its_timeout_answers_504_with_lokis_text) {
  proc_.reset();
  start({"-limits-config.query-timeout=1ns"});
  push_fixture();
  auto r = get(range("{app=\"a\"}", base_, base_ + 10'000'000, ""));
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(r.body, "request timed out, decrease the duration of the request or add more label "
                    "matchers (prefer exact match over regex match) to reduce the amount of data "
                    "processed\n");
}

TEST_F(query_it, max_query_series_gives_lokis_400) {
  proc_.reset();
  start({"-limits-config.max-query-series=1"});
  push_fixture();
  auto r = get("/loki/api/v1/query?query=" +
               enc("sum by (app) (count_over_time({run=\"x\"}[1m]))") +
               "&time=" + std::to_string(base_ + 10'000'000));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "maximum number of series (1) reached for a single query; consider reducing "
                    "query cardinality by adding more specific stream selectors, reducing the time "
                    "range, or aggregating results with functions like sum(), count() or topk()\n");
}

TEST_F(query_it, too_many_outstanding_queries_of_a_tenant_get_lokis_429) {
  // One running and one waiting query per tenant; the rest are refused.
  proc_.reset();
  start({"-querier.max-outstanding-requests-per-tenant=1", "-querier.max-concurrent=1"});
  // 100k lines, so each query scans for a while.
  {
    http_client c{port_};
    for (int p = 0; p < 100; ++p) {
      push::testing::test_stream s{"{app=\"slow\"}", {}};
      for (int i = 0; i < 1000; ++i)
        s.entries.push_back(
            {base_ + (p * 1000 + i) * 1000,
             "line " + std::to_string(p * 1000 + i) + " level=info msg=nothing to see",
             {}});
      auto r = c.request("POST", "/loki/api/v1/push", push::testing::proto_body({s}),
                         {{"Content-Type", "application/x-protobuf"}});
      ASSERT_EQ(r.status, 204) << r.body;
    }
  }
  const auto q = range("{app=\"slow\"} |~ \"no.*such.*line\"", base_, now_ns(), "&limit=10");
  std::vector<testutil::http_reply> replies(24);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < replies.size(); ++i)
    threads.emplace_back([&, i] { replies[i] = http_client{port_}.get(q); });
  for (auto& t : threads)
    t.join();
  int refused = 0;
  for (const auto& r : replies) {
    if (r.status == 429) {
      ++refused;
      EXPECT_EQ(r.body, "too many outstanding requests\n");
    } else {
      EXPECT_EQ(r.status, 200) << r.body;
    }
  }
  EXPECT_GE(refused, 1);
  EXPECT_LE(refused, 22); // at least the first two ran
  // Slots are given back with the answers.
  auto r = get(q);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(query_it, ingesters_answer_only_ranges_within_query_ingesters_within) {
  // A line 5 hours old, in memory only (not flushed): a range that ends
  // before now - 3h asks the store alone (Loki's buildQueryIntervals).
  const int64_t hour = 3600'000'000'000;
  const int64_t old_ts = now_ns() - 5 * hour;
  push("{\"app\":\"old\"}", {{old_ts, "five hours ago"}});
  auto r = get(range("{app=\"old\"}", old_ts - hour, old_ts + hour, ""));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(lines(parse(r.body)).empty()) << r.body;
  // A range reaching into the last 3 hours asks the ingester for its recent
  // part only: still nothing from 5 hours ago.
  r = get(range("{app=\"old\"}", old_ts - hour, now_ns(), ""));
  EXPECT_TRUE(lines(parse(r.body)).empty()) << r.body;
  // With 0 the ingesters are always asked (the WAL brings the line back).
  proc_.reset();
  const auto dir = data_dir_;
  port_ = testutil::free_port();
  proc_ = std::make_unique<child_process>(
      SKALD_BINARY,
      std::vector<std::string>{"-config.file=" + std::string{SKALD_SOURCE_DIR} +
                                   "/configs/skald-local.yaml",
                               "-server.http-listen-port=" + std::to_string(port_),
                               "-common.path-prefix=" + dir, "-querier.query-ingesters-within=0"});
  ASSERT_EQ(testutil::wait_for_status_200(port_, "/ready", 10s).status, 200) << proc_->output();
  r = get(range("{app=\"old\"}", old_ts - hour, old_ts + hour, ""));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(lines(parse(r.body)), (std::vector<std::string>{"five hours ago"}));
}

TEST_F(query_it, a_line_is_visible_right_after_its_204) {
  for (int i = 0; i < 20; ++i) {
    const auto ts = base_ + i;
    push("{\"app\":\"ryw\"}", {{ts, "line" + std::to_string(i)}});
    auto r = get(range("{app=\"ryw\"}", ts, ts + 1, "&limit=1"));
    ASSERT_EQ(r.status, 200) << r.body << "\nnode output:\n" << proc_->output();
    ASSERT_EQ(lines(parse(r.body)), (std::vector<std::string>{"line" + std::to_string(i)}))
        << "node output:\n" << proc_->output();
  }
}

TEST_F(query_it, grafana_test_connection_and_explore_sequence) {
  // Save & test (current Grafana backend health check).
  auto r = get("/loki/api/v1/query?direction=backward&query=vector%281%29%2Bvector%281%29"
               "&time=4000000000");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r.body);
  EXPECT_STREQ(d["data"]["resultType"].GetString(), "vector");
  ASSERT_EQ(d["data"]["result"].Size(), 1u);
  EXPECT_EQ(d["data"]["result"][0]["metric"].MemberCount(), 0u);
  EXPECT_STREQ(d["data"]["result"][0]["value"][1].GetString(), "2");

  push_fixture();
  const auto end = now_ns();
  const auto start = end - 600'000'000'000;
  const std::string win = "start=" + std::to_string(start) + "&end=" + std::to_string(end);
  // Older Grafana's test: labels of the last 10 minutes, non-empty.
  r = get("/loki/api/v1/labels?" + win);
  EXPECT_GT(parse(r.body)["data"].Size(), 0u);
  // Explore: label browser, values, shard probe.
  r = get("/loki/api/v1/label/run/values?" + win);
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[\"x\"]}\n");
  r = get("/loki/api/v1/label/__stream_shard__/values?" + win + "&query=" + enc("{run=\"x\"}"));
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[]}\n");
  r = get("/loki/api/v1/index/stats?query=" + enc("{run=\"x\"}") + "&" + win);
  EXPECT_EQ(r.status, 200);
  // The log query with categorize-labels, then the logs volume histogram.
  r = get(range("{run=\"x\"}", start, end, "&direction=backward&limit=1000&step=2000ms"),
          {{"X-Loki-Response-Encoding-Flags", "categorize-labels"},
           {"X-Query-Tags", "Source=grafana"}});
  ASSERT_EQ(r.status, 200) << r.body;
  d = parse(r.body);
  EXPECT_STREQ(d["data"]["encodingFlags"][0].GetString(), "categorize-labels");
  EXPECT_EQ(lines(d).size(), 10u);
  EXPECT_EQ(d["data"]["result"][0]["values"][0].Size(), 3u);
  // Parsed labels move from `stream` to the entry's third element.
  r = get(range("{app=\"b\"} | logfmt", start, end, "&limit=1"),
          {{"X-Loki-Response-Encoding-Flags", "categorize-labels"}});
  ASSERT_EQ(r.status, 200) << r.body;
  d = parse(r.body);
  ASSERT_EQ(d["data"]["result"].Size(), 1u) << r.body;
  EXPECT_FALSE(d["data"]["result"][0]["stream"].HasMember("level")) << r.body;
  EXPECT_STREQ(d["data"]["result"][0]["values"][0][2]["parsed"]["level"].GetString(), "error")
      << r.body;
  r = get(
      range("sum by (level, detected_level) (count_over_time({run=\"x\"} | drop __error__[2s]))",
            start, end, "&step=2000ms"),
      {{"X-Query-Tags", "Source=logvolhist"}});
  ASSERT_EQ(r.status, 200) << r.body;
  d = parse(r.body);
  EXPECT_STREQ(d["data"]["resultType"].GetString(), "matrix");
  EXPECT_GE(d["data"]["result"].Size(), 1u); // one series per (level, detected_level)
}

} // namespace
} // namespace skald
