// messages/interfaces/querier_actor.hpp — the querier of one node (read path).
//
/// interface querier_actor {             // one per node (actors/querier/querier.cpp)
///   (select_atom, query_job_ptr)      -> ()   // asks the ingester (later also the store)
///                                             //   with the job's deadline as timeout,
///                                             //   then runs job->done on the worker pool
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
  caf::typed_actor<caf::reacts_to<select_atom, query_job_ptr>, info_handler_t>;

} // namespace skald
