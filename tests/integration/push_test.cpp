// Integration: push through HTTP to the real skald binary (configs/skald-local.yaml)
// with snappy protobuf, JSON (v1 and legacy), gzip and deflate bodies; status
// codes, Loki's error texts, and the write-path metrics.
#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testutil/http_client.hpp"
#include "testutil/process.hpp"
#include "testutil/push_bodies.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using push::testing::deflate_compress;
using push::testing::gzip_compress;
using push::testing::proto_body;
using push::testing::test_stream;
using testing::HasSubstr;
using testing::Not;
using testutil::child_process;
using testutil::http_client;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

double metric(const std::string& text, const std::string& needle) {
  auto t = "\n" + text;
  auto p = t.find("\n" + needle + " ");
  if (p == std::string::npos)
    return -1;
  return std::stod(t.substr(p + needle.size() + 2));
}

class push_it : public testing::Test {
protected:
  void start(std::vector<std::string> extra = {}) {
    port_ = testutil::free_port();
    data_dir_ = testutil::make_temp_dir("skald-push-it");
    std::vector<std::string> args{
      "-config.file=" + std::string{SKALD_SOURCE_DIR} + "/configs/skald-local.yaml",
      "-server.http-listen-port=" + std::to_string(port_), "-common.path-prefix=" + data_dir_};
    args.insert(args.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<child_process>(SKALD_BINARY, args);
    auto ready = testutil::wait_for_status_200(port_, "/ready", 10s);
    ASSERT_EQ(ready.status, 200) << proc_->output();
  }

  testutil::http_reply post(const std::string& path, const std::string& body,
                            std::map<std::string, std::string> headers) {
    http_client c{port_};
    return c.request("POST", path, body, headers);
  }

  std::string metrics() {
    http_client c{port_};
    return c.get("/metrics").body;
  }

  uint16_t port_ = 0;
  std::string data_dir_;
  std::unique_ptr<child_process> proc_;
};

TEST_F(push_it, protobuf_json_gzip_and_deflate_pushes_are_stored) {
  start();
  const auto ts = now_ns();
  auto pb = proto_body({test_stream{"{app=\"pb\"}", {{ts, "proto line 1", {}}, {ts + 1, "proto line 2", {}}}}});
  auto r = post("/loki/api/v1/push", pb, {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 204) << r.body;

  std::string json = "{\"streams\":[{\"stream\":{\"app\":\"json\"},\"values\":[[\"" +
                     std::to_string(ts) + "\",\"json line\"]]}]}";
  r = post("/loki/api/v1/push", json, {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 204) << r.body;

  r = post("/loki/api/v1/push", gzip_compress(json),
           {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 204) << r.body;

  r = post("/loki/api/v1/push", deflate_compress(pb),
           {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "deflate"}});
  EXPECT_EQ(r.status, 204) << r.body;

  std::string legacy = "{\"streams\":[{\"labels\":\"{app=\\\"legacy\\\"}\",\"entries\":[{\"ts\":\"" +
                       std::string{"2030-01-01T00:00:00Z"} + "\",\"line\":\"x\"}]}]}";
  r = post("/api/prom/push", legacy, {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400) << r.body; // 2030 is too far in the future
  EXPECT_THAT(r.body, HasSubstr("has timestamp too new"));

  auto m = metrics();
  // 2 proto + 1 json + 1 gzip json (deduplicated in the ingester, still received) + 2 deflate proto
  EXPECT_EQ(metric(m, "loki_distributor_lines_received_total{tenant=\"fake\"}"), 6) << m;
  // Line bytes of the accepted entries: 2 x 12 + 9 + 9 + 2 x 12 (the legacy one was refused).
  EXPECT_EQ(metric(m, "loki_distributor_bytes_received_total{tenant=\"fake\"}"), 66) << m;
  EXPECT_EQ(metric(m, "loki_discarded_bytes_total{reason=\"too_far_in_future\",tenant=\"fake\"}"),
            1);
  EXPECT_EQ(metric(m, "loki_ingester_memory_streams{tenant=\"fake\"}"), 2);
  EXPECT_EQ(metric(m, "loki_ingester_chunks_created_total"), 2);
  EXPECT_EQ(metric(m, "loki_discarded_samples_total{reason=\"too_far_in_future\",tenant=\"fake\"}"), 1);
  EXPECT_THAT(m, HasSubstr("loki_request_duration_seconds_count{method=\"POST\",route=\"loki_api_v1_push\",status_code=\"204\""));
}

TEST_F(push_it, bad_bodies_get_lokis_status_and_the_node_stays_healthy) {
  start({"-distributor.max-decompressed-size=1KB"});
  auto r = post("/loki/api/v1/push", "whatever", {});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "mime: no media type\n");

  r = post("/loki/api/v1/push", "garbage, not snappy", {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 400);

  r = post("/loki/api/v1/push", "{\"streams\": [", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400);

  std::string bomb = gzip_compress(std::string(1 << 20, 'a'));
  r = post("/loki/api/v1/push", bomb, {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 413);
  EXPECT_THAT(r.body, HasSubstr("request body too large"));

  r = post("/loki/api/v1/push", "x", {{"Content-Type", "application/json"}, {"Content-Encoding", "br"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "Content-Encoding \"br\" not supported\n");

  r = post("/loki/api/v1/push", "{\"streams\":[]}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 422);

  // A huge label set: more names than max_label_names_per_series (15).
  const auto ts = now_ns();
  std::string many = "{";
  for (int i = 0; i < 20; ++i)
    many += (i ? ", l" : "l") + std::to_string(i) + "=\"v\"";
  many += "}";
  r = post("/loki/api/v1/push", proto_body({test_stream{many, {{ts, "x", {}}}}}),
           {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("has 20 label names; limit 15"));

  // Unparseable labels.
  r = post("/loki/api/v1/push", proto_body({test_stream{"{ab\"", {{ts, "x", {}}}}}),
           {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 400);

  // Invalid UTF-8: in a label value the parser refuses it (Prometheus' text);
  // in a line it is stored as is, like Loki.
  r = post("/loki/api/v1/push", proto_body({test_stream{"{a=\"\xff\"}", {{ts, "x", {}}}}}),
           {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "couldn't parse labels: 1:4: parse error: invalid UTF-8 rune\n");
  r = post("/loki/api/v1/push",
           proto_body({test_stream{"{app=\"utf8\"}", {{ts, "bad \xff\xfe", {}}}}}),
           {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 204) << r.body;

  // Still serving.
  r = post("/loki/api/v1/push", proto_body({test_stream{"{app=\"ok\"}", {{ts, "fine", {}}}}}),
           {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 204) << r.body;
  auto m = metrics();
  EXPECT_GT(metric(m, "loki_discarded_bytes_total{reason=\"request_body_too_large\",tenant=\"fake\"}"), 0);
  EXPECT_EQ(metric(m, "loki_distributor_lines_received_total{tenant=\"fake\"}"), 2);
}

TEST_F(push_it, auth_enabled_requires_a_valid_org_id) {
  start({"-auth.enabled=true"});
  const auto ts = now_ns();
  auto body = proto_body({test_stream{"{app=\"a\"}", {{ts, "x", {}}}}});
  auto r = post("/loki/api/v1/push", body, {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, "no org id\n");
  r = post("/loki/api/v1/push", body,
           {{"Content-Type", "application/x-protobuf"}, {"X-Scope-OrgID", "a|b"}});
  EXPECT_EQ(r.status, 400);
  r = post("/loki/api/v1/push", body,
           {{"Content-Type", "application/x-protobuf"}, {"X-Scope-OrgID", "bad/id"}});
  EXPECT_EQ(r.status, 400);
  r = post("/loki/api/v1/push", body,
           {{"Content-Type", "application/x-protobuf"}, {"X-Scope-OrgID", "team-1"}});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(metric(metrics(), "loki_distributor_lines_received_total{tenant=\"team-1\"}"), 1);

  // The read routes (queries, labels, tail) take the tenant the same way.
  const std::string q = "/loki/api/v1/query_range?query=" + testutil::enc("{app=\"a\"}");
  http_client c{port_};
  for (const std::string& target : {q, std::string{"/loki/api/v1/labels"},
                                    "/loki/api/v1/tail?query=" + testutil::enc("{app=\"a\"}")}) {
    r = c.request("GET", target);
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(r.body, "no org id\n") << target;
    r = c.request("GET", target, "", {{"X-Scope-OrgID", "a|b"}});
    EXPECT_EQ(r.status, 400) << target;
  }
  r = c.request("GET", q, "", {{"X-Scope-OrgID", "team-1"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr("\"x\"")) << r.body;
  r = c.request("GET", q, "", {{"X-Scope-OrgID", "team-2"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, Not(HasSubstr("\"x\""))) << r.body;
}

TEST_F(push_it, runtime_overrides_file_applies_per_tenant_limits) {
  auto dir = testutil::make_temp_dir("skald-overrides");
  auto file = dir + "/overrides.yaml";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fputs("overrides:\n  fake:\n    max_line_size: 4B\n", f);
    std::fclose(f);
  }
  start({"-runtime-config.file=" + file});
  const auto ts = now_ns();
  auto r = post("/loki/api/v1/push", proto_body({test_stream{"{app=\"a\"}", {{ts, "too long", {}}}}}),
                {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("max entry size '4' bytes exceeded"));
}

} // namespace
} // namespace skald
