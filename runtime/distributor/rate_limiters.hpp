// runtime/distributor/rate_limiters.hpp — the per-tenant ingestion rate limit
// of one distributor process (spec §3.4), shared by the distributor pool.
//
// One token bucket per tenant (rate = ingestion_rate_mb × 2^20 B/s, burst =
// ingestion_burst_size_mb × 2^20 B; with the `global` strategy the rate is
// divided by the number of healthy distributors, the burst is not). A request
// takes all of its bytes at once or nothing (all-or-nothing).
//
// Owner: the distributor module; every distributor actor of the pool holds a
// shared_ptr. Threading: allow() takes a mutex — once per push request, never
// per line. Time (monotonic ns) is a parameter.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "runtime/ingester/limiter.hpp"

namespace skald::distributor {

class rate_limiters {
public:
  /// Takes `bytes` from the tenant's bucket if the whole amount is there.
  /// rate/burst are the tenant's current limits in bytes (re-applied when
  /// they change). Returns true when allowed.
  bool allow(std::string_view tenant, double rate, double burst, int64_t now_ns, uint64_t bytes);

private:
  std::mutex mtx_;
  std::unordered_map<std::string, ingester::token_bucket> buckets_;
};

} // namespace skald::distributor
