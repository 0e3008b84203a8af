// runtime/tail/replicas.cpp — tail_targets and replica_filter (see
// replicas.hpp).
#include "runtime/tail/replicas.hpp"

#include <xxhash.h>

namespace skald::tail {

std::vector<std::string> tail_targets(const ring::ring_desc& ring, const ring::ring_options& opts,
                                      int64_t now_ms) {
  std::vector<std::string> out;
  for (const auto& [id, inst] : ring.ingesters)
    if (inst.state == ring::instance_state::active &&
        ring::healthy_for(inst, ring::operation::write, now_ms, opts.heartbeat_timeout_ms))
      out.push_back(id);
  return out; // map order: sorted by id
}

size_t replica_filter::key_hash::operator()(const key& k) const noexcept {
  uint64_t h = k.line;
  h ^= k.stream + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= static_cast<uint64_t>(k.ts) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return static_cast<size_t>(h);
}

void replica_filter::expire(int64_t now_ns) {
  while (!order_.empty() &&
         (order_.size() > opts_.max_keys || now_ns - order_.front().at > opts_.window_ns)) {
    seen_.erase(order_.front().k);
    order_.pop_front();
  }
}

bool replica_filter::first(uint64_t stream, int64_t ts, std::string_view line, int64_t now_ns) {
  expire(now_ns);
  key k{stream, ts, XXH3_64bits(line.data(), line.size())};
  if (!seen_.insert(k).second)
    return false;
  order_.push_back(arrival{k, now_ns});
  if (order_.size() > opts_.max_keys)
    expire(now_ns);
  return true;
}

} // namespace skald::tail
