// messages/interfaces/ingester_actor.hpp — the ingester side of the write
// path: the ingester, its tenant instances and their stream actors (G2).
//
/// interface ingester_actor {            // one per node (actors/ingester/ingester.cpp)
///   (push_atom, ingest_ptr, ingest_done_ptr) -> ()        // routes to the tenant instance,
///                                                         //   creating it on first push; the
///                                                         //   done is finished by whichever
///                                                         //   actor ends the push (push.hpp)
///   (push_atom, ingest_ptr)           -> (ingest_reply)   // the same for request callers: the
///                                                         //   reply is sent by that actor
///   (status_atom)                     -> (ingester_stats) // tenants and streams in memory
///   (read_atom, tenant, labels)       -> (stream_dump)    // one stream's entries (tests)
///   (select_atom, select_request_ptr) -> (select_reply_ptr) // read path: the tenant's
///                                                         //   matching streams (messages/query.hpp)
///   (replay_atom, recovery_ptr)       -> (ingester_stats) // adopts the streams replayed from
///                                                         //   the WAL; pushes answer 503
///                                                         //   "replaying WAL" until then
///   (checkpoint_atom)                 -> ()               // timer (checkpoint_duration):
///                                                         //   roll, snapshot, write checkpoint
///   (tail_atom, tail_request_ptr)     -> (std::string)    // live tail: routes to the tenant
///                                                         //   (created if absent); "" = subscribed,
///                                                         //   else Loki's limit text
///   (admin_flush_atom, tenant, labels) -> (uint32_t)      // admin flush: the tenant's streams
///                                                         //   (labels empty = all) close their
///                                                         //   open chunk; replies #streams
///   (info_atom)                       -> (actor_info)     // admin console (admin_actor.hpp),
///                                                         //   also on every interface below
///   (flush_atom)                      -> ()               // timer (flush_check_period): one
///                                                         //   normal sweep of every stream
///   (flush_atom, mode, tenant)        -> (flush_reply)    // sweep ("" = all tenants); answers
///                                                         //   when every op finished
///   (stop_atom)                       -> (bool)           // refuse pushes from now on (shutdown);
///                                                         //   false if it was stopping already
/// }
/// interface wal_writer_actor {          // one per ingester (actors/ingester/wal_writer.cpp)
///   (append_atom, wal_append_ptr)     -> ()               // finishes each push's ingest_done:
///                                                         //   its reply after the records'
///                                                         //   group-commit write (and fsync
///                                                         //   with fsync=batch), else 503/500
///   (wal_flush_atom)                  -> ()               // itself: one group commit
///   (checkpoint_atom)                 -> (uint64_t N)     // rolls: segments <= N are covered
///                                                         //   by a snapshot taken after this
///   (checkpoint_atom, N, snapshots)   -> (uint64_t)       // delegated to the checkpoint
///                                                         //   writer (below)
/// }
/// interface checkpoint_writer_actor {   // one per ingester (actors/ingester/checkpoint_writer.cpp)
///   (checkpoint_atom, N, snapshots)   -> (uint64_t)       // writes checkpoint.N, removes
///                                                         //   segments <= N; replies #series
/// }
/// interface tenant_actor {              // one per tenant (actors/ingester/tenant.cpp)
///   (push_atom, ingest_ptr, ingest_done_ptr) -> ()        // one stream_append per stream (a
///                                                         //   push_round); stream limit on
///                                                         //   creation; Loki's "last error
///                                                         //   wins"; WAL on: one wal_append per
///                                                         //   push, logged while the streams
///                                                         //   apply; the last of the streams
///                                                         //   and the writer finishes the done
///   (status_atom)                     -> (ingester_stats)
///   (read_atom, labels)               -> (stream_dump)
///   (replay_atom, recovery_ptr)       -> (ingester_stats) // adopts its replayed streams
///   (checkpoint_atom)                 -> (snapshot_list_ptr) // its streams' snapshots
///   (select_atom, select_request_ptr) -> (select_reply_ptr) // fans out to matching streams
///   (tail_atom, tail_request_ptr)     -> (std::string)    // max_concurrent_tail_requests;
///                                                         //   attaches to matching streams, now
///                                                         //   and when they are created later
///   (admin_flush_atom, labels)        -> (uint32_t)       // admin flush of its streams
///   (flush_atom, mode)                -> (flush_reply)    // sweeps its streams; removes those
///                                                         //   left without chunks (no append
///                                                         //   sent after the one the stream had
///                                                         //   applied when it answered),
///                                                         //   releasing the limit
/// }
/// interface stream_actor {              // one per stream (actors/ingester/stream.cpp)
///   (append_atom, stream_append_ptr)  -> ()               // appends batch stream #index, writes
///                                                         //   its slot of the round (WAL on: the
///                                                         //   entries the tenant must log);
///                                                         //   the last slot completes the round
///   (status_atom)                     -> (stream_stats)
///   (read_atom)                       -> (stream_dump)
///   (checkpoint_atom)                 -> (snapshot_list_ptr) // chunks encoded, counter
///   (select_atom, select_request_ptr) -> (stream_slice_ptr) // entries in range (copied out)
///   (tail_atom, tail_request_ptr)     -> ()               // attach a tailer: after each
///                                                         //   append, its stored entries go to
///                                                         //   the tailer's inbox (non-blocking;
///                                                         //   messages/tail.hpp)
///   (admin_flush_atom)                -> (uint32_t)       // closes the open chunk (0 or 1)
///   (flush_atom, mode)                -> (flush_reply)    // drop flushed chunks past retain,
///                                                         //   pick (flush_policy), snapshot, send
///                                                         //   to a flush worker, answer when done;
///                                                         //   the reply counts the appends applied
/// }
/// interface flush_worker_actor {        // concurrent_flushes per ingester (flush_worker.cpp)
///   (flush_atom, flush_op_ptr)        -> (flush_reply)    // queued oldest first; answered after
///                                                         //   the store write or giving up
///   (flush_next_atom)                 -> ()               // itself: next op / retry
/// }
//
// ingest_reply.status is 0 when every stream stored its entries, else the
// HTTP status Loki would return for the last failing stream (400 too far
// behind, 429 stream limit / per-stream rate limit) and its text.
// Requests from other actors (the distributor, status/read callers) carry a
// timeout (dropped promises send nothing in CAF 0.17). Inside one ingester a
// push travels as one-way messages (tenant -> stream appends, tenant -> WAL
// writer): a message dropped because its receiver terminated fails the push
// through the destructors of stream_append / ingest_done; the distributor's
// deadline bounds the client's wait.
#pragma once

