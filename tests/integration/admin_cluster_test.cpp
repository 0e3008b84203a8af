// Integration: the admin console of a three-process cluster on 127.0.0.1
// (issue 9). Two ingesters and a distributor+querier node gossip over CAF.
// GET /admin/api/nodes on one node lists all three, each described by its
// own actor registry (asked over CAF through the peer's ring member); a
// SIGSTOPped peer is listed unreachable within the peer bound instead of
// holding the request. The cluster actors (directory, ingester gateway,
// ring watcher) and the ring member enlist and answer info; /admin/api/ring
// shows both ingesters with their token share; POST /admin/api/ring/forget
// removes a killed ingester through the ring member. ?node= lists another
// node's actors through its ring member (over CAF) with the same filters,
// sort and paging as that node's own listing; unknown node 404, hung peer
// 504, killed peer 502.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "runtime/admin/directory.hpp"
#include "testutil/http_client.hpp"
#include "testutil/process.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testutil::child_process;
using testutil::http_client;

class admin_cluster_it : public testing::Test {
protected:
  static constexpr int n = 3;

  void SetUp() override {
    if (!admin::introspection_enabled)
      GTEST_SKIP() << "built with SKALD_INTROSPECTION=OFF (bench/admin_cost_ir.sh's baseline): "
                      "actors neither enlist nor count messages";
    for (int i = 0; i < n; ++i) {
      http_.push_back(testutil::free_port());
      gossip_.push_back(testutil::free_port());
      grpc_.push_back(testutil::free_port());
      dirs_.push_back(testutil::make_temp_dir("skald-admin-cluster-" + std::to_string(i)));
    }
    procs_.resize(n);
  }

  void TearDown() override {
    for (auto& p : procs_)
      if (p && p->running()) {
        p->signal(SIGCONT);
        p->signal(SIGKILL);
      }
    procs_.clear();
    for (auto& d : dirs_) {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  }

  /// Nodes 0 and 1 run every role (ingesters); node 2 is a distributor and
  /// querier only (gossips, no ring entry).
  void start(int i) {
    std::string join;
    for (int j = 0; j < n; ++j)
      join += (j ? "," : "") + std::string{"127.0.0.1:"} + std::to_string(gossip_[j]);
    std::vector<std::string> args{"-config.file=" + std::string{SKALD_SOURCE_DIR} +
                                      "/configs/skald-local.yaml",
                                  "-target=" + std::string{i == 2 ? "distributor,querier" : "all"},
                                  "-server.http-listen-address=127.0.0.1",
                                  "-server.http-listen-port=" + std::to_string(http_[i]),
                                  "-server.grpc-listen-port=" + std::to_string(grpc_[i]),
                                  "-common.path-prefix=" + dirs_[i],
                                  "-memberlist.bind-addr=127.0.0.1",
                                  "-memberlist.bind-port=" + std::to_string(gossip_[i]),
                                  "-memberlist.join=" + join,
                                  "-memberlist.gossip-interval=200ms",
                                  "-ingester.lifecycler.id=node-" + std::to_string(i),
                                  "-ingester.lifecycler.address=127.0.0.1",
                                  "-ingester.lifecycler.heartbeat-period=500ms",
                                  "-ingester.lifecycler.ring.heartbeat-timeout=3s",
                                  "-admin.enable-actions=true"};
    procs_[i] = std::make_unique<child_process>(SKALD_BINARY, args);
    auto ready = testutil::wait_for_status_200(http_[i], "/ready", 20s);
    ASSERT_EQ(ready.status, 200) << procs_[i]->output();
  }

  rapidjson::Document get_json(int i, const std::string& path, int* status = nullptr) {
    http_client c{http_[i]};
    auto r = c.get(path);
    if (status != nullptr)
      *status = r.status;
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    return d;
  }

  /// id -> node object of node i's /admin/api/nodes (copied).
  std::map<std::string, rapidjson::Document> nodes_of(int i) {
    std::map<std::string, rapidjson::Document> out;
    int status = 0;
    auto d = get_json(i, "/admin/api/nodes", &status);
    if (status != 200 || d.HasParseError() || !d.HasMember("nodes"))
      return out;
    for (auto& v : d["nodes"].GetArray()) {
      rapidjson::Document one;
      one.CopyFrom(v, one.GetAllocator());
      out.emplace(v["id"].GetString(), std::move(one));
    }
    return out;
  }

  template <class Pred>
  bool eventually(Pred pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred())
        return true;
      std::this_thread::sleep_for(100ms);
    }
    return pred();
  }

  std::vector<uint16_t> http_, gossip_, grpc_;
  std::vector<std::string> dirs_;
  std::vector<std::unique_ptr<child_process>> procs_;
};

