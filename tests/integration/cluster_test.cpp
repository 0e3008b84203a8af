// Integration: a real five-process cluster on 127.0.0.1 — three ingesters, a
// distributor and a querier, replication factor 3 (docs/cluster.md). A
// writer pushes continuously to the distributor while
//   * one ingester is kill -9'd: every push still gets 204 and the querier
//     returns every acknowledged line;
//   * it restarts on the same data dir: it replays its WAL (its own stream
//     dump has the lines it stored before the kill), keeps its tokens (the
//     tokens file is unchanged) and takes new writes again;
//   * another ingester is SIGSTOPped (hung): pushes still succeed, each well
//     within ingester_client.remote_timeout;
// and two dead ingesters give Loki's 500, and a 4th ingester that joins (via
// gossip) takes its share of new streams (the replica it replaces flushes
// them as not_owned). The querier reads a quorum of the
// ring's read set: every line once, a hung ingester tolerated, two dead
// ingesters an error (never partial data).
// Each node gets its own YAML (target in the file) written from the same
// template as configs/cluster/*.yaml, with free ports.
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "testutil/http_client.hpp"
#include "testutil/process.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testutil::child_process;
using testutil::http_client;

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  return std::string{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct node_spec {
  std::string name;
  std::string target;
  uint16_t http = 0;
  uint16_t grpc = 0;
  uint16_t gossip = 0;
};

class cluster_it : public testing::Test {
protected:
  void SetUp() override {
    dir_ = testutil::make_temp_dir("skald-cluster");
    for (auto [name, target] :
         std::vector<std::pair<std::string, std::string>>{{"ingester-1", "ingester"},
                                                          {"ingester-2", "ingester"},
                                                          {"ingester-3", "ingester"},
                                                          {"distributor", "distributor"},
                                                          {"querier", "querier"},
                                                          // In every join_members list from
                                                          // the start; only the joining test
                                                          // starts it.
                                                          {"ingester-4", "ingester"}}) {
      node_spec n{name, target, testutil::free_port(), testutil::free_port(),
                  testutil::free_port()};
      nodes_[name] = n;
    }
    for (auto& [name, n] : nodes_)
      write_config(n);
  }

  void TearDown() override {
    for (auto& [name, p] : procs_)
      if (p && p->running()) {
        p->signal(SIGCONT);
        p->signal(SIGKILL);
      }
    procs_.clear();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void write_config(const node_spec& n) {
    std::string members;
    for (auto& [name, m] : nodes_)
      members += "    - 127.0.0.1:" + std::to_string(m.gossip) + "\n";
    std::ofstream out{dir_ + "/" + n.name + ".yaml"};
    out << "target: " << n.target << "\n"
        << "auth_enabled: false\n"
        << "server:\n"
        << "  http_listen_address: 127.0.0.1\n"
        << "  http_listen_port: " << n.http << "\n"
        << "  grpc_listen_port: " << n.grpc << "\n"
        << "common:\n"
        << "  path_prefix: " << dir_ << "/data/" << n.name << "\n"
        << "  replication_factor: 3\n"
        << "  instance_addr: 127.0.0.1\n"
        << "ingester:\n"
        << "  flush_check_period: 1s\n" // chunks are never idle here: only not_owned flushes
        << "  wal:\n"
        << "    enabled: true\n"
        << "  lifecycler:\n"
        << "    id: " << n.name << "\n"
        << "    min_ready_duration: 0s\n" // Loki's 15s would slow every start
        << "    tokens_file_path: " << dir_ << "/data/" << n.name << "/tokens\n"
        << "ingester_client:\n"
        << "  remote_timeout: 5s\n"
        << "limits_config:\n"
        << "  ingestion_rate_mb: 1024\n"
        << "  ingestion_burst_size_mb: 2048\n"
        << "  max_global_streams_per_user: 0\n"
        << "  reject_old_samples: false\n"
        << "memberlist:\n"
        << "  node_name: " << n.name << "\n"
        << "  randomize_node_name: false\n"
        << "  bind_addr: [127.0.0.1]\n"
        << "  bind_port: " << n.gossip << "\n"
        << "  advertise_addr: 127.0.0.1\n"
        << "  advertise_port: " << n.gossip << "\n"
        << "  gossip_interval: 100ms\n"
        << "  join_members:\n"
        << members;
  }

  void start(const std::string& name) {
    const auto& n = nodes_.at(name);
    procs_[name] = std::make_unique<child_process>(
        SKALD_BINARY, std::vector<std::string>{"-config.file=" + dir_ + "/" + name + ".yaml"});
    auto ready = testutil::wait_for_status_200(n.http, "/ready", 30s);
    ASSERT_EQ(ready.status, 200) << name << ": " << procs_[name]->output();
  }

  void kill9(const std::string& name) {
    procs_[name]->signal(SIGKILL);
    procs_[name]->wait_for(5s);
    procs_[name].reset();
  }

  int push(http_client& c, const std::string& line, int64_t ts) {
    std::string body = R"({"streams":[{"stream":{"app":"it"},"values":[[")" + std::to_string(ts) +
                       R"(",")" + line + R"("]]}]})";
    return c.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}})
        .status;
  }

  /// Pushes until one push is answered 204 (the distributor found the ring).
  void wait_until_writable() {
    http_client c{nodes_.at("distributor").http};
    auto deadline = std::chrono::steady_clock::now() + 20s;
    int st = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      st = push(c, "warm-up", wall_ns());
      if (st == 204)
        return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "distributor never accepted a push, last status " << st;
  }

  /// Lines the querier returns for {app="it"} since `from`.
  std::string query_all(int64_t from) {
    http_client c{nodes_.at("querier").http};
    auto r = c.get("/loki/api/v1/query_range?query=" + url_encode("{app=\"it\"}") +
                   "&start=" + std::to_string(from) + "&end=" + std::to_string(wall_ns() + 1) +
                   "&limit=5000&direction=forward");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }

  std::string dump(const std::string& ingester) {
    http_client c{nodes_.at(ingester).http};
    auto r = c.get("/skald/internal/ingester/stream?tenant=fake&labels=" +
                   url_encode("{app=\"it\", service_name=\"it\"}"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }

  std::string dir_;
  std::map<std::string, node_spec> nodes_;
  std::map<std::string, std::unique_ptr<child_process>> procs_;
};

/// Pushes numbered lines from a thread until stopped; records what got 204.
class writer {
public:
  writer(uint16_t port, std::string prefix) : port_(port), prefix_(std::move(prefix)) {
    thread_ = std::thread([this] { run(); });
  }
  ~writer() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }

  std::vector<std::string> acked() {
    std::lock_guard<std::mutex> g{mtx_};
    return acked_;
  }
  std::map<int, int> failures() {
    std::lock_guard<std::mutex> g{mtx_};
    return failures_;
  }
  std::chrono::milliseconds slowest() {
    std::lock_guard<std::mutex> g{mtx_};
    return slowest_;
  }
  int sent() const { return sent_.load(); }

private:
  void run() {
    http_client c{port_};
    for (int i = 0; !stop_; ++i) {
      auto line = prefix_ + "-" + std::to_string(i);
      std::string body = R"({"streams":[{"stream":{"app":"it"},"values":[[")" +
                         std::to_string(wall_ns()) + R"(",")" + line + R"("]]}]})";
      auto t0 = std::chrono::steady_clock::now();
      auto st = c.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}})
                    .status;
      auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - t0);
      ++sent_;
      std::lock_guard<std::mutex> g{mtx_};
      slowest_ = std::max(slowest_, took);
      if (st == 204)
        acked_.push_back(line);
      else
        ++failures_[st];
      std::this_thread::sleep_for(2ms);
    }
  }

  uint16_t port_;
  std::string prefix_;
  std::atomic<bool> stop_{false};
  std::atomic<int> sent_{0};
  std::mutex mtx_;
  std::vector<std::string> acked_;
  std::map<int, int> failures_;
  std::chrono::milliseconds slowest_{0};
  std::thread thread_;
};

