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
// them as not_owned). A live tail on the querier-only node gets every pushed
// line exactly once (RF 3 replicas deduped) within 1 s of its 204, from
// streams created after it started; it goes on while an ingester is hung
// and after one is kill -9'd, subscribes again when they come back and picks
// up a 4th that joins; a tail that stops reading gets dropped_entries, then
// is disconnected as too slow and its relays go. The querier reads a quorum
// of the ring's read set: every line once, a hung ingester tolerated, two
// dead ingesters an error (never partial data).
// Each node gets its own YAML (target in the file) written from the same
// template as configs/cluster/*.yaml, with free ports.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "runtime/admin/directory.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "testutil/http_client.hpp"
#include "testutil/process.hpp"
#include "testutil/ws_client.hpp"

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
        << "  max_concurrent_tail_requests: 1\n" // a tail's relays must go with it
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

  /// Queries until the querier answers 200 (its ring view found the
  /// ingesters: before that, a tail's history query closes it with 1011).
  void wait_until_readable() {
    http_client c{nodes_.at("querier").http};
    auto deadline = std::chrono::steady_clock::now() + 30s;
    int st = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      st = c.get("/loki/api/v1/query_range?query=" + url_encode("{app=\"it\"}")).status;
      if (st == 200)
        return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "the querier never answered a query, last status " << st;
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
  wait_until_readable(); // the querier's ring view, not only the distributor's
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

/// A metric's value on a node (first sample without labels), -1 if absent.
double metric(uint16_t port, const std::string& name) {
  http_client c{port};
  auto body = c.get("/metrics").body;
  const std::string key = "\n" + name + " "; // a sample, not its # HELP line
  auto p = body.find(key);
  return p == std::string::npos ? -1 : std::stod(body.substr(p + key.size()));
}

/// skald_querier_tail_ingester_subscriptions of a node, -1 if absent.
double tail_subscriptions(uint16_t port) {
  return metric(port, "skald_querier_tail_ingester_subscriptions");
}

/// Counts the lines of one v1 tail message into `seen`; adds its
/// dropped_entries to `dropped`.
void count_tail_message(const std::string& msg, std::map<std::string, int>& seen,
                        size_t* dropped = nullptr) {
  rapidjson::Document d;
  d.Parse(msg.c_str());
  EXPECT_FALSE(d.HasParseError()) << msg.substr(0, 200);
  if (d.HasParseError())
    return;
  if (d.HasMember("streams"))
    for (const auto& st : d["streams"].GetArray())
      for (const auto& v : st["values"].GetArray())
        ++seen[v[1].GetString()];
  if (dropped != nullptr && d.HasMember("dropped_entries"))
    *dropped += d["dropped_entries"].Size();
}

/// Lines of v1 tail messages read until `want` distinct lines arrived or
/// `timeout` passed, with how often each came.
std::map<std::string, int> read_tail(testutil::ws_client& ws, size_t want,
                                     std::chrono::milliseconds timeout) {
  std::map<std::string, int> seen;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (seen.size() < want && std::chrono::steady_clock::now() < deadline)
    if (auto msg = ws.read(200ms))
      count_tail_message(*msg, seen);
  // Late replicas would show up right after: read until 300 ms pass quietly.
  while (auto msg = ws.read(300ms))
    count_tail_message(*msg, seen);
  return seen;
}

/// The entries the tail relays of a node sent (admin listing), -1 if none.
int64_t relay_entries(uint16_t port) {
  http_client c{port};
  auto r = c.get("/admin/api/actors?kind=tail_relay");
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  if (r.status != 200 || d.HasParseError() || !d.HasMember("actors"))
    return -1;
  int64_t n = -1;
  for (const auto& a : d["actors"].GetArray())
    if (a.HasMember("state") && a["state"].HasMember("entries"))
      n = std::max<int64_t>(n, 0) + a["state"]["entries"].GetInt64();
  return n;
}

/// The tail relays running on a node (admin listing), -1 if it does not say.
int64_t relay_count(uint16_t port) {
  http_client c{port};
  auto r = c.get("/admin/api/actors?kind=tail_relay");
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  if (r.status != 200 || d.HasParseError() || !d.HasMember("total"))
    return -1;
  return d["total"].GetInt64();
}

TEST_F(cluster_it, tail_on_the_querier_node_gets_each_line_once_through_kill_9_restart_and_join) {
  if (!admin::introspection_enabled)
    GTEST_SKIP() << "built with SKALD_INTROSPECTION=OFF: the tail relays are read from the "
                    "admin listing, where nothing enlists";
  for (auto n : {"ingester-1", "ingester-2", "ingester-3", "distributor", "querier"})
    start(n);
  wait_until_writable();
  wait_until_readable();
  const auto querier = nodes_.at("querier").http;
  auto conn = testutil::ws_client::connect(
      querier, "/loki/api/v1/tail?query=" + url_encode("{app=\"tail\"}") +
                   "&start=" + std::to_string(wall_ns()));
  ASSERT_TRUE(conn.client) << conn.status << " " << conn.body;
  auto& ws = *conn.client;
  auto wait_subscriptions = [&](double n) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline && tail_subscriptions(querier) != n)
      std::this_thread::sleep_for(50ms);
    return tail_subscriptions(querier);
  };
  ASSERT_EQ(wait_subscriptions(3), 3) << "the tail never subscribed to the three ingesters";

  // Each phase pushes to a stream of its own, created after the tail started.
  http_client c{nodes_.at("distributor").http};
  auto push_line = [&](const std::string& phase, const std::string& line) {
    std::string body = R"({"streams":[{"stream":{"app":"tail","phase":")" + phase +
                       R"("},"values":[[")" + std::to_string(wall_ns()) + R"(",")" + line +
                       R"("]]}]})";
    return c.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}})
        .status;
  };
  auto push_lines = [&](const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i)
      ASSERT_EQ(push_line(prefix, prefix + std::to_string(i)), 204) << prefix << i;
  };
  auto expect_each_once = [](const std::map<std::string, int>& seen, const std::string& prefix,
                             int n) {
    for (int i = 0; i < n; ++i) {
      auto it = seen.find(prefix + std::to_string(i));
      ASSERT_NE(it, seen.end()) << prefix << i << " never reached the tail";
      EXPECT_EQ(it->second, 1) << prefix << i << " reached the tail " << it->second << " times";
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(n));
  };

  // 1. One line at a time, from its push (request sent, so the 204 is
  //    included) to its arrival on the tail: within 1 s (the median; one
  //    slow line on a loaded machine is no verdict).
  {
    std::map<std::string, int> seen;
    std::vector<double> lat_ms;
    for (int i = 0; i < 20; ++i) {
      const auto line = "l-" + std::to_string(i);
      const auto sent = std::chrono::steady_clock::now();
      ASSERT_EQ(push_line("l-", line), 204);
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (seen.count(line) == 0 && std::chrono::steady_clock::now() < deadline)
        if (auto msg = ws.read(100ms))
          count_tail_message(*msg, seen);
      ASSERT_EQ(seen.count(line), 1u) << line << " never reached the tail";
      lat_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent)
              .count());
    }
    while (auto msg = ws.read(300ms)) // late replicas
      count_tail_message(*msg, seen);
    expect_each_once(seen, "l-", 20);
    std::sort(lat_ms.begin(), lat_ms.end());
    EXPECT_LT(lat_ms[lat_ms.size() / 2], 1000) << "median push-to-tail latency (ms)";
    std::cout << "push -> querier tail: median " << lat_ms[lat_ms.size() / 2] << " ms, max "
              << lat_ms.back() << " ms\n";
  }

  // 2. RF 3: every line is delivered by three ingesters, sent once.
  push_lines("a-", 100);
  expect_each_once(read_tail(ws, 100, 20s), "a-", 100);

  // 3. A hung ingester (SIGSTOP): the middleman's heartbeat timeout ends its
  //    relay's connection, the tail goes on from the other two; resumed, it
  //    is subscribed again.
  procs_.at("ingester-3")->signal(SIGSTOP);
  EXPECT_EQ(wait_subscriptions(2), 2) << "the hung ingester's relay was not dropped";
  push_lines("h-", 50);
  expect_each_once(read_tail(ws, 50, 20s), "h-", 50);
  procs_.at("ingester-3")->signal(SIGCONT);
  EXPECT_EQ(wait_subscriptions(3), 3) << "the resumed ingester was not subscribed again";
  ASSERT_FALSE(ws.closed()) << ws.close_code() << " " << ws.close_reason();
  {
    // Before another ingester dies, the distributor must write to this one
    // again (its directory reconnects a little after the querier's): push
    // probes until one is stored there.
    http_client i3{nodes_.at("ingester-3").http};
    const auto labels = url_encode("{app=\"tail\", phase=\"q-\", service_name=\"tail\"}");
    int probes = 0;
    bool stored = false;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!stored && std::chrono::steady_clock::now() < deadline) {
      const auto line = "q-" + std::to_string(probes++);
      ASSERT_EQ(push_line("q-", line), 204);
      std::this_thread::sleep_for(100ms);
      stored = i3.get("/skald/internal/ingester/stream?tenant=fake&labels=" + labels)
                   .body.find(" " + line + "\n") != std::string::npos;
    }
    ASSERT_TRUE(stored) << "the resumed ingester never received new writes";
    expect_each_once(read_tail(ws, probes, 20s), "q-", probes);
  }

  // 4. kill -9 one ingester: its relay's down_msg drops it, the tail goes
  //    on from the two surviving replicas and stays open.
  kill9("ingester-2");
  EXPECT_EQ(wait_subscriptions(2), 2);
  push_lines("b-", 100);
  expect_each_once(read_tail(ws, 100, 20s), "b-", 100);
  ASSERT_FALSE(ws.closed()) << ws.close_code() << " " << ws.close_reason();

  // 5. It restarts (a new incarnation, a new gateway): the tail subscribes
  //    to it again at a resync, and its relay delivers.
  start("ingester-2");
  EXPECT_EQ(wait_subscriptions(3), 3) << "the restarted ingester was not subscribed again";
  push_lines("c-", 100);
  expect_each_once(read_tail(ws, 100, 20s), "c-", 100);
  {
    // The distributor may see it ACTIVE a little after the querier did:
    // push probes until its relay has sent something.
    const auto port = nodes_.at("ingester-2").http;
    int probes = 0;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (relay_entries(port) <= 0 && std::chrono::steady_clock::now() < deadline) {
      ASSERT_EQ(push_line("p-", "p-" + std::to_string(probes++)), 204);
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_GT(relay_entries(port), 0) << "the restarted ingester's relay never sent an entry";
    if (probes > 0)
      expect_each_once(read_tail(ws, probes, 20s), "p-", probes);
  }

  // 6. A 4th ingester joins: the tail subscribes to it at a resync.
  start("ingester-4");
  EXPECT_EQ(wait_subscriptions(4), 4) << "the joining ingester was not picked up";
  push_lines("d-", 100);
  expect_each_once(read_tail(ws, 100, 20s), "d-", 100);
  ASSERT_FALSE(ws.closed()) << ws.close_code() << " " << ws.close_reason();

  // 7. The tail closes: every ingester drops its relay, so a new tail fits
  //    within max_concurrent_tail_requests 1 on each of them again.
  ws.close();
  EXPECT_EQ(wait_subscriptions(0), 0);
  for (auto n : {"ingester-1", "ingester-2", "ingester-3", "ingester-4"}) {
    const auto port = nodes_.at(n).http;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (relay_count(port) != 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    EXPECT_EQ(relay_count(port), 0) << n << " kept a tail relay after the tail closed";
  }
  auto again = testutil::ws_client::connect(
      querier, "/loki/api/v1/tail?query=" + url_encode("{app=\"tail\"}") +
                   "&start=" + std::to_string(wall_ns()));
  ASSERT_TRUE(again.client) << again.status << " " << again.body;
  EXPECT_EQ(wait_subscriptions(4), 4);
  push_lines("e-", 50);
  expect_each_once(read_tail(*again.client, 50, 20s), "e-", 50);
  EXPECT_FALSE(again.client->closed())
      << again.client->close_code() << " " << again.client->close_reason();
}

TEST_F(cluster_it, slow_tail_on_the_querier_node_gets_dropped_entries_then_is_disconnected) {
  for (auto n : {"ingester-1", "ingester-2", "ingester-3", "distributor", "querier"})
    start(n);
  wait_until_writable();
  wait_until_readable();
  const auto querier = nodes_.at("querier").http;
  auto conn = testutil::ws_client::connect(
      querier, "/loki/api/v1/tail?query=" + url_encode("{app=\"slow\"}") +
                   "&start=" + std::to_string(wall_ns()));
  ASSERT_TRUE(conn.client) << conn.status << " " << conn.body;
  auto& ws = *conn.client;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline && tail_subscriptions(querier) != 3)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(tail_subscriptions(querier), 3);

  // The client does not read: 1 MB rounds fill the socket buffers and the
  // tailer's queue until the querier drops for it; pushes keep getting 204.
  http_client c{nodes_.at("distributor").http};
  const std::string payload(1000, 'x');
  int64_t t = wall_ns();
  auto push_round = [&] {
    std::string body = R"({"streams":[{"stream":{"app":"slow"},"values":[)";
    for (int i = 0; i < 1000; ++i)
      body += std::string{i ? "," : ""} + "[\"" + std::to_string(++t) + "\",\"" + payload + "\"]";
    body += "]}]}";
    return c.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}})
        .status;
  };
  const std::string dropped_metric = "skald_querier_tail_dropped_entries_total";
  deadline = std::chrono::steady_clock::now() + 120s;
  int rounds = 0;
  while (metric(querier, dropped_metric) <= 0 && std::chrono::steady_clock::now() < deadline &&
         rounds < 100) {
    ASSERT_EQ(push_round(), 204);
    ++rounds;
  }
  ASSERT_GT(metric(querier, dropped_metric), 0) << "nothing dropped after " << rounds << " MB";
  std::cout << "the querier dropped for the tail after " << rounds << " MB pushed\n";

  // Reading again before the stall timeout: the connection survives and a
  // message carries the entries dropped meanwhile.
  std::map<std::string, int> seen;
  size_t dropped = 0;
  deadline = std::chrono::steady_clock::now() + 30s;
  while (dropped == 0 && std::chrono::steady_clock::now() < deadline) {
    if (auto msg = ws.read(500ms))
      count_tail_message(*msg, seen, &dropped);
    else
      ASSERT_EQ(push_round(), 204); // the drops go out with the next entries
  }
  EXPECT_GT(seen.size(), 0u);
  EXPECT_GT(dropped, 0u);
  ASSERT_FALSE(ws.closed()) << ws.close_code() << " " << ws.close_reason();

  // Now it stops reading for good: once a frame has waited longer than the
  // stall timeout (10 s) the querier disconnects it, says why in its log and
  // every ingester drops its relay.
  deadline = std::chrono::steady_clock::now() + 90s;
  while (metric(querier, "loki_querier_tail_active") != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(push_round(), 204);
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(metric(querier, "loki_querier_tail_active"), 0);
  EXPECT_NE(procs_.at("querier")->output().find("client too slow"), std::string::npos);
  deadline = std::chrono::steady_clock::now() + 30s;
  while (tail_subscriptions(querier) != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(tail_subscriptions(querier), 0);
  for (auto n : {"ingester-1", "ingester-2", "ingester-3"}) {
    const auto port = nodes_.at(n).http;
    deadline = std::chrono::steady_clock::now() + 30s;
    while (relay_count(port) != 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    EXPECT_EQ(relay_count(port), 0) << n << " kept a tail relay after the tail was dropped";
  }
}

} // namespace
} // namespace skald
