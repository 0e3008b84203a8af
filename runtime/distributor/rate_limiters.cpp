#include "runtime/distributor/rate_limiters.hpp"

namespace skald::distributor {

bool rate_limiters::allow(std::string_view tenant, double rate, double burst, int64_t now_ns,
                          uint64_t bytes) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = buckets_.find(std::string{tenant});
  if (i == buckets_.end()) {
    i = buckets_.emplace(std::string{tenant}, ingester::token_bucket{rate, burst}).first;
    // A new bucket starts full at `now`.
    i->second.set_limits(rate, burst, now_ns);
  } else if (i->second.rate() != rate || i->second.burst() != burst) {
    i->second.set_limits(rate, burst, now_ns);
  }
  return i->second.allow(now_ns, static_cast<double>(bytes));
}

} // namespace skald::distributor
