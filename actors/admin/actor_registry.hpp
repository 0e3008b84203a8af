// actors/admin/actor_registry.hpp — the per-node directory of long-lived
// actors behind the admin console (issue 9; protocol in
// messages/interfaces/admin_actor.hpp).
//
// Owner: system::node spawns it before any module and puts it under
// actor_registry_name() in CAF's registry (actors/admin/introspect.hpp), so
// every actor can enlist itself; the node erases the name and stops it after
// the modules stopped (a named actor keeps ~actor_system waiting).
//
// State: id -> (entry, weak address) of every enlisted actor, kept until the
// actor's down message; per-kind counts; the message-rate baselines.
// A listing asks only the actors it needs with high-priority `info`
// requests: sorted by id, name or start, only the page's actors; sorted by
// mailbox, rate or handled, every matching actor is sampled (numbers only),
// then the page's actors are asked for their full state (over more than
// 1000 matches the sample is one shared sample of every actor, refreshed at
// most every max(1 s, 4 x its own duration)). So 100k stream
// actors are never dumped at once. The requests carry no timer each (CAF
// 0.17's clock thread pays per timed request); one deadline message per
// fan-out delivers what arrived, and an actor that did not answer by then
// shows answered=false.
#pragma once

#include <chrono>
#include <functional>

#include <caf/fwd.hpp>

#include "messages/interfaces/admin_actor.hpp"

namespace skald::actors {

/// Spawns the registry; `timeout` bounds each info request it sends.
/// `node` describes this node for (node_atom) (the registry adds the actor
/// counts); it runs inside the registry, so it must be cheap and
/// thread-safe. Empty: a summary with the counts only.
actor_registry_actor spawn_actor_registry(caf::actor_system& sys,
                                          std::chrono::milliseconds timeout,
                                          std::function<admin::node_summary()> node = {});

} // namespace skald::actors
