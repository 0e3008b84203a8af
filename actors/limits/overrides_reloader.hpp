// actors/limits/overrides_reloader.hpp — re-reads runtime_config.file every
// runtime_config.period into the shared limits::overrides.
//
// Protocol: none from outside; it sends itself (tick_atom) every `period`.
// State owned: nothing (the overrides object is shared and synchronised).
// On a bad file the previous limits stay in force and an error is logged
// (Loki's runtime config manager does the same); `on_error` is called too
// (tests count it). Exit: an exit_msg from the overrides module.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

namespace skald::limits {
class overrides;
} // namespace skald::limits

namespace skald::actors {

caf::actor spawn_overrides_reloader(caf::actor_system& sys,
                                    std::shared_ptr<limits::overrides> limits,
                                    std::chrono::nanoseconds period,
                                    std::function<void(const std::string&)> on_error = {});

} // namespace skald::actors
