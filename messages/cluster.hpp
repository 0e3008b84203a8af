// messages/cluster.hpp — what nodes of a cluster say to each other
// (docs/cluster.md).
//
//   ring watcher ──(lookup_atom)──► directory of node X   (X's published actor,
//                                     at X's ring address)
//     ◄── node_info: X's id, addr, roles and the handle of its ingester
//         gateway (null when X runs no ingester). State and tokens are
//         informational: the gossiped ring (actors/ring) is their source of
//         truth, and the watcher routes by it.
//   distributor ──(push_atom, ingest_wire)──► ingester gateway ──► ingester
//   querier     ──(select_atom, select_wire)──► ingester gateway ──► ingester
//     ◄── select_reply_wire
//
// Every type here is inspectable and registered in messages/type_ids.hpp on
// every node (caf-0.17.md §2: an unregistered type arrives as an empty
// message). The actor handle in node_info is sent by the node that owns the
// actor, so CAF routes it directly to that node (no third-node forwarding,
// caf-0.17.md §5).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include "messages/wire.hpp"

namespace skald {

/// One node's answer to a directory lookup.
struct node_info {
  /// Ring instance id (ingester.lifecycler.id) and CAF endpoint host:port.
  std::string id;
  std::string addr;
  /// runtime/cluster/instance_state as its integer value.
  uint8_t state = 0;
  std::vector<uint32_t> tokens;
  /// The roles this node runs (-target resolved), e.g. "ingester".
  std::vector<std::string> roles;
  /// The ingester gateway (remote_ingester_actor), or null.
  caf::actor ingester;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("node_info"), x.id, x.addr, x.state, x.tokens, x.roles, x.ingester);
}

} // namespace skald
