// runtime/cluster/ring_view.cpp — lookup and replication strategy of a ring
// snapshot (see ring_view.hpp).
#include "runtime/cluster/ring_view.hpp"

#include <algorithm>
#include <set>

namespace skald::cluster {

const char* to_string(instance_state s) {
  switch (s) {
  case instance_state::active:
    return "ACTIVE";
  case instance_state::leaving:
    return "LEAVING";
  case instance_state::pending:
    return "PENDING";
  case instance_state::joining:
    return "JOINING";
  case instance_state::left:
    return "LEFT";
  }
  return "UNKNOWN";
}

ring_view::ring_view(std::vector<instance> instances) : instances_(std::move(instances)) {
  std::sort(instances_.begin(), instances_.end(),
            [](const instance& a, const instance& b) { return a.id < b.id; });
  for (uint32_t i = 0; i < instances_.size(); ++i) {
    if (instances_[i].state == instance_state::left)
      continue;
    for (auto t : instances_[i].tokens)
      tokens_.push_back(ring_token{t, i});
  }
  // Sorted by token; on equal tokens the smaller id (smaller index) first,
  // and only that one is kept.
  std::sort(tokens_.begin(), tokens_.end(), [](const ring_token& a, const ring_token& b) {
    return a.token != b.token ? a.token < b.token : a.instance < b.instance;
  });
  tokens_.erase(
      std::unique(tokens_.begin(), tokens_.end(),
                  [](const ring_token& a, const ring_token& b) { return a.token == b.token; }),
      tokens_.end());
  std::set<uint32_t> owners;
  for (const auto& t : tokens_)
    owners.insert(t.instance);
  owners_ = owners.size();
}

size_t search_token(const std::vector<uint32_t>& tokens, uint32_t key) noexcept {
  auto it = std::upper_bound(tokens.begin(), tokens.end(), key);
  return it == tokens.end() ? 0 : static_cast<size_t>(it - tokens.begin());
}

result<replication_set> ring_view::get(uint32_t key, int rf) const {
  if (tokens_.empty())
    return status{errc::internal, "empty ring"};
  auto it = std::upper_bound(tokens_.begin(), tokens_.end(), key,
                             [](uint32_t k, const ring_token& t) { return k < t.token; });
  size_t start = it == tokens_.end() ? 0 : static_cast<size_t>(it - tokens_.begin());
  const size_t want = std::min(owners_, static_cast<size_t>(std::max(1, rf)));
  std::vector<uint32_t> picked;
  for (size_t n = 0; n < tokens_.size() && picked.size() < want; ++n) {
    auto inst = tokens_[(start + n) % tokens_.size()].instance;
    if (std::find(picked.begin(), picked.end(), inst) == picked.end())
      picked.push_back(inst);
  }
  // defaultReplicationStrategy.Filter
  const int rf_eff = std::max(rf, static_cast<int>(picked.size()));
  const int min_success = rf_eff / 2 + 1;
  replication_set out;
  std::string unhealthy;
  for (auto i : picked) {
    const auto& in = instances_[i];
    if (in.healthy && in.state == instance_state::active) {
      out.instances.push_back(i);
    } else {
      if (!unhealthy.empty())
        unhealthy += ',';
      unhealthy += in.addr;
    }
  }
  if (static_cast<int>(out.instances.size()) < min_success) {
    std::string msg = "at least " + std::to_string(min_success) +
                      " live replicas required, could only find " +
                      std::to_string(out.instances.size());
    if (!unhealthy.empty())
      msg += " - unhealthy instances: " + unhealthy;
    return status{errc::internal, std::move(msg)};
  }
  out.max_errors = static_cast<int>(out.instances.size()) - min_success;
  return out;
}

result<replication_set> ring_view::read_set(int rf) const {
  if (instances_.empty())
    return status{errc::internal, "empty ring"};
  int max_errors = std::max(1, rf) / 2;
  replication_set out;
  int unhealthy = 0;
  for (size_t i = 0; i < instances_.size(); ++i) {
    const auto& in = instances_[i];
    if (in.state == instance_state::left || in.state == instance_state::joining)
      continue;
    if (in.healthy)
      out.instances.push_back(i);
    else
      ++unhealthy;
  }
  if (unhealthy > max_errors)
    return status{errc::internal, "too many unhealthy instances in the ring"};
  out.max_errors = std::min(max_errors - unhealthy, static_cast<int>(out.instances.size()));
  if (out.instances.empty())
    return status{errc::internal, "empty ring"};
  return out;
}

size_t ring_view::healthy_active() const noexcept {
  size_t n = 0;
  for (const auto& in : instances_)
    if (in.healthy && in.state == instance_state::active)
      ++n;
  return n;
}

std::vector<uint32_t> tokens_for_id(std::string_view id, int n) {
  std::set<uint32_t> out;
  uint64_t counter = 0;
  while (static_cast<int>(out.size()) < n) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : id) {
      h ^= c;
      h *= 1099511628211ull;
    }
    for (int b = 0; b < 8; ++b) {
      h ^= (counter >> (8 * b)) & 0xff;
      h *= 1099511628211ull;
    }
    ++counter;
    out.insert(static_cast<uint32_t>(h ^ (h >> 32)));
  }
  return {out.begin(), out.end()};
}

} // namespace skald::cluster
