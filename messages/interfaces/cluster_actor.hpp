// messages/interfaces/cluster_actor.hpp — the actors a node exposes to other
// nodes (docs/cluster.md).
//
/// interface directory_actor {           // one per node, published on
///                                       //   server.grpc_listen_port (CAF/BASP)
///   (lookup_atom) -> (node_info)        // this node's ring entry and endpoints
/// }
/// interface remote_ingester_actor {     // one per ingester node (ingester gateway)
///   (push_atom, ingest_wire)   -> (ingest_reply)       // decode, push to the local
///                                                      //   ingester, relay its reply
///   (select_atom, select_wire) -> (select_reply_wire)  // decode, select locally,
///                                                      //   encode the reply
///   (tail_atom, tail_sub_wire, tailer) -> (error text, relay) // live tail from a
///                                                      //   querier on another node: a relay
///                                                      //   actor here subscribes to the local
///                                                      //   ingester like a local tailer and
///                                                      //   forwards (tail_atom, tail_batch_wire)
///                                                      //   to `tailer`; "" = subscribed, else
///                                                      //   Loki's limit text (relay null)
/// }
/// interface tail relay {                // one per remote tailer per ingester node
///   (tail_atom, tail_batch_ptr) -> ()  // from local streams: queued, sent coalesced
///   (tail_ack_atom, uint32_t n)  -> () // from the tailer: n entries consumed
///                                      //   (the subscription's inflight window)
///   (stop_atom)                  -> () // the tail ended: unsubscribe, quit; also
///                                      //   on the tailer's down_msg (its node died)
/// }
//
// Callers on other nodes always carry a timeout: a dead node does not fail an
// in-flight request in CAF 0.17 (caf-0.17.md §4), and a dropped promise sends
// nothing. A malformed wire message answers ingest_reply{500, text} / an
// error, never a crash.
#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/type_ids.hpp"

namespace skald {

using directory_actor = caf::typed_actor<caf::replies_to<lookup_atom>::with<node_info>>;

using remote_ingester_actor = caf::typed_actor<
    caf::replies_to<push_atom, ingest_wire>::with<ingest_reply>,
    caf::replies_to<select_atom, select_wire>::with<select_reply_wire>,
    caf::replies_to<tail_atom, tail_sub_wire, caf::actor>::with<std::string, caf::actor>>;

} // namespace skald