TEST_F(cluster_it, rf3_survives_kill_9_restart_and_a_hung_ingester) {
  const int64_t t0 = wall_ns() - 1'000'000'000;
  for (auto n : {"ingester-1", "ingester-2", "ingester-3", "distributor", "querier"})
    start(n);
  wait_until_writable();

  // 1. kill -9 one ingester under continuous pushes.
  std::vector<std::string> acked;
  {
    writer w{nodes_.at("distributor").http, "a"};
    std::this_thread::sleep_for(700ms);
    kill9("ingester-2");
    std::this_thread::sleep_for(1500ms);
    w.stop();
    EXPECT_GT(w.sent(), 50);
    EXPECT_TRUE(w.failures().empty())
        << "non-204 answers after kill -9: " << w.failures().begin()->first << " x"
        << w.failures().begin()->second;
    acked = w.acked();
  }
  auto body = query_all(t0);
  for (const auto& l : acked)
    ASSERT_NE(body.find("\"" + l + "\""), std::string::npos) << l << " missing from the query";

  // 2. Restart it on the same data dir: its WAL replays the lines it stored
  //    before the kill (with RF 3 on 3 ingesters it held every stream).
  const std::string tokens_file = dir_ + "/data/ingester-2/tokens";
  const std::string tokens_before = read_file(tokens_file);
  EXPECT_NE(tokens_before.find("\"tokens\""), std::string::npos) << tokens_before;
  start("ingester-2");
  EXPECT_EQ(read_file(tokens_file), tokens_before) << "the restart changed its tokens";
  auto replayed = dump("ingester-2");
  EXPECT_NE(replayed.find(" a-0\n"), std::string::npos) << replayed.substr(0, 500);

  // It rejoins (same id, same tokens): new writes reach it again.
  {
    http_client c{nodes_.at("distributor").http};
    auto deadline = std::chrono::steady_clock::now() + 15s;
    bool seen = false;
    for (int i = 0; !seen && std::chrono::steady_clock::now() < deadline; ++i) {
      auto line = "b-" + std::to_string(i);
      EXPECT_EQ(push(c, line, wall_ns()), 204);
      std::this_thread::sleep_for(100ms);
      seen = dump("ingester-2").find(" " + line + "\n") != std::string::npos;
    }
    EXPECT_TRUE(seen) << "the restarted ingester never received new writes";
  }

  // 3. A hung ingester (SIGSTOP): writes still succeed, well within the
  //    remote timeout (quorum 2 of 3 does not wait for it).
  procs_["ingester-3"]->signal(SIGSTOP);
  {
    writer w{nodes_.at("distributor").http, "c"};
    std::this_thread::sleep_for(2s);
    w.stop();
    EXPECT_GT(w.sent(), 20);
    EXPECT_TRUE(w.failures().empty())
        << "non-204 answers with a hung ingester: " << w.failures().begin()->first;
    EXPECT_LT(w.slowest(), 5s);
    acked = w.acked();
  }
  body = query_all(t0);
  for (const auto& l : acked)
    ASSERT_NE(body.find("\"" + l + "\""), std::string::npos)
        << l << " missing with a hung ingester";
  procs_["ingester-3"]->signal(SIGCONT);
}