TEST_F(admin_cluster_it, nodes_lists_every_peer_and_marks_a_hung_one_unreachable) {
  for (int i = 0; i < n; ++i)
    start(i);
  auto all_reachable = [&] {
    auto nodes = nodes_of(0);
    if (nodes.size() != n)
      return false;
    for (auto& [id, v] : nodes)
      if (!v["reachable"].GetBool())
        return false;
    return true;
  };
  ASSERT_TRUE(eventually(all_reachable, 15s)) << procs_[0]->output();

  auto nodes = nodes_of(0);
  for (int i = 0; i < n; ++i) {
    auto id = "node-" + std::to_string(i);
    ASSERT_EQ(nodes.count(id), 1u) << id;
    const auto& v = nodes.at(id);
    EXPECT_EQ(v["self"].GetBool(), i == 0) << id;
    EXPECT_EQ(std::string{v["address"].GetString()}, "127.0.0.1:" + std::to_string(http_[i]));
    EXPECT_EQ(std::string{v["gossip"].GetString()}, "127.0.0.1:" + std::to_string(gossip_[i]));
    EXPECT_TRUE(v["ready"].GetBool()) << id;
    EXPECT_TRUE(v["started"].IsString()) << id;
    EXPECT_GT(v["actors_total"].GetUint64(), 2u) << id;
    EXPECT_EQ(v["actors"]["ring_member"].GetUint64(), 1u) << id;
    EXPECT_EQ(v["actors"]["cluster_directory"].GetUint64(), 1u) << id;
    EXPECT_STREQ(v["error"].GetString(), "") << id;
    if (i != 0) {
      EXPECT_GE(v["heartbeat_age_ms"].GetInt64(), 0) << id;
    }
  }
  // Each node described itself: roles and modules are the peer's own.
  EXPECT_STREQ(nodes.at("node-2")["roles"][0].GetString(), "distributor");
  EXPECT_STREQ(nodes.at("node-2")["roles"][1].GetString(), "querier");
  EXPECT_FALSE(nodes.at("node-2")["modules"].HasMember("ingester"));
  EXPECT_EQ(nodes.at("node-2")["actors"].HasMember("ingester_gateway"), false);
  EXPECT_EQ(nodes.at("node-1")["actors"]["ingester_gateway"].GetUint64(), 1u);
  EXPECT_STREQ(nodes.at("node-1")["roles"][0].GetString(), "all");

  // A hung peer (SIGSTOP): listed unreachable within the peer bound (1.5 s),
  // never holding the request.
  procs_[1]->signal(SIGSTOP);
  // SIGSTOP takes effect asynchronously: wait until the process is stopped.
  EXPECT_TRUE(eventually(
      [&] {
        std::ifstream stat{"/proc/" + std::to_string(procs_[1]->pid()) + "/stat"};
        std::string line;
        std::getline(stat, line);
        auto close = line.rfind(')');
        return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'T';
      },
      5s));
  auto t0 = std::chrono::steady_clock::now();
  auto hung = nodes_of(0);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 3s);
  ASSERT_EQ(hung.size(), 3u);
  // Unreachable peers are listed by gossip endpoint.
  auto ep1 = "127.0.0.1:" + std::to_string(gossip_[1]);
  ASSERT_EQ(hung.count(ep1), 1u);
  EXPECT_FALSE(hung.at(ep1)["reachable"].GetBool());
  EXPECT_TRUE(hung.at(ep1)["started"].IsNull());
  EXPECT_STRNE(hung.at(ep1)["error"].GetString(), "");
  EXPECT_TRUE(hung.at("node-2")["reachable"].GetBool());
  procs_[1]->signal(SIGCONT);
  EXPECT_TRUE(eventually(all_reachable, 10s));

  // A killed peer: unreachable too (the connect fails or times out).
  procs_[2]->signal(SIGKILL);
  procs_[2]->wait_for(5s);
  auto ep2 = "127.0.0.1:" + std::to_string(gossip_[2]);
  EXPECT_TRUE(eventually(
      [&] {
        auto m = nodes_of(0);
        return m.count(ep2) == 1 && !m.at(ep2)["reachable"].GetBool();
      },
      10s));
}

