// messages/type_ids.hpp — THE type-ID block of skald (G3).
//
// Every atom (at most 10 characters) and every message type that actors
// exchange is listed here once. runtime/system registers the whole block on
// every node with cfg.add_message_types<caf::id_block::skald>(), so a remote
// peer never receives an empty message for a forgotten type (caf-0.17.md §2).
//
// Keep atoms in namespace skald: CAF defines several in namespace caf.
#pragma once

#include <caf/type_id.hpp>

CAF_BEGIN_TYPE_ID_BLOCK(skald, caf::first_custom_type_id)

  // Lifecycle and introspection.
  CAF_ADD_ATOM(skald, skald, ready_atom, "ready")
  CAF_ADD_ATOM(skald, skald, status_atom, "status")
  CAF_ADD_ATOM(skald, skald, stop_atom, "stop")

CAF_END_TYPE_ID_BLOCK(skald)
