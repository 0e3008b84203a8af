// messages/interfaces/admin_actor.hpp — the admin console's protocols (issue 9).
//
/// interface <every long-lived actor> {  // ingester, tenant, stream, WAL writer,
///                                       //   distributor, querier, ...
///   (info_atom) -> (actor_info)         // mailbox size (read inside the actor),
///                                       //   messages handled, last activity,
///                                       //   kind-specific state
/// }
/// interface actor_registry_actor {      // one per node (actors/admin/actor_registry.cpp),
///                                       //   named "actreg" in the system registry
///   (enlist_atom, actor, actor_entry)   -> ()            // registers; monitored, removed
///                                                        //   when the actor goes down
///   (list_atom, actor_query)            -> (actor_page)  // filter, sort, one page
///   (list_atom, uint64_t gather)        -> ()            // itself: a fan-out's deadline
///   (lookup_atom, uint64_t id)          -> (actor_page)  // one actor (0 rows: unknown)
///   (lookup_atom, std::string kind)     -> (actor)       // first live actor of a kind
///                                                        //   (invalid handle: none)
///   (node_atom)                         -> (node_summary) // this node (roles, address,
///                                                        //   modules, actors per kind);
///                                                        //   peers ask it through their
///                                                        //   ring member (over CAF)
///   (info_atom)                         -> (actor_info)
///   (actor_info)                        -> ()            // an actor's answer to a
///                                                        //   sweep's async info (below)
/// }
//
// Senders of info use request<message_priority::high> with a caf::duration
// timeout (caf-0.17.md §8): the answer overtakes a backlog of pushes. The
// registry's sweep over every actor (sorting 100k actors by mailbox or rate)
// instead sends `info` asynchronously with high priority: no response
// handler per actor; the answer comes back as a plain (actor_info) message
// and carries the common numbers only (the kind-specific state is filled in
// for requests alone).
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/type_ids.hpp"

namespace skald {

/// The `info` handler every introspectable typed interface includes.
using info_handler_t = caf::replies_to<info_atom>::with<admin::actor_info>;

using actor_registry_actor =
    caf::typed_actor<caf::reacts_to<enlist_atom, caf::actor, admin::actor_entry>,
                     caf::replies_to<list_atom, admin::actor_query>::with<admin::actor_page>,
                   caf::reacts_to<list_atom, uint64_t>,
                     caf::replies_to<lookup_atom, uint64_t>::with<admin::actor_page>,
                     caf::replies_to<lookup_atom, std::string>::with<caf::actor>,
                     caf::replies_to<node_atom>::with<admin::node_summary>,
                     caf::reacts_to<admin::actor_info>, info_handler_t>;

} // namespace skald
