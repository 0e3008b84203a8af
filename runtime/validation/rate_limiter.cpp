#include "runtime/validation/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace skald::validation {

rate_limit rate_limit_for(const validation_limits& limits, rate_strategy strategy,
                          size_t distributors) {
  constexpr double mb = 1 << 20;
  rate_limit out;
  out.bytes_per_second = limits.ingestion_rate_mb * mb;
  out.burst = static_cast<size_t>(limits.ingestion_burst_size_mb * mb);
  if (strategy == rate_strategy::global && distributors > 0)
    out.bytes_per_second /= static_cast<double>(distributors);
  return out;
}

std::string rate_limited_message(std::string_view tenant, double limit, size_t lines,
                                 size_t bytes) {
  std::string out = "ingestion rate limit exceeded for user ";
  out.append(tenant);
  out += " (limit: " + std::to_string(static_cast<long long>(limit)) +
         " bytes/sec) while attempting to ingest '" + std::to_string(lines) + "' lines totaling '" +
         std::to_string(bytes) +
         "' bytes, reduce log volume or contact your Loki administrator to see if the limit can be "
         "increased";
  return out;
}

token_bucket::token_bucket(rate_limit limit, rate_clock::time_point now)
    : limit_(limit), tokens_(static_cast<double>(limit.burst)), last_(now) {}

double token_bucket::advance(rate_clock::time_point now, rate_clock::time_point& last) const {
  last = last_;
  if (now < last)
    last = now;
  double elapsed = std::chrono::duration<double>(now - last).count();
  double tokens = tokens_ + elapsed * limit_.bytes_per_second;
  return std::min(tokens, static_cast<double>(limit_.burst));
}

double token_bucket::tokens_at(rate_clock::time_point now) const {
  rate_clock::time_point last;
  return advance(now, last);
}

bool token_bucket::allow_n(rate_clock::time_point now, size_t n) {
  if (std::isinf(limit_.bytes_per_second))
    return true;
  if (n > limit_.burst)
    return false;
  if (limit_.bytes_per_second == 0) {
    // x/time/rate with limit 0: only the burst, never refilled.
    if (tokens_ >= static_cast<double>(n)) {
      tokens_ -= static_cast<double>(n);
      return true;
    }
    return false;
  }
  rate_clock::time_point last;
  double tokens = advance(now, last) - static_cast<double>(n);
  if (tokens < 0)
    return false; // would have to wait: refuse, consume nothing
  tokens_ = tokens;
  last_ = now;
  return true;
}

void token_bucket::set(rate_clock::time_point now, rate_limit limit) {
  if (limit == limit_)
    return;
  rate_clock::time_point last;
  tokens_ = advance(now, last);
  last_ = now;
  limit_ = limit;
  tokens_ = std::min(tokens_, static_cast<double>(limit_.burst));
}

token_bucket& tenant_rate_limiter::bucket(std::string_view tenant, rate_clock::time_point now,
                                          const rate_limit& current) {
  auto it = tenants_.find(std::string{tenant});
  if (it == tenants_.end()) {
    it = tenants_
             .emplace(std::string{tenant}, entry{token_bucket{current, now}, now + recheck_period_})
             .first;
  } else if (now >= it->second.recheck_at) {
    it->second.bucket.set(now, current);
    it->second.recheck_at = now + recheck_period_;
  }
  return it->second.bucket;
}

bool tenant_rate_limiter::allow(std::string_view tenant, rate_clock::time_point now, size_t bytes,
                                const rate_limit& current) {
  return bucket(tenant, now, current).allow_n(now, bytes);
}

rate_limit tenant_rate_limiter::limit(std::string_view tenant, rate_clock::time_point now,
                                      const rate_limit& current) {
  return bucket(tenant, now, current).limit();
}

} // namespace skald::validation