TEST_F(admin_cluster_it, cluster_actors_enlist_and_the_ring_shows_shares_and_forgets) {
  for (int i = 0; i < n; ++i)
    start(i);
  // The cluster actors of an ingester node answer info with their state.
  auto one = [&](int node, const std::string& kind) {
    auto d = get_json(node, "/admin/api/actors?kind=" + kind);
    rapidjson::Document row;
    if (d.HasParseError() || d["total"].GetUint64() != 1)
      return row;
    row.CopyFrom(d["actors"][0], row.GetAllocator());
    return row;
  };
  ASSERT_TRUE(eventually(
      [&] {
        auto w = one(0, "ring_watcher");
        return w.IsObject() && w["answered"].GetBool() && w["state"]["connections"].GetInt64() == 1;
      },
      15s));
  auto dir = one(0, "cluster_directory");
  ASSERT_TRUE(dir.IsObject());
  EXPECT_TRUE(dir["answered"].GetBool());
  EXPECT_STREQ(dir["state"]["instance"].GetString(), "node-0");
  EXPECT_EQ(std::string{dir["state"]["addr"].GetString()}, "127.0.0.1:" + std::to_string(grpc_[0]));
  EXPECT_STREQ(dir["state"]["state"].GetString(), "ACTIVE");
  auto gw = one(0, "ingester_gateway");
  ASSERT_TRUE(gw.IsObject());
  EXPECT_TRUE(gw["state"].HasMember("pushes"));
  auto member = one(0, "ring_member");
  ASSERT_TRUE(member.IsObject());
  EXPECT_STREQ(member["state"]["state"].GetString(), "ACTIVE");
  EXPECT_EQ(member["state"]["tokens"].GetInt64(), 128);
  EXPECT_EQ(member["state"]["peers"].GetInt64(), 2);
  EXPECT_TRUE(eventually(
      [&] { return one(0, "ring_member")["state"]["peers_connected"].GetInt64() == 2; }, 10s));
  // The distributor-only node: directory and watcher, no gateway.
  EXPECT_TRUE(one(2, "cluster_directory").IsObject());
  EXPECT_TRUE(one(2, "ring_watcher").IsObject());
  EXPECT_EQ(get_json(2, "/admin/api/actors?kind=ingester_gateway")["total"].GetUint64(), 0u);

  // The ring from node 2's member: both ingesters, shares summing to 1.
  rapidjson::Document ring;
  ASSERT_TRUE(eventually(
      [&] {
        ring = get_json(2, "/admin/api/ring");
        return ring.IsObject() && ring["members"].Size() == 2;
      },
      10s));
  double sum = 0;
  for (auto& m : ring["members"].GetArray()) {
    EXPECT_STREQ(m["state"].GetString(), "ACTIVE");
    EXPECT_EQ(m["tokens"].GetUint64(), 128u);
    EXPECT_GT(m["ownership"].GetDouble(), 0.2);
    EXPECT_GE(m["heartbeat_age_ms"].GetInt64(), 0);
    EXPECT_FALSE(m["self"].GetBool());
    sum += m["ownership"].GetDouble();
  }
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_STREQ(ring["self"].GetString(), "");
  EXPECT_STREQ(ring["member"]["kind"].GetString(), "ring_member");

  // Forget: this node itself is refused, an unknown id is a 404, a killed
  // ingester is forgotten through the ring member (gone from every ring).
  http_client c0{http_[0]};
  EXPECT_EQ(c0.request("POST", "/admin/api/ring/forget?member=node-0").status, 400);
  auto unknown = c0.request("POST", "/admin/api/ring/forget?member=nobody");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("ring member nobody not found"), std::string::npos);
  procs_[1]->signal(SIGKILL);
  procs_[1]->wait_for(5s);
  auto forgot = c0.request("POST", "/admin/api/ring/forget?member=node-1");
  EXPECT_EQ(forgot.status, 200) << forgot.body;
  EXPECT_TRUE(eventually(
      [&] {
        auto r = get_json(2, "/admin/api/ring");
        return r.IsObject() && r["members"].Size() == 1 &&
               std::string{r["members"][0]["id"].GetString()} == "node-0";
      },
      10s));
}

