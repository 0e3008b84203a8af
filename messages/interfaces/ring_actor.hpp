// messages/interfaces/ring_actor.hpp — the ring member of one node
// (lifecyclers + gossip of every ring key; actors/ring/member.cpp).
//
/// interface ring_actor {                // one per node, every ring key
///   (ring_get_atom)                   -> (ring_snapshot)    // the default ring (the first
///                                             //   key the member was given: the
///                                             //   ingester ring) as this node sees it
///   (ring_get_atom, std::string key)  -> (ring_snapshot)    // the ring of `key` ("collectors/
///                                             //   distributor"); empty if never heard of
///   (ring_sub_atom, caf::actor)       -> ()   // the actor gets (ring_changed_atom,
///                                             //   ring_snapshot) of the default ring now
///                                             //   and after every change (merge,
///                                             //   heartbeat, forget); dropped when it
///                                             //   goes down
///   (ring_sub_atom, caf::actor, std::string key) -> ()  // the same for `key`
///   (ring_unsub_atom, caf::actor)     -> ()   // from every key
///   (members_atom)                    -> (memberlist_snapshot) // gossip peers (/memberlist)
///   (ring_join_atom)                  -> (std::vector<uint32_t>) // WAL replayed: complete
///                                             //   the ingester-ring tokens, go ACTIVE,
///                                             //   gossip at once; replies the tokens (the
///                                             //   caller persists them: file I/O is not
///                                             //   done in the actor)
///   (ring_leave_atom)                 -> (bool)   // shutdown: every own entry LEAVING,
///                                             //   then LEFT (tombstone) pushed to every
///                                             //   connected peer; replies when they
///                                             //   answered or the timeout passed
///   (ring_forget_atom, std::string id) -> (bool)  // /ring Forget: tombstone for `id` in
///                                             //   the default ring (false: unknown,
///                                             //   already LEFT, or self)
///   (ring_forget_atom, std::string key, std::string id) -> (bool) // the same in `key`
///   (gossip_atom, gossip_msg)         -> (gossip_msg) // a peer's push-pull: merge its state
///                                             //   (every key), answer ours (remote;
///                                             //   gossip_msg is in the type-ID block)
///   (ring_hb_atom, std::string key)   -> ()   // itself: the key's heartbeat_period timer
///   (node_atom)                       -> (node_summary) // a peer's admin console: delegated
///                                             //   to this node's actor registry (remote)
///   (list_atom, actor_query)          -> (actor_page)   // a peer's admin console: this
///                                             //   node's listing (?node=), relayed to
///                                             //   its registry with high priority
///   (lookup_atom, uint64_t id)        -> (actor_page)   // the same for one actor
///   (info_atom)                       -> (actor_info)   // admin console: state, tokens,
///                                             //   members, peers, last gossip
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

using ring_actor =
    caf::typed_actor<caf::replies_to<ring_get_atom>::with<ring_snapshot>,
                     caf::replies_to<ring_get_atom, std::string>::with<ring_snapshot>,
                     caf::reacts_to<ring_sub_atom, caf::actor>,
                     caf::reacts_to<ring_sub_atom, caf::actor, std::string>,
                     caf::reacts_to<ring_unsub_atom, caf::actor>,
                     caf::replies_to<members_atom>::with<memberlist_snapshot>,
                     caf::replies_to<ring_join_atom>::with<std::vector<uint32_t>>,
                     caf::replies_to<ring_leave_atom>::with<bool>,
                     caf::replies_to<ring_forget_atom, std::string>::with<bool>,
                     caf::replies_to<ring_forget_atom, std::string, std::string>::with<bool>,
                     caf::replies_to<gossip_atom, gossip_msg>::with<gossip_msg>,
                     caf::reacts_to<ring_hb_atom, std::string>, caf::reacts_to<gossip_tick_atom>,
                     caf::replies_to<node_atom>::with<admin::node_summary>,
                     caf::replies_to<list_atom, admin::actor_query>::with<admin::actor_page>,
                     caf::replies_to<lookup_atom, uint64_t>::with<admin::actor_page>,
                     info_handler_t>;

} // namespace skald
