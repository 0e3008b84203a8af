// Integration: the legacy /api/prom read routes and index/volume(_range)
// against the real skald binary (read-path spec §1.1 "API version by path",
// §1.3 volume): legacy JSON shapes, the legacy regexp= filter, metric queries
// refused on legacy routes, volume per series and per label name, limit,
// targetLabels, the range form, and the aggregateBy error. Volume counts
// chunks' uncompressed bytes like Loki (runtime/query/volume.hpp) and answers
// the same from memory, from memory plus the store (a flushed chunk still
// retained is counted once) and from the store alone after a restart.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "testutil/http_client.hpp"
#include "testutil/process.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testutil::child_process;
using testutil::http_client;
using testutil::enc;
using testutil::now_ns;

uint16_t start_on_ephemeral_port(std::unique_ptr<testutil::child_process>& proc,
                                 std::vector<std::string> args) {
  return testutil::start_on_ephemeral_port(proc, SKALD_BINARY, std::move(args));
}

using entries = std::vector<std::pair<int64_t, std::string>>;

/// The uncompressed size of the one chunk these entries make in a stream
/// (what volume counts for it).
uint64_t uncompressed_of(const entries& es) {
  chunkenc::mem_chunk c;
  for (const auto& [ts, line] : es)
    c.append({ts, line, nullptr});
  return c.uncompressed_size();
}

