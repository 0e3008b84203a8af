// messages/admin.hpp — what the admin console's actors say to each other.
//
//   every long-lived actor ──(enlist_atom, caf::actor, actor_entry)──► actor_registry
//   actor_registry / HTTP  ──(info_atom)──► any registered actor ──► actor_info
//   HTTP /admin/api/*      ──(list_atom, actor_query)──► actor_registry ──► actor_page
//                          ──(lookup_atom, uint64_t id)──► actor_registry ──► actor_row
//                          ──(lookup_atom, std::string kind)──► actor_registry ──► caf::actor
//   HTTP /admin/api/nodes  ──(node_atom)──► actor_registry ──► node_summary
//                          ──(node_atom)──► a peer's ring member (over CAF) ──delegates──►
//                                           the peer's actor_registry ──► node_summary
//   HTTP POST /admin/api/flush ──(admin_flush_atom, tenant, labels)──► ingester ──► uint32_t
//
// Admin requests travel with message_priority::high and a caf::duration
// timeout (the std::chrono overload of request<high> drops the priority in
// CAF 0.17, caf-0.17.md §8), so an actor answers them ahead of its backlog.
// The data types (runtime/admin/directory.hpp) are plain structs; their
// inspect() functions live here, next to the type-ID block's other types.
#pragma once

#include <caf/meta/type_name.hpp>

#include "runtime/admin/directory.hpp"

namespace skald::admin {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_info& x) {
  return f(caf::meta::type_name("actor_info"), x.mailbox, x.handled, x.last_activity_ns, x.numbers,
           x.strings);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_entry& x) {
  return f(caf::meta::type_name("actor_entry"), x.id, x.kind, x.name, x.parent, x.tenant,
           x.started_ns);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_row& x) {
  return f(caf::meta::type_name("actor_row"), x.entry, x.info, x.rate, x.answered);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_query& x) {
  return f(caf::meta::type_name("actor_query"), x.kind, x.tenant, x.name, x.sort, x.descending,
           x.offset, x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_page& x) {
  return f(caf::meta::type_name("actor_page"), x.total, x.offset, x.limit, x.rows, x.kinds);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_summary& x) {
  return f(caf::meta::type_name("node_summary"), x.id, x.hostname, x.address, x.roles, x.version,
           x.started_ns, x.ready, x.modules, x.actors, x.reachable, x.heartbeat_age_ms, x.self, x.gossip, x.error);
}

} // namespace skald::admin
