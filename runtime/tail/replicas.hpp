// runtime/tail/replicas.hpp — what a tailer over the cluster decides (Loki's
// querier tails every ingester, pkg/querier/tail.go, and its tailer merges
// their streams so a replicated entry goes out once): which ring instances
// to subscribe to, and which arriving entries are replicas of ones already
// taken.
//
// Owner: one tailer actor (actors/querier/tail.cpp) owns its replica_filter;
// tail_targets is a pure function over a ring snapshot.
// Invariants: (1) replica_filter::first() is true exactly once per key
// (stream fingerprint, timestamp, line hash) while the key is remembered;
// (2) it remembers at most max_keys keys, and none longer than window_ns
// after it was first seen (oldest forgotten first), so memory is bounded
// whatever the tail rate; a replica arriving after its key was forgotten is
// sent again (the window is far above the replicas' spread, which is the
// distributor's fan-out delay to the RF ingesters of one push).
// Not thread-safe. CAF-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "runtime/ring/lookup.hpp"

namespace skald::tail {

/// The ring instances a tail subscribes to: ACTIVE with a heartbeat within
/// the ring's heartbeat timeout (those that receive writes, dskit's Write
/// operation), sorted by id.
std::vector<std::string> tail_targets(const ring::ring_desc& ring, const ring::ring_options& opts,
                                      int64_t now_ms);

/// Drops the replicas of entries already taken (RF ingesters deliver the
/// same entry up to RF times, interleaved).
class replica_filter {
public:
  struct options {
    /// How long a key is remembered after it was first seen.
    int64_t window_ns = 10'000'000'000;
    /// Keys remembered at most (about 80 bytes each).
    size_t max_keys = 100'000;
  };

  replica_filter() : replica_filter(options{}) {}
  explicit replica_filter(options o) : opts_(o) {}

  /// True the first time this entry is seen; false for a replica.
  /// `stream`: the stream's fingerprint; `now_ns`: arrival time, never
  /// decreasing between calls.
  bool first(uint64_t stream, int64_t ts, std::string_view line, int64_t now_ns);

  size_t size() const noexcept { return seen_.size(); }

private:
  struct key {
    uint64_t stream;
    int64_t ts;
    uint64_t line;
    friend bool operator==(const key& a, const key& b) noexcept {
      return a.stream == b.stream && a.ts == b.ts && a.line == b.line;
    }
  };
  struct key_hash {
    size_t operator()(const key& k) const noexcept;
  };
  struct arrival {
    key k;
    int64_t at;
  };

  void expire(int64_t now_ns);

  options opts_;
  std::unordered_set<key, key_hash> seen_;
  std::deque<arrival> order_;
};

} // namespace skald::tail
