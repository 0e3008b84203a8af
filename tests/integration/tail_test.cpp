// Integration: live tail over a real WebSocket against the real skald binary
// (read-path spec §1.3 `/loki/api/v1/tail`): a pushed line reaches the tail
// within 1 s of its 204, streams created after the tail started are picked
// up, the history honours limit, the pipeline applies, parameter errors are
// plain 400s before the upgrade, the per-tenant concurrent tail limit closes
// with Loki's text, pings arrive every second, and a client that stops
// reading loses entries (reported as dropped_entries) and is then
// disconnected while ingestion goes on; tails of one query share their frames
// and one that does not read holds up neither the others nor the pushes.
#include <atomic>
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
#include "testutil/ws_client.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testutil::child_process;
using testutil::http_client;
using testutil::enc;
using testutil::now_ns;
using testutil::ws_client;

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body;
  return d;
}

/// Lines of a tail message, in order.
std::vector<std::string> lines_of(const std::string& msg) {
  std::vector<std::string> out;
  auto d = parse(msg);
  for (const auto& s : d["streams"].GetArray())
    for (const auto& v : s["values"].GetArray())
      out.push_back(v[1].GetString());
  return out;
}

uint16_t start_on_ephemeral_port(std::unique_ptr<testutil::child_process>& proc,
                                 std::vector<std::string> args) {
  return testutil::start_on_ephemeral_port(proc, SKALD_BINARY, std::move(args));
}

class tail_it : public testing::Test {
protected:
  void SetUp() override { start({}); }
  void TearDown() override {
    if (proc_) {
      proc_->signal(SIGTERM);
      proc_->wait_for(10s);
    }
  }

  void start(const std::vector<std::string>& extra) {
    data_dir_ = testutil::make_temp_dir("skald-tail-it");
    std::vector<std::string> args{"-config.file=" + std::string{SKALD_SOURCE_DIR} +
                                      "/configs/skald-local.yaml",
                                  "-common.path-prefix=" + data_dir_};
    args.insert(args.end(), extra.begin(), extra.end());
    port_ = start_on_ephemeral_port(proc_, args);
    ASSERT_NE(port_, 0) << proc_->output();
    auto ready = testutil::wait_for_status_200(port_, "/ready", 10s);
    ASSERT_EQ(ready.status, 200) << proc_->output();
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

  ws_client::connect_result tail(const std::string& query, const std::string& extra = {}) {
    return ws_client::connect(port_, "/loki/api/v1/tail?query=" + enc(query) + extra);
  }

  /// Reads messages until `n` lines arrived or `timeout` passed.
  static std::vector<std::string> read_lines(ws_client& c, size_t n,
                                             std::chrono::milliseconds timeout) {
    std::vector<std::string> out;
    auto until = std::chrono::steady_clock::now() + timeout;
    while (out.size() < n && std::chrono::steady_clock::now() < until) {
      auto m = c.read(std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now()));
      if (!m)
        break;
      for (auto& l : lines_of(*m))
        out.push_back(l);
    }
    return out;
  }

  double metric(const std::string& name) {
    auto r = http_client{port_}.get("/metrics");
    auto pos = r.body.find("\n" + name + " ");
    if (pos == std::string::npos)
      return -1;
    return std::stod(r.body.substr(pos + name.size() + 2));
  }

  uint16_t port_ = 0;
  std::string data_dir_;
  std::unique_ptr<child_process> proc_;
};

TEST_F(tail_it, pushed_line_arrives_within_one_second_of_its_204) {
  auto c = tail("{app=\"live\"}");
  ASSERT_TRUE(c.client) << c.status << " " << c.body;
  std::this_thread::sleep_for(200ms); // the subscription reaches the streams
  push("{\"app\":\"live\"}", {{now_ns(), "hello tail"}});
  auto acked = std::chrono::steady_clock::now();
  auto m = c.client->read(1000ms);
  auto took = std::chrono::steady_clock::now() - acked;
  ASSERT_TRUE(m) << "no message within 1 s";
  EXPECT_LT(took, 1s);
  auto d = parse(*m);
  ASSERT_TRUE(d["streams"].IsArray());
  ASSERT_EQ(d["streams"].Size(), 1u);
  EXPECT_STREQ(d["streams"][0]["stream"]["app"].GetString(), "live");
  EXPECT_STREQ(d["streams"][0]["values"][0][1].GetString(), "hello tail");
  EXPECT_FALSE(d.HasMember("dropped_entries"));
  c.client->close();
}

