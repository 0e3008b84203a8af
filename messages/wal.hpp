// messages/wal.hpp — what tenant instances say to the WAL writer actor, and
// how the ingester module hands the replayed streams to the ingester.
//
//   tenant ──(append_atom, wal_append_ptr)──► WAL writer        (no reply)
//        (one message per push, sent right after the push's stream appends:
//        every entry sent to a stream, logged while the streams apply them.
//        The writer counts the push's round down once the write(2) returned
//        — and, with ingester.wal.fsync = batch, its group-commit fsync —
//        after setting the round's wal_status: 0, or 503/500 and Loki's-style
//        text for a failed batch. Whoever counts the round down last answers
//        the push, messages/push.hpp)
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
// Owner: a wal_append is built by one tenant instance for one push and read
// by the WAL writer, which encodes the records straight from the batch's
// entry_views (each line is encoded once); it keeps the push round alive.
// Invariants:
//   (1) every record has count >= 1 and counter >= count; the records of one
//       wal_id reach the writer in counter order (the tenant sends its
//       pushes' appends in the order the pushes arrived) —
//       runtime/wal/writer.hpp, add_entries().
//   (2) series is true on the first record a stream incarnation sends.
//   (3) a push's stream appends are sent before its wal_append, so the
//       snapshot a checkpoint asks for after its roll (the tenant forwards
//       the ask, later, to the same stream actors: FIFO per sender) finds the
//       entries of every record before the roll applied
//       (runtime/wal/writer.hpp's REQUIRES).
//   (4) the writer logs every entry the tenant sent, also those the stream
//       then refuses; replay applies the same rules in the same order and
//       refuses them again (runtime/ingester/wal_recovery.hpp).
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

/// The records of one push of one tenant.
struct wal_append {
  /// The push: keeps the entry_views alive (batch; labels and tenant of
  /// series records); the writer counts it down after the write.
  push_round_ptr round;
  /// (index of the stream in round->batch->request.streams, its record).
  std::vector<std::pair<uint32_t, stream_wal_record>> records;
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
