// runtime/wal/replay_pool.cpp — see replay_pool.hpp.
#include "runtime/wal/replay_pool.hpp"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <utility>

namespace skald::wal {

replay_pool::replay_pool(size_t workers, size_t max_queued)
    : max_queued_(std::max<size_t>(1, max_queued)) {
  queues_.reserve(workers);
  for (size_t i = 0; i < workers; ++i)
    queues_.push_back(std::make_unique<queue>());
  threads_.reserve(workers);
  for (size_t i = 0; i < workers; ++i)
    threads_.emplace_back([this, i] { run(i); });
}

replay_pool::~replay_pool() {
  {
    std::lock_guard<std::mutex> g{mu_};
    stopping_ = true;
    for (auto& q : queues_)
      q->wake.notify_one();
  }
  for (auto& t : threads_)
    t.join();
}

size_t replay_pool::default_workers() noexcept {
  auto n = static_cast<size_t>(std::thread::hardware_concurrency());
  return std::clamp<size_t>(n, 1, 8);
}

std::vector<uint64_t> replay_pool::worker_cpu_ns() const {
  std::vector<uint64_t> out;
  out.reserve(threads_.size());
  for (const auto& t : threads_) {
    clockid_t id{};
    timespec ts{};
    // const_cast: native_handle() is not const; the handle is only read.
    if (pthread_getcpuclockid(const_cast<std::thread&>(t).native_handle(), &id) != 0 ||
        clock_gettime(id, &ts) != 0) {
      out.push_back(0);
      continue;
    }
    out.push_back(static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u +
                  static_cast<uint64_t>(ts.tv_nsec));
  }
  return out;
}

void replay_pool::post(size_t w, task fn) {
  if (threads_.empty()) {
    try {
      fn();
    } catch (...) {
      if (!error_)
        error_ = std::current_exception();
    }
    return;
  }
  auto& q = *queues_[w % queues_.size()];
  std::unique_lock<std::mutex> g{mu_};
  progress_.wait(g, [&] { return q.tasks.size() < max_queued_; });
  q.tasks.push_back(std::move(fn));
  q.wake.notify_one();
}

void replay_pool::drain() {
  if (!threads_.empty()) {
    std::unique_lock<std::mutex> g{mu_};
    progress_.wait(g, [&] {
      return std::all_of(queues_.begin(), queues_.end(),
                         [](const auto& q) { return q->tasks.empty() && !q->busy; });
    });
  }
  if (error_) {
    auto e = std::exchange(error_, nullptr);
    std::rethrow_exception(e);
  }
}

void replay_pool::run(size_t w) {
  auto& q = *queues_[w];
  std::unique_lock<std::mutex> g{mu_};
  for (;;) {
    q.wake.wait(g, [&] { return stopping_ || !q.tasks.empty(); });
    if (q.tasks.empty())
      return; // stopping, nothing left
    task fn = std::move(q.tasks.front());
    q.tasks.pop_front();
    q.busy = true;
    progress_.notify_all(); // a slot is free
    g.unlock();
    std::exception_ptr err;
    try {
      fn();
    } catch (...) {
      err = std::current_exception();
    }
    fn = nullptr; // release what the task held before going idle
    g.lock();
    if (err && !error_)
      error_ = err;
    q.busy = false;
    progress_.notify_all();
  }
}

} // namespace skald::wal
