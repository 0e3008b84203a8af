// Unit tests of runtime/wal/replay_pool: per-worker FIFO order, parallel
// workers, drain() as a barrier, exceptions kept for drain(), back-pressure,
// and the inline (0 workers) mode.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "runtime/wal/replay_pool.hpp"

namespace skald::wal {
namespace {

TEST(replay_pool, tasks_of_one_worker_run_in_post_order_on_one_thread) {
  replay_pool pool{3};
  ASSERT_EQ(pool.workers(), 3u);
  // Written by worker w only; read after drain().
  std::vector<std::vector<int>> seen(3);
  std::vector<std::vector<std::thread::id>> threads(3);
  for (int i = 0; i < 3000; ++i) {
    size_t w = static_cast<size_t>(i) % 3;
    pool.post(w, [&seen, &threads, w, i] {
      seen[w].push_back(i);
      threads[w].push_back(std::this_thread::get_id());
    });
  }
  pool.drain();
  for (size_t w = 0; w < 3; ++w) {
    ASSERT_EQ(seen[w].size(), 1000u);
    for (size_t k = 0; k < seen[w].size(); ++k)
      EXPECT_EQ(seen[w][k], static_cast<int>(k * 3 + w));
    for (auto id : threads[w])
      EXPECT_EQ(id, threads[w][0]); // one thread per worker
    EXPECT_NE(threads[w][0], std::this_thread::get_id());
  }
  EXPECT_NE(threads[0][0], threads[1][0]);
  EXPECT_NE(threads[1][0], threads[2][0]);
}

TEST(replay_pool, workers_run_in_parallel) {
  replay_pool pool{2};
  // Worker 0 waits for worker 1: would never finish if they ran one after
  // the other.
  std::promise<void> p;
  auto f = p.get_future().share();
  std::atomic<bool> done{false};
  pool.post(0, [f, &done] {
    f.wait();
    done = true;
  });
  pool.post(1, [&p] { p.set_value(); });
  pool.drain();
  EXPECT_TRUE(done.load());
}

TEST(replay_pool, drain_waits_for_running_tasks_and_can_be_repeated) {
  replay_pool pool{2};
  int a = 0;
  int b = 0;
  // Task 0 is running (its queue is empty) and blocked until task 1 on the
  // other worker opens the gate: drain must wait for both, not only queues.
  std::promise<void> started;
  std::promise<void> gate;
  auto open = gate.get_future();
  pool.post(0, [&a, &started, &open] {
    started.set_value();
    open.wait();
    a = 1;
  });
  started.get_future().wait();
  pool.post(1, [&b, &gate] {
    b = 2;
    gate.set_value();
  });
  pool.drain();
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
  pool.post(0, [&a] { a = 3; });
  pool.drain();
  EXPECT_EQ(a, 3);
  pool.drain(); // nothing queued
}

TEST(replay_pool, the_first_exception_is_rethrown_by_drain_and_later_tasks_still_run) {
  replay_pool pool{2};
  int after = 0;
  pool.post(0, [] { throw std::runtime_error{"first"}; });
  pool.post(0, [] { throw std::runtime_error{"second"}; });
  pool.post(0, [&after] { after = 1; });
  try {
    pool.drain();
    FAIL() << "drain() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "first");
  }
  EXPECT_EQ(after, 1);
  pool.drain(); // the error was reported once
}

TEST(replay_pool, post_waits_while_the_workers_queue_is_full) {
  replay_pool pool{1, /*max_queued=*/2};
  std::promise<void> started;
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> ran{0};
  pool.post(0, [&started, gate, &ran] {
    started.set_value();
    gate.wait();
    ++ran;
  });
  started.get_future().wait(); // the worker runs it: its queue is empty
  auto count = [&ran] { ++ran; };
  pool.post(0, count);
  pool.post(0, count); // the queue is full now
  auto blocked = std::async(std::launch::async, [&pool, count] { pool.post(0, count); });
  EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  release.set_value();
  blocked.get();
  pool.drain();
  EXPECT_EQ(ran.load(), 4);
}

TEST(replay_pool, zero_workers_run_each_task_on_the_caller_at_once) {
  replay_pool pool{0};
  EXPECT_EQ(pool.workers(), 1u);
  std::thread::id where;
  int n = 0;
  pool.post(0, [&] {
    where = std::this_thread::get_id();
    ++n;
  });
  EXPECT_EQ(n, 1); // before drain()
  EXPECT_EQ(where, std::this_thread::get_id());
  pool.post(0, [] { throw std::runtime_error{"inline"}; });
  EXPECT_THROW(pool.drain(), std::runtime_error);
}

TEST(replay_pool, the_destructor_runs_what_is_queued) {
  std::atomic<int> ran{0};
  {
    replay_pool pool{2};
    for (int i = 0; i < 50; ++i)
      pool.post(static_cast<size_t>(i) % 2, [&ran] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 50);
}

} // namespace
} // namespace skald::wal
