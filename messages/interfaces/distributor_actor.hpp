// messages/interfaces/distributor_actor.hpp — the distributor pool (G2).
//
/// interface distributor_actor {        // a pool, one per scheduler thread
///   (push_atom, push_job_ptr) -> ()    // validate, rate-limit, fan out to the
///                                      //   replication set, complete the job
///                                      //   (204 / 400 / 429 / 500) exactly once
///   (deadline_atom) -> ()              // to itself: fail the requests to
///                                      //   local ingesters past remote_timeout
///   (info_atom) -> (actor_info)        // admin console (admin_actor.hpp)
/// }
//
// The HTTP edge sends with anon_send (it is not an actor) and returns; the
// job's completion posts the HTTP response. A job whose message is dropped
// answers 503 from its destructor (messages/push.hpp).
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/interfaces/admin_actor.hpp"
#include "messages/type_ids.hpp"

namespace skald {

using distributor_actor =
  caf::typed_actor<caf::reacts_to<push_atom, push_job_ptr>, caf::reacts_to<deadline_atom>,
                   info_handler_t>;

} // namespace skald
