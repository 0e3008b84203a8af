// actors/admin/introspect.hpp — what a long-lived actor adds to take part in
// the admin console (issue 9), the same three lines for every kind:
//
//   struct my_state { admin::actor_stats admin; ... };       // plain counter
//   enlist(self, "stream", "stream {app=\"api\"} tenant=fake", parent_id, tenant);
//   return admin_behavior<my_actor::behavior_type>(self, fill_info, handlers...);
//
// admin_behavior wraps every handler so that it counts the message in
// state.admin (an increment and a vDSO coarse-clock read, owned by the actor:
// no atomics, no locks) and appends the `info` handler, which reads the
// mailbox size inside the actor and lets `fill_info` add kind-specific state.
// `info` itself is not counted (polling does not inflate the rates).
//
// enlist() finds the node's actor_registry by its name in the system
// registry; without one (actor tests) it does nothing. A build configured
// with SKALD_INTROSPECTION=OFF (bench/admin_cost_ir.sh only) makes tick()
// and enlist() no-ops: the baseline the introspection's cost is counted against.
#pragma once

#include <string>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/send.hpp>

#include "messages/interfaces/admin_actor.hpp"

namespace skald::actors {

/// The name the node's actor_registry is put under in the system registry.
inline caf::atom_value actor_registry_name() {
  return caf::atom("actreg");
}

/// The node's actor registry, or an invalid handle.
inline actor_registry_actor find_actor_registry(caf::actor_system& sys) {
  return caf::actor_cast<actor_registry_actor>(sys.registry().get(actor_registry_name()));
}

/// Registers `self` with the node's actor registry (call from the actor's
/// behaviour function). A no-op when the node has no registry.
template <class Self>
void enlist(Self* self, std::string kind, std::string name, uint64_t parent = 0,
            std::string tenant = {}) {
  if constexpr (!admin::introspection_enabled)
    return; // the cost benchmark's baseline build (SKALD_INTROSPECTION=OFF)
  auto reg = find_actor_registry(self->system());
  if (!reg)
    return;
  admin::actor_entry e;
  e.id = self->id();
  e.kind = std::move(kind);
  e.name = std::move(name);
  e.parent = parent;
  e.tenant = std::move(tenant);
  e.started_ns = admin::wall_now_ns();
  caf::anon_send(reg, enlist_atom_v, caf::actor_cast<caf::actor>(self), std::move(e));
}

namespace detail {

template <class F, class Sig>
struct counted_fn;

/// Calls f after counting the message; keeps f's exact signature so that
/// CAF's typed behaviours still check it against the interface.
template <class F, class R, class... Ts>
struct counted_fn<F, R(Ts...)> {
  F f;
  admin::actor_stats* stats;

  R operator()(Ts... xs) {
    stats->tick();
    return f(std::forward<Ts>(xs)...);
  }
};

template <class F>
auto counted(admin::actor_stats& stats, F f) {
  using sig = typename caf::detail::get_callable_trait<F>::fun_sig;
  return counted_fn<F, sig>{std::move(f), &stats};
}

} // namespace detail

/// The `info` handler: common fields read inside the actor, then `fill`
/// (only for a request: the registry's sweeps send `info` asynchronously and
/// need the numbers alone, so 100k stream actors build no state maps).
template <class Self, class Fill>
auto info_handler(Self* self, Fill fill) {
  return [self, fill](info_atom) -> admin::actor_info {
    const auto& s = self->state.admin;
    admin::actor_info out;
    out.mailbox = self->mailbox().size();
    out.handled = s.handled;
    out.last_activity_ns = s.last_activity_unix_ns();
    if (self->current_message_id().is_request())
      fill(out);
    return out;
  };
}

/// The actor's behaviour: every handler counted, plus `info`.
template <class Behavior, class Self, class Fill, class... Fs>
Behavior admin_behavior(Self* self, Fill fill, Fs... fs) {
  auto& stats = self->state.admin;
  return Behavior{detail::counted(stats, std::move(fs))..., info_handler(self, std::move(fill))};
}

} // namespace skald::actors
