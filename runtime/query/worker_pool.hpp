// runtime/query/worker_pool.hpp — a fixed set of threads that evaluate
// queries, so LogQL evaluation (which can take seconds) never runs on a CAF
// scheduler thread and never blocks an HTTP I/O thread.
//
// Why not spawn<detached> actors: one thread per query, and a race on
// detached actors can block shutdown (caf-0.17.md, CAF #1196). A task is a
// plain function; it owns what it needs (the collected data, the responder).
//
// Owner: the querier module (size = querier.max_concurrent). stop() (and the
// destructor) drains nothing: queued tasks are destroyed unrun, which makes
// their responders answer 500, and running tasks finish first (join).
// Thread-safety: post() and stop() from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace skald::query {

class worker_pool {
public:
  explicit worker_pool(size_t threads);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Queues `task`; false (task destroyed) after stop().
  bool post(std::function<void()> task);
  void stop();
  /// Tasks queued and not started yet.
  size_t queued() const;

private:
  void run();

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace skald::query
