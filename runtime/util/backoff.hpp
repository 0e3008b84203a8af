// runtime/util/backoff.hpp — retry delays for failed flushes (dskit backoff).
//
// The delay before retry k (k = 0 for the first retry) is drawn from
// [lo_k, hi_k) with lo_k = min(min_period * 2^k, max_period) and
// hi_k = min(2 * lo_k, max_period); once lo_k reaches max_period the delay is
// exactly max_period. That is dskit's Backoff.NextDelay (ingester
// flush_op_backoff: 10s → 1m, 10 retries). The random draw is a parameter
// (`jitter` in [0, 1)), so the calculator is a pure function (G5): tests pass
// 0 or 0.999, actors pass a value from their own PRNG.
//
// Owner: a flush worker holds one `backoff` per flush op it is retrying (a
// value in its state); not thread-safe, trivially copyable.
//
// Invariants: retries() <= max_retries when max_retries > 0; every delay lies
// in [min_period, max_period] (or is 0 when min_period is 0).
// REQUIRES: 0 <= min_period <= max_period (config validate() checks it);
// 0 <= jitter < 1 (out-of-range values are clamped).
#pragma once

#include <chrono>
#include <cstdint>

namespace skald::util {

struct backoff_policy {
  std::chrono::nanoseconds min_period{std::chrono::seconds{10}};
  std::chrono::nanoseconds max_period{std::chrono::minutes{1}};
  /// Retries before giving up; 0 = retry forever (dskit semantics).
  int max_retries = 10;
};

/// The delay before retry number `retry` (0-based): see the header comment.
std::chrono::nanoseconds backoff_delay(const backoff_policy& p, int retry, double jitter) noexcept;

/// Retry bookkeeping for one operation.
///
///   util::backoff b{policy};
///   while (true) {
///     if (op().ok()) break;
///     if (!b.ongoing()) { count_error(); break; }     // gave up
///     schedule_retry_after(b.next_delay(rng01()));
///   }
class backoff {
public:
  explicit backoff(backoff_policy p) noexcept : policy_(p) {}

  /// True while another retry is allowed (retries() < max_retries, or
  /// max_retries == 0).
  bool ongoing() const noexcept {
    return policy_.max_retries <= 0 || retries_ < policy_.max_retries;
  }

  /// The delay before the next retry; counts it as a retry.
  std::chrono::nanoseconds next_delay(double jitter) noexcept {
    return backoff_delay(policy_, retries_++, jitter);
  }

  int retries() const noexcept { return retries_; }
  void reset() noexcept { retries_ = 0; }
  const backoff_policy& policy() const noexcept { return policy_; }

private:
  backoff_policy policy_;
  int retries_ = 0;
};

} // namespace skald::util