TEST_F(cluster_it, two_dead_ingesters_answer_500_with_lokis_text) {
  for (auto n : {"ingester-1", "ingester-2", "ingester-3", "distributor"})
    start(n);
  wait_until_writable();
  kill9("ingester-1");
  kill9("ingester-2");
  http_client c{nodes_.at("distributor").http};
  // The watcher sees the kills within milliseconds (down_msg); poll briefly.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  testutil::http_reply r;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string body = R"({"streams":[{"stream":{"app":"it"},"values":[[")" +
                       std::to_string(wall_ns()) + R"(","x"]]}]})";
    r = c.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}});
    if (r.status == 500 && r.body.find("live replicas required") != std::string::npos)
      break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("at least 2 live replicas required, could only find 1"), std::string::npos)
      << r.body;
}

/// How often `"line"` occurs in a query body (each pushed line is unique).
int occurrences(const std::string& body, const std::string& line) {
  const std::string needle = "\"" + line + "\"";
  int n = 0;
  for (auto p = body.find(needle); p != std::string::npos; p = body.find(needle, p + 1))
    ++n;
  return n;
}

// The querier over the ring's read replication set (dskit
// GetReplicationSetForOperation(Read), docs/cluster.md "Reads"): each
// replicated line comes back exactly once; a hung ingester neither fails
// nor holds the query (a quorum answers, and the querier times the hung one
// out itself after remote_timeout); two dead ingesters fail the query with
// an error, never with partial data.
TEST_F(cluster_it, querier_reads_a_quorum_tolerates_a_hung_ingester_and_fails_without_two) {
  const int64_t t0 = wall_ns() - 1'000'000'000;
  for (auto n : {"ingester-1", "ingester-2", "ingester-3", "distributor", "querier"})
    start(n);
  wait_until_writable();
  std::vector<std::string> lines;
  {
    http_client c{nodes_.at("distributor").http};
    for (int i = 0; i < 40; ++i) {
      lines.push_back("q-" + std::to_string(i));
      ASSERT_EQ(push(c, lines.back(), wall_ns()), 204);
    }
  }
  auto check_all_once = [&](const std::string& body, const char* when) {
    for (const auto& l : lines)
      ASSERT_EQ(occurrences(body, l), 1) << l << " " << when << ": " << body.substr(0, 300);
  };
  check_all_once(query_all(t0), "all healthy");

  // A hung ingester: queries right after the SIGSTOP (the ring still calls
  // it healthy) and after the watcher dropped it all return every line,
  // each well within remote_timeout.
  procs_["ingester-3"]->signal(SIGSTOP);
  http_client q{nodes_.at("querier").http};
  const auto hung_until = std::chrono::steady_clock::now() + 4s;
  int queries = 0;
  while (std::chrono::steady_clock::now() < hung_until) {
    auto t = std::chrono::steady_clock::now();
    auto body = query_all(t0);
    EXPECT_LT(std::chrono::steady_clock::now() - t, 5s) << "a query waited for the hung ingester";
    check_all_once(body, "with ingester-3 hung");
    auto labels = q.get("/loki/api/v1/labels?start=" + std::to_string(t0));
    EXPECT_EQ(labels.status, 200) << labels.body;
    EXPECT_NE(labels.body.find("\"app\""), std::string::npos) << labels.body;
    ++queries;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_GT(queries, 3);
  procs_["ingester-3"]->signal(SIGCONT);

  // Two dead ingesters: every answer is the full result or an error, and
  // once the querier's watcher saw the kills, dskit's text.
  kill9("ingester-1");
  kill9("ingester-2");
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  testutil::http_reply r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = q.get("/loki/api/v1/query_range?query=" + url_encode("{app=\"it\"}") +
              "&start=" + std::to_string(t0) + "&end=" + std::to_string(wall_ns() + 1) +
              "&limit=5000&direction=forward");
    if (r.status == 200)
      check_all_once(r.body, "with two ingesters dead (before detection)");
    else
      EXPECT_TRUE(r.status == 500 || r.status == 504) << r.status << " " << r.body;
    if (r.status == 500 && r.body == "too many unhealthy instances in the ring\n")
      break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "too many unhealthy instances in the ring\n");
  // The metadata routes take the same path.
  auto labels = q.get("/loki/api/v1/labels?start=" + std::to_string(t0));
  EXPECT_EQ(labels.status, 500);
  EXPECT_EQ(labels.body, "too many unhealthy instances in the ring\n");
  auto series = q.get("/loki/api/v1/series?match[]=" + url_encode("{app=\"it\"}") +
                      "&start=" + std::to_string(t0));
  EXPECT_EQ(series.status, 500);
}

