#include "runtime/ingester/limiter.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace skald::ingester {

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
