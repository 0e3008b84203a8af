// runtime/ingester/flush_queue.hpp — the pending flush ops of one flush
// worker: a priority queue, oldest data first, deduplicated by op key.
//
// Loki keeps concurrent_flushes queues; a stream's ops go to queue
// fp mod concurrent_flushes (flush_queue_index), keyed "tenant-fp-immediate"
// (flush_op_key) so a stream that is already queued is not queued again,
// with priority = the first timestamp of the op's oldest chunk: the smallest
// first_ts is popped first. Ties pop in push order (FIFO). A failed op that
// is re-queued passes a later first_ts (Loki lowers it by 1s).
//
// Op is whatever the worker needs — typically the tenant, labels,
// fingerprint and immutable snapshots (std::shared_ptr<const mem_chunk>) of
// the chunks; it only has to be movable.
//
// Owner: one flush worker actor holds one flush_queue in its state. Not
// thread-safe.
// Invariants: size() == number of distinct queued keys; pop() returns ops in
// non-decreasing (first_ts, push order).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "runtime/model/entry.hpp"

namespace skald::ingester {

/// Loki re-queues a failed immediate op with its priority lowered by 1s:
/// push it again with first_ts + requeue_penalty.
inline constexpr model::timestamp_ns requeue_penalty = 1'000'000'000;

/// Loki's op key: "<tenant>-<fp decimal>-<immediate 'true'|'false'>".
std::string flush_op_key(std::string_view tenant, uint64_t fingerprint, bool immediate);

/// The queue (worker) of a stream: fp mod n. REQUIRES: n > 0.
inline size_t flush_queue_index(uint64_t fingerprint, size_t n) noexcept {
  return static_cast<size_t>(fingerprint % n);
}

template <class Op>
class flush_queue {
public:
  /// Queues op with priority first_ts unless an op with `key` is queued
  /// already; returns false (and drops op) then.
  bool push(std::string key, model::timestamp_ns first_ts, Op op) {
    if (!keys_.insert(key).second)
      return false;
    heap_.push_back(item{first_ts, seq_++, std::move(key), std::move(op)});
    std::push_heap(heap_.begin(), heap_.end(), later{});
    return true;
  }

  /// The op with the oldest first_ts (FIFO among equals), or nullopt.
  std::optional<Op> pop() {
    if (heap_.empty())
      return std::nullopt;
    std::pop_heap(heap_.begin(), heap_.end(), later{});
    item it = std::move(heap_.back());
    heap_.pop_back();
    keys_.erase(it.key);
    return std::optional<Op>{std::move(it.op)};
  }

  /// The first_ts of the op pop() would return. REQUIRES: !empty().
  model::timestamp_ns top_first_ts() const noexcept { return heap_.front().first_ts; }

  bool contains(const std::string& key) const { return keys_.count(key) != 0; }
  size_t size() const noexcept { return heap_.size(); }
  bool empty() const noexcept { return heap_.empty(); }

  /// Removes and returns every op in pop order (shutdown).
  std::vector<Op> drain() {
    std::vector<Op> out;
    out.reserve(heap_.size());
    while (auto op = pop())
      out.push_back(std::move(*op));
    return out;
  }

private:
  struct item {
    model::timestamp_ns first_ts;
    uint64_t seq;
    std::string key;
    Op op;
  };
  // std heap is a max-heap: "less" means "pops later".
  struct later {
    bool operator()(const item& a, const item& b) const noexcept {
      return a.first_ts != b.first_ts ? a.first_ts > b.first_ts : a.seq > b.seq;
    }
  };

  std::vector<item> heap_;
  std::unordered_set<std::string> keys_;
  uint64_t seq_ = 0;
};

} // namespace skald::ingester
