// Actor test of the querier's store-read timeout on CAF's deterministic test
// coordinator: a store whose chunk reads block (a file system that holds
// every chunk read until released) must not hold the query past
// querier.query_timeout. At the deadline (the test advances the actor
// clock) the querier answers 504 with Loki's text at once, and the store
// reader, once its current read returns, stops instead of reading the other
// chunks, so the store-reader thread is free again.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/querier/querier.hpp"
#include "messages/query.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/model/hash.hpp"
#include "runtime/query/worker_pool.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/storage/store.hpp"
#include "testutil/caf_fixture.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;

constexpr int64_t sec = 1'000'000'000;
constexpr int64_t t0 = 1'700'000'000 * sec;

constexpr const char* timeout_text =
    "request timed out, decrease the duration of the request or add more label matchers (prefer "
    "exact match over regex match) to reduce the amount of data processed";

/// A slow object store: every read of a chunk object (paths outside the
/// index) waits until release(); everything else goes to `inner`.
class blocking_fs final : public storage::file_system {
public:
  explicit blocking_fs(storage::file_system& inner) : inner_(inner) {}

  status write_file(const std::string& p, std::string_view d, bool s) override {
    return inner_.write_file(p, d, s);
  }
  status append_file(const std::string& p, std::string_view d, bool s) override {
    return inner_.append_file(p, d, s);
  }
  result<std::string> read_file(const std::string& p) override {
    if (p.find("/index/") == std::string::npos) {
      std::unique_lock<std::mutex> lk{mu_};
      ++chunk_reads_;
      cv_.notify_all();
      cv_.wait(lk, [this] { return released_; });
    }
    return inner_.read_file(p);
  }
  status rename(const std::string& f, const std::string& t) override { return inner_.rename(f, t); }
  status remove(const std::string& p) override { return inner_.remove(p); }
  status create_dirs(const std::string& p) override { return inner_.create_dirs(p); }
  status sync_dir(const std::string& p) override { return inner_.sync_dir(p); }
  result<bool> exists(const std::string& p) override { return inner_.exists(p); }
  result<std::vector<std::string>> list_dir(const std::string& p) override {
    return inner_.list_dir(p);
  }

  /// Waits (real time, bounded) until a chunk read is blocked.
  bool wait_for_read(std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lk{mu_};
    return cv_.wait_for(lk, limit, [this] { return chunk_reads_ > 0; });
  }
  void release() {
    std::lock_guard<std::mutex> g{mu_};
    released_ = true;
    cv_.notify_all();
  }
  int chunk_reads() {
    std::lock_guard<std::mutex> g{mu_};
    return chunk_reads_;
  }

private:
  storage::file_system& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  int chunk_reads_ = 0;
  bool released_ = false;
};

/// What the job's done callback saw.
struct answers {
  std::mutex mu;
  std::vector<std::pair<uint16_t, std::string>> got;
};

class querier_timeout : public testutil::caf_fixture {
protected:
  querier_timeout() {
    EXPECT_TRUE(mem_.create_dirs("/s").ok());
    storage::index_options o;
    o.root = "/s";
    index_ = std::make_shared<storage::index_store>(mem_, o);
    // One series, 5 chunks of 100 entries.
    storage::chunk_store writer{mem_, "/s"};
    model::label_set ls{{"app", "a"}};
    std::vector<std::string> bytes;
    std::vector<storage::flush_chunk> batch;
    for (int c = 0; c < 5; ++c) {
      chunkenc::mem_chunk ch;
      for (int i = 0; i < 100; ++i)
        ch.append({t0 + (c * 100 + i) * sec, "line " + std::to_string(i), nullptr});
      EXPECT_TRUE(ch.close().ok());
      bytes.push_back(*ch.encode());
      batch.push_back(
          {ch.bounds().min_ts, ch.bounds().max_ts, static_cast<uint32_t>(ch.entries()), {}});
    }
    for (size_t i = 0; i < batch.size(); ++i)
      batch[i].bytes = bytes[i];
    auto w = storage::write_chunks(writer, *index_, "t1", ls, model::fingerprint(ls), batch);
    EXPECT_TRUE(w.ok());
    chunks_ = std::make_shared<storage::chunk_store>(slow_, "/s");
    pool_ = std::make_shared<query::worker_pool>(1);
    store_pool_ = std::make_shared<query::worker_pool>(1);
    actors::querier_deps deps;
    deps.pool = pool_;
    deps.store_pool = store_pool_;
    deps.chunks = chunks_;
    deps.index = index_;
    querier_ = keep(actors::spawn_querier(sys(), deps));
  }

