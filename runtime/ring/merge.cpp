// runtime/ring/merge.cpp — see merge.hpp.
#include "runtime/ring/merge.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace skald::ring {

namespace {

instance_desc normalized(instance_desc x) {
  if (x.state == instance_state::left)
    x.tokens.clear();
  else
    normalize_tokens(x.tokens);
  return x;
}

bool is_left(const instance_desc& x) noexcept {
  return x.state == instance_state::left;
}

} // namespace

bool supersedes(const instance_desc& in, const instance_desc& ours) noexcept {
  if (in.timestamp != ours.timestamp)
    return in.timestamp > ours.timestamp;
  if (is_left(in) != is_left(ours))
    return is_left(in);
  // Same timestamp, same LEFT-ness: a fixed total order over the content.
  return std::tie(in.state, in.tokens, in.addr, in.zone, in.registered_timestamp) >
         std::tie(ours.state, ours.tokens, ours.addr, ours.zone, ours.registered_timestamp);
}

ring_desc merge(ring_desc& local, const ring_desc& incoming, const merge_options& opts) {
  ring_desc change;
  for (auto& [id, raw] : incoming.ingesters) {
    auto in = normalized(raw);
    in.id = id;
    if (is_left(in) && in.timestamp < opts.left_horizon_ms)
      continue; // an expired tombstone: never stored, never forwarded
    auto i = local.ingesters.find(id);
    if (i == local.ingesters.end()) {
      change.ingesters[id] = in;
      local.ingesters.emplace(id, std::move(in));
    } else if (supersedes(in, i->second)) {
      change.ingesters[id] = in;
      i->second = std::move(in);
    }
  }
  if (opts.local_cas) {
    for (auto& [id, ours] : local.ingesters) {
      if (is_left(ours) || incoming.ingesters.count(id) != 0)
        continue;
      ours.state = instance_state::left;
      ours.tokens.clear();
      ours.timestamp = opts.now_ms;
      change.ingesters[id] = ours;
    }
  }
  remove_expired_tombstones(local, opts.left_horizon_ms);
  remove_expired_tombstones(change, opts.left_horizon_ms);
  return change;
}

size_t remove_expired_tombstones(ring_desc& d, int64_t left_horizon_ms) {
  size_t n = 0;
  for (auto i = d.ingesters.begin(); i != d.ingesters.end();) {
    if (is_left(i->second) && i->second.timestamp < left_horizon_ms) {
      i = d.ingesters.erase(i);
      ++n;
    } else {
      ++i;
    }
  }
  return n;
}

ring_desc resolve_token_conflicts(ring_desc d) {
  // token -> winning owner; ids are visited in ascending order (std::map).
  std::unordered_map<token_t, instance_desc*> owner;
  bool conflict = false;
  for (auto& [id, inst] : d.ingesters) {
    if (is_left(inst))
      continue;
    for (auto t : inst.tokens) {
      auto [it, fresh] = owner.emplace(t, &inst);
      if (fresh)
        continue;
      conflict = true;
      auto* cur = it->second;
      bool cur_leaving = cur->state == instance_state::leaving;
      bool new_leaving = inst.state == instance_state::leaving;
      // Exactly one LEAVING: the other keeps it; else the smaller id, which
      // is `cur` because ids arrive in ascending order.
      if (cur_leaving && !new_leaving)
        it->second = &inst;
    }
  }
  if (!conflict)
    return d;
  for (auto& [id, inst] : d.ingesters) {
    if (is_left(inst))
      continue;
    auto& tk = inst.tokens;
    tk.erase(std::remove_if(tk.begin(), tk.end(), [&](token_t t) { return owner[t] != &inst; }),
             tk.end());
  }
  return d;
}

bool mark_left(ring_desc& d, const std::string& id, int64_t now_ms) {
  auto i = d.ingesters.find(id);
  if (i == d.ingesters.end() || is_left(i->second))
    return false;
  i->second.state = instance_state::left;
  i->second.tokens.clear();
  i->second.timestamp = std::max(now_ms, i->second.timestamp + 1);
  return true;
}

ring_desc without_tombstones(const ring_desc& d) {
  ring_desc out;
  for (auto& [id, inst] : d.ingesters)
    if (!is_left(inst))
      out.ingesters.emplace(id, inst);
  return out;
}

} // namespace skald::ring
