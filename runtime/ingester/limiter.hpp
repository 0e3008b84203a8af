// runtime/ingester/limiter.hpp — the ingester's limit math: the per-tenant
// stream-count limit (Loki pkg/ingester/limiter.go) and its 429 text. (The
// per-stream rate limit's token bucket is runtime/validation's token_bucket.)
//
// Owner: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skald::ingester {

/// Loki's stream-count limit inputs for one tenant on one ingester.
struct stream_limit_inputs {
  int max_streams_per_user = 0;        // local limit, 0 = off
  int max_global_streams_per_user = 0; // cluster-wide, 0 = off
  int healthy_ingesters = 1;           // in the ring (this node counts)
  int replication_factor = 1;
};

/// minNonZero(local, global / healthy * RF); 0 (nothing set) -> INT32_MAX.
int64_t max_streams_allowed(const stream_limit_inputs& in) noexcept;

/// Loki 3.x 429 text for a refused new stream.
std::string stream_limit_error(std::string_view canonical_labels, std::string_view tenant);

} // namespace skald::ingester