TEST_F(tail_it, stream_created_after_the_tail_started_is_picked_up) {
  auto c = tail("{run=\"later\"}");
  ASSERT_TRUE(c.client) << c.status << " " << c.body;
  std::this_thread::sleep_for(200ms);
  push("{\"run\":\"later\",\"app\":\"new1\"}", {{now_ns(), "first"}});
  push("{\"run\":\"later\",\"app\":\"new2\"}", {{now_ns(), "second"}});
  push("{\"run\":\"other\"}", {{now_ns(), "not me"}});
  auto got = read_lines(*c.client, 2, 2s);
  EXPECT_THAT(got, testing::UnorderedElementsAre("first", "second"));
  EXPECT_TRUE(read_lines(*c.client, 1, 300ms).empty());
}

TEST_F(tail_it, history_honours_limit_oldest_first_then_live) {
  auto base = now_ns() - 10'000'000'000;
  std::vector<std::pair<int64_t, std::string>> es;
  for (int i = 0; i < 5; ++i)
    es.emplace_back(base + i * 1'000'000, "h" + std::to_string(i));
  push("{\"app\":\"hist\"}", es);
  auto c = tail("{app=\"hist\"}", "&limit=3");
  ASSERT_TRUE(c.client);
  auto got = read_lines(*c.client, 3, 2s);
  EXPECT_EQ(got, (std::vector<std::string>{"h2", "h3", "h4"}));
  push("{\"app\":\"hist\"}", {{now_ns(), "live"}});
  EXPECT_EQ(read_lines(*c.client, 1, 2s), (std::vector<std::string>{"live"}));
}

TEST_F(tail_it, pipeline_filters_and_parses) {
  auto c = tail("{app=\"p\"} |= \"keep\" | logfmt | level=\"error\"");
  ASSERT_TRUE(c.client);
  std::this_thread::sleep_for(200ms);
  auto t = now_ns();
  push("{\"app\":\"p\"}",
       {{t, "keep level=error msg=a"}, {t + 1, "drop level=error"}, {t + 2, "keep level=info"}});
  auto m = c.client->read(2000ms);
  ASSERT_TRUE(m);
  auto d = parse(*m);
  ASSERT_EQ(d["streams"].Size(), 1u);
  EXPECT_STREQ(d["streams"][0]["values"][0][1].GetString(), "keep level=error msg=a");
  EXPECT_STREQ(d["streams"][0]["stream"]["level"].GetString(), "error");
  EXPECT_STREQ(d["streams"][0]["stream"]["msg"].GetString(), "a");
  EXPECT_TRUE(read_lines(*c.client, 1, 300ms).empty());
}

TEST_F(tail_it, a_literal_filter_over_a_protobuf_push_keeps_exactly_the_lines_holding_it) {
  // A leading |= is looked for in one pass over the decoded push body
  // (runtime/util/lines_containing.hpp): the lines around a kept one, the
  // bytes between lines and a line with metadata must not change the answer.
  auto c = tail("{app=\"pbtail\"} |= \"queue=email\" != \"skip\"");
  ASSERT_TRUE(c.client);
  std::this_thread::sleep_for(200ms);
  push::testing::test_stream s{"{app=\"pbtail\"}", {}};
  std::vector<std::string> want;
  auto t = now_ns();
  for (int i = 0; i < 300; ++i) {
    std::string line = "ts=" + std::to_string(i) + " level=info msg=\"" + std::string(i % 50, 'x') +
                       "\" queue=" + (i % 7 == 0 ? "email" : "sms") + " n=" + std::to_string(i);
    if (i % 11 == 0)
      line = "queue=email" + line.substr(0, i % 40); // at the start
    if (i % 13 == 0)
      line += " queue=email"; // at the end
    if (i % 17 == 0)
      line += " skip";
    if (i % 9 == 0)
      line = line.substr(0, i % 6) + "queue=emai"; // one byte short at the end
    s.entries.push_back({t + i, line, {}});
    if (i % 5 == 0)
      s.entries.back().metadata = {{"trace_id", "t" + std::to_string(i)}};
    if (line.find("queue=email") != std::string::npos && line.find("skip") == std::string::npos)
      want.push_back(line);
  }
  auto r = http_client{port_}.request("POST", "/loki/api/v1/push", push::testing::proto_body({s}),
                                      {{"Content-Type", "application/x-protobuf"}});
  ASSERT_EQ(r.status, 204) << r.body;
  ASSERT_GT(want.size(), 40u);
  EXPECT_EQ(read_lines(*c.client, want.size(), 3s), want);
  EXPECT_TRUE(read_lines(*c.client, 1, 300ms).empty());
}

