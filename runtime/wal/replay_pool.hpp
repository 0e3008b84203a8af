// runtime/wal/replay_pool.hpp — the worker threads that rebuild streams
// while the WAL is replayed: one FIFO of tasks per worker, so tasks posted to
// the same worker run one at a time in the order they were posted, and tasks
// of different workers run in parallel.
//
//   replay_pool pool{2};                      // 2 threads (0: run inline)
//   pool.post(stream_slot % pool.workers(), [&] { ... apply a batch ... });
//   pool.drain();                             // every task posted so far ran
//
// Replay partitions the streams over the workers (a stream always goes to
// the same worker), so a stream's entries are applied in log order without
// a lock per entry, while the replaying thread goes on reading and decoding
// the next records (runtime/ingester/wal_recovery.cpp). On the 2-core VM,
// rebuilding chunks (snappy-compressing every cut block) is most of a
// replay's CPU (docs/benchmarks.md, walreplay).
//
// Owner: the thread that replays (the ingester module's start(), before the
// node is ready: not a CAF scheduler thread). post() and drain() are called
// from that one thread only; tasks run on the workers.
// Invariants:
//   (1) tasks posted to worker w run in post order, one at a time, on w's
//       thread (inline on the caller with 0 workers).
//   (2) after drain() returns, every task posted before it has finished and
//       its effects are visible to the caller (mutex hand-over).
//   (3) a worker holds at most max_queued tasks; post() waits for room
//       (back-pressure keeps the file buffers the tasks refer to bounded).
//   (4) an exception thrown by a task is kept (the first one) and rethrown
//       by the next drain(); later tasks of that worker still run.
//   (5) the destructor runs what is queued and joins the threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace skald::wal {

class replay_pool {
public:
  using task = std::function<void()>;

  /// `workers` threads (0: post() runs each task at once on the caller).
  explicit replay_pool(size_t workers, size_t max_queued = 64);
  ~replay_pool();

  replay_pool(const replay_pool&) = delete;
  replay_pool& operator=(const replay_pool&) = delete;

  /// Number of worker threads; at least 1 for partitioning (0 threads
  /// still partition as one).
  size_t workers() const noexcept { return threads_.empty() ? 1 : threads_.size(); }

  /// Queues fn on worker w (w < workers()). Blocks while w's queue is full.
  void post(size_t w, task fn);

  /// Waits until every posted task finished; rethrows the first exception a
  /// task threw since the last drain().
  void drain();

  /// The number of workers replay uses on this machine: one per core (at
  /// most 8).
  static size_t default_workers() noexcept;

  /// CPU time each worker thread used so far (ns; empty with 0 workers).
  std::vector<uint64_t> worker_cpu_ns() const;

private:
  struct queue {
    std::deque<task> tasks;
    /// A task taken from `tasks` is running.
    bool busy = false;
    std::condition_variable wake;
  };

  void run(size_t w);

  std::mutex mu_;
  /// Signalled when a worker goes idle or frees a queue slot.
  std::condition_variable progress_;
  std::vector<std::unique_ptr<queue>> queues_;
  std::vector<std::thread> threads_;
  size_t max_queued_;
  bool stopping_ = false;
  std::exception_ptr error_;
};

} // namespace skald::wal
