// runtime/tail/pacer.hpp — when a busy live tail hands its due entries to
// its client: at once when the tail was quiet, otherwise at most once per
// send_interval unless a few full responses are due. Each hand-over is one
// burst of frames that the connection corks into full segments, so a tail
// that gets thousands of entries a second sends a few large bursts instead
// of a small frame after every stream batch (on loopback every frame was
// a packet, a receive in the sender's context and a reader wake-up).
//
// Owner: the tail group actor (one per query, actors/querier/tail_group.cpp)
// and the cluster tailer keep one each and ask it at every flush.
// Invariants: (1) the first entries after a quiet spell (nothing sent for
// send_interval) go at once: an occasional line arrives as fast as before;
// (2) an entry is held at most send_interval after it came due (the caller
// schedules a tick for hold_ns); (3) a flush never holds send_batch_entries
// or more due entries, so a burst stays within max_buffered_responses / 2
// frames of 100 entries.
// Thread safety: none (one actor). CAF-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "runtime/tail/tail.hpp"

namespace skald::tail {

/// The longest a due entry waits for others to share its burst (the spec's
/// promise is delivery within 1 s).
inline constexpr int64_t send_interval_ns = 50'000'000;
/// Due entries that go at once (four full responses).
inline constexpr size_t send_batch_entries = 4 * max_entries_per_response;

class send_pacer {
public:
  /// 0: hand over what is due now; else how long to hold it (ask again
  /// then). `now_ns` is a monotonic clock; `due` the entries due now
  /// (capped at send_batch_entries is enough).
  int64_t hold_ns(int64_t now_ns, size_t due) const {
    if (due == 0 || due >= send_batch_entries || last_ns_ == never)
      return 0;
    const auto next = last_ns_ + send_interval_ns;
    return next > now_ns ? next - now_ns : 0;
  }

  /// Frames were handed over at `now_ns`.
  void sent(int64_t now_ns) { last_ns_ = now_ns; }

private:
  static constexpr int64_t never = std::numeric_limits<int64_t>::min();
  int64_t last_ns_ = never;
};

} // namespace skald::tail
