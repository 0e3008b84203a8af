#include "messages/registration.hpp"

#include <caf/actor_system_config.hpp>

#include "messages/type_ids.hpp"

namespace skald {

void register_messages(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::skald>();
}

} // namespace skald
