// messages/interfaces/ring_actor.hpp — the ring member of one node
// (lifecycler + gossip; actors/ring/member.cpp).
//
/// interface ring_actor {                // one per node
///   (ring_get_atom)                   -> (ring_snapshot)    // the ring as this node sees it
///   (ring_sub_atom, caf::actor)       -> ()   // the actor gets (ring_changed_atom,
///                                             //   ring_snapshot) now and after every change
///                                             //   (merge, heartbeat, forget); dropped
///                                             //   when it goes down
///   (ring_unsub_atom, caf::actor)     -> ()
///   (members_atom)                    -> (memberlist_snapshot) // gossip peers (/memberlist)
///   (ring_join_atom)                  -> (std::vector<uint32_t>) // WAL replayed: complete
///                                             //   the tokens, go ACTIVE, gossip at once;
///                                             //   replies the tokens (the caller persists
///                                             //   them: file I/O is not done in the actor)
///   (ring_leave_atom)                 -> (bool)   // shutdown: LEAVING, then LEFT (tombstone)
///                                             //   pushed to every connected peer; replies
///                                             //   when they answered or the timeout passed
///   (ring_forget_atom, std::string id) -> (bool)  // /ring Forget: tombstone for `id`
///                                             //   (false: unknown, already LEFT, or self)
///   (gossip_atom, gossip_msg)         -> (gossip_msg) // a peer's push-pull: merge its state,
///                                             //   answer ours (remote; gossip_msg is in
///                                             //   the type-ID block)
///   (node_atom)                       -> (node_summary) // a peer's admin console: delegated
///                                             //   to this node's actor registry (remote)
///   (info_atom)                       -> (actor_info)   // admin console: state, tokens,
///                                             //   members, peers, last gossip
///   (ring_hb_atom)                    -> ()   // itself: heartbeat_period timer
///   (gossip_tick_atom)                -> ()   // itself: gossip_interval timer
/// }
//
// Requests to a member from other actors carry a timeout (a dropped promise
// sends nothing in CAF 0.17); the member's own requests to peers do too,
// since a dead node does not fail them (caf-0.17.md §4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/interfaces/admin_actor.hpp"
#include "messages/type_ids.hpp"

namespace skald {

using ring_actor = caf::typed_actor<caf::replies_to<ring_get_atom>::with<ring_snapshot>,
                                    caf::reacts_to<ring_sub_atom, caf::actor>,
                                    caf::reacts_to<ring_unsub_atom, caf::actor>,
                                    caf::replies_to<members_atom>::with<memberlist_snapshot>,
                                    caf::replies_to<ring_join_atom>::with<std::vector<uint32_t>>,
                                    caf::replies_to<ring_leave_atom>::with<bool>,
                                    caf::replies_to<ring_forget_atom, std::string>::with<bool>,
                                    caf::replies_to<gossip_atom, gossip_msg>::with<gossip_msg>,
                                    caf::reacts_to<ring_hb_atom>, caf::reacts_to<gossip_tick_atom>,
                                    caf::replies_to<node_atom>::with<admin::node_summary>,
                                    info_handler_t>;

} // namespace skald
