// runtime/ring/pages.hpp — the bodies of GET /ring and GET /memberlist
// (dskit ring/http.go and memberlist's status page), as pure functions of a
// ring snapshot and the gossip peers.
//
// Owner: the ring module's HTTP handlers (runtime/system) render these from
// the ring member's snapshots; the admin console may reuse them. Pure: the
// caller passes `now`.
//
// JSON of /ring follows dskit: {"shards":[{id, state, address, timestamp,
// registered_timestamp, zone, tokens, ...}], "now": ...}; state is
// "UNHEALTHY" when the heartbeat is older than heartbeat_timeout (dskit has
// no such state in the ring: it is derived here, as on Loki's page).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/ring/lookup.hpp"
#include "runtime/ring/model.hpp"

namespace skald::ring {

/// One gossip peer as a member sees it.
struct peer_status {
  std::string endpoint;
  bool connected = false;
  /// Unix ms of the last successful exchange (either direction); 0 = never.
  int64_t last_gossip_ms = 0;
  uint32_t failures = 0;
  std::string last_error;
};

/// One ring key of the member's KV store (dskit memberlist's "KV Store"
/// table): key, changes seen, instances held (tombstones included).
struct kv_key_status {
  std::string key;
  uint64_t version = 0;
  size_t instances = 0;
};

/// "2026-11-21T12:00:00.123Z"; "" for 0.
std::string format_time_ms(int64_t unix_ms);

/// State shown for an instance: its state, or "UNHEALTHY" when its
/// heartbeat is stale (LEFT is shown as LEFT).
std::string display_state(const instance_desc& inst, int64_t now_ms, int64_t heartbeat_timeout_ms);

/// GET /ring (and /distributor/ring: the same page for another ring key)
/// with Accept: application/json. LEFT tombstones are left out.
std::string ring_json(const ring_desc& d, const ring_options& o, int64_t now_ms);

/// GET /ring: an HTML table like Loki's (instance, zone, state, address,
/// registered, last heartbeat, tokens, ownership, a Forget button posting
/// forget=<id> to `post_path`). `show_tokens` lists every token.
std::string ring_html(const ring_desc& d, const ring_options& o, int64_t now_ms,
                      std::string_view title, std::string_view post_path, bool show_tokens);

/// GET /memberlist with Accept: application/json: peers, the ring keys
/// ("keys") and the ingester ring's members ("ring").
std::string memberlist_json(std::string_view self_endpoint, std::string_view node_name,
                            const std::vector<peer_status>& peers, const ring_desc& d,
                            int64_t now_ms, const std::vector<kv_key_status>& keys = {});

/// GET /memberlist: this node, its peers (connected, last gossip, errors),
/// the ring keys gossiped, and the ingester ring's members with their state.
std::string memberlist_html(std::string_view self_endpoint, std::string_view node_name,
                            const std::vector<peer_status>& peers, const ring_desc& d,
                            const ring_options& o, int64_t now_ms,
                            const std::vector<kv_key_status>& keys = {});

/// Minimal HTML escaping (& < > " ').
std::string html_escape(std::string_view s);

} // namespace skald::ring
