// Integration: the flush path with real processes. Lines pushed over HTTP end
// up in the chunk store and index on disk (read back here with
// runtime/storage, as the querier's store reader would):
//   - POST /flush answers 204 after the write; a restart with an empty WAL
//     still finds every line in the store, each exactly once;
//   - a store failing half of its file operations (SKALD_TEST_STORE_FAIL_RATE,
//     a test-only hook) still ends with every line stored exactly once;
//   - SIGTERM with the WAL off flushes; with the WAL on it does not;
//   - GET /ingester/shutdown?terminate=false flushes, refuses pushes, and a
//     second call answers 503; flush=false writes nothing; with terminate
//     (default) the process exits;
//   - kill -9 in the middle of a flush never leaves an index ref without its
//     chunk, and a restart (WAL replay) plus /flush stores every line.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/chunkenc/iterator.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/storage/index_store.hpp"
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

constexpr int streams = 4;
constexpr int lines_per_stream = 300;

class flush_it : public testing::Test {
protected:
  void SetUp() override {
    port_ = testutil::free_port();
    data_dir_ = testutil::make_temp_dir("skald-flush");
    base_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count() -
            3600'000'000'000;
  }

  void TearDown() override {
    proc_.reset();
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }

  std::string chunks_dir() const { return data_dir_ + "/chunks"; }

  void start(std::vector<std::string> extra = {}, std::vector<std::string> env = {}) {
    std::vector<std::string> args{
        "-config.file=" + std::string{SKALD_SOURCE_DIR} + "/configs/skald-local.yaml",
        "-server.http-listen-port=" + std::to_string(port_), "-common.path-prefix=" + data_dir_,
        "-storage-config.filesystem.directory=" + chunks_dir(),
        // Tests must not wait for Loki's 10s -> 1m retry delays.
        "-ingester.flush-op-backoff.min-period=10ms", "-ingester.flush-op-backoff.max-period=50ms",
        "-ingester.concurrent-flushes=4"};
    for (auto& a : extra)
      args.push_back(std::move(a));
    proc_ = std::make_unique<child_process>(SKALD_BINARY, args, env);
    auto ready = testutil::wait_for_status_200(port_, "/ready", 20s);
    ASSERT_EQ(ready.status, 200) << proc_->output();
  }

  /// SIGTERM and wait for a clean exit.
  void stop() {
    proc_->signal(SIGTERM);
    auto rc = proc_->wait_for(30s);
    ASSERT_TRUE(rc) << proc_->output();
    EXPECT_EQ(*rc, 0) << proc_->output();
    proc_.reset();
  }

  static std::string labels_of(int s) {
    return "{service_name=\"flush\", n=\"s" + std::to_string(s) + "\"}";
  }

  /// Pushes lines_per_stream lines to each of `n` streams, 50 per push.
  void push_all(int n = streams) {
    http_client c{port_};
    for (int s = 0; s < n; ++s)
      for (int i = 0; i < lines_per_stream; i += 50) {
        test_stream ts{labels_of(s), {}};
        for (int j = i; j < i + 50; ++j)
          ts.entries.push_back(
              {base_ + j * 1'000'000, "s" + std::to_string(s) + " line " + std::to_string(j), {}});
        auto r = c.request("POST", "/loki/api/v1/push", proto_body({ts}),
                           {{"Content-Type", "application/x-protobuf"}});
        ASSERT_EQ(r.status, 204) << r.body;
      }
  }

  /// Lines per stream label n=..., as stored: index lookup, then every chunk
  /// read (checksum verified) and decoded.
  std::map<std::string, std::vector<std::string>> read_store() {
    std::map<std::string, std::vector<std::string>> out;
    storage::posix_fs fs;
    storage::index_options io;
    io.root = chunks_dir();
    io.read_only = true;
    storage::index_store index{fs, io};
    storage::chunk_store chunks{fs, chunks_dir()};
    auto m = storage::make_matcher("service_name", storage::match_type::eq, "flush");
    auto series = index.series("fake", {*m}, base_ - 3600'000'000'000, base_ + 3600'000'000'000);
    EXPECT_TRUE(series.ok()) << series.error().to_string();
    if (!series.ok())
      return out;
    for (const auto& s : *series) {
      std::string n;
      for (const auto& l : s.labels)
        if (l.name == "n")
          n = l.value;
      for (const auto& ref : s.chunks) {
        auto c = chunks.get("fake", s.fingerprint, ref);
        EXPECT_TRUE(c.ok()) << "index names a chunk that cannot be read: " << c.error().to_string();
        if (!c.ok())
          continue;
        auto mc = chunkenc::mem_chunk::decode(c->chunk_bytes);
        EXPECT_TRUE(mc.ok());
        auto it = mc->iterate(INT64_MIN, INT64_MAX);
        while (it.next())
          out[n].emplace_back(it.at().line);
      }
    }
    return out;
  }

