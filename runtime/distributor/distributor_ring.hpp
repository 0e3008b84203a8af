// runtime/distributor/distributor_ring.hpp — what the distributor ring
// feeds into the `global` ingestion rate strategy (write-path spec §3.4).
//
// Every node that runs the distributor role registers one instance in the
// distributor ring (ring key "collectors/distributor", dskit's
// BasicLifecycler: ACTIVE at once, 1 token, heartbeat every
// distributor.ring.heartbeat_period, LEFT on shutdown). With
// `ingestion_rate_strategy: global` each distributor enforces
//   ingestion_rate_mb / N   (burst NOT divided; N = 0 -> the full rate)
// where N = healthy_distributors(): the instances that are ACTIVE and whose
// heartbeat is within distributor.ring.heartbeat_timeout (LEFT, JOINING,
// PENDING, LEAVING and stale ones do not count — Loki's
// healthyInstanceDelegate, TestInstanceCountDelegateCounting).
//
// Owner: the distributor module. A ring follower actor recomputes N on every
// snapshot of the distributor ring (every own heartbeat and every gossiped
// change) and stores it in a distributor_count; the distributor actors read
// it on every push (one relaxed atomic load) and pass it to
// validation::rate_limit_for, whose result the tenant's token bucket picks
// up at its next 10 s recheck.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "runtime/ring/model.hpp"

namespace skald::distributor {

/// Instances of the distributor ring counted for the global strategy.
size_t healthy_distributors(const ring::ring_desc& ring, int64_t now_ms,
                            int64_t heartbeat_timeout_ms);

/// The current N, shared by the distributor pool of one node. 0 until the
/// first ring snapshot (the full rate applies then, as in Loki).
class distributor_count {
public:
  void set(size_t n) noexcept { n_.store(n, std::memory_order_relaxed); }
  size_t get() const noexcept { return n_.load(std::memory_order_relaxed); }

private:
  std::atomic<size_t> n_{0};
};

} // namespace skald::distributor
