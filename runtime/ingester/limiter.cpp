#include "runtime/ingester/limiter.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace skald::ingester {

void token_bucket::advance(int64_t now_ns) noexcept {
  if (now_ns > last_ns_) {
    tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_ns - last_ns_) / 1e9);
    last_ns_ = now_ns;
  }
}

void token_bucket::set_limits(double rate_per_sec, double burst, int64_t now_ns) noexcept {
  advance(now_ns);
  rate_ = rate_per_sec;
  burst_ = burst;
  tokens_ = std::min(tokens_, burst_);
}

bool token_bucket::allow(int64_t now_ns, double n) noexcept {
  if (n > burst_)
    return false;
  advance(now_ns);
  if (tokens_ < n)
    return false;
  tokens_ -= n;
  return true;
}

int64_t max_streams_allowed(const stream_limit_inputs& in) noexcept {
  int64_t local = in.max_streams_per_user;
  int64_t global_share = 0;
  if (in.max_global_streams_per_user > 0 && in.healthy_ingesters > 0)
    global_share = static_cast<int64_t>(static_cast<double>(in.max_global_streams_per_user)
                                        / in.healthy_ingesters * in.replication_factor);
  int64_t limit = 0;
  if (local > 0 && global_share > 0)
    limit = std::min(local, global_share);
  else
    limit = std::max(local, global_share);
  return limit > 0 ? limit : std::numeric_limits<int32_t>::max();
}

std::string stream_limit_error(std::string_view canonical_labels, std::string_view tenant) {
  std::string s = "maximum active stream limit exceeded when trying to create stream ";
  s += canonical_labels;
  s += ", reduce the number of active streams (reduce labels or reduce label values), or contact "
       "your Loki administrator to see if the limit can be increased, user: '";
  s += tenant;
  s += "'";
  return s;
}

} // namespace skald::ingester
