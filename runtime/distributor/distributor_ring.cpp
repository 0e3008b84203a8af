// runtime/distributor/distributor_ring.cpp — see distributor_ring.hpp.
#include "runtime/distributor/distributor_ring.hpp"

namespace skald::distributor {

size_t healthy_distributors(const ring::ring_desc& ring, int64_t now_ms,
                            int64_t heartbeat_timeout_ms) {
  return ring.healthy_active_count(now_ms, heartbeat_timeout_ms);
}

} // namespace skald::distributor
