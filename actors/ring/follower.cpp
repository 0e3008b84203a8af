// actors/ring/follower.cpp — see follower.hpp.
#include "actors/ring/follower.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

namespace skald::actors {

namespace {

caf::behavior follower_fn(caf::event_based_actor* self, ring_actor member, std::string key,
                          std::function<void(const ring_snapshot&)> on_change) {
  self->send(member, ring_sub_atom_v, caf::actor{self}, std::move(key));
  return {
      [on_change](ring_changed_atom, const ring_snapshot& snap) {
        if (snap)
          on_change(snap);
      },
  };
}

} // namespace

caf::actor spawn_ring_follower(caf::actor_system& sys, ring_actor member, std::string key,
                               std::function<void(const ring_snapshot&)> on_change) {
  return sys.spawn(follower_fn, std::move(member), std::move(key), std::move(on_change));
}

} // namespace skald::actors
