// messages/registration.hpp — registers skald's message vocabulary with CAF.
//
// Every binary that runs an actor system calls register_messages(cfg) before
// constructing the system, so all nodes agree on every type (caf-0.17.md §2).
#pragma once

#include <caf/fwd.hpp>

namespace skald {

/// Adds the skald type-ID block (and the io module's types) to `cfg`.
void register_messages(caf::actor_system_config& cfg);

} // namespace skald
