// messages/wal.hpp — what tenant instances say to the WAL writer actor, and
// how the ingester module hands the replayed streams to the ingester.
//
//   tenant ──(append_atom, wal_append_ptr)──► WAL writer        (no reply)
//        (one message per push, or per run of pushes completed together:
//        every stream's stored entries of those pushes; the writer finishes
//        each push's ingest_done itself: the push's own reply once their
//        write(2) returned — and, with ingester.wal.fsync = batch, their
//        group-commit fsync; else 503/500 and Loki's-style text for every
//        push that had records in the failed batch)
//   WAL writer ──(wal_flush_atom)──► itself          (one group commit)
//   ingester module ──(replay_atom, recovery_ptr)──► ingester ──► ingester_stats
//   checkpoint (every ingester.wal.checkpoint_duration, driven by the ingester):
//     ingester ──(checkpoint_atom)──► WAL writer ──► segment index N (roll)
//     ingester ──(checkpoint_atom)──► tenant ──► stream ──► snapshot_list_ptr
//     ingester ──(checkpoint_atom, N, snapshot_list_ptr)──► WAL writer ──► series written
//       (checkpoint.N committed, segments <= N and older checkpoints removed)
//
// Local only, like ingest_ptr: the pointers are whitelisted with
// CAF_ALLOW_UNSAFE_MESSAGE_TYPE and not in the type-ID block.
//
// Owner: a wal_append is built by one tenant instance from its push rounds'
// slots (stream_reply::wal, messages/push.hpp) and read by the WAL writer,
// which encodes the records straight from the batches' entry_views (each
// line is encoded once); it keeps the push batches alive.
// Invariants:
//   (1) every record has count >= 1 and counter >= count; the records of one
//       wal_id reach the writer in counter order (the tenant sends its
//       pushes' appends in the order the pushes arrived, and a stream applies
//       them in that order) — runtime/wal/writer.hpp, add_entries().
//   (2) series is true on the first record a stream incarnation sends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "messages/push.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"

namespace skald {

namespace ingester {
struct recovery;
} // namespace ingester

/// The records of one or more pushes of one tenant, in arrival order.
struct wal_append {
  struct push {
    /// Keeps the entry_views alive; labels and tenant of series records.
    ingest_ptr batch;
    /// (index of the stream in batch->request.streams, its record).
    std::vector<std::pair<uint32_t, stream_wal_record>> records;
    /// The push's answer once logged (status 0, or a stream's error).
    ingest_reply reply;
    /// Finished by the writer (the ack); dropped unfinished = not acked.
    ingest_done_ptr done;
  };
  std::vector<push> pushes;
};

using wal_append_ptr = std::shared_ptr<const wal_append>;

/// One stream's state for a WAL checkpoint, with its own bytes (the WAL
/// writer makes wal::series_snapshot views of it).
struct stream_snapshot {
  uint64_t wal_id = 0;
  uint64_t epoch = 0;
  /// The stream's WAL counter when snapshotted (entry_ct).
  uint64_t counter = 0;
  int64_t highest_ts = 0;
  std::string last_line;
  std::string tenant;
  model::label_set labels;
  /// (wal::chunk_flags, mem_chunk::encode() bytes), oldest first.
  std::vector<std::pair<uint8_t, std::string>> chunks;
};

/// Snapshots gathered stream -> tenant -> ingester; null = the checkpoint
/// must be abandoned (a stream could not be snapshotted).
using snapshot_list_ptr = std::shared_ptr<std::vector<stream_snapshot>>;

/// The streams rebuilt from the WAL (runtime/ingester/wal_recovery.hpp);
/// the ingester moves them out.
using recovery_ptr = std::shared_ptr<ingester::recovery>;

} // namespace skald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::wal_append_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::recovery_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::snapshot_list_ptr)