  ~querier_timeout() override {
    slow_.release(); // never leave a pool thread blocked
    store_pool_->stop();
    pool_->stop();
  }

  query_job_ptr job(std::shared_ptr<answers> a, std::chrono::nanoseconds timeout) {
    auto req = std::make_shared<select_request>();
    req->tenant = "t1";
    req->groups.push_back(*logql::parse_matchers("{app=\"a\"}"));
    req->from = t0;
    req->through = t0 + 1000 * sec;
    req->snapshot = true;
    auto j = std::make_shared<query_job>();
    j->request = std::move(req);
    j->deadline_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now().time_since_epoch() + timeout)
                         .count();
    j->done = [a](select_reply_ptr r, uint16_t status, std::string err) {
      std::lock_guard<std::mutex> g{a->mu};
      a->got.emplace_back(r ? 200 : status, std::move(err));
    };
    return j;
  }

  /// Blocks (real time, bounded) until the store pool ran everything queued
  /// before this call, i.e. its thread is free.
  bool store_pool_drained() {
    auto p = std::make_shared<std::promise<void>>();
    auto f = p->get_future();
    store_pool_->post([p] { p->set_value(); });
    return f.wait_for(10s) == std::future_status::ready;
  }

  storage::memory_fs mem_;
  blocking_fs slow_{mem_};
  std::shared_ptr<storage::index_store> index_;
  std::shared_ptr<storage::chunk_store> chunks_;
  std::shared_ptr<query::worker_pool> pool_;
  std::shared_ptr<query::worker_pool> store_pool_;
  querier_actor querier_;
};

TEST_F(querier_timeout, a_blocked_store_read_answers_504_at_the_deadline_and_frees_its_thread) {
  auto a = std::make_shared<answers>();
  caf::anon_send(querier_, select_atom_v, job(a, 1s));
  sched().run();
  ASSERT_TRUE(slow_.wait_for_read(10s)) << "the store reader never read a chunk";
  {
    std::lock_guard<std::mutex> g{a->mu};
    EXPECT_TRUE(a->got.empty()) << "answered before the deadline";
  }
  // The deadline passes while the read is still blocked: 504 at once.
  sched().advance_time(2s);
  sched().run();
  {
    std::lock_guard<std::mutex> g{a->mu};
    ASSERT_EQ(a->got.size(), 1u);
    EXPECT_EQ(a->got[0].first, 504);
    EXPECT_EQ(a->got[0].second, timeout_text);
  }
  // The read returns: the reader sees the cancel and reads no other chunk.
  slow_.release();
  ASSERT_TRUE(store_pool_drained()) << "the store-reader thread is still busy";
  EXPECT_EQ(slow_.chunk_reads(), 1) << "the cancelled query went on reading chunks";
  sched().run();
  std::lock_guard<std::mutex> g{a->mu};
  EXPECT_EQ(a->got.size(), 1u) << "answered twice";
}

TEST_F(querier_timeout, a_store_read_within_the_deadline_answers_normally) {
  slow_.release();
  auto a = std::make_shared<answers>();
  caf::anon_send(querier_, select_atom_v, job(a, 60s));
  sched().run();
  ASSERT_TRUE(store_pool_drained());
  EXPECT_EQ(slow_.chunk_reads(), 5);
  // The evaluation task ran on the worker pool.
  auto p = std::make_shared<std::promise<void>>();
  auto f = p->get_future();
  pool_->post([p] { p->set_value(); });
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  {
    std::lock_guard<std::mutex> g{a->mu};
    ASSERT_EQ(a->got.size(), 1u);
    EXPECT_EQ(a->got[0].first, 200);
  }
  // The deadline timer fires later and changes nothing.
  sched().advance_time(61s);
  sched().run();
  std::lock_guard<std::mutex> g{a->mu};
  EXPECT_EQ(a->got.size(), 1u);
}

} // namespace
} // namespace skald
