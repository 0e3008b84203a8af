// Integration: the query API answers from the store as it answered from
// memory. A real node takes pushes and answers a set of queries from its
// ingester. Then the data reaches the store two ways: (1) the node is
// stopped (WAL on: no flush at shutdown) and the same entries are written to
// its store directory as chunk objects + index with runtime/storage, cut
// differently than the ingester would; (2) POST /flush. A node restarted
// with the WAL off (empty memory) must give the same answers from the store.
// Lines pushed again into memory, identical to stored ones, are deduped.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/model/hash.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/storage/store.hpp"
#include "testutil/http_client.hpp"
#include "testutil/process.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testutil::child_process;
using testutil::http_client;
using testutil::enc;
using testutil::now_ns;

constexpr int64_t sec = 1'000'000'000;

struct stream_data {
  model::label_set labels;
  std::string labels_json;
  std::vector<std::pair<int64_t, std::string>> entries;
};

class store_query_it : public testing::Test {
protected:
  void SetUp() override {
    dir_ = testutil::make_temp_dir("skald-store-it");
    base_ = (now_ns() - 40 * 60 * sec) / sec * sec; // 40 min ago
    // Two streams, 2 lines per second for 10 minutes, some sharing a
    // timestamp with different lines.
    for (int s = 0; s < 2; ++s) {
      stream_data d;
      const std::string app = s == 0 ? "api" : "web";
      // As the distributor stores them: Loki 3.x adds service_name.
      d.labels = {{"app", app}, {"run", "x"}, {"service_name", app}};
      d.labels_json = "{\"app\":\"" + app + "\",\"run\":\"x\"}";
      for (int i = 0; i < 1200; ++i) {
        int64_t ts = base_ + (i / 2) * sec + (i % 2 == 0 ? 0 : (s == 0 ? 0 : 500'000'000));
        d.entries.emplace_back(ts, app + " line " + std::to_string(i) +
                                       (i % 7 == 0 ? " level=error" : " level=info"));
      }
      streams_.push_back(std::move(d));
    }
  }

  void TearDown() override { stop(); }

