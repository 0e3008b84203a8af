// actors/querier/tail_internal.hpp — what the tail routes (tail_routes.cpp,
// HTTP I/O threads) and the tailer actor (tail.cpp) share: the parsed
// session parameters, the per-route state (live tailers, query keys,
// metrics) and the function that spawns a tailer. Not part of the querier's
// interface (tail.hpp is).
//
// route_state is shared by every session of the routes; its mutable members
// are guarded by its mutex, the rest is set before the routes are added.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "actors/querier/tail.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/metrics/registry.hpp"

namespace skald::http {
class websocket;
} // namespace skald::http

namespace skald::actors::tail_detail {

struct tail_metrics {
  metrics::gauge* active = nullptr;
  metrics::counter* bytes = nullptr;
  metrics::counter* dropped = nullptr;
  metrics::gauge* ingesters = nullptr;

  explicit tail_metrics(metrics::registry& r) {
    active = &r.gauge("loki_querier_tail_active", "Number of active tailers").get();
    bytes = &r.counter("loki_querier_tail_bytes_total", "total bytes tailed").get();
    dropped = &r.counter("skald_querier_tail_dropped_entries_total",
                         "Tail entries not sent because the client was too slow.")
                   .get();
    ingesters = &r.gauge("skald_querier_tail_ingester_subscriptions",
                         "Ingester subscriptions held by this querier's live tails (one per "
                         "tail and ingester).")
                     .get();
  }
};

/// What one tail session asked for (parsed on the I/O thread).
struct tail_params {
  std::string tenant;
  std::shared_ptr<const logql::expr> expr;
  uint32_t limit = 100;
  int64_t start_ns = 0;
  int64_t delay_ns = 0;
  bool categorize = false;
  bool legacy = false;
};

struct route_state final : tail_service {
  tail_route_options opts;
  caf::actor_system* sys = nullptr;
  std::shared_ptr<tail_metrics> m;

  // Live tailers, so stop() can end them.
  mutable std::mutex mtx;
  mutable std::vector<caf::actor> live;
  mutable bool stopped = false;
  /// One key object per distinct query (text + categorize) among live
  /// tailers: tailers holding the same key share pipeline results through
  /// the batches' memo (messages/tail.hpp).
  mutable std::map<std::string, std::weak_ptr<const std::string>> keys;

  std::shared_ptr<const std::string> key_for(const std::string& query) const {
    std::lock_guard<std::mutex> guard{mtx};
    auto& slot = keys[query];
    auto k = slot.lock();
    if (!k) {
      k = std::make_shared<const std::string>(query);
      slot = k;
    }
    for (auto it = keys.begin(); it != keys.end();) // forget keys of ended tailers
      it = it->second.expired() ? keys.erase(it) : std::next(it);
    return k;
  }

  /// Single node: the tail group of each distinct session key (tenant,
  /// query, delay_for, format) and its sessions, joined or joining. A group
  /// quits only when leave_group() took its last session out, under the
  /// same lock that join_group() counts under, so no join is ever sent to a
  /// group that is going away.
  struct group_slot {
    caf::actor group;
    size_t sessions = 0;
  };
  mutable std::map<std::string, group_slot> groups;

  /// The group of `key` (spawned by `spawn` when there is none), with one
  /// more session counted.
  template <class Spawn>
  caf::actor join_group(const std::string& key, Spawn spawn) const {
    std::lock_guard<std::mutex> guard{mtx};
    auto& slot = groups[key];
    if (!slot.group)
      slot.group = spawn();
    ++slot.sessions;
    return slot.group;
  }
  /// One session of `key`'s group is gone; true when it was the last (the
  /// group is forgotten and must quit).
  bool leave_group(const std::string& key, const caf::actor_addr& group) const {
    std::lock_guard<std::mutex> guard{mtx};
    auto it = groups.find(key);
    if (it == groups.end() || it->second.group.address() != group)
      return true;
    if (it->second.sessions > 0 && --it->second.sessions > 0)
      return false;
    groups.erase(it);
    return true;
  }

  void stop() override {
    std::vector<caf::actor> all;
    {
      std::lock_guard<std::mutex> guard{mtx};
      stopped = true;
      all.swap(live);
      for (auto& [k, g] : groups)
        all.push_back(g.group);
      groups.clear();
    }
    for (auto& a : all)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
  void forget(const caf::actor_addr& a) const {
    std::lock_guard<std::mutex> guard{mtx};
    live.erase(std::remove_if(live.begin(), live.end(),
                              [&a](const caf::actor& x) { return x.address() == a; }),
               live.end());
  }
};

using route_ptr = std::shared_ptr<const route_state>;

/// Spawns the tailer actor of one upgraded session (tail.cpp).
caf::actor spawn_tailer(caf::actor_system& sys, route_ptr rs, tail_params p,
                        std::shared_ptr<http::websocket> ws);

} // namespace skald::actors::tail_detail
