// runtime/distributor/rate_limiters.hpp — the per-tenant ingestion rate limit
// of one distributor process (spec §3.4), shared by the distributor pool.
//
// A mutex around runtime/validation's tenant_rate_limiter (token buckets,
// all-or-nothing, limits re-read every 10s): every distributor actor of the
// pool takes from the same buckets, so the pool behaves as ONE Loki
// distributor. The lock is taken once per push request, never per line.
//
// Owner: the distributor module; every pool member holds a shared_ptr.
#pragma once

#include <cstddef>
#include <mutex>
#include <string_view>

#include "runtime/validation/rate_limiter.hpp"

namespace skald::distributor {

class rate_limiters {
public:
  /// Takes `bytes` from the tenant's bucket if the whole amount is there.
  bool allow(std::string_view tenant, validation::rate_clock::time_point now, size_t bytes,
             const validation::rate_limit& current);

  /// The limit in force for `tenant` (what a 429 prints).
  validation::rate_limit limit(std::string_view tenant, validation::rate_clock::time_point now,
                               const validation::rate_limit& current);

private:
  std::mutex mtx_;
  validation::tenant_rate_limiter limiter_;
};

} // namespace skald::distributor
