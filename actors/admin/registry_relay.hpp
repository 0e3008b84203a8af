// actors/admin/registry_relay.hpp — how an actor that other nodes reach (the
// ring member, published on the gossip port) answers a peer's admin console
// for this node's actor listing (GET /admin/api/actors?node=..., issue 9).
//
// The peer's request crosses BASP with normal priority (a high-priority
// request to a remote actor is never answered in CAF 0.17.6); the relaying
// actor has a small mailbox and asks this node's actor registry with high
// priority and a caf::duration timeout (caf-0.17.md §8), so the registry
// answers ahead of any backlog, and relays the page. The relay's timeout
// stays below the asking node's own bound, so the asker sees this node's
// error rather than its own timeout.
#pragma once

#include <chrono>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/duration.hpp>
#include <caf/message_priority.hpp>
#include <caf/sec.hpp>

#include "actors/admin/introspect.hpp"

namespace skald::actors {

/// Bound of the relaying actor's request to its registry.
constexpr std::chrono::milliseconds registry_relay_timeout{4000};

/// Asks the node's actor registry (list_atom, actor_query) or (lookup_atom,
/// id) with high priority and relays its actor_page.
template <class Self, class... Ts>
caf::result<admin::actor_page> relay_to_registry(Self* self, Ts&&... xs) {
  auto reg = find_actor_registry(self->system());
  if (!reg)
    return caf::make_error(caf::sec::invalid_argument, "no actor registry on this node");
  auto rp = self->template make_response_promise<admin::actor_page>();
  self->template request<caf::message_priority::high>(reg, caf::duration{registry_relay_timeout},
                                                      std::forward<Ts>(xs)...)
      .then([rp](admin::actor_page& page) mutable { rp.deliver(std::move(page)); },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

} // namespace skald::actors
