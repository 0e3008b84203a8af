// runtime/ring/lookup.cpp — see lookup.hpp.
#include "runtime/ring/lookup.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "runtime/ring/merge.hpp"
#include "runtime/ring/read.hpp"

namespace skald::ring {

bool healthy_for(const instance_desc& inst, operation op, int64_t now_ms,
                 int64_t heartbeat_timeout_ms) noexcept {
  bool state_ok = false;
  switch (op) {
  case operation::write:
  case operation::write_no_extend:
    state_ok = inst.state == instance_state::active;
    break;
  case operation::read:
    state_ok = inst.state == instance_state::active || inst.state == instance_state::pending ||
               inst.state == instance_state::leaving;
    break;
  }
  return state_ok && inst.heartbeat_healthy(now_ms, heartbeat_timeout_ms);
}

bool extends_on(operation op, instance_state s) noexcept {
  switch (op) {
  case operation::write:
    return s != instance_state::active;
  case operation::write_no_extend:
    return false;
  case operation::read:
    return s == instance_state::joining || s == instance_state::left;
  }
  return false;
}

size_t search_token(const std::vector<token_t>& tokens, token_t key) noexcept {
  auto i = std::upper_bound(tokens.begin(), tokens.end(), key);
  return i == tokens.end() ? 0 : static_cast<size_t>(i - tokens.begin());
}

ring_view::ring_view(const ring_desc& d, ring_options opts)
    : desc_(resolve_token_conflicts(without_tombstones(d))), opts_(opts) {
  std::vector<std::pair<token_t, const instance_desc*>> all;
  std::set<std::string> zones;
  for (auto& [id, inst] : desc_.ingesters) {
    zones.insert(inst.zone);
    for (auto t : inst.tokens)
      all.emplace_back(t, &inst);
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  tokens_.reserve(all.size());
  owners_.reserve(all.size());
  for (auto& [t, inst] : all) {
    tokens_.push_back(t);
    owners_.push_back(inst);
  }
  zones_ = zones.size();
}

result<replication_set> filter_replicas(std::vector<instance_desc> instances, operation op,
                                        int replication_factor, int64_t now_ms,
                                        int64_t heartbeat_timeout_ms, bool zone_awareness) {
  int rf = std::max(replication_factor, static_cast<int>(instances.size()));
  int min_success = rf / 2 + 1;
  std::string unhealthy;
  std::vector<instance_desc> healthy;
  healthy.reserve(instances.size());
  for (auto& inst : instances) {
    if (healthy_for(inst, op, now_ms, heartbeat_timeout_ms)) {
      healthy.push_back(std::move(inst));
    } else {
      if (!unhealthy.empty())
        unhealthy += ',';
      unhealthy += inst.addr;
    }
  }
  auto n = static_cast<int>(healthy.size());
  if (n < min_success) {
    std::string msg = "at least " + std::to_string(min_success) + " live replicas required";
    if (zone_awareness)
      msg += " across different availability zones";
    msg += ", could only find " + std::to_string(n);
    if (!unhealthy.empty())
      msg += " - unhealthy instances: " + unhealthy;
    return make_status(errc::too_few_replicas, std::move(msg));
  }
  return replication_set{std::move(healthy), n - min_success};
}

result<replication_set> ring_view::get(token_t key, operation op, int64_t now_ms) const {
  if (tokens_.empty())
    return make_status(errc::too_few_replicas, "empty ring");
  size_t n = static_cast<size_t>(std::max(opts_.replication_factor, 0));
  size_t max_instances = desc_.ingesters.size();
  size_t max_zones = zones_;
  std::vector<const instance_desc*> picked;
  std::vector<const std::string*> picked_zones;
  size_t iterations = 0;
  for (size_t i = search_token(tokens_, key);
       picked.size() < std::min(max_instances, n) && picked_zones.size() < max_zones &&
       iterations < tokens_.size();
       ++i) {
    ++iterations;
    i %= tokens_.size();
    const instance_desc* inst = owners_[i];
    if (std::find(picked.begin(), picked.end(), inst) != picked.end())
      continue;
    bool zoned = opts_.zone_awareness_enabled && !inst->zone.empty();
    if (zoned && std::find_if(picked_zones.begin(), picked_zones.end(), [&](const std::string* z) {
                   return *z == inst->zone;
                 }) != picked_zones.end())
      continue;
    picked.push_back(inst);
    if (extends_on(op, inst->state))
      ++n;
    else if (zoned)
      picked_zones.push_back(&inst->zone);
  }
  std::vector<instance_desc> out;
  out.reserve(picked.size());
  for (auto* inst : picked) {
    instance_desc copy;
    copy.id = inst->id;
    copy.addr = inst->addr;
    copy.zone = inst->zone;
    copy.state = inst->state;
    copy.timestamp = inst->timestamp;
    copy.registered_timestamp = inst->registered_timestamp;
    out.push_back(std::move(copy));
  }
  return filter_replicas(std::move(out), op, opts_.replication_factor, now_ms,
                         opts_.heartbeat_timeout_ms, opts_.zone_awareness_enabled);
}

result<replication_set> ring_view::get_all_healthy(operation op, int64_t now_ms) const {
  return read_replication_set(desc_, opts_, op, now_ms);
}

std::vector<std::pair<std::string, double>> ownership(const ring_view& v) {
  std::map<std::string, double> owned;
  for (auto& [id, inst] : v.desc().ingesters)
    owned[id] = 0;
  auto& tk = v.tokens();
  constexpr double space = 4294967296.0;
  for (size_t i = 0; i < tk.size(); ++i) {
    // Keys in [previous token, this token) map to this token's owner.
    double range = i == 0 ? static_cast<double>(tk[0]) + (space - static_cast<double>(tk.back()))
                          : static_cast<double>(tk[i] - tk[i - 1]);
    owned[v.owner_of(i)] += range / space;
  }
  return {owned.begin(), owned.end()};
}

} // namespace skald::ring
