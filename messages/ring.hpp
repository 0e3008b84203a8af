// messages/ring.hpp — what the ring member actor exchanges: the gossip
// message between nodes (remote: inspectable, in the type-ID block) and the
// snapshots it hands to local readers (local only: shared_ptrs whitelisted
// with CAF_ALLOW_UNSAFE_MESSAGE_TYPE, not in the type-ID block).
//
// Owner: actors/ring/member.cpp builds every one of these; readers (the
// /ring and /memberlist pages, the distributor's ring watcher, the admin
// console) get immutable snapshots and may keep them.
//
// Invariant: gossip_msg holds only strings, so it serialises the same on
// every node; its `state` is runtime/ring/codec.hpp's encode_keys().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>

#include "runtime/ring/lookup.hpp"
#include "runtime/ring/model.hpp"
#include "runtime/ring/pages.hpp"

namespace skald {

/// One push-pull exchange (request and reply have the same shape).
struct gossip_msg {
  /// The sender's gossip endpoint, host:port ("" = not reachable).
  std::string from;
  /// Gossip endpoints the sender knows (how members discover each other).
  std::vector<std::string> endpoints;
  /// ring::encode_keys() of the sender's full state: every ring key.
  std::string state;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gossip_msg& x) {
  return f(caf::meta::type_name("gossip_msg"), x.from, x.endpoints, x.state);
}

/// One ring (one key) as one member sees it at one moment.
struct ring_snapshot_data {
  /// The ring key (ring::ingester_ring_key, ring::distributor_ring_key).
  std::string key;
  /// Full state, LEFT tombstones included (readers that route build a
  /// ring::ring_view, which drops them and resolves token conflicts).
  ring::ring_desc desc;
  /// Replication factor, heartbeat timeout, zone awareness of this ring.
  ring::ring_options options;
  /// This node's instance id; empty when the node is not a ring instance.
  std::string self_id;
  /// Bumped on every change the member saw (merge, heartbeat, forget).
  uint64_t version = 0;
  /// The member's clock (unix ms) when the snapshot was taken.
  int64_t now_ms = 0;
};
using ring_snapshot = std::shared_ptr<const ring_snapshot_data>;

/// One gossip peer as this member sees it.
using peer_info = ring::peer_status;

struct memberlist_data {
  std::string self_endpoint;
  std::string node_name;
  std::vector<peer_info> peers;
  uint64_t gossips_sent = 0;
  uint64_t gossips_received = 0;
  /// Ring keys this member keeps: key, version (changes seen), instances
  /// (LEFT tombstones included).
  std::vector<ring::kv_key_status> keys;
  int64_t now_ms = 0;
};
using memberlist_snapshot = std::shared_ptr<const memberlist_data>;

} // namespace skald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::ring_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::memberlist_snapshot)
