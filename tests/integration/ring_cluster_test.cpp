// Integration: the ring across real processes on 127.0.0.1. Three skald
// nodes (ingesters) gossip over CAF's middleman (memberlist.join_members
// lists all three; each skips itself); each sees the others ACTIVE in
// GET /ring (JSON). A SIGSTOPped node shows as unreachable in /memberlist
// and alive again after SIGCONT. kill -9 one: the others show it UNHEALTHY after the
// ring heartbeat_timeout and /memberlist shows it unreachable; restart it
// on the same data dir: it comes back ACTIVE with the same tokens (tokens
// file), and POST /ring forget=<id> of a dead node removes it everywhere.
// /ready of a node joining a ring with a dead member says Loki's "Ingester not
// ready: instance <addr> past heartbeat timeout" until the member is
// forgotten, then "waiting for 1s after being ready", then stays ready.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "testutil/http_client.hpp"
#include "testutil/process.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testutil::child_process;
using testutil::http_client;

struct shard {
  std::string state;
  std::vector<uint32_t> tokens;
};

class ring_cluster_it : public testing::Test {
protected:
  static constexpr int n = 3;

  void SetUp() override {
    for (int i = 0; i < n; ++i) {
      http_ports_.push_back(testutil::free_port());
      gossip_ports_.push_back(testutil::free_port());
      grpc_ports_.push_back(testutil::free_port()); // each node's CAF directory (docs/cluster.md)
      dirs_.push_back(testutil::make_temp_dir("skald-ring-" + std::to_string(i)));
    }
    procs_.resize(n);
  }

  void TearDown() override {
    procs_.clear();
    for (auto& d : dirs_) {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  }

  void start(int i, std::vector<std::string> extra = {}) {
    launch(i, std::move(extra));
    auto ready = testutil::wait_for_status_200(http_ports_[i], "/ready", 20s);
    ASSERT_EQ(ready.status, 200) << procs_[i]->output();
  }

  /// Starts node i without waiting for /ready.
  void launch(int i, std::vector<std::string> extra = {}) {
    std::string join;
    for (int j = 0; j < n; ++j)
      join += (j ? "," : "") + std::string{"127.0.0.1:"} + std::to_string(gossip_ports_[j]);
    std::vector<std::string> args{"-config.file=" + std::string{SKALD_SOURCE_DIR} +
                                      "/configs/skald-local.yaml",
                                  "-server.http-listen-port=" + std::to_string(http_ports_[i]),
                                  "-server.grpc-listen-port=" + std::to_string(grpc_ports_[i]),
                                  "-common.path-prefix=" + dirs_[i],
                                  "-memberlist.bind-addr=127.0.0.1",
                                  "-memberlist.bind-port=" + std::to_string(gossip_ports_[i]),
                                  "-memberlist.join=" + join,
                                  "-memberlist.gossip-interval=200ms",
                                  "-ingester.lifecycler.id=ingester-" + std::to_string(i),
                                  "-ingester.lifecycler.address=127.0.0.1",
                                  "-ingester.lifecycler.heartbeat-period=500ms",
                                  "-ingester.lifecycler.ring.heartbeat-timeout=3s",
                                  "-ingester.lifecycler.tokens-file-path=" + dirs_[i] + "/tokens"};
    args.insert(args.end(), extra.begin(), extra.end());
    procs_[i] = std::make_unique<child_process>(SKALD_BINARY, args);
  }

  void kill9(int i) {
    procs_[i]->signal(SIGKILL);
    procs_[i]->wait_for(5s);
    procs_[i].reset();
  }

  /// Node i's /ring as id -> shard (empty on error).
  std::map<std::string, shard> ring_of(int i) {
    http_client c{http_ports_[i]};
    auto r = c.request("GET", "/ring", {}, {{"Accept", "application/json"}});
    std::map<std::string, shard> out;
    if (r.status != 200)
      return out;
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("shards"))
      return out;
    for (auto& s : doc["shards"].GetArray()) {
      shard sh;
      sh.state = s["state"].GetString();
      for (auto& t : s["tokens"].GetArray())
        sh.tokens.push_back(t.GetUint());
      out[s["id"].GetString()] = sh;
    }
    return out;
  }

  /// Polls until `pred` holds for node i's ring or the timeout passes.
  template <class Pred>
  bool eventually(int i, Pred pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred(ring_of(i)))
        return true;
      std::this_thread::sleep_for(50ms);
    }
    return pred(ring_of(i));
  }

  static bool all_active(const std::map<std::string, shard>& r) {
    if (r.size() != n)
      return false;
    for (auto& [id, s] : r)
      if (s.state != "ACTIVE" || s.tokens.size() != 128)
        return false;
    return true;
  }

  std::vector<uint16_t> http_ports_;
  std::vector<uint16_t> gossip_ports_;
  std::vector<uint16_t> grpc_ports_;
  std::vector<std::string> dirs_;
  std::vector<std::unique_ptr<child_process>> procs_;
};

