// runtime/ring/read.hpp — the replication set of a read that must ask every
// ingester (dskit Ring.GetReplicationSetForOperation) and the accounting of
// its answers (dskit replication_set_tracker.go, used by DoUntilQuorum):
// what Loki's querier does for every ingester fan-out (read-path spec §3.2).
//
//   read_replication_set: every instance healthy for `op` (Read: ACTIVE,
//     PENDING, LEAVING with a heartbeat within the timeout).
//     Without zone awareness: required = max(#instances, RF) - RF/2; fewer
//     healthy than required -> "too many unhealthy instances in the ring";
//     max_errors = healthy - required.
//     With zone awareness: max_unavailable_zones = min(#zones, RF)/2; more
//     zones holding an unhealthy instance -> the same error; instances of a
//     zone with an unhealthy one are left out (the zone's data is on the
//     other zones) and max_unavailable_zones shrinks by those zones.
//   read_tracker: default mode succeeds after |instances| - max_errors
//     successes and fails at max_errors + 1 failures; zone mode (when
//     max_unavailable_zones > 0) succeeds once every instance of
//     #zones - max_unavailable_zones zones succeeded and fails when more than
//     max_unavailable_zones zones saw a failure.
//
// Why answering before everyone answered is correct: a write is acknowledged
// by a quorum (RF/2+1 of its RF replicas, or RF/2+1 zones), so any set of
// readers of the sizes above intersects every acknowledged write's replicas.
//
// Owner: the querier actor (actors/querier) builds one set and one tracker
// per ingester fan-out; the ring view (lookup.hpp) exposes the set as
// ring_view::get_all_healthy. Pure: callers pass `now`; no CAF, no clocks.
// Invariants: once a tracker's verdict is succeeded or failed it never
// changes; a successful set holds distinct instances, 0 <= max_errors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/ring/lookup.hpp"

namespace skald::ring {

/// dskit ErrTooManyUnhealthyInstances.
inline constexpr const char* too_many_unhealthy_text = "too many unhealthy instances in the ring";

/// The read replication set over a resolved, tombstone-free ring (as a
/// ring_view holds it). Errors (errc::too_few_replicas): "empty ring" when
/// the ring has no token, too_many_unhealthy_text.
result<replication_set> read_replication_set(const ring_desc& ring, const ring_options& opts,
                                             operation op, int64_t now_ms);

/// Tallies the answers of one fan-out over a replication set.
class read_tracker {
public:
  explicit read_tracker(const replication_set& rs);

  /// Records the answer of rs.instances[index]; returns the verdict so far.
  quorum_verdict record(size_t index, bool ok);

  quorum_verdict verdict() const noexcept { return verdict_; }
  bool zone_aware() const noexcept { return zone_aware_; }
  int successes() const noexcept { return ok_; }
  int failures() const noexcept { return failed_; }

private:
  quorum_verdict decide() const;

  bool zone_aware_ = false;
  int max_errors_ = 0;
  int min_success_ = 0;
  int max_unavailable_zones_ = 0;
  int min_successful_zones_ = 0;
  std::vector<std::string> zone_of_;
  std::vector<bool> answered_;
  std::map<std::string, int> waiting_by_zone_;
  std::map<std::string, int> failures_by_zone_;
  int ok_ = 0;
  int failed_ = 0;
  quorum_verdict verdict_ = quorum_verdict::pending;
};

} // namespace skald::ring