TEST_F(tail_it, categorize_labels_splits_history_and_live_entries) {
  // One history entry and one live entry, each with structured metadata and
  // a parsed label: with the flag, `stream` holds the stream labels only and
  // the third element carries the rest (history as live, spec §1.3/§1.4).
  auto push_sm = [this](int64_t ts, const std::string& line) {
    std::string body = "{\"streams\":[{\"stream\":{\"app\":\"cat\"},\"values\":[[\"" +
                       std::to_string(ts) + "\",\"" + line + "\",{\"trace\":\"t1\"}]]}]}";
    auto r = http_client{port_}.request("POST", "/loki/api/v1/push", body,
                                        {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 204) << r.body;
  };
  push_sm(now_ns() - 5'000'000'000, "level=warn old");
  auto c = ws_client::connect(port_, "/loki/api/v1/tail?query=" + enc("{app=\"cat\"} | logfmt"),
                              {{"X-Loki-Response-Encoding-Flags", "categorize-labels"}});
  ASSERT_TRUE(c.client) << c.status << " " << c.body;
  auto check = [](const std::string& msg, const char* line, const char* level) {
    auto d = parse(msg);
    ASSERT_TRUE(d.HasMember("encodingFlags")) << msg;
    EXPECT_STREQ(d["encodingFlags"][0].GetString(), "categorize-labels");
    ASSERT_EQ(d["streams"].Size(), 1u) << msg;
    const auto& s = d["streams"][0];
    EXPECT_FALSE(s["stream"].HasMember("trace")) << msg;
    EXPECT_FALSE(s["stream"].HasMember("level")) << msg;
    EXPECT_STREQ(s["stream"]["app"].GetString(), "cat");
    const auto& v = s["values"][0];
    EXPECT_STREQ(v[1].GetString(), line);
    ASSERT_EQ(v.Size(), 3u) << msg;
    EXPECT_STREQ(v[2]["structuredMetadata"]["trace"].GetString(), "t1") << msg;
    EXPECT_EQ(v[2]["structuredMetadata"].MemberCount(), 1u) << msg;
    EXPECT_STREQ(v[2]["parsed"]["level"].GetString(), level) << msg;
  };
  auto h = c.client->read(2000ms);
  ASSERT_TRUE(h) << "no history";
  check(*h, "level=warn old", "warn");
  std::this_thread::sleep_for(200ms);
  push_sm(now_ns(), "level=info new");
  auto m = c.client->read(2000ms);
  ASSERT_TRUE(m) << "no live entry";
  check(*m, "level=info new", "info");
  c.client->close();
}

TEST_F(tail_it, tails_sharing_a_query_and_one_with_another_query_each_get_their_lines) {
  // Two tails of the same query share one pipeline evaluation per batch;
  // a third with a different query on the same stream must not see theirs.
  auto a1 = tail("{app=\"share\"} |= \"keep\"");
  auto a2 = tail("{app=\"share\"} |= \"keep\"");
  auto b = tail("{app=\"share\"} |= \"other\"");
  ASSERT_TRUE(a1.client && a2.client && b.client);
  std::this_thread::sleep_for(200ms);
  auto t = now_ns();
  push("{\"app\":\"share\"}", {{t, "keep 1"}, {t + 1, "other 1"}, {t + 2, "keep 2"}});
  EXPECT_EQ(read_lines(*a1.client, 2, 2s), (std::vector<std::string>{"keep 1", "keep 2"}));
  EXPECT_EQ(read_lines(*a2.client, 2, 2s), (std::vector<std::string>{"keep 1", "keep 2"}));
  EXPECT_EQ(read_lines(*b.client, 1, 2s), (std::vector<std::string>{"other 1"}));
  EXPECT_TRUE(read_lines(*b.client, 1, 300ms).empty());
}

TEST_F(tail_it, bad_parameters_are_plain_400s_before_the_upgrade) {
  auto c = tail("{app=\"x\"");
  EXPECT_FALSE(c.client);
  EXPECT_EQ(c.status, 400);
  EXPECT_THAT(c.body, HasSubstr("parse error at line 1, col 9"));
  c = tail("{app=\"x\"}", "&delay_for=6");
  EXPECT_EQ(c.status, 400);
  EXPECT_EQ(c.body, "delay_for can't be greater than 5\n");
  c = tail("{app=\"x\"}", "&limit=0");
  EXPECT_EQ(c.status, 400);
  EXPECT_EQ(c.body, "limit must be a positive value\n");
  // A plain GET (no upgrade) on the tail route: gorilla's 400.
  auto r = http_client{port_}.get("/loki/api/v1/tail?query=" + enc("{app=\"x\"}"));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("websocket: the client is not using the websocket protocol"));
}

TEST_F(tail_it, concurrent_tail_limit_closes_with_lokis_text) {
  proc_.reset();
  start({"-limits-config.max-concurrent-tail-requests=1"});
  auto a = tail("{app=\"x\"}");
  ASSERT_TRUE(a.client);
  std::this_thread::sleep_for(300ms);
  auto b = tail("{app=\"y\"}");
  ASSERT_TRUE(b.client); // Loki upgrades first, then refuses
  EXPECT_FALSE(b.client->read(2000ms));
  EXPECT_TRUE(b.client->closed());
  EXPECT_EQ(b.client->close_code(), 1011);
  EXPECT_EQ(b.client->close_reason(),
            "max concurrent tail requests limit exceeded, count > limit (2 > 1)");
  // The first one still works; once it is closed a new one is accepted.
  a.client->close();
  std::this_thread::sleep_for(300ms);
  auto c = tail("{app=\"z\"}");
  ASSERT_TRUE(c.client);
  std::this_thread::sleep_for(300ms);
  push("{\"app\":\"z\"}", {{now_ns(), "ok"}});
  EXPECT_EQ(read_lines(*c.client, 1, 2s), (std::vector<std::string>{"ok"}));
}

TEST_F(tail_it, pings_every_second_and_client_close_ends_the_session) {
  auto c = tail("{app=\"ping\"}");
  ASSERT_TRUE(c.client);
  c.client->read(2500ms);
  EXPECT_GE(c.client->pings(), 2);
  EXPECT_EQ(metric("loki_querier_tail_active"), 1);
  c.client->close();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(metric("loki_querier_tail_active"), 0);
}

TEST_F(tail_it, slow_reader_gets_dropped_entries_then_is_disconnected_without_slowing_pushes) {
  auto c = tail("{app=\"slow\"}");
  ASSERT_TRUE(c.client);
  std::this_thread::sleep_for(200ms);
  // The client does not read: ~48 MiB of lines fill the socket buffers and
  // the tailer's queue; pushes keep being answered quickly.
  const std::string payload(1000, 'x');
  int64_t t = now_ns();
  auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < 48; ++round) {
    std::vector<std::pair<int64_t, std::string>> es;
    for (int i = 0; i < 1000; ++i)
      es.emplace_back(++t, payload);
    push("{\"app\":\"slow\"}", es);
  }
  auto push_time = std::chrono::steady_clock::now() - started;
  EXPECT_LT(push_time, 20s);
  // Read again before the stall timeout: the connection survives, and the
  // next message carries the entries dropped meanwhile.
  std::this_thread::sleep_for(1s);
  size_t dropped = 0;
  size_t got = 0;
  auto until = std::chrono::steady_clock::now() + 5s;
  bool pushed_after = false;
  while (std::chrono::steady_clock::now() < until && dropped == 0) {
    auto m = c.client->read(500ms);
    if (!m) {
      if (!pushed_after) {
        push("{\"app\":\"slow\"}", {{++t, "after"}});
        pushed_after = true;
      }
      continue;
    }
    auto d = parse(*m);
    got += d["streams"].Size();
    if (d.HasMember("dropped_entries"))
      dropped += d["dropped_entries"].Size();
  }
  EXPECT_GT(got, 0u);
  EXPECT_GT(dropped, 0u);
  EXPECT_LE(dropped, 1000u);
  // Now stop reading for good: after the stall timeout (10 s) the server
  // disconnects and says why in its log; pushes were never held up.
  for (int round = 0; round < 48; ++round) {
    std::vector<std::pair<int64_t, std::string>> es;
    for (int i = 0; i < 1000; ++i)
      es.emplace_back(++t, payload);
    push("{\"app\":\"slow\"}", es);
  }
  std::this_thread::sleep_for(12s);
  EXPECT_EQ(metric("loki_querier_tail_active"), 0);
  EXPECT_THAT(proc_->output(), HasSubstr("client too slow"));
}

