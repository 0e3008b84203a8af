// Integration: the admin console on a live node with data (issue 9) — the
// JSON API under /admin/api/ over HTTP, the page at /admin, the POST-only
// actions behind admin.enable_actions, and skaldctl against the same node
// (tables, `top --once`, errors).
#include <sys/wait.h>

#include <chrono>
#include <thread>
#include <cstdio>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "runtime/admin/directory.hpp"
#include "testutil/http_client.hpp"
#include "testutil/process.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::Not;
using testutil::child_process;
using testutil::http_client;
using testutil::now_ns;

struct run_result {
  int status = -1;
  std::string out;
};

/// Runs a shell command line, capturing stdout and stderr together.
run_result run(const std::string& cmd) {
  run_result r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr)
    return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
    r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class admin_api : public testing::Test {
protected:
  void SetUp() override {
    if (!admin::introspection_enabled)
      GTEST_SKIP() << "built with SKALD_INTROSPECTION=OFF (bench/admin_cost_ir.sh's baseline): "
                      "actors neither enlist nor count messages";
  }

  void start(bool actions) {
    port_ = testutil::free_port();
    data_dir_ = testutil::make_temp_dir("skald-admin-it");
    std::vector<std::string> args{
        "-config.file=" + std::string{SKALD_SOURCE_DIR} + "/configs/skald-local.yaml",
        "-server.http-listen-port=" + std::to_string(port_), "-common.path-prefix=" + data_dir_,
        "-auth.enabled=true", "-admin.enable-actions=" + std::string{actions ? "true" : "false"}};
    proc_ = std::make_unique<child_process>(SKALD_BINARY, args);
    auto ready = testutil::wait_for_status_200(port_, "/ready", 10s);
    ASSERT_EQ(ready.status, 200) << proc_->output();
  }

  void push(const std::string& tenant, const std::string& app, int lines) {
    std::string values;
    auto ts = now_ns();
    for (int i = 0; i < lines; ++i)
      values += (i ? "," : "") + std::string{"[\""} + std::to_string(ts + i) + "\",\"line " +
                std::to_string(i) + "\"]";
    auto body =
        "{\"streams\":[{\"stream\":{\"app\":\"" + app + "\"},\"values\":[" + values + "]}]}";
    http_client c{port_};
    auto r = c.request("POST", "/loki/api/v1/push", body,
                       {{"Content-Type", "application/json"}, {"X-Scope-OrgID", tenant}});
    ASSERT_EQ(r.status, 204) << r.body;
  }

  testutil::http_reply call(const std::string& method, const std::string& path) {
    http_client c{port_};
    return c.request(method, path);
  }

  rapidjson::Document get_json(const std::string& path, int want = 200) {
    auto r = call("GET", path);
    EXPECT_EQ(r.status, want) << path << ": " << r.body;
    EXPECT_THAT(r.headers["content-type"], HasSubstr("application/json"));
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    EXPECT_FALSE(d.HasParseError()) << r.body;
    return d;
  }

  std::string ctl(const std::string& args) {
    last_ = run(std::string{SKALDCTL_BINARY} + " --addr 127.0.0.1:" + std::to_string(port_) + " " +
                args);
    return last_.out;
  }

  uint16_t port_ = 0;
  std::string data_dir_;
  std::unique_ptr<child_process> proc_;
  run_result last_;
};

