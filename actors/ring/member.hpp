// actors/ring/member.hpp — spawning the ring member of one node: the
// lifecycler of this node's ring entry and the gossip of the ring state
// (protocol: messages/interfaces/ring_actor.hpp; docs/ring.md).
//
// State owned, per ring key (dskit memberlist KV: "collectors/ring" for the
// ingester ring, "collectors/distributor" for the distributor ring): THE
// ring_desc of this node, this node's own instance_desc in it (when it is
// an instance of that ring), the key's subscribers. Shared by all keys: the
// gossip peers (endpoint -> handle, failures, last exchange).
// Timers: per key, heartbeat every heartbeat_period (re-stamp own entry,
//   auto-forget, drop expired tombstones); gossip every gossip_interval
//   (connect to known endpoints that have no handle, push-pull the full
//   state of every key with up to gossip_nodes random connected peers, one
//   exchange in flight per peer).
// Transport: peers are found by (connect_atom, host, port) to `connector` —
//   the middleman's actor in a node (an asynchronous connect, a direct
//   connection to each peer by host and port: never through a handle a
//   third node forwarded), a simulated network in tests. Every request to a
//   peer has a timeout (a dead node does not fail in-flight requests).
// Exit: an exit_msg (module stop, after ring_leave_atom). Not linked.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/node_id.hpp>
#include <caf/typed_actor.hpp>

#include "messages/interfaces/ring_actor.hpp"
#include "runtime/ring/lookup.hpp"

namespace skald::actors {

/// What the member asks to reach a peer; the middleman actor has this
/// signature (caf::io::middleman_actor).
using connector_actor =
    caf::typed_actor<caf::replies_to<caf::connect_atom, std::string, uint16_t>::with<
        caf::node_id, caf::strong_actor_ptr, std::set<std::string>>>;

/// How this node takes part in one ring.
enum class lifecycler_kind : uint8_t {
  /// Follows the ring (merges, forwards, serves snapshots) without an entry.
  none,
  /// dskit Lifecycler (the ingester ring): registers JOINING at once (with
  /// the tokens file's tokens), ACTIVE on ring_join_atom (WAL replayed),
  /// LEAVING then LEFT on ring_leave_atom. At most one key per member.
  ingester,
  /// dskit BasicLifecycler (the distributor ring): registers ACTIVE at once
  /// with num_tokens fresh tokens, LEAVING then LEFT on ring_leave_atom.
  basic,
};

/// One ring key this member keeps (dskit memberlist KV: one value per key).
struct ring_key_deps {
  /// ring::ingester_ring_key, ring::distributor_ring_key.
  std::string key;
  lifecycler_kind lifecycler = lifecycler_kind::none;
  std::string instance_id;
  std::string instance_addr;
  std::string zone;
  int num_tokens = 128;
  /// Tokens read from the tokens file (the module reads it before spawning).
  std::vector<uint32_t> file_tokens;
  /// LEAVING -> LEFT on leave (ingester.lifecycler.unregister_on_shutdown;
  /// always for the distributor ring).
  bool unregister_on_shutdown = true;
  /// Heartbeat timeout (health), replication factor, zones of this ring.
  ring::ring_options ring;
  std::chrono::milliseconds heartbeat_period{5000};
  /// Forget members unhealthy (no heartbeat) for longer; 0 = never.
  std::chrono::milliseconds auto_forget_period{0};
};

struct ring_member_deps {
  /// This member's gossip endpoint host:port, as peers reach it; "" = no
  /// gossip (a single node: the ring lives in this member only).
  std::string self_endpoint;
  std::string node_name;
  /// memberlist.join_members (host:port); self_endpoint is skipped.
  std::vector<std::string> seeds;
  /// Null = no gossip.
  connector_actor connector;

  /// The rings this member keeps; the first one is the default key of the
  /// messages that name none (ring_get_atom, ring_sub_atom,
  /// ring_forget_atom): the ingester ring. Keys heard from peers but not
  /// listed here are kept and forwarded too (with default options).
  std::vector<ring_key_deps> rings;

  std::chrono::milliseconds gossip_interval{200};
  int gossip_nodes = 3;
  std::chrono::milliseconds left_ingesters_timeout{std::chrono::minutes{5}};
  /// Bound of ring_leave_atom's wait for peers.
  std::chrono::milliseconds leave_timeout{std::chrono::seconds{2}};

  /// Wall clock, unix ms (ring timestamps are compared across nodes).
  /// Tests pass the test coordinator's clock.
  std::function<int64_t()> clock;
  uint64_t seed = 0;
};

/// Spawns the member (not linked; send it an exit to stop). It registers
/// its entries (JOINING in the ingester ring, ACTIVE in a basic one) and
/// starts gossiping right away.
ring_actor spawn_ring_member(caf::actor_system& sys, ring_member_deps deps);

/// "host:port" -> (host, port); false on a malformed endpoint.
bool split_endpoint(const std::string& ep, std::string& host, uint16_t& port);

} // namespace skald::actors
