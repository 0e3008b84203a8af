// runtime/ring/read.cpp — see read.hpp.
#include "runtime/ring/read.hpp"

#include <algorithm>
#include <set>

namespace skald::ring {

result<replication_set> read_replication_set(const ring_desc& ring, const ring_options& opts,
                                             operation op, int64_t now_ms) {
  // dskit: an empty ring is one without tokens; zones are those with tokens.
  std::set<std::string> zones;
  for (const auto& [id, inst] : ring.ingesters)
    if (!inst.tokens.empty())
      zones.insert(inst.zone);
  if (zones.empty())
    return make_status(errc::too_few_replicas, "empty ring");
  replication_set rs;
  std::set<std::string> zone_failures;
  for (const auto& [id, inst] : ring.ingesters) {
    if (!healthy_for(inst, op, now_ms, opts.heartbeat_timeout_ms)) {
      zone_failures.insert(inst.zone);
      continue;
    }
    instance_desc copy;
    copy.id = inst.id;
    copy.addr = inst.addr;
    copy.zone = inst.zone;
    copy.state = inst.state;
    copy.timestamp = inst.timestamp;
    copy.registered_timestamp = inst.registered_timestamp;
    rs.instances.push_back(std::move(copy));
  }
  const int rf = std::max(opts.replication_factor, 1);
  if (opts.zone_awareness_enabled) {
    const int replicated_zones = std::min(static_cast<int>(zones.size()), rf);
    int max_unavailable = replicated_zones / 2; // min success zones - 1
    if (static_cast<int>(zone_failures.size()) > max_unavailable)
      return make_status(errc::too_few_replicas, too_many_unhealthy_text);
    if (!zone_failures.empty())
      rs.instances.erase(
          std::remove_if(rs.instances.begin(), rs.instances.end(),
                         [&](const instance_desc& i) { return zone_failures.count(i.zone) > 0; }),
          rs.instances.end());
    rs.max_unavailable_zones = max_unavailable - static_cast<int>(zone_failures.size());
    rs.max_errors = 0;
    return rs;
  }
  int required = std::max(static_cast<int>(ring.ingesters.size()), rf) - rf / 2;
  const auto healthy = static_cast<int>(rs.instances.size());
  if (healthy < required)
    return make_status(errc::too_few_replicas, too_many_unhealthy_text);
  rs.max_errors = healthy - required;
  return rs;
}

read_tracker::read_tracker(const replication_set& rs)
    : zone_aware_(rs.max_unavailable_zones > 0), max_errors_(rs.max_errors),
      min_success_(static_cast<int>(rs.instances.size()) - rs.max_errors),
      max_unavailable_zones_(rs.max_unavailable_zones), answered_(rs.instances.size(), false) {
  zone_of_.reserve(rs.instances.size());
  for (const auto& i : rs.instances) {
    zone_of_.push_back(i.zone);
    ++waiting_by_zone_[i.zone];
  }
  min_successful_zones_ =
      std::max(0, static_cast<int>(waiting_by_zone_.size()) - max_unavailable_zones_);
  verdict_ = decide();
}

quorum_verdict read_tracker::decide() const {
  if (!zone_aware_) {
    if (failed_ > max_errors_)
      return quorum_verdict::failed;
    return ok_ >= min_success_ ? quorum_verdict::succeeded : quorum_verdict::pending;
  }
  if (static_cast<int>(failures_by_zone_.size()) > max_unavailable_zones_)
    return quorum_verdict::failed;
  int zones_ok = 0;
  for (const auto& [zone, waiting] : waiting_by_zone_)
    if (waiting == 0 && failures_by_zone_.count(zone) == 0)
      ++zones_ok;
  return zones_ok >= min_successful_zones_ ? quorum_verdict::succeeded : quorum_verdict::pending;
}

quorum_verdict read_tracker::record(size_t index, bool ok) {
  if (verdict_ != quorum_verdict::pending || index >= answered_.size() || answered_[index])
    return verdict_;
  answered_[index] = true;
  const auto& zone = zone_of_[index];
  --waiting_by_zone_[zone];
  if (ok) {
    ++ok_;
  } else {
    ++failed_;
    ++failures_by_zone_[zone];
  }
  verdict_ = decide();
  return verdict_;
}

} // namespace skald::ring
