// actors/ring/follower.hpp — a small actor that follows one ring key of
// this node's ring member and hands every snapshot to a callback.
//
// Used by the distributor module (count the healthy distributors of the
// distributor ring for the `global` rate strategy) and the ring module (keep
// the latest ingester-ring snapshot for the /ready check), so neither polls
// the member nor blocks an HTTP thread on it.
//
// State owned: none (the callback owns what it updates; it runs on the
// follower's scheduler thread and must be quick and never block — e.g. an
// atomic store or a pointer swap under a mutex).
// Lifetime: subscribes at spawn (the member sends the current snapshot at
// once, then one after every change of that key, at least every own
// heartbeat_period); the member drops the subscription when the follower
// goes down. Send it an exit to stop it. Not linked.
#pragma once

#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "messages/interfaces/ring_actor.hpp"

namespace skald::actors {

caf::actor spawn_ring_follower(caf::actor_system& sys, ring_actor member, std::string key,
                               std::function<void(const ring_snapshot&)> on_change);

} // namespace skald::actors
