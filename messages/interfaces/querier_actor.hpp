// messages/interfaces/querier_actor.hpp — the querier of one node (read path).
//
/// interface querier_actor {             // one per node (actors/querier/querier.cpp)
///   (select_atom, query_job_ptr)      -> ()   // asks the ingester (later also the store)
///                                             //   with the job's deadline as timeout,
///                                             //   then runs job->done on the worker pool
///   (select_atom, uint64_t id)        -> ()   // its own timer: query `id` reached its
///                                             //   deadline with the store part running:
///                                             //   504 now, the store read is cancelled
///   (info_atom) -> (actor_info)               // admin console (admin_actor.hpp)
/// }
//
// The HTTP edge anon_sends jobs; the answer travels through the job's done
// callback (it owns the responder), so no promise can be dropped silently.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/interfaces/admin_actor.hpp"
#include "messages/type_ids.hpp"

namespace skald {

using querier_actor =
  caf::typed_actor<caf::reacts_to<select_atom, query_job_ptr>,
                   caf::reacts_to<select_atom, uint64_t>, info_handler_t>;

} // namespace skald
