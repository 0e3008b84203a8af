// runtime/query/worker_pool.cpp — see worker_pool.hpp.
#include "runtime/query/worker_pool.hpp"

#include <algorithm>

namespace skald::query {

worker_pool::worker_pool(size_t threads) {
  threads = std::max<size_t>(threads, 1);
  for (size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this] { run(); });
}

worker_pool::~worker_pool() {
  stop();
}

bool worker_pool::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> g{mtx_};
    if (stopping_)
      return false;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void worker_pool::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> g{mtx_};
    if (stopping_ && threads_.empty())
      return;
    stopping_ = true;
    dropped.swap(tasks_);
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
  threads_.clear();
  dropped.clear(); // outside the lock: destructors may send responses
}

size_t worker_pool::queued() const {
  std::lock_guard<std::mutex> g{mtx_};
  return tasks_.size();
}

void worker_pool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lk{mtx_};
      cv_.wait(lk, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_)
        return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

} // namespace skald::query
