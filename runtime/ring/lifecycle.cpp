// runtime/ring/lifecycle.cpp — see lifecycle.hpp.
#include "runtime/ring/lifecycle.hpp"

#include <algorithm>

#include "runtime/ring/merge.hpp"
#include "runtime/ring/tokens.hpp"

namespace skald::ring {

status check_transition(instance_state from, instance_state to) {
  using s = instance_state;
  bool ok = (from == s::pending && to == s::joining) || (from == s::joining && to == s::pending) ||
            (from == s::joining && to == s::active) || (from == s::pending && to == s::active) ||
            (from == s::active && to == s::leaving) || (from == s::leaving && to == s::left);
  if (ok)
    return {};
  return make_status(errc::invalid_argument, "changing instance state from " +
                                                 std::string{to_string(from)} + " -> " +
                                                 std::string{to_string(to)} + " is disallowed");
}

instance_desc make_joining(std::string id, std::string addr, std::string zone,
                           std::vector<token_t> file_tokens, int64_t now_ms) {
  instance_desc self;
  self.id = std::move(id);
  self.addr = std::move(addr);
  self.zone = std::move(zone);
  self.state = instance_state::joining;
  self.tokens = std::move(file_tokens);
  normalize_tokens(self.tokens);
  self.timestamp = now_ms;
  self.registered_timestamp = now_ms;
  return self;
}

void stamp(ring_desc& ring, instance_desc& self, int64_t now_ms) {
  int64_t ts = std::max(now_ms, self.timestamp + 1);
  if (auto* cur = ring.find(self.id))
    ts = std::max(ts, cur->timestamp + 1);
  self.timestamp = ts;
  if (self.state == instance_state::left)
    self.tokens.clear();
  ring.ingesters[self.id] = self;
}

bool adopt_previous_tokens(instance_desc& self, const ring_desc& seen) {
  if (self.state != instance_state::joining || !self.tokens.empty())
    return false;
  auto* prev = seen.find(self.id);
  if (prev == nullptr || prev->state == instance_state::left || prev->tokens.empty())
    return false;
  self.tokens = prev->tokens;
  normalize_tokens(self.tokens);
  return true;
}

int fix_token_count(instance_desc& self, const ring_desc& ring, int num_tokens,
                    std::mt19937_64& rng) {
  auto have = static_cast<int>(self.tokens.size());
  if (have == num_tokens)
    return 0;
  if (have > num_tokens) {
    std::shuffle(self.tokens.begin(), self.tokens.end(), rng);
    self.tokens.resize(static_cast<size_t>(std::max(num_tokens, 0)));
    normalize_tokens(self.tokens);
    return num_tokens - have;
  }
  std::vector<token_t> taken = self.tokens;
  for (auto& [id, inst] : ring.ingesters)
    if (id != self.id && inst.state != instance_state::left)
      taken.insert(taken.end(), inst.tokens.begin(), inst.tokens.end());
  auto fresh = generate_tokens(num_tokens - have, taken, rng);
  self.tokens.insert(self.tokens.end(), fresh.begin(), fresh.end());
  normalize_tokens(self.tokens);
  return num_tokens - have;
}

std::vector<std::string> forget_unhealthy(ring_desc& ring, const std::string& self_id,
                                          int64_t now_ms, int64_t period_ms,
                                          int64_t heartbeat_timeout_ms) {
  std::vector<std::string> out;
  if (period_ms <= 0)
    return out;
  size_t others = 0;
  size_t others_unhealthy = 0;
  for (auto& [id, inst] : ring.ingesters) {
    if (id == self_id || inst.state == instance_state::left)
      continue;
    ++others;
    if (!inst.heartbeat_healthy(now_ms, heartbeat_timeout_ms))
      ++others_unhealthy;
  }
  if (others == 0 || (others_unhealthy == others && others > 1))
    return out;
  for (auto& [id, inst] : ring.ingesters)
    if (id != self_id && inst.state != instance_state::left && now_ms - inst.timestamp > period_ms)
      out.push_back(id);
  for (auto& id : out)
    mark_left(ring, id, now_ms);
  return out;
}

} // namespace skald::ring