#include <cstdint>
#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/interfaces/admin_actor.hpp"
#include "messages/type_ids.hpp"
#include "messages/flush.hpp"
#include "messages/wal.hpp"

namespace skald {

using stream_actor = caf::typed_actor<
  caf::reacts_to<append_atom, stream_append_ptr>,
  caf::replies_to<status_atom>::with<stream_stats>,
  caf::replies_to<read_atom>::with<stream_dump>,
  caf::replies_to<checkpoint_atom>::with<snapshot_list_ptr>,
  caf::replies_to<select_atom, select_request_ptr>::with<stream_slice_ptr>,
  caf::reacts_to<tail_atom, tail_request_ptr>,
  caf::replies_to<flush_atom, uint8_t>::with<flush_reply>,
  caf::replies_to<admin_flush_atom>::with<uint32_t>, info_handler_t>;

using tenant_actor = caf::typed_actor<
  caf::reacts_to<push_atom, ingest_ptr, ingest_done_ptr>,
  caf::replies_to<status_atom>::with<ingester_stats>,
  caf::replies_to<read_atom, std::string>::with<stream_dump>,
  caf::replies_to<replay_atom, recovery_ptr>::with<ingester_stats>,
  caf::replies_to<checkpoint_atom>::with<snapshot_list_ptr>,
  caf::replies_to<select_atom, select_request_ptr>::with<select_reply_ptr>,
  caf::replies_to<tail_atom, tail_request_ptr>::with<std::string>,
  caf::replies_to<flush_atom, uint8_t>::with<flush_reply>,
  caf::replies_to<admin_flush_atom, std::string>::with<uint32_t>, info_handler_t>;

using ingester_actor = caf::typed_actor<
  caf::reacts_to<push_atom, ingest_ptr, ingest_done_ptr>,
  caf::replies_to<push_atom, ingest_ptr>::with<ingest_reply>,
  caf::replies_to<status_atom>::with<ingester_stats>,
  caf::replies_to<read_atom, std::string, std::string>::with<stream_dump>,
  caf::replies_to<replay_atom, recovery_ptr>::with<ingester_stats>,
  caf::reacts_to<checkpoint_atom>,
  caf::replies_to<select_atom, select_request_ptr>::with<select_reply_ptr>,
  caf::replies_to<tail_atom, tail_request_ptr>::with<std::string>,
  caf::reacts_to<flush_atom>,
  caf::replies_to<flush_atom, uint8_t, std::string>::with<flush_reply>,
  caf::replies_to<stop_atom>::with<bool>,
  caf::replies_to<admin_flush_atom, std::string, std::string>::with<uint32_t>, info_handler_t>;

using flush_worker_actor =
  caf::typed_actor<caf::replies_to<flush_atom, flush_op_ptr>::with<flush_reply>,
                   caf::reacts_to<flush_next_atom>, info_handler_t>;

using wal_writer_actor =
  caf::typed_actor<caf::reacts_to<append_atom, wal_append_ptr>,
                   caf::reacts_to<wal_flush_atom>,
                   caf::replies_to<checkpoint_atom>::with<uint64_t>,
                   caf::replies_to<checkpoint_atom, uint64_t, snapshot_list_ptr>::with<uint64_t>,
                   info_handler_t>;

using checkpoint_writer_actor =
  caf::typed_actor<caf::replies_to<checkpoint_atom, uint64_t, snapshot_list_ptr>::with<uint64_t>>;

} // namespace skald
