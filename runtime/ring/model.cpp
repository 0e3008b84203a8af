// runtime/ring/model.cpp — see model.hpp.
#include "runtime/ring/model.hpp"

#include <algorithm>

namespace skald::ring {

std::string_view to_string(instance_state s) noexcept {
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

std::optional<instance_state> parse_state(std::string_view s) noexcept {
  for (auto st : {instance_state::active, instance_state::leaving, instance_state::pending,
                  instance_state::joining, instance_state::left})
    if (to_string(st) == s)
      return st;
  return std::nullopt;
}

void normalize_tokens(std::vector<token_t>& tokens) {
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
}

instance_desc& ring_desc::add_instance(std::string id, std::string addr, std::string zone,
                                       std::vector<token_t> tokens, instance_state state,
                                       int64_t timestamp_ms, int64_t registered_ms) {
  normalize_tokens(tokens);
  auto& inst = ingesters[id];
  inst.id = std::move(id);
  inst.addr = std::move(addr);
  inst.zone = std::move(zone);
  inst.tokens = std::move(tokens);
  inst.state = state;
  inst.timestamp = timestamp_ms;
  inst.registered_timestamp = registered_ms;
  return inst;
}

std::vector<token_t> ring_desc::all_tokens() const {
  std::vector<token_t> out;
  for (auto& [id, inst] : ingesters)
    if (inst.state != instance_state::left)
      out.insert(out.end(), inst.tokens.begin(), inst.tokens.end());
  std::sort(out.begin(), out.end());
  return out;
}

size_t ring_desc::healthy_active_count(int64_t now_ms, int64_t heartbeat_timeout_ms) const {
  size_t n = 0;
  for (auto& [id, inst] : ingesters)
    if (inst.state == instance_state::active &&
        inst.heartbeat_healthy(now_ms, heartbeat_timeout_ms))
      ++n;
  return n;
}

std::string ready_problem(const ring_desc& d, int64_t now_ms, int64_t heartbeat_timeout_ms) {
  size_t tokens = 0;
  for (auto& [id, inst] : d.ingesters) {
    if (inst.state == instance_state::left)
      continue;
    if (!inst.heartbeat_healthy(now_ms, heartbeat_timeout_ms))
      return "instance " + inst.addr + " past heartbeat timeout";
    if (inst.state != instance_state::active)
      return "instance " + inst.addr + " in state " + std::string{to_string(inst.state)};
    tokens += inst.tokens.size();
  }
  if (tokens == 0)
    return "no tokens in the ring";
  return {};
}

} // namespace skald::ring