TEST_F(admin_api, lists_nodes_actors_tenants_streams_and_wal_of_a_live_node) {
  start(false);
  push("team-a", "api", 10);
  push("team-a", "web", 3);
  push("team-a", "db", 1);
  push("team-b", "api", 5);

  auto nodes = get_json("/admin/api/nodes");
  ASSERT_EQ(nodes["nodes"].Size(), 1u);
  const auto& n = nodes["nodes"][0];
  EXPECT_TRUE(n["ready"].GetBool());
  EXPECT_TRUE(n["self"].GetBool());
  EXPECT_EQ(std::string{n["address"].GetString()}, "127.0.0.1:" + std::to_string(port_));
  EXPECT_STREQ(n["roles"][0].GetString(), "all");
  EXPECT_STREQ(n["modules"]["ingester"].GetString(), "Running");
  EXPECT_EQ(n["actors"]["stream"].GetUint64(), 4u);
  EXPECT_EQ(n["actors"]["tenant"].GetUint64(), 2u);
  EXPECT_EQ(n["actors"]["ingester"].GetUint64(), 1u);
  EXPECT_EQ(n["actors"]["wal_writer"].GetUint64(), 1u);
  EXPECT_EQ(n["actors"]["querier"].GetUint64(), 1u);
  EXPECT_EQ(n["actors"]["actor_registry"].GetUint64(), 1u);
  EXPECT_GE(n["actors"]["distributor"].GetUint64(), 1u);

  // Pages of 3 stream actors: every one exactly once.
  std::set<uint64_t> ids;
  for (int off = 0; off < 6; off += 3) {
    auto p = get_json("/admin/api/actors?kind=stream&limit=3&offset=" + std::to_string(off));
    EXPECT_EQ(p["total"].GetUint64(), 4u);
    EXPECT_EQ(p["limit"].GetUint64(), 3u);
    for (const auto& a : p["actors"].GetArray()) {
      EXPECT_TRUE(ids.insert(a["id"].GetUint64()).second);
      EXPECT_TRUE(a["answered"].GetBool());
      EXPECT_STREQ(a["kind"].GetString(), "stream");
    }
  }
  EXPECT_EQ(ids.size(), 4u);

  // The busiest stream by entries, the tenant filter, kind-specific state.
  auto s = get_json("/admin/api/streams?tenant=team-b");
  ASSERT_EQ(s["total"].GetUint64(), 1u);
  const auto& st = s["actors"][0];
  // The distributor adds service_name (Loki 3.x discover_service_name).
  EXPECT_STREQ(st["name"].GetString(), "stream {app=\"api\", service_name=\"api\"} tenant=team-b");
  EXPECT_EQ(st["state"]["entries"].GetInt64(), 5);
  EXPECT_EQ(st["state"]["chunks"].GetInt64(), 1);
  EXPECT_GT(st["state"]["bytes"].GetInt64(), 0);
  EXPECT_GT(st["state"]["last_ts"].GetInt64(), st["state"]["first_ts"].GetInt64());
  EXPECT_GE(st["handled"].GetUint64(), 1u);
  EXPECT_TRUE(st["last_activity"].IsString());
  const auto stream_id = st["id"].GetUint64();

  auto sorted = get_json("/admin/api/actors?kind=stream&sort=handled&limit=10");
  uint64_t prev = UINT64_MAX;
  for (const auto& a : sorted["actors"].GetArray()) {
    EXPECT_LE(a["handled"].GetUint64(), prev);
    prev = a["handled"].GetUint64();
  }

  auto one = get_json("/admin/api/actor/" + std::to_string(stream_id));
  EXPECT_EQ(one["id"].GetUint64(), stream_id);
  EXPECT_STREQ(one["tenant"].GetString(), "team-b");
  auto parent = get_json("/admin/api/actor/" + std::to_string(one["parent"].GetUint64()));
  EXPECT_STREQ(parent["kind"].GetString(), "tenant");
  EXPECT_EQ(parent["state"]["streams"].GetInt64(), 1);

  auto tenants = get_json("/admin/api/tenants?sort=name");
  ASSERT_EQ(tenants["total"].GetUint64(), 2u);
  EXPECT_STREQ(tenants["actors"][0]["name"].GetString(), "tenant team-a");
  EXPECT_EQ(tenants["actors"][0]["state"]["streams"].GetInt64(), 3);

  // The ring holds records back up to 200 ms (its lookahead,
  // docs/wal-format.md §6b) before they reach a segment.
  auto wal = get_json("/admin/api/wal");
  for (int i = 0; i < 40 && wal["total"].GetUint64() == 1
                  && wal["actors"][0]["state"]["records"].GetInt64() == 0;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{25});
    wal = get_json("/admin/api/wal");
  }
  ASSERT_EQ(wal["total"].GetUint64(), 1u);
  const auto& w = wal["actors"][0]["state"];
  EXPECT_STREQ(w["segment"].GetString(), "00000000");
  EXPECT_GT(w["records"].GetInt64(), 0);
  EXPECT_STREQ(w["fsync"].GetString(), "none");
  EXPECT_THAT(w["dir"].GetString(), HasSubstr(data_dir_));

  // The ring from the ring member: this node alone, owning every token.
  auto ring = get_json("/admin/api/ring");
  EXPECT_STREQ(ring["ring"].GetString(), "ring");
  ASSERT_EQ(ring["members"].Size(), 1u);
  const auto& self = ring["members"][0];
  EXPECT_STREQ(self["state"].GetString(), "ACTIVE");
  EXPECT_EQ(self["tokens"].GetUint64(), 128u);
  EXPECT_DOUBLE_EQ(self["ownership"].GetDouble(), 1.0);
  EXPECT_TRUE(self["self"].GetBool());
  EXPECT_GE(self["heartbeat_age_ms"].GetInt64(), 0);
  EXPECT_STREQ(ring["member"]["kind"].GetString(), "ring_member");
  EXPECT_TRUE(ring["member"]["answered"].GetBool());

  // The other long-lived kinds answer info with their state.
  auto member = get_json("/admin/api/actors?kind=ring_member");
  ASSERT_EQ(member["total"].GetUint64(), 1u);
  EXPECT_STREQ(member["actors"][0]["state"]["state"].GetString(), "ACTIVE");
  EXPECT_EQ(member["actors"][0]["state"]["tokens"].GetInt64(), 128);
  EXPECT_EQ(member["actors"][0]["state"]["members"].GetInt64(), 1);
  auto ckpt = get_json("/admin/api/actors?kind=checkpoint_writer");
  ASSERT_EQ(ckpt["total"].GetUint64(), 1u);
  EXPECT_TRUE(ckpt["actors"][0]["answered"].GetBool());
  EXPECT_TRUE(ckpt["actors"][0]["state"].HasMember("last_checkpoint_ns"));
  EXPECT_TRUE(ckpt["actors"][0]["state"].HasMember("last_duration_ns"));
  EXPECT_THAT(ckpt["actors"][0]["state"]["dir"].GetString(), HasSubstr(data_dir_));
  auto flush = get_json("/admin/api/flush");
  ASSERT_GE(flush["total"].GetUint64(), 1u); // ingester.concurrent_flushes workers
  EXPECT_STREQ(flush["actors"][0]["kind"].GetString(), "flush_worker");
  EXPECT_EQ(flush["actors"][0]["state"]["queue_length"].GetInt64(), 0);
  EXPECT_EQ(flush["actors"][0]["state"]["in_flight"].GetInt64(), 0);
  EXPECT_TRUE(flush["actors"][0]["state"].HasMember("failures"));

  // Errors.
  auto bad = get_json("/admin/api/actors?sort=size", 400);
  EXPECT_STREQ(bad["error"].GetString(),
               "invalid sort 'size': expected id, name, started, mailbox, rate or handled");
  get_json("/admin/api/actors?limit=5000", 400);
  get_json("/admin/api/actor/123456789", 404);
  get_json("/admin/api/actor/abc", 400);

  // Actions are refused while admin.enable_actions is off, and POST only.
  auto r = call("POST", "/admin/api/flush?tenant=team-a");
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.body, HasSubstr("admin actions are disabled"));
  EXPECT_EQ(call("POST", "/admin/api/log_level?level=debug").status, 403);
  EXPECT_EQ(call("POST", "/admin/api/ring/forget?member=x").status, 403);
  EXPECT_EQ(call("GET", "/admin/api/ring/forget?member=x").status, 405);
  auto lvl = get_json("/admin/api/log_level");
  EXPECT_STREQ(lvl["data"].GetString(), "info");

  // The page itself, self-contained.
  auto page = call("GET", "/admin");
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.headers["content-type"], HasSubstr("text/html"));
  EXPECT_THAT(page.body, HasSubstr("<title>skald admin</title>"));
  EXPECT_THAT(page.body, Not(HasSubstr("http://")));
  EXPECT_THAT(page.body, Not(HasSubstr("https://")));
}

