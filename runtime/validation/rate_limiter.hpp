// runtime/validation/rate_limiter.hpp — the tenant ingestion rate limit (spec §3.4, G5).
//
// token_bucket is Go's golang.org/x/time/rate.Limiter (the one dskit's
// RateLimiter wraps), with time passed in: refill `limit` tokens (bytes) per
// second up to `burst`; a new bucket starts full; allow_n() is all-or-nothing
// (n > burst is always refused; a refusal consumes nothing).
//
// tenant_rate_limiter keeps one bucket per tenant and, like dskit, re-reads
// the tenant's limit/burst at most every recheck period (10s): the caller
// passes the current rate_limit on every call, it is applied when due.
//
// The distributor, after validation: total = Σ entry_size of valid entries;
//   if (!limiter.allow(tenant, now, total, rate_limit_for(limits, strategy, n)))
//     -> 429, rate_limited_message(...), every stream discarded as rate_limited.
//
// Owner: the distributor actor's state (one instance per distributor). Not
// thread-safe; no clock inside: `now` comes from the actor's clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "runtime/validation/limits.hpp"

namespace skald::validation {

using rate_clock = std::chrono::steady_clock;

enum class rate_strategy : uint8_t {
  /// Every distributor enforces the full rate.
  local,
  /// The rate is divided by the number of healthy distributors; burst is not.
  global,
};

struct rate_limit {
  double bytes_per_second = 0;
  size_t burst = 0;
  friend bool operator==(const rate_limit& a, const rate_limit& b) {
    return a.bytes_per_second == b.bytes_per_second && a.burst == b.burst;
  }
};

/// ingestion_rate_mb / ingestion_burst_size_mb -> bytes (MB = 2^20). With
/// `global`, the rate is divided by `distributors` (0 = use the full rate).
rate_limit rate_limit_for(const validation_limits& limits, rate_strategy strategy,
                          size_t distributors = 1);

/// "ingestion rate limit exceeded for user <t> (limit: <int> bytes/sec) while
/// attempting to ingest '<lines>' lines totaling '<bytes>' bytes, reduce log
/// volume or contact your Loki administrator to see if the limit can be increased"
std::string rate_limited_message(std::string_view tenant, double limit, size_t lines, size_t bytes);

class token_bucket {
public:
  token_bucket(rate_limit limit, rate_clock::time_point now);

  /// Takes n tokens if all are available at `now`; otherwise takes none.
  bool allow_n(rate_clock::time_point now, size_t n);

  /// Changes limit and burst at `now` (tokens accrued so far are kept, capped
  /// to the new burst), like SetLimitAt + SetBurstAt.
  void set(rate_clock::time_point now, rate_limit limit);

  const rate_limit& limit() const noexcept { return limit_; }
  /// Tokens available at `now` (for tests and metrics).
  double tokens_at(rate_clock::time_point now) const;

private:
  double advance(rate_clock::time_point now, rate_clock::time_point& last) const;

  rate_limit limit_;
  double tokens_;
  rate_clock::time_point last_;
};

class tenant_rate_limiter {
public:
  explicit tenant_rate_limiter(std::chrono::nanoseconds recheck_period = std::chrono::seconds{10})
      : recheck_period_(recheck_period) {}

  /// All-or-nothing reservation of `bytes` for `tenant` at `now`.
  bool allow(std::string_view tenant, rate_clock::time_point now, size_t bytes,
             const rate_limit& current);

  /// The limit in force for `tenant` (what the 429 message prints).
  rate_limit limit(std::string_view tenant, rate_clock::time_point now, const rate_limit& current);

private:
  token_bucket& bucket(std::string_view tenant, rate_clock::time_point now,
                       const rate_limit& current);

  struct entry {
    token_bucket bucket;
    rate_clock::time_point recheck_at;
  };
  std::chrono::nanoseconds recheck_period_;
  std::unordered_map<std::string, entry> tenants_;
};

} // namespace skald::validation