  /// wal == false: memory starts empty (nothing replayed), and a stop
  /// flushes every chunk to the store.
  void start(bool wal) {
    port_ = testutil::free_port();
    std::vector<std::string> args{
        "-config.file=" + std::string{SKALD_SOURCE_DIR} + "/configs/skald-local.yaml",
        "-server.http-listen-port=" + std::to_string(port_), "-common.path-prefix=" + dir_,
        "-storage-config.filesystem.directory=" + dir_ + "/chunks",
        std::string{"-ingester.wal.enabled="} + (wal ? "true" : "false")};
    proc_ = std::make_unique<child_process>(SKALD_BINARY, args);
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

  void push(const stream_data& d, size_t first, size_t last) {
    std::string body = "{\"streams\":[{\"stream\":" + d.labels_json + ",\"values\":[";
    for (size_t i = first; i < last; ++i) {
      if (i != first)
        body += ",";
      body += "[\"" + std::to_string(d.entries[i].first) + "\",\"" + d.entries[i].second + "\"]";
    }
    body += "]}]}";
    http_client c{port_};
    auto r = c.request("POST", "/loki/api/v1/push", body, {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 204) << r.body;
  }

  /// What the flush workers write: per stream, chunks of `per_chunk`
  /// entries (closed, encoded), then their refs in the index.
  void write_store(size_t per_chunk) {
    storage::posix_fs fs;
    ASSERT_TRUE(fs.create_dirs(dir_ + "/chunks").ok());
    storage::chunk_store chunks{fs, dir_ + "/chunks"};
    storage::index_options o;
    o.root = dir_ + "/chunks";
    storage::index_store index{fs, o};
    for (const auto& d : streams_) {
      std::vector<std::string> bytes;
      std::vector<storage::flush_chunk> batch;
      for (size_t first = 0; first < d.entries.size(); first += per_chunk) {
        chunkenc::mem_chunk c{chunkenc::encoding::snappy};
        for (size_t i = first; i < std::min(d.entries.size(), first + per_chunk); ++i)
          c.append({d.entries[i].first, d.entries[i].second, nullptr});
        ASSERT_TRUE(c.close().ok());
        auto e = c.encode();
        ASSERT_TRUE(e.ok());
        bytes.push_back(std::move(*e));
        storage::flush_chunk f;
        f.min_ts = c.bounds().min_ts;
        f.max_ts = c.bounds().max_ts;
        f.entries = static_cast<uint32_t>(c.entries());
        batch.push_back(f);
      }
      for (size_t i = 0; i < batch.size(); ++i)
        batch[i].bytes = bytes[i];
      auto r = storage::write_chunks(chunks, index, "fake", d.labels, model::fingerprint(d.labels),
                                     batch);
      ASSERT_TRUE(r.ok()) << r.error().to_string();
    }
  }

  std::string get(const std::string& target) {
    http_client c{port_};
    auto r = c.request("GET", target, {}, {});
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.body;
  }

  /// data.result (or data) of a JSON answer, re-serialised: stats differ.
  static std::string result_of(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    EXPECT_FALSE(d.HasParseError()) << body;
    if (d.HasParseError() || !d.HasMember("data"))
      return body;
    const rapidjson::Value& v =
        d["data"].IsObject() && d["data"].HasMember("result") ? d["data"]["result"] : d["data"];
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w{sb};
    v.Accept(w);
    return sb.GetString();
  }

  std::vector<std::string> queries() const {
    const std::string s = std::to_string(base_);
    const std::string e = std::to_string(base_ + 700 * sec);
    auto range = [&](const std::string& q, const std::string& extra) {
      return "/loki/api/v1/query_range?query=" + enc(q) + "&start=" + s + "&end=" + e + extra;
    };
    const std::string at = std::to_string(base_ + 600 * sec);
    return {
        range("{run=\"x\"}", "&limit=5000&direction=forward"),
        range("{run=\"x\"}", "&limit=5000&direction=backward"),
        range("{run=\"x\"}", "&limit=37&direction=forward"),
        range("{run=\"x\"}", "&limit=37&direction=backward"),
        range("{app=\"web\"} |= \"level=error\"", "&limit=100&direction=backward"),
        range("sum by (app) (count_over_time({run=\"x\"}[1m]))", "&step=60"),
        range("rate({app=\"api\"}[30s])", "&step=30"),
        range("sum(bytes_over_time({run=\"x\"}[5m]))", "&step=120"),
        "/loki/api/v1/query?query=" + enc("sum(count_over_time({run=\"x\"}[1h]))") + "&time=" + at,
        "/loki/api/v1/query?query=" + enc("count_over_time({run=\"x\"} |= \"error\" [1h])") +
            "&time=" + at,
        "/loki/api/v1/labels?start=" + s + "&end=" + e,
        "/loki/api/v1/label/app/values?start=" + s + "&end=" + e,
        "/loki/api/v1/series?match[]=" + enc("{run=\"x\"}") + "&start=" + s + "&end=" + e,
    };
  }

  std::string dir_;
  int64_t base_ = 0;
  uint16_t port_ = 0;
  std::vector<stream_data> streams_;
  std::unique_ptr<child_process> proc_;
};

TEST_F(store_query_it, store_answers_equal_memory_answers_and_merge_with_memory_deduped) {
  start(true);
  for (const auto& d : streams_)
    push(d, 0, d.entries.size());
  std::vector<std::string> from_memory;
  for (const auto& q : queries())
    from_memory.push_back(result_of(get(q)));
  stop();

  write_store(500); // 3 chunks per stream
  start(false);
  auto qs = queries();
  for (size_t i = 0; i < qs.size(); ++i)
    EXPECT_EQ(result_of(get(qs[i])), from_memory[i]) << qs[i];

  // index/stats from the index refs: 2 streams, 6 chunks, 2400 entries.
  auto stats = get("/loki/api/v1/index/stats?query=" + enc("{run=\"x\"}") +
                   "&start=" + std::to_string(base_) + "&end=" + std::to_string(base_ + 700 * sec));
  EXPECT_THAT(stats, testing::HasSubstr("\"streams\":2"));
  EXPECT_THAT(stats, testing::HasSubstr("\"chunks\":6"));
  EXPECT_THAT(stats, testing::HasSubstr("\"entries\":2400"));
  EXPECT_THAT(stats, testing::Not(testing::HasSubstr("\"bytes\":0")));

  // Memory gets the last 200 entries of each stream again (identical to
  // stored ones) plus nothing new: every answer stays the same.
  for (const auto& d : streams_)
    push(d, d.entries.size() - 200, d.entries.size());
  for (size_t i = 0; i < qs.size(); ++i)
    EXPECT_EQ(result_of(get(qs[i])), from_memory[i]) << "after re-push: " << qs[i];

  // A new line at a stored timestamp is kept next to the stored one.
  stream_data extra = streams_[0];
  extra.entries = {{streams_[0].entries[10].first, "api brand new line"}};
  push(extra, 0, 1);
  auto body = get("/loki/api/v1/query?query=" + enc("sum(count_over_time({run=\"x\"}[1h]))") +
                  "&time=" + std::to_string(base_ + 600 * sec));
  EXPECT_THAT(body, testing::HasSubstr("\"2401\""));
}

TEST_F(store_query_it, after_flush_and_restart_the_store_gives_the_same_answers) {
  start(true);
  for (const auto& d : streams_)
    push(d, 0, d.entries.size());
  auto qs = queries();
  std::vector<std::string> from_memory;
  for (const auto& q : qs)
    from_memory.push_back(result_of(get(q)));
  {
    http_client c{port_};
    ASSERT_EQ(c.request("POST", "/flush", "").status, 204);
  }
  // Flushed chunks stay in memory for a while: the copies are read once.
  for (size_t i = 0; i < qs.size(); ++i)
    EXPECT_EQ(result_of(get(qs[i])), from_memory[i]) << "after /flush: " << qs[i];
  stop();
  start(false); // no WAL replay: only the store has the lines
  for (size_t i = 0; i < qs.size(); ++i)
    EXPECT_EQ(result_of(get(qs[i])), from_memory[i]) << "from the store: " << qs[i];
  auto stats = get("/loki/api/v1/index/stats?query=" + enc("{run=\"x\"}") +
                   "&start=" + std::to_string(base_) + "&end=" + std::to_string(base_ + 700 * sec));
  EXPECT_THAT(stats, testing::HasSubstr("\"streams\":2"));
  EXPECT_THAT(stats, testing::HasSubstr("\"entries\":2400"));
}

} // namespace
} // namespace skald