TEST_F(admin_api, actions_flush_and_set_the_log_level_when_enabled) {
  start(true);
  push("team-a", "api", 10);
  push("team-a", "web", 2);

  // One stream: its open chunk is closed (the flush sweep writes it later).
  auto r = call("POST", "/admin/api/flush?tenant=team-a&stream=%7Bservice_name%3D%22web%22%2Capp%3D%22web%22%7D");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"tenant\":\"team-a\",\"streams\":1}");
  auto web = get_json("/admin/api/streams?tenant=team-a&name=web");
  ASSERT_EQ(web["total"].GetUint64(), 1u);
  EXPECT_EQ(web["actors"][0]["state"]["flushes"].GetInt64(), 1);
  r = call("POST", "/admin/api/flush?tenant=team-a&stream=%7Bapp%3D%22nope%22%7D");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("no stream {app=\\\"nope\\\"} for tenant team-a"));
  EXPECT_EQ(call("POST", "/admin/api/flush?tenant=nobody").status, 404);
  EXPECT_EQ(call("POST", "/admin/api/flush").status, 400);
  EXPECT_EQ(call("POST", "/admin/api/flush?tenant=team-a&stream=%7Bbad").status, 400);

  // A whole tenant: the flush path writes every chunk to the store now.
  r = call("POST", "/admin/api/flush?tenant=team-a");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr("\"streams\":2,\"chunks\":2,\"failed\":0"));
  auto workers = get_json("/admin/api/flush");
  ASSERT_GE(workers["total"].GetUint64(), 1u);
  int64_t flushed = 0;
  for (const auto& w : workers["actors"].GetArray())
    flushed += w["state"]["chunks_flushed"].GetInt64();
  EXPECT_EQ(flushed, 2);
  // Requests forwarded to an existing tenant (the {app="nope"} one too).
  auto ing = get_json("/admin/api/actors?kind=ingester");
  EXPECT_EQ(ing["actors"][0]["state"]["flushes"].GetInt64(), 3);

  r = call("POST", "/admin/api/log_level?level=debug");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":\"debug\"}");
  EXPECT_THAT(call("GET", "/log_level").body, HasSubstr("debug"));
  EXPECT_EQ(call("POST", "/admin/api/log_level?level=loud").status, 400);

  r = call("POST", "/admin/api/ring/forget?member=ingester-7");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("ring member ingester-7 not found"));
}