  /// Every pushed line is stored exactly once.
  void expect_everything_stored_once() {
    auto got = read_store();
    ASSERT_EQ(got.size(), static_cast<size_t>(streams));
    for (int s = 0; s < streams; ++s) {
      auto lines = got["s" + std::to_string(s)];
      std::sort(lines.begin(), lines.end());
      std::vector<std::string> want;
      for (int j = 0; j < lines_per_stream; ++j)
        want.push_back("s" + std::to_string(s) + " line " + std::to_string(j));
      std::sort(want.begin(), want.end());
      EXPECT_EQ(lines, want) << "stream s" << s;
    }
  }

  double metric(const std::string& needle) {
    http_client c{port_};
    auto text = "\n" + c.get("/metrics").body;
    auto p = text.find("\n" + needle + " ");
    if (p == std::string::npos)
      return -1;
    return std::stod(text.substr(p + needle.size() + 2));
  }

  uint16_t port_ = 0;
  std::string data_dir_;
  int64_t base_ = 0;
  std::unique_ptr<child_process> proc_;
};

TEST_F(flush_it, post_flush_writes_everything_and_a_restart_with_an_empty_wal_finds_it) {
  start();
  push_all();
  http_client c{port_};
  auto r = c.request("POST", "/flush", "");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"forced\"}"), streams);
  EXPECT_EQ(metric("loki_ingester_memory_streams{tenant=\"fake\"}"), 0);
  EXPECT_EQ(metric("loki_ingester_flush_queue_length"), 0);
  EXPECT_EQ(metric("loki_ingester_chunk_entries_count"), streams);
  stop();
  std::filesystem::remove_all(data_dir_ + "/wal");
  start();
  EXPECT_EQ(metric("loki_ingester_memory_streams{tenant=\"fake\"}"), -1); // nothing replayed
  expect_everything_stored_once();
  stop();
  expect_everything_stored_once();
}

TEST_F(flush_it, a_store_failing_half_its_writes_still_stores_every_line_once) {
  start({"-ingester.flush-op-backoff.max-retries=0"}, {"SKALD_TEST_STORE_FAIL_RATE=0.5"});
  push_all();
  http_client c{port_};
  auto r = c.request("POST", "/flush", "");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_GT(metric("loki_ingester_chunks_flush_failures_total"), 0);
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"forced\"}"), streams);
  stop();
  expect_everything_stored_once();
}

TEST_F(flush_it, sigterm_flushes_when_the_wal_is_off) {
  start({"-ingester.wal.enabled=false"});
  push_all();
  stop();
  expect_everything_stored_once();
}

TEST_F(flush_it, sigterm_does_not_flush_when_the_wal_is_on) {
  start();
  push_all();
  const double chunks = metric("loki_ingester_memory_chunks");
  EXPECT_GE(chunks, streams);
  stop();
  EXPECT_TRUE(read_store().empty());
  // The WAL has them: after a restart they are in memory (the gauge counts the
  // replayed chunks), and /flush stores them.
  start();
  EXPECT_EQ(metric("loki_ingester_memory_chunks"), chunks);
  http_client c{port_};
  EXPECT_EQ(c.request("POST", "/flush/tenant?tenant=fake", "").status, 204);
  expect_everything_stored_once();
}

