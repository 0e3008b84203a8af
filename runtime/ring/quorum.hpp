// runtime/ring/quorum.hpp — quorum bookkeeping of one push fanned out to
// ingesters (Loki's distributor / dskit ring.DoBatch accounting, spec §3.5).
//
// A push is split into streams; each stream has a replication set with
// min_success = |instances| - max_errors and max_failures = max_errors. The
// distributor sends ONE message per ingester carrying all of that ingester's
// streams; when an ingester answers, every stream it carried gets +1 success
// or +1 failure. A stream is done when its successes reach min_success. The
// push succeeds when every stream is done, and fails as soon as ANY stream's
// failures exceed its max_failures (the first failing ingester's error wins).
//
// Owner: the distributor actor, one tracker per in-flight push, kept in the
// state of the fan-out continuation. Pure: no clocks, no CAF. Not thread-safe.
//
// Invariants: once verdict() is succeeded or failed it never changes again;
// record() after a decision is ignored and returns the decided verdict.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace skald::ring {

enum class quorum_verdict : uint8_t { pending, succeeded, failed };

/// Per-stream replication requirement.
struct replication_need {
  uint16_t min_success = 1;
  uint16_t max_failures = 0;
};

/// Tracks a single replication set (the whole push goes to the same
/// instances, e.g. on one node or when every stream maps to the same set).
class quorum_tracker {
public:
  quorum_tracker(int min_success, int max_failures) noexcept
    : min_success_(min_success), max_failures_(max_failures) {}

  /// Records one instance's answer and returns the verdict so far.
  quorum_verdict record(bool ok) noexcept;

  quorum_verdict verdict() const noexcept { return verdict_; }
  int successes() const noexcept { return ok_; }
  int failures() const noexcept { return failed_; }

private:
  int min_success_;
  int max_failures_;
  int ok_ = 0;
  int failed_ = 0;
  quorum_verdict verdict_ = quorum_verdict::pending;
};

/// Tracks many streams with (possibly) different replication sets; one
/// instance answer covers the streams it carried.
class batch_tracker {
public:
  explicit batch_tracker(std::vector<replication_need> needs);

  /// Records an instance's answer for the streams with these indexes.
  quorum_verdict record(const std::vector<uint32_t>& streams, bool ok);

  quorum_verdict verdict() const noexcept { return verdict_; }
  size_t pending_streams() const noexcept { return pending_; }

private:
  struct tally {
    replication_need need;
    uint16_t ok = 0;
    uint16_t failed = 0;
    bool done = false;
  };
  std::vector<tally> streams_;
  size_t pending_;
  quorum_verdict verdict_ = quorum_verdict::pending;
};

} // namespace skald::ring