TEST_F(admin_api, skaldctl_prints_aligned_tables) {
  start(false);
  push("team-a", "api", 10);
  push("team-a", "web", 3);
  push("team-b", "api", 5);

  auto out = ctl("nodes");
  EXPECT_EQ(last_.status, 0) << out;
  EXPECT_THAT(out, HasSubstr("NODE"));
  EXPECT_THAT(out, HasSubstr("127.0.0.1:" + std::to_string(port_)));
  EXPECT_THAT(out, HasSubstr("(this)"));

  out = ctl("actors --kind stream --sort name");
  EXPECT_EQ(last_.status, 0) << out;
  EXPECT_THAT(out, HasSubstr("1-3 of 3"));
  // Aligned: the MAILBOX header ends where every row's mailbox value ends.
  auto lines = std::vector<std::string>{};
  for (size_t p = 0, q; (q = out.find('\n', p)) != std::string::npos; p = q + 1)
    lines.push_back(out.substr(p, q - p));
  ASSERT_GE(lines.size(), 4u);
  auto col = lines[0].find("NAME");
  ASSERT_NE(col, std::string::npos);
  for (size_t i = 1; i <= 3; ++i)
    EXPECT_EQ(lines[i].find("stream {app="), col) << out;

  out = ctl("streams --tenant team-b");
  EXPECT_EQ(last_.status, 0) << out;
  EXPECT_THAT(out, HasSubstr("{app=\"api\", service_name=\"api\"}"));
  EXPECT_THAT(out, HasSubstr("team-b"));
  EXPECT_THAT(out, Not(HasSubstr("team-a")));

  out = ctl("top --once --limit 5");
  EXPECT_EQ(last_.status, 0) << out;
  EXPECT_THAT(out, HasSubstr("ready"));
  EXPECT_THAT(out, HasSubstr("MAILBOX"));
  EXPECT_THAT(out, HasSubstr("stream 3"));
  EXPECT_THAT(out, Not(HasSubstr("\x1b[2J"))) << "--once does not clear the screen";

  out = ctl("ring");
  EXPECT_EQ(last_.status, 0) << out;
  EXPECT_THAT(out, HasSubstr("OWNERSHIP"));
  EXPECT_THAT(out, HasSubstr("(this node)"));
  EXPECT_THAT(out, HasSubstr("100.0%"));
  EXPECT_THAT(out, HasSubstr("1 members, 128 tokens"));
  out = ctl("flush");
  EXPECT_EQ(last_.status, 0) << out;
  EXPECT_THAT(out, HasSubstr("WORKER"));
  EXPECT_THAT(out, HasSubstr("flush worker"));

  out = ctl("flush --tenant team-a");
  EXPECT_EQ(last_.status, 1);
  EXPECT_THAT(out, HasSubstr("403 admin actions are disabled"));
  out = ctl("actors --sort size");
  EXPECT_EQ(last_.status, 1);
  EXPECT_THAT(out, HasSubstr("400 invalid sort 'size'"));
  out = ctl("bogus");
  EXPECT_EQ(last_.status, 2);
  EXPECT_THAT(out, HasSubstr("unknown command bogus"));

  proc_->signal(SIGTERM);
  ASSERT_TRUE(proc_->wait_for(10s));
  out = ctl("nodes");
  EXPECT_EQ(last_.status, 1);
  EXPECT_THAT(out, HasSubstr("cannot connect"));
}

} // namespace
} // namespace skald