/// loki_ingester_memory_streams of one ingester (tenant fake), -1 if absent.
double memory_streams(uint16_t port) {
  http_client c{port};
  auto body = c.get("/metrics").body;
  const std::string key = "loki_ingester_memory_streams{tenant=\"fake\"} ";
  auto p = body.find(key);
  return p == std::string::npos ? -1 : std::stod(body.substr(p + key.size()));
}

TEST_F(cluster_it, a_fourth_ingester_joins_and_takes_its_share_of_new_streams) {
  for (auto n : {"ingester-1", "ingester-2", "ingester-3", "distributor"})
    start(n);
  wait_until_writable();
  http_client c{nodes_.at("distributor").http};
  // Streams written to the three first ingesters only.
  for (int i = 0; i < 20; ++i) {
    std::string body = R"({"streams":[{"stream":{"app":"old","n":")" + std::to_string(i) +
                       R"("},"values":[[")" + std::to_string(wall_ns()) + R"(","x"]]}]})";
    ASSERT_EQ(
        c.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}}).status,
        204);
  }
  start("ingester-4");
  // Once the distributor sees it, new streams go to 3 of the 4 ingesters.
  auto deadline = std::chrono::steady_clock::now() + 15s;
  int pushed = 0;
  while (std::chrono::steady_clock::now() < deadline &&
         memory_streams(nodes_.at("ingester-4").http) < 1) {
    std::string body = R"({"streams":[{"stream":{"app":"probe","n":")" + std::to_string(pushed++) +
                       R"("},"values":[[")" + std::to_string(wall_ns()) + R"(","x"]]}]})";
    ASSERT_EQ(
        c.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}}).status,
        204);
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_GE(memory_streams(nodes_.at("ingester-4").http), 1)
      << "ingester-4 never received a stream";
  const double before = memory_streams(nodes_.at("ingester-4").http);
  constexpr int fresh = 200;
  for (int i = 0; i < fresh; ++i) {
    std::string body = R"({"streams":[{"stream":{"app":"share","n":")" + std::to_string(i) +
                       R"("},"values":[[")" + std::to_string(wall_ns()) + R"(","x"]]}]})";
    ASSERT_EQ(
        c.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}}).status,
        204);
  }
  std::this_thread::sleep_for(200ms); // the third replica may still be in flight
  const double got = memory_streams(nodes_.at("ingester-4").http) - before;
  // RF 3 over 4 ingesters: 3/4 of the streams (150) expected on each.
  EXPECT_GT(got, fresh * 0.5) << got;
  EXPECT_LT(got, fresh) << got; // and not every stream: the ring spreads them
  // The streams written before ingester-4 was seen: where the ring now puts
  // ingester-4 among a stream's three replicas (3 in 4 streams), the old
  // replica it replaces flushes the stream on its next sweep with reason
  // not_owned (Loki's flush_not_owned).
  auto not_owned = [&] {
    double sum = 0;
    for (auto n : {"ingester-1", "ingester-2", "ingester-3"}) {
      http_client m{nodes_.at(n).http};
      auto body = m.get("/metrics").body;
      const std::string key = "loki_ingester_chunks_flushed_total{reason=\"not_owned\"} ";
      auto p = body.find(key);
      if (p != std::string::npos)
        sum += std::stod(body.substr(p + key.size()));
    }
    return sum;
  };
  auto flush_deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < flush_deadline && not_owned() < 1)
    std::this_thread::sleep_for(200ms);
  EXPECT_GE(not_owned(), 1) << "no stream was flushed as not_owned after ingester-4 joined";
}