TEST_F(tail_it, tails_of_one_query_share_frames_and_one_not_reading_holds_up_neither_the_other_nor_pushes) {
  // On one node the tails of one query are one group: the same frames go to
  // both clients; while one does not read, the other still gets every line
  // and pushes are not held up. A tail that joins the running group gets its
  // history, then live lines, also after the first two have gone.
  auto fast = tail("{app=\"group\"}");
  auto slow = tail("{app=\"group\"}");
  ASSERT_TRUE(fast.client && slow.client);
  std::this_thread::sleep_for(200ms);
  // Paced pushes (500 lines each, 5 messages, every 25 ms): a client that
  // reads never has Loki's 10 messages queued, so it must lose nothing
  // while the other one reads nothing at all. (What a client that is behind
  // loses and is told: slow_reader_... above, which goes through the same
  // group code with one session, and the fan-out unit tests.)
  constexpr size_t rounds = 40, per = 500;
  std::atomic<size_t> fast_lines{0}, fast_dropped{0};
  std::thread reader([&] {
    auto until = std::chrono::steady_clock::now() + 30s;
    while (fast_lines < rounds * per && std::chrono::steady_clock::now() < until) {
      auto m = fast.client->read(500ms);
      if (!m)
        continue;
      auto d = parse(*m);
      fast_lines += d["streams"].Size();
      if (d.HasMember("dropped_entries"))
        fast_dropped += d["dropped_entries"].Size();
    }
  });
  const std::string payload(1000, 'g');
  int64_t t = now_ns();
  auto started = std::chrono::steady_clock::now();
  for (size_t round = 0; round < rounds; ++round) {
    std::vector<std::pair<int64_t, std::string>> es;
    for (size_t i = 0; i < per; ++i)
      es.emplace_back(++t, payload);
    push("{\"app\":\"group\"}", es);
    std::this_thread::sleep_for(25ms);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  reader.join();
  EXPECT_EQ(fast_lines.load(), rounds * per);
  EXPECT_EQ(fast_dropped.load(), 0u);
  push("{\"app\":\"group\"}", {{++t, "after"}});
  // A third tail joins the running group: history first, then live lines,
  // also after the first two have gone.
  auto late = tail("{app=\"group\"}", "&limit=2");
  ASSERT_TRUE(late.client);
  auto hist = read_lines(*late.client, 2, 2s);
  EXPECT_EQ(hist, (std::vector<std::string>{payload, "after"}));
  fast.client->close();
  slow.client->close();
  std::this_thread::sleep_for(300ms);
  push("{\"app\":\"group\"}", {{++t, "late"}});
  EXPECT_EQ(read_lines(*late.client, 1, 2s), (std::vector<std::string>{"late"}));
}

// The legacy route /api/prom/tail streams the same lines in Loki's legacy
// shape ({"streams":[{"labels":..,"entries":[{"ts":RFC3339,"line":..}]}]}).
TEST_F(tail_it, legacy_tail_route_sends_the_legacy_shape) {
  auto c = ws_client::connect(port_, "/api/prom/tail?query=" + enc("{app=\"old\"}"));
  ASSERT_TRUE(c.client) << c.status << " " << c.body;
  std::this_thread::sleep_for(200ms); // the subscription reaches the streams
  const int64_t ts = now_ns() / 1'000'000'000 * 1'000'000'000 + 934'000'000; // .934 s
  push("{\"app\":\"old\"}", {{ts, "legacy line"}});
  auto m = c.client->read(2000ms);
  ASSERT_TRUE(m) << "no message within 2 s";
  auto d = parse(*m);
  ASSERT_TRUE(d["streams"].IsArray()) << *m;
  ASSERT_EQ(d["streams"].Size(), 1u) << *m;
  const auto& st = d["streams"][0];
  EXPECT_THAT(st["labels"].GetString(), HasSubstr("app=\"old\"")) << *m;
  ASSERT_EQ(st["entries"].Size(), 1u) << *m;
  EXPECT_STREQ(st["entries"][0]["line"].GetString(), "legacy line");
  // RFC 3339 with the entry's milliseconds, in UTC.
  EXPECT_THAT(st["entries"][0]["ts"].GetString(), HasSubstr(".934Z")) << *m;
  c.client->close();
}

} // namespace
} // namespace skald