TEST_F(flush_it, ingester_shutdown_flushes_and_refuses_pushes) {
  start();
  push_all();
  http_client c{port_};
  auto r = c.get("/ingester/shutdown?terminate=false");
  EXPECT_EQ(r.status, 204) << r.body;
  expect_everything_stored_once();
  test_stream ts{labels_of(0), {{base_, "late", {}}}};
  auto p = c.request("POST", "/loki/api/v1/push", proto_body({ts}),
                     {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(p.status, 500);
  EXPECT_NE(p.body.find("Ingester is shutting down"), std::string::npos) << p.body;
  auto again = c.request("POST", "/ingester/shutdown", "");
  EXPECT_EQ(again.status, 503);
  EXPECT_EQ(again.body, "Ingester is stopping or already stopped.\n");
  stop();
}

// flush=false (Loki's param; default true): the ingester stops taking pushes
// but writes nothing; the chunks stay in memory (and in the WAL).
TEST_F(flush_it, ingester_shutdown_with_flush_false_stores_nothing) {
  start();
  push_all();
  const double chunks = metric("loki_ingester_memory_chunks");
  http_client c{port_};
  auto r = c.request("POST", "/ingester/shutdown?flush=false&terminate=false", "");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(metric("loki_ingester_chunks_flushed_total{reason=\"forced\"}"), -1);
  EXPECT_EQ(metric("loki_ingester_memory_chunks"), chunks);
  EXPECT_TRUE(read_store().empty());
  test_stream ts{labels_of(0), {{base_, "late", {}}}};
  auto p = c.request("POST", "/loki/api/v1/push", proto_body({ts}),
                     {{"Content-Type", "application/x-protobuf"}});
  EXPECT_EQ(p.status, 500) << p.body;
  stop();
}

TEST_F(flush_it, ingester_shutdown_terminates_the_process_and_deletes_the_tokens_file) {
  auto tokens = data_dir_ + "/tokens";
  {
    std::FILE* f = std::fopen(tokens.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  start({"-ingester.lifecycler.tokens-file-path=" + tokens});
  push_all();
  http_client c{port_};
  auto r = c.request("POST", "/ingester/shutdown?delete_ring_tokens=true", "");
  EXPECT_EQ(r.status, 204) << r.body;
  auto rc = proc_->wait_for(30s);
  ASSERT_TRUE(rc) << "the process did not exit";
  EXPECT_EQ(*rc, 0) << proc_->output();
  EXPECT_FALSE(std::filesystem::exists(tokens));
  proc_.reset();
  expect_everything_stored_once();
}

TEST_F(flush_it, kill_9_mid_flush_never_leaves_an_index_ref_without_its_chunk) {
  constexpr int many = 60;
  start({"-ingester.concurrent-flushes=2"});
  push_all(many);
  std::thread flusher([this] {
    http_client c{port_};
    (void)c.request("POST", "/flush", ""); // cut short by the kill
  });
  // Kill as soon as the first chunks are durable: the rest are in flight.
  for (int i = 0; i < 2000; ++i) {
    auto flushed = metric("loki_ingester_chunks_flushed_total{reason=\"forced\"}");
    if (flushed >= 1)
      break;
    std::this_thread::sleep_for(1ms);
  }
  proc_->signal(SIGKILL);
  proc_->wait_for(5s);
  proc_.reset();
  flusher.join();
  // read_store() fails the test for any ref whose chunk is missing or corrupt.
  auto partial = read_store();
  size_t stored = 0;
  for (auto& [n, lines] : partial)
    stored += lines.size();
  // The WAL still has every line: a restart and a flush store them all.
  start();
  http_client c{port_};
  EXPECT_EQ(c.request("POST", "/flush", "").status, 204);
  auto all = read_store();
  ASSERT_EQ(all.size(), static_cast<size_t>(many));
  for (auto& [n, lines] : all) {
    std::set<std::string> distinct(lines.begin(), lines.end());
    EXPECT_EQ(distinct.size(), static_cast<size_t>(lines_per_stream)) << n;
  }
  std::printf("kill -9 mid-flush: %zu lines were in the store before the restart\n", stored);
  stop();
}

TEST_F(flush_it, flush_tenant_needs_a_valid_tenant) {
  start();
  http_client c{port_};
  auto r = c.request("POST", "/flush/tenant", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "missing tenant parameter\n");
  r = c.request("POST", "/flush/tenant?tenant=a%2Fb", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("unsupported character '/'"), std::string::npos) << r.body;
  stop();
}

} // namespace
} // namespace skald