// index/volume and index/stats over the cluster count each chunk like a
// single node does (runtime/query/volume.hpp): the remote ingesters send
// their chunk list over the wire (messages/wire.hpp), replicas count once,
// and a chunk partly inside the interval adds its uncompressed size times
// the share of its time span inside.
TEST_F(cluster_it, volume_counts_remote_ingesters_chunks_like_a_single_node) {
  for (auto n : {"ingester-1", "ingester-2", "ingester-3", "distributor", "querier"})
    start(n);
  wait_until_writable();
  // 101 lines one second apart, ten minutes ago: one chunk spanning 100 s.
  const int64_t sec = 1'000'000'000;
  const int64_t base = (wall_ns() - 600 * sec) / sec * sec;
  chunkenc::mem_chunk expected;
  std::string body = R"({"streams":[{"stream":{"app":"vol"},"values":[)";
  for (int i = 0; i <= 100; ++i) {
    const int64_t ts = base + i * sec;
    const std::string line = "volume-line-" + std::to_string(i);
    expected.append({ts, line, nullptr});
    body += (i ? "," : "") + std::string{"[\""} + std::to_string(ts) + "\",\"" + line + "\"]";
  }
  body += "]}]}";
  http_client d{nodes_.at("distributor").http};
  ASSERT_EQ(
      d.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}}).status,
      204);
  const uint64_t full = expected.uncompressed_size();
  http_client q{nodes_.at("querier").http};
  auto volume = [&](int64_t from, int64_t to) -> std::string {
    auto r = q.get("/loki/api/v1/index/volume?query=" + url_encode("{app=\"vol\"}") +
                   "&start=" + std::to_string(from) + "&end=" + std::to_string(to));
    EXPECT_EQ(r.status, 200) << r.body;
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    if (doc.HasParseError() || !doc["data"]["result"].IsArray() ||
        doc["data"]["result"].Size() != 1) {
      ADD_FAILURE() << r.body;
      return {};
    }
    EXPECT_STREQ(doc["data"]["result"][0]["metric"]["app"].GetString(), "vol") << r.body;
    return doc["data"]["result"][0]["value"][1].GetString();
  };
  // The whole chunk inside: its uncompressed size (three replicas, once).
  EXPECT_EQ(volume(base, base + 200 * sec), std::to_string(full));
  // Its second half inside: half of it.
  EXPECT_EQ(volume(base + 50 * sec, base + 200 * sec), std::to_string(full / 2));
  auto st = q.get("/loki/api/v1/index/stats?query=" + url_encode("{app=\"vol\"}") + "&start=" +
                  std::to_string(base + 50 * sec) + "&end=" + std::to_string(base + 200 * sec));
  ASSERT_EQ(st.status, 200) << st.body;
  EXPECT_EQ(st.body, "{\"streams\":1,\"chunks\":1,\"bytes\":" + std::to_string(full / 2) +
                         ",\"entries\":50}");
}

} // namespace
} // namespace skald
