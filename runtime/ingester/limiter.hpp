// runtime/ingester/limiter.hpp — the ingester's limit math: the per-tenant
// stream-count limit (Loki pkg/ingester/limiter.go) and the token bucket of the
// per-stream rate limit (Go golang.org/x/time/rate semantics).
//
// Owner: pure functions and a value type; a token_bucket lives inside the
// stream that owns it (one stream actor), so it needs no lock.
//
// Invariants: 0 <= token_bucket tokens <= burst; allow() consumes nothing
// when it answers false (all-or-nothing, spec §3.4 / §5.3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skald::ingester {

/// golang.org/x/time/rate.Limiter, AllowN only. Starts full.
class token_bucket {
public:
  token_bucket() = default;
  token_bucket(double rate_per_sec, double burst) noexcept
    : rate_(rate_per_sec), burst_(burst), tokens_(burst) {}

  /// Changes rate and burst (limits reloaded); keeps the tokens, clamped.
  void set_limits(double rate_per_sec, double burst, int64_t now_ns) noexcept;

  /// Takes n tokens if they are all available at `now_ns`; n > burst never is.
  bool allow(int64_t now_ns, double n) noexcept;

  double rate() const noexcept { return rate_; }
  double burst() const noexcept { return burst_; }

private:
  void advance(int64_t now_ns) noexcept;

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  int64_t last_ns_ = 0;
};

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
