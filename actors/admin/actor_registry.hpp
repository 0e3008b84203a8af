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
// requests (every matching actor when sorting by mailbox, rate or handled;
// else only the page's), so 100k stream actors are never dumped at once;
// an actor that does not answer within the timeout shows answered=false.
#pragma once

#include <chrono>

#include <caf/fwd.hpp>

#include "messages/interfaces/admin_actor.hpp"

namespace skald::actors {

/// Spawns the registry; `timeout` bounds each info request it sends.
actor_registry_actor spawn_actor_registry(caf::actor_system& sys,
                                          std::chrono::milliseconds timeout);

} // namespace skald::actors