TEST_F(admin_cluster_it, node_filter_lists_another_nodes_actors_over_caf) {
  for (int i = 0; i < n; ++i)
    start(i);
  ASSERT_TRUE(eventually(
      [&] {
        auto nodes = nodes_of(0);
        if (nodes.size() != n)
          return false;
        for (auto& [id, v] : nodes)
          if (!v["reachable"].GetBool())
            return false;
        return true;
      },
      15s));

  // Streams pushed through node 1 land on node 0 or 1 by the ring
  // (replication factor 1); 20 streams leave some on each.
  {
    http_client c1{http_[1]};
    std::string body = R"({"streams":[)";
    auto ts = std::to_string(testutil::now_ns());
    for (int i = 0; i < 20; ++i)
      body += std::string{i ? "," : ""} + R"({"stream":{"app":"nf","n":")" + std::to_string(i) +
              R"("},"values":[[")" + ts + R"(","line )" + std::to_string(i) + R"("]]})";
    body += "]}";
    auto r = c1.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 204) << r.body;
  }
  auto ids_of = [](const rapidjson::Document& d) {
    std::vector<std::pair<uint64_t, std::string>> out;
    if (d.IsObject() && d.HasMember("actors"))
      for (auto& a : d["actors"].GetArray())
        out.emplace_back(a["id"].GetUint64(), a["name"].GetString());
    return out;
  };
  auto local1 = get_json(1, "/admin/api/actors?kind=stream&sort=name&limit=1000");
  ASSERT_TRUE(local1.IsObject());
  const auto total1 = local1["total"].GetUint64();
  ASSERT_GT(total1, 0u);
  ASSERT_LT(total1, 20u);

  // Node 0 lists node 1's streams: the same rows as node 1's own listing.
  int status = 0;
  auto remote =
      get_json(0, "/admin/api/actors?node=node-1&kind=stream&sort=name&limit=1000", &status);
  ASSERT_EQ(status, 200);
  EXPECT_STREQ(remote["node"].GetString(), "node-1");
  EXPECT_EQ(remote["total"].GetUint64(), total1);
  EXPECT_EQ(ids_of(remote), ids_of(local1));
  for (auto& a : remote["actors"].GetArray()) {
    EXPECT_STREQ(a["kind"].GetString(), "stream");
    EXPECT_TRUE(a["answered"].GetBool());
    EXPECT_EQ(a["state"]["entries"].GetInt64(), 1);
  }
  // Node 0's own listing has the other streams.
  auto local0 = get_json(0, "/admin/api/actors?kind=stream&limit=1000");
  EXPECT_EQ(local0["total"].GetUint64() + total1, 20u);

  // Paging and sorting run on node 1: one page crosses the wire.
  if (total1 >= 3) {
    auto page = get_json(0, "/admin/api/actors?node=node-1&kind=stream&sort=name&order=desc&"
                            "offset=1&limit=2");
    auto want = get_json(1, "/admin/api/actors?kind=stream&sort=name&order=desc&offset=1&limit=2");
    EXPECT_EQ(page["total"].GetUint64(), total1);
    EXPECT_EQ(page["offset"].GetUint64(), 1u);
    EXPECT_EQ(page["actors"].Size(), 2u);
    EXPECT_EQ(ids_of(page), ids_of(want));
  }
  // The per-node views: streams?tenant= and the WAL writer of node 1.
  auto streams = get_json(0, "/admin/api/streams?node=node-1&tenant=fake&limit=1000");
  EXPECT_EQ(streams["total"].GetUint64(), total1);
  auto wal = get_json(0, "/admin/api/wal?node=node-1", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(wal["total"].GetUint64(), 1u);
  // By gossip endpoint too; the distributor-only node 2 answers as well.
  auto by_ep = get_json(0, "/admin/api/actors?kind=stream&sort=name&limit=1000&node=127.0.0.1:" +
                               std::to_string(gossip_[1]));
  EXPECT_EQ(ids_of(by_ep), ids_of(local1));
  auto n2 = get_json(0, "/admin/api/actors?node=node-2&kind=ring_member", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(n2["total"].GetUint64(), 1u);
  // This node by its own id: the local listing.
  EXPECT_EQ(
      get_json(0, "/admin/api/actors?node=node-0&kind=stream&limit=1000")["total"].GetUint64(),
      local0["total"].GetUint64());

  // One actor of node 1 through node 0.
  auto [id, name] = ids_of(local1).front();
  auto one = get_json(0, "/admin/api/actor/" + std::to_string(id) + "?node=node-1", &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(one["id"].GetUint64(), id);
  EXPECT_EQ(std::string{one["name"].GetString()}, name);
  EXPECT_STREQ(one["node"].GetString(), "node-1");
  EXPECT_EQ(one["state"]["entries"].GetInt64(), 1);
  http_client c0{http_[0]};
  auto missing = c0.get("/admin/api/actor/999999999?node=node-1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("no actor 999999999 on node 'node-1'"), std::string::npos)
      << missing.body;

  // Unknown node: 404 naming the cluster's nodes.
  auto unknown = c0.get("/admin/api/actors?node=nobody");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("unknown node 'nobody'"), std::string::npos) << unknown.body;
  EXPECT_NE(unknown.body.find("node-1"), std::string::npos) << unknown.body;
  EXPECT_EQ(c0.get("/admin/api/actor/1?node=nobody").status, 404);

  // skaldctl --node: node 1's actors through node 0.
  auto ctl = [&](const std::string& args, int* exit_status) {
    std::string out;
    FILE* p = popen((std::string{SKALDCTL_BINARY} +
                     " --addr 127.0.0.1:" + std::to_string(http_[0]) + " " + args + " 2>&1")
                        .c_str(),
                    "r");
    if (p == nullptr)
      return out;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), p)) > 0)
      out.append(buf, got);
    int st = pclose(p);
    *exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
  };
  int ctl_status = -1;
  auto out = ctl("actors --node node-1 --kind stream --sort name --limit 1000", &ctl_status);
  EXPECT_EQ(ctl_status, 0) << out;
  EXPECT_NE(out.find(name), std::string::npos) << out;
  EXPECT_NE(out.find("of " + std::to_string(total1) + "\n"), std::string::npos) << out;
  out = ctl("streams --node node-1 --tenant fake", &ctl_status);
  EXPECT_EQ(ctl_status, 0) << out;
  out = ctl("top --once --node node-1 --kind stream", &ctl_status);
  EXPECT_EQ(ctl_status, 0) << out;
  EXPECT_NE(out.find("actors of node node-1"), std::string::npos) << out;
  out = ctl("actors --node nobody", &ctl_status);
  EXPECT_EQ(ctl_status, 1) << out;
  EXPECT_NE(out.find("404 unknown node 'nobody'"), std::string::npos) << out;

  // A hung node 1 (SIGSTOP): 504 at the request's bound, not a hang.
  procs_[1]->signal(SIGSTOP);
  EXPECT_TRUE(eventually(
      [&] {
        std::ifstream stat{"/proc/" + std::to_string(procs_[1]->pid()) + "/stat"};
        std::string line;
        std::getline(stat, line);
        auto close = line.rfind(')');
        return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'T';
      },
      5s));
  auto t0 = std::chrono::steady_clock::now();
  auto hung = c0.get("/admin/api/actors?node=node-1&kind=stream");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);
  EXPECT_EQ(hung.status, 504) << hung.body;
  EXPECT_NE(hung.body.find("node 'node-1'"), std::string::npos) << hung.body;
  EXPECT_NE(hung.body.find("did not answer within"), std::string::npos) << hung.body;
  procs_[1]->signal(SIGCONT);

  // A killed node 1: 502 (it cannot be reached) while gossip still lists it.
  procs_[1]->signal(SIGKILL);
  procs_[1]->wait_for(5s);
  auto dead = c0.get("/admin/api/actors?node=node-1&kind=stream");
  EXPECT_TRUE(dead.status == 502 || dead.status == 404) << dead.status << " " << dead.body;
  if (dead.status == 502) {
    EXPECT_NE(dead.body.find("node 'node-1'"), std::string::npos) << dead.body;
  }
}

} // namespace
} // namespace skald
