#include "actors/limits/overrides_reloader.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "runtime/limits/overrides.hpp"
#include "runtime/util/logging.hpp"

namespace skald::actors {

caf::actor spawn_overrides_reloader(caf::actor_system& sys,
                                    std::shared_ptr<limits::overrides> limits,
                                    std::chrono::nanoseconds period,
                                    std::function<void(const std::string&)> on_error) {
  return sys.spawn([limits, period, on_error](caf::event_based_actor* self) -> caf::behavior {
    self->delayed_send(self, period, caf::tick_atom_v);
    return {
      [=](caf::tick_atom) {
        if (auto st = limits->reload(); !st.ok()) {
          SKALD_LOG_ERROR(log::get("overrides"),
                          "failed to reload runtime config, keeping the previous values: {}",
                          st.message());
          if (on_error)
            on_error(st.message());
        }
        self->delayed_send(self, period, caf::tick_atom_v);
      },
    };
  });
}

} // namespace skald::actors