class legacy_volume_it : public testing::Test {
protected:
  void SetUp() override {
    data_dir_ = testutil::make_temp_dir("skald-legacy-it");
    start({});
    base_ = (now_ns() - 60'000'000'000) / 1'000'000'000 * 1'000'000'000;
    // app=a: 3 lines of 10 bytes; app=b: 2 lines of 5 bytes; both env=prod.
    a_ = {{base_, "aaaaaaaaa0"}, {base_ + 1, "aaaaaaaaa1"}, {base_ + 2'000'000'000, "aaaaaaaaa2"}};
    b_ = {{base_, "bbbb0"}, {base_ + 1, "bbbb1"}};
    push(R"({"app":"a","env":"prod"})", a_);
    push(R"({"app":"b","env":"prod"})", b_);
  }

  void TearDown() override { stop(); }

  void start(const std::vector<std::string>& extra) {
    std::vector<std::string> args{
        "-config.file=" + std::string{SKALD_SOURCE_DIR} + "/configs/skald-local.yaml",
        "-common.path-prefix=" + data_dir_, "-limits-config.discover-service-name="};
    args.insert(args.end(), extra.begin(), extra.end());
    port_ = start_on_ephemeral_port(proc_, args);
    ASSERT_NE(port_, 0) << proc_->output();
    auto ready = testutil::wait_for_status_200(port_, "/ready", 10s);
    ASSERT_EQ(ready.status, 200) << proc_->output();
  }

  void stop() {
    if (!proc_)
      return;
    proc_->signal(SIGTERM);
    proc_->wait_for(10s);
    proc_.reset();
  }

  void push(const std::string& labels_json,
            const std::vector<std::pair<int64_t, std::string>>& es) {
    std::string body = "{\"streams\":[{\"stream\":" + labels_json + ",\"values\":[";
    for (size_t i = 0; i < es.size(); ++i) {
      if (i)
        body += ",";
      body += "[\"" + std::to_string(es[i].first) + "\",\"" + es[i].second + "\"]";
    }
    body += "]}]}";
    auto r = http_client{port_}.request("POST", "/loki/api/v1/push", body,
                                        {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 204) << r.body;
  }

  testutil::http_reply get(const std::string& target) { return http_client{port_}.get(target); }

  std::string range() const {
    return "&start=" + std::to_string(base_) + "&end=" + std::to_string(base_ + 10'000'000'000);
  }

  static rapidjson::Document parse(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    EXPECT_FALSE(d.HasParseError()) << body;
    return d;
  }

  uint16_t port_ = 0;
  int64_t base_ = 0;
  entries a_;
  entries b_;
  std::string data_dir_;
  std::unique_ptr<child_process> proc_;
};

TEST_F(legacy_volume_it, legacy_query_has_the_legacy_shape_and_regexp_filter) {
  auto r = get("/api/prom/query?query=" + enc("{app=\"a\"}") + range() +
               "&direction=forward&regexp=" + enc("a[12]$"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.headers["content-type"], HasSubstr("application/json"));
  auto d = parse(r.body);
  ASSERT_TRUE(d["streams"].IsArray());
  ASSERT_EQ(d["streams"].Size(), 1u);
  EXPECT_STREQ(d["streams"][0]["labels"].GetString(), "{app=\"a\", env=\"prod\"}");
  const auto& es = d["streams"][0]["entries"];
  ASSERT_EQ(es.Size(), 2u);
  EXPECT_STREQ(es[0]["line"].GetString(), "aaaaaaaaa1");
  EXPECT_STREQ(es[1]["line"].GetString(), "aaaaaaaaa2");
  // RFC3339Nano timestamps, UTC.
  std::string ts = es[0]["ts"].GetString();
  EXPECT_EQ(ts.back(), 'Z');
  EXPECT_THAT(ts, HasSubstr(".000000001Z"));
  EXPECT_TRUE(d["stats"]["summary"].IsObject());
}

TEST_F(legacy_volume_it, legacy_routes_refuse_metric_queries_and_serve_labels) {
  auto r = get("/api/prom/query?query=" + enc("count_over_time({app=\"a\"}[1m])") + range());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "legacy endpoints only support streams result type\n");
  r = get("/api/prom/label?" + range().substr(1));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{\"values\":[\"app\",\"env\"]}\n");
  r = get("/api/prom/label/app/values?" + range().substr(1));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{\"values\":[\"a\",\"b\"]}\n");
  r = get("/api/prom/series?match=" + enc("{app=\"b\"}") + range());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[{\"app\":\"b\",\"env\":\"prod\"}]}\n");
}

TEST_F(legacy_volume_it, volume_per_series_largest_first_with_limit_and_target_labels) {
  auto r = get("/loki/api/v1/index/volume?query=" + enc("{env=\"prod\"}") + range() +
               "&targetLabels=app");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r.body);
  EXPECT_STREQ(d["status"].GetString(), "success");
  EXPECT_STREQ(d["data"]["resultType"].GetString(), "vector");
  const auto& res = d["data"]["result"];
  ASSERT_EQ(res.Size(), 2u);
  const auto a = std::to_string(uncompressed_of(a_));
  const auto b = std::to_string(uncompressed_of(b_));
  const auto ab = std::to_string(uncompressed_of(a_) + uncompressed_of(b_));
  EXPECT_STREQ(res[0]["metric"]["app"].GetString(), "a");
  EXPECT_FALSE(res[0]["metric"].HasMember("env"));
  EXPECT_EQ(res[0]["value"][1].GetString(), a);
  EXPECT_STREQ(res[1]["metric"]["app"].GetString(), "b");
  EXPECT_EQ(res[1]["value"][1].GetString(), b);

  // Without targetLabels: the selector's label names; limit keeps the top.
  r = get("/loki/api/v1/index/volume?query=" + enc("{env=\"prod\"}") + range() + "&limit=1");
  d = parse(r.body);
  ASSERT_EQ(d["data"]["result"].Size(), 1u);
  EXPECT_STREQ(d["data"]["result"][0]["metric"]["env"].GetString(), "prod");
  EXPECT_EQ(d["data"]["result"][0]["value"][1].GetString(), ab);

  r = get("/loki/api/v1/index/volume?query=" + enc("{env=\"prod\"}") + range() +
          "&aggregateBy=labels&targetLabels=app,env");
  d = parse(r.body);
  ASSERT_EQ(d["data"]["result"].Size(), 2u);
  for (const auto& s : d["data"]["result"].GetArray()) {
    EXPECT_EQ(s["metric"].MemberCount(), 1u);
    EXPECT_EQ(s["value"][1].GetString(), ab);
    EXPECT_STREQ(s["metric"].MemberBegin()->value.GetString(), "");
  }

  r = get("/loki/api/v1/index/volume?query=" + enc("{env=\"prod\"}") + range() +
          "&aggregateBy=streams");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid aggregation option\n");
}

TEST_F(legacy_volume_it, volume_range_buckets_bytes_per_step) {
  auto r = get("/loki/api/v1/index/volume_range?query=" + enc("{app=\"a\"}") + range() +
               "&step=1s&targetLabels=app");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r.body);
  EXPECT_STREQ(d["data"]["resultType"].GetString(), "matrix");
  ASSERT_EQ(d["data"]["result"].Size(), 1u);
  const auto& vs = d["data"]["result"][0]["values"];
  // The chunk spans [base, base+2s] (ms): the point at t holds its share of
  // (t - 1s, t]: base (one ms of it: 0 bytes after truncation, no point),
  // base+1s and base+2s (half each).
  const uint64_t all = uncompressed_of(a_);
  uint64_t sum = 0;
  for (const auto& v : vs.GetArray())
    sum += std::stoull(v[1].GetString());
  EXPECT_GE(vs.Size(), 2u);
  EXPECT_LE(vs.Size(), 3u);
  EXPECT_LE(sum, all);
  EXPECT_GE(sum + 2, all); // truncation per point
}

TEST_F(legacy_volume_it, volume_answers_the_same_from_memory_store_and_after_restart) {
  // Memory only; chunks stay in memory for an hour after their flush.
  stop();
  start({"-ingester.chunk-retain-period=1h"}); // the WAL brings the data back
  const auto q_instant = "/loki/api/v1/index/volume?query=" + enc("{env=\"prod\"}") + range() +
                         "&targetLabels=app";
  const auto q_range = "/loki/api/v1/index/volume_range?query=" + enc("{env=\"prod\"}") +
                       range() + "&step=1s&targetLabels=app";
  const auto q_labels = "/loki/api/v1/index/volume?query=" + enc("{env=\"prod\"}") + range() +
                        "&aggregateBy=labels";
  auto mem_i = get(q_instant);
  auto mem_r = get(q_range);
  auto mem_l = get(q_labels);
  ASSERT_EQ(mem_i.status, 200) << mem_i.body;
  auto d = parse(mem_i.body);
  ASSERT_EQ(d["data"]["result"].Size(), 2u) << mem_i.body;
  EXPECT_EQ(d["data"]["result"][0]["value"][1].GetString(), std::to_string(uncompressed_of(a_)));

  // Flushed and still retained: in memory and in the store, counted once.
  ASSERT_EQ(http_client{port_}.request("POST", "/flush", "").status, 204);
  // Streams whose chunks were all flushed leave memory unless retained.
  EXPECT_THAT(get("/metrics").body, HasSubstr("\nloki_ingester_memory_streams{tenant=\"fake\"} 2\n"))
      << "the flushed chunks should still be in memory";
  EXPECT_EQ(get(q_instant).body, mem_i.body);
  EXPECT_EQ(get(q_range).body, mem_r.body);
  EXPECT_EQ(get(q_labels).body, mem_l.body);

  // Restarted without the WAL: memory is empty, the store answers alone.
  stop();
  start({"-ingester.wal.enabled=false"});
  EXPECT_EQ(get(q_instant).body, mem_i.body);
  EXPECT_EQ(get(q_range).body, mem_r.body);
  EXPECT_EQ(get(q_labels).body, mem_l.body);

  // Restarted with the WAL: whatever it replays into memory is the same
  // chunk as the stored one, still counted once.
  stop();
  start({});
  EXPECT_EQ(get(q_instant).body, mem_i.body);
  EXPECT_EQ(get(q_range).body, mem_r.body);
}

} // namespace
} // namespace skald