TEST_F(ring_cluster_it, three_nodes_see_each_other_detect_a_kill_and_keep_tokens_on_restart) {
  for (int i = 0; i < n; ++i)
    start(i);
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(eventually(i, all_active, 10s)) << "node " << i << ": " << procs_[i]->output();
  auto before = ring_of(0).at("ingester-2").tokens;
  for (int i = 1; i < n; ++i)
    EXPECT_EQ(ring_of(i).at("ingester-2").tokens, before) << "node " << i;
  EXPECT_TRUE(std::filesystem::exists(dirs_[2] + "/tokens"));

  // The HTML page lists every instance with a Forget button.
  http_client c0{http_ports_[0]};
  auto html = c0.get("/ring");
  EXPECT_EQ(html.status, 200);
  EXPECT_NE(html.body.find("value=\"ingester-1\""), std::string::npos);

  // A hung node (SIGSTOP) is detected by the gossip layer (exchange
  // timeouts, CAF heartbeats), and found again once it continues.
  auto peer_state = [&](int i, int peer) {
    http_client c{http_ports_[i]};
    auto r = c.request("GET", "/memberlist", {}, {{"Accept", "application/json"}});
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    if (r.status != 200 || doc.HasParseError() || !doc.HasMember("members"))
      return std::string{};
    for (auto& m : doc["members"].GetArray())
      if (m["endpoint"].GetString() == "127.0.0.1:" + std::to_string(gossip_ports_[peer]))
        return std::string{m["state"].GetString()};
    return std::string{};
  };
  auto wait_peer = [&](int i, int peer, const std::string& want) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (peer_state(i, peer) == want)
        return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  procs_[1]->signal(SIGSTOP);
  EXPECT_TRUE(wait_peer(0, 1, "unreachable"));
  procs_[1]->signal(SIGCONT);
  EXPECT_TRUE(wait_peer(0, 1, "alive"));

  kill9(2);
  auto unhealthy = [](const std::map<std::string, shard>& r) {
    auto it = r.find("ingester-2");
    return it != r.end() && it->second.state == "UNHEALTHY";
  };
  for (int i = 0; i < 2; ++i)
    EXPECT_TRUE(eventually(i, unhealthy, 10s)) << "node " << i;
  auto ml = c0.request("GET", "/memberlist", {}, {{"Accept", "application/json"}});
  EXPECT_EQ(ml.status, 200);
  EXPECT_NE(ml.body.find("\"endpoint\":\"127.0.0.1:" + std::to_string(gossip_ports_[2]) +
                         "\",\"state\":\"unreachable\""),
            std::string::npos)
      << ml.body;

  start(2);
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(eventually(i, all_active, 10s)) << "node " << i;
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(ring_of(i).at("ingester-2").tokens, before) << "node " << i;

  // Forget a dead node through node 1's page: gone from every /ring.
  kill9(2);
  ASSERT_TRUE(eventually(0, unhealthy, 10s));
  http_client c1{http_ports_[1]};
  auto post = c1.request("POST", "/ring", "forget=ingester-2",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(post.status, 302);
  auto gone = [](const std::map<std::string, shard>& r) {
    return r.size() == 2 && r.count("ingester-2") == 0;
  };
  for (int i = 0; i < 2; ++i)
    EXPECT_TRUE(eventually(i, gone, 5s)) << "node " << i;
}

TEST_F(ring_cluster_it, ready_waits_for_a_healthy_ring_then_min_ready_duration_and_stays_ready) {
  // dskit Lifecycler.CheckReady with readiness_check_ring_health (default):
  // a node joining a ring that holds a dead member is not ready until the
  // member is gone; then min_ready_duration; then ready for good.
  start(0);
  start(1);
  kill9(1);
  auto unhealthy1 = [](const std::map<std::string, shard>& r) {
    auto it = r.find("ingester-1");
    return it != r.end() && it->second.state == "UNHEALTHY";
  };
  ASSERT_TRUE(eventually(0, unhealthy1, 10s));
  launch(2, {"-ingester.lifecycler.min-ready-duration=1s"});
  http_client c2{http_ports_[2]};
  const std::string dead =
      "Ingester not ready: instance 127.0.0.1:" + std::to_string(grpc_ports_[1]) +
      " past heartbeat timeout\n";
  auto deadline = std::chrono::steady_clock::now() + 20s;
  testutil::http_reply r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = c2.get("/ready");
    if (r.body == dead)
      break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(r.status, 503);
  ASSERT_EQ(r.body, dead) << procs_[2]->output();
  // Still not ready a while later: the dead member stays in the ring.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(c2.get("/ready").body, dead);

  // Forget it (node 0's page); node 2 then waits min_ready_duration (1s).
  http_client c0{http_ports_[0]};
  EXPECT_EQ(c0.request("POST", "/ring", "forget=ingester-1",
                       {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            302);
  bool waited = false;
  deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    r = c2.get("/ready");
    if (r.status == 200)
      break;
    waited |= r.body == "Ingester not ready: waiting for 1s after being ready\n";
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(waited) << "never saw the min_ready_duration wait";
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "ready\n");

  // Once ready, always ready: node 0 dies and goes stale, node 2 stays ready.
  kill9(0);
  auto unhealthy0 = [](const std::map<std::string, shard>& m) {
    auto it = m.find("ingester-0");
    return it != m.end() && it->second.state == "UNHEALTHY";
  };
  ASSERT_TRUE(eventually(2, unhealthy0, 10s));
  EXPECT_EQ(c2.get("/ready").status, 200);
}

} // namespace
} // namespace skald
