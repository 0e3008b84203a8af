// Integration: the WAL's promise with real processes — a 204 means the line
// survives kill -9. Writers push numbered lines over HTTP from several
// threads (each its own connection and stream); the node is kill -9'd at
// random moments and restarted on the same data dir each time; at the end
// every stream is read back through the ingester's internal dump route
// (GET /skald/internal/ingester/stream): every line that got a 204 is present
// exactly once, and the stream's lines are in order (no line twice at all).
// The node checkpoints every 150 ms, so kills also hit checkpoints and
// segment removal, and restarts replay checkpoint + segments.
// SKALD_WAL_CRASH_ARGS (env) adds skald flags, e.g. "-ingester.wal.fsync=batch"
// (or "-ingester.wal.enabled=false" to see the test fail).
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "testutil/http_client.hpp"
#include "testutil/process.hpp"
#include "testutil/push_bodies.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using push::testing::proto_body;
using push::testing::test_stream;
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

class wal_crash_it : public testing::Test {
protected:
  void SetUp() override {
    port_ = testutil::free_port();
    data_dir_ = testutil::make_temp_dir("skald-wal-crash");
  }

  void start() {
    std::vector<std::string> args{
      "-config.file=" + std::string{SKALD_SOURCE_DIR} + "/configs/skald-local.yaml",
      "-server.http-listen-port=" + std::to_string(port_), "-common.path-prefix=" + data_dir_,
      // Checkpoints (and segment removal) interleave with the kills.
      "-ingester.wal.checkpoint-duration=150ms"};
    if (const char* extra = std::getenv("SKALD_WAL_CRASH_ARGS"); extra != nullptr) {
      std::istringstream in{extra};
      for (std::string a; in >> a;)
        args.push_back(a);
    }
    proc_ = std::make_unique<child_process>(SKALD_BINARY, args);
    auto ready = testutil::wait_for_status_200(port_, "/ready", 20s);
    ASSERT_EQ(ready.status, 200) << proc_->output();
  }

  void TearDown() override {
    proc_.reset();
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }

  void kill9() {
    proc_->signal(SIGKILL);
    proc_->wait_for(5s);
    proc_.reset();
  }

  uint16_t port_ = 0;
  std::string data_dir_;
  std::unique_ptr<child_process> proc_;
};

TEST_F(wal_crash_it, every_acked_line_survives_kill_9_exactly_once) {
  constexpr int writers = 3;
  constexpr int kills = 20;
  constexpr int lines_per_push = 4;
  start();
  const int64_t base = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();

  std::atomic<bool> stop{false};
  std::vector<std::set<int>> acked(writers);
  std::vector<int> sent(writers, 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      int next = 0;
      auto labels = "{service_name=\"crash\", writer=\"w" + std::to_string(w) + "\"}";
      std::unique_ptr<http_client> c;
      while (!stop.load()) {
        if (!c)
          c = std::make_unique<http_client>(port_);
        test_stream s{labels, {}};
        std::vector<int> nums;
        for (int i = 0; i < lines_per_push; ++i, ++next) {
          s.entries.push_back({base + next * 1000, "w" + std::to_string(w) + " " + std::to_string(next), {}});
          nums.push_back(next);
        }
        auto r = c->request("POST", "/loki/api/v1/push", proto_body({s}),
                            {{"Content-Type", "application/x-protobuf"}});
        if (r.status == 204) {
          acked[w].insert(nums.begin(), nums.end());
        } else {
          c.reset(); // reconnect (the node may be down)
          std::this_thread::sleep_for(5ms);
        }
      }
      sent[w] = next;
    });
  }

  std::mt19937 rng{12345};
  std::uniform_int_distribution<int> pause_ms{50, 350};
  for (int k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds{pause_ms(rng)});
    kill9();
    start();
    if (HasFatalFailure())
      break;
  }
  std::this_thread::sleep_for(200ms);
  stop = true;
  for (auto& t : threads)
    t.join();
  ASSERT_FALSE(HasFatalFailure());

  http_client c{port_};
  for (int w = 0; w < writers; ++w) {
    auto labels = "{service_name=\"crash\", writer=\"w" + std::to_string(w) + "\"}";
    auto r = c.get("/skald/internal/ingester/stream?tenant=fake&labels=" + url_encode(labels));
    ASSERT_EQ(r.status, 200) << r.body;
    std::istringstream in{r.body};
    std::string ts, tag;
    int n = 0;
    int prev = -1;
    std::set<int> present;
    size_t count = 0;
    while (in >> ts >> tag >> n) {
      ++count;
      EXPECT_GT(n, prev) << "writer " << w << ": line " << n << " out of order or repeated";
      prev = n;
      present.insert(n);
    }
    EXPECT_EQ(present.size(), count) << "duplicates in writer " << w;
    size_t missing = 0;
    for (int a : acked[w])
      if (present.count(a) == 0)
        ++missing;
    EXPECT_EQ(missing, 0u) << "writer " << w << ": " << missing << " of " << acked[w].size()
                           << " acked lines lost (" << sent[w] << " sent)";
    EXPECT_GT(acked[w].size(), 0u);
    std::printf("writer %d: %zu lines acked, %d sent, %zu present after %d kills\n", w,
                acked[w].size(), sent[w], count, kills);
  }
}

TEST_F(wal_crash_it, sigterm_is_bounded_and_keeps_lines_in_the_wal) {
  start();
  const int64_t base = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const std::string labels = "{service_name=\"term\"}";
  test_stream s{labels, {}};
  for (int i = 0; i < 100; ++i)
    s.entries.push_back({base + i, "line " + std::to_string(i), {}});
  {
    http_client c{port_};
    auto r = c.request("POST", "/loki/api/v1/push", proto_body({s}),
                       {{"Content-Type", "application/x-protobuf"}});
    ASSERT_EQ(r.status, 204) << r.body;
  }
  auto t0 = std::chrono::steady_clock::now();
  proc_->signal(SIGTERM);
  auto rc = proc_->wait_for(10s);
  ASSERT_TRUE(rc.has_value()) << "no exit within 10s after SIGTERM";
  EXPECT_EQ(*rc, 0) << proc_->output();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  proc_.reset();
  start();
  http_client c{port_};
  auto r = c.get("/skald/internal/ingester/stream?tenant=fake&labels=" + url_encode(labels));
  ASSERT_EQ(r.status, 200);
  std::istringstream in{r.body};
  std::string ts, word;
  int n = 0, expect = 0;
  while (in >> ts >> word >> n)
    EXPECT_EQ(n, expect++);
  EXPECT_EQ(expect, 100);
  auto m = c.get("/metrics").body;
  EXPECT_NE(m.find("loki_ingester_wal_recovered_entries_total 100"), std::string::npos);
}

TEST_F(wal_crash_it, internal_stream_route_rejects_garbage_with_400) {
  start();
  http_client c{port_};
  EXPECT_EQ(c.get("/skald/internal/ingester/stream?tenant=fake").status, 400);
  auto bad_labels = c.get("/skald/internal/ingester/stream?tenant=fake&labels=%7Bbad");
  EXPECT_EQ(bad_labels.status, 400);
  EXPECT_FALSE(bad_labels.body.empty());
  EXPECT_EQ(c.get("/skald/internal/ingester/stream?tenant=a%7Cb&labels=%7Bapp%3D%22x%22%7D").status,
            400);
  auto unknown = c.get("/skald/internal/ingester/stream?tenant=fake&labels=%7Bapp%3D%22x%22%7D");
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(unknown.body, "");
}

} // namespace
} // namespace skald
