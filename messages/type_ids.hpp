// messages/type_ids.hpp — THE type-ID block of skald (G3).
//
// Every atom (at most 10 characters) and every message type that actors
// exchange is listed here once. runtime/system registers the whole block on
// every node with cfg.add_message_types<caf::id_block::skald>(), so a remote
// peer never receives an empty message for a forgotten type (caf-0.17.md §2).
//
// Not listed (local only, whitelisted with CAF_ALLOW_UNSAFE_MESSAGE_TYPE in
// messages/push.hpp and messages/wal.hpp): push_job_ptr, ingest_ptr,
// wal_append_ptr, recovery_ptr, snapshot_list_ptr and flush_op_ptr, the
// shared_ptrs of the write path; tail_request_ptr, tail_batch_ptr and
// tail_history_ptr (messages/tail.hpp); ring_snapshot and memberlist_snapshot
// (messages/ring.hpp). The serialised forms for other nodes are ingest_wire,
// select_wire and select_reply_wire (messages/wire.hpp), and live tail's
// tail_sub_wire and tail_batch_wire.
//
// Keep atoms in namespace skald: CAF defines several in namespace caf.
#pragma once

#include <caf/type_id.hpp>

#include "messages/admin.hpp"
#include "messages/cluster.hpp"
#include "messages/flush.hpp"
#include "messages/push.hpp"
#include "messages/query.hpp"
#include "messages/ring.hpp"
#include "messages/tail.hpp"
#include "messages/wal.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(skald, caf::first_custom_type_id)

  // Lifecycle and introspection.
  CAF_ADD_ATOM(skald, skald, ready_atom, "ready")
  CAF_ADD_ATOM(skald, skald, status_atom, "status")
  CAF_ADD_ATOM(skald, skald, stop_atom, "stop")

  // Write path (messages/push.hpp).
  CAF_ADD_ATOM(skald, skald, push_atom, "push")
  CAF_ADD_ATOM(skald, skald, append_atom, "append")
  CAF_ADD_ATOM(skald, skald, read_atom, "read")
  CAF_ADD_ATOM(skald, skald, limits_atom, "limits")
  CAF_ADD_TYPE_ID(skald, (skald::ingest_reply))
  CAF_ADD_TYPE_ID(skald, (skald::stream_reply))
  CAF_ADD_TYPE_ID(skald, (skald::stream_stats))
  CAF_ADD_TYPE_ID(skald, (skald::stream_dump))
  CAF_ADD_TYPE_ID(skald, (skald::ingester_stats))

  // WAL (messages/wal.hpp).
  CAF_ADD_ATOM(skald, skald, wal_flush_atom, "walflush")
  CAF_ADD_ATOM(skald, skald, replay_atom, "replay")
  CAF_ADD_ATOM(skald, skald, checkpoint_atom, "checkpoint")

  // Read path (messages/query.hpp; its shared_ptrs are local only).
  CAF_ADD_ATOM(skald, skald, select_atom, "select")

  // Live tail (messages/tail.hpp; its shared_ptrs are local only).
  CAF_ADD_ATOM(skald, skald, tail_atom, "tail")
  CAF_ADD_ATOM(skald, skald, tail_hist_atom, "tailhist")
  CAF_ADD_ATOM(skald, skald, tail_tick_atom, "tailtick")

  // Admin console (messages/admin.hpp).
  CAF_ADD_ATOM(skald, skald, info_atom, "info")
  CAF_ADD_ATOM(skald, skald, enlist_atom, "enlist")
  CAF_ADD_ATOM(skald, skald, list_atom, "list")
  CAF_ADD_ATOM(skald, skald, lookup_atom, "lookup")
  CAF_ADD_ATOM(skald, skald, admin_flush_atom, "adminflush")
  CAF_ADD_TYPE_ID(skald, (skald::admin::actor_info))
  CAF_ADD_TYPE_ID(skald, (skald::admin::actor_entry))
  CAF_ADD_TYPE_ID(skald, (skald::admin::actor_row))
  CAF_ADD_TYPE_ID(skald, (skald::admin::actor_query))
  CAF_ADD_TYPE_ID(skald, (skald::admin::actor_page))
  CAF_ADD_ATOM(skald, skald, node_atom, "node")
  CAF_ADD_TYPE_ID(skald, (skald::admin::node_summary))

  // Flush (messages/flush.hpp; flush_op_ptr is local only).
  CAF_ADD_ATOM(skald, skald, flush_atom, "flush")
  CAF_ADD_ATOM(skald, skald, flush_next_atom, "flushnext")
  CAF_ADD_TYPE_ID(skald, (skald::flush_reply))

  // Cluster (messages/wire.hpp, messages/cluster.hpp): the serialised forms
  // sent to ingesters on other nodes, and the directory lookup.
  // lookup_atom ("lookup") is shared with the cluster directory (above).
  CAF_ADD_TYPE_ID(skald, (skald::ingest_wire))
  CAF_ADD_TYPE_ID(skald, (skald::select_wire))
  CAF_ADD_TYPE_ID(skald, (skald::select_reply_wire))
  CAF_ADD_TYPE_ID(skald, (skald::node_info))
  // Live tail over the cluster (messages/wire.hpp, docs/cluster.md): a
  // remote tailer's subscription, the entries its relay sends, its acks.
  CAF_ADD_TYPE_ID(skald, (skald::tail_sub_wire))
  CAF_ADD_TYPE_ID(skald, (skald::tail_batch_wire))
  CAF_ADD_ATOM(skald, skald, tail_ack_atom, "tailack")

  // Ring and gossip (messages/ring.hpp, messages/interfaces/ring_actor.hpp).
  CAF_ADD_ATOM(skald, skald, ring_get_atom, "ringget")
  CAF_ADD_ATOM(skald, skald, ring_sub_atom, "ringsub")
  CAF_ADD_ATOM(skald, skald, ring_unsub_atom, "ringunsub")
  CAF_ADD_ATOM(skald, skald, ring_changed_atom, "ringchg")
  CAF_ADD_ATOM(skald, skald, ring_join_atom, "ringjoin")
  CAF_ADD_ATOM(skald, skald, ring_leave_atom, "ringleave")
  CAF_ADD_ATOM(skald, skald, ring_forget_atom, "ringforget")
  CAF_ADD_ATOM(skald, skald, members_atom, "members")
  CAF_ADD_ATOM(skald, skald, gossip_atom, "gossip")
  CAF_ADD_ATOM(skald, skald, ring_hb_atom, "ringhb")
  CAF_ADD_ATOM(skald, skald, gossip_tick_atom, "gosstick")
  CAF_ADD_TYPE_ID(skald, (skald::gossip_msg))

CAF_END_TYPE_ID_BLOCK(skald)
