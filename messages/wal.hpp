// messages/wal.hpp — what stream actors say to the WAL writer actor, and how
// the ingester module hands the replayed streams to the ingester.
//
//   stream ──(append_atom, wal_record_ptr)──► WAL writer ──► stream_reply
//        (the stream delegates the tenant's append: the writer answers the
//        tenant directly with the record's `reply`)
//        (status 0 once the record's write(2) returned — and, with
//        ingester.wal.fsync = batch, its group-commit fsync; else 503/500)
//   WAL writer ──(wal_flush_atom)──► itself          (one group commit)
//   ingester module ──(replay_atom, recovery_ptr)──► ingester ──► ingester_stats
//   checkpoint (every ingester.wal.checkpoint_duration, driven by the ingester):
//     ingester ──(checkpoint_atom)──► WAL writer ──► segment index N (roll)
//     ingester ──(checkpoint_atom)──► tenant ──► stream ──► snapshot_list_ptr
//     ingester ──(checkpoint_atom, N, snapshot_list_ptr)──► WAL writer ──► series written
//       (checkpoint.N committed, segments <= N and older checkpoints removed)
//
// Local only, like ingest_ptr: both pointers are whitelisted with
// CAF_ALLOW_UNSAFE_MESSAGE_TYPE and not in the type-ID block.
//
// Owner: a wal_record is built by one stream actor and read by the WAL
// writer; it keeps the push batch alive, so its entry_views stay valid.
// Invariants:
//   (1) entries.size() >= 1 and counter >= entries.size(); counters of one
//       wal_id only grow (runtime/wal/writer.hpp, add_entries()).
//   (2) series is true on the first record a stream incarnation sends (and
//       labels/tenant are set then).
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

struct wal_record {
  /// Keeps the entry_views' bytes alive.
  ingest_ptr batch;
  /// Node-wide stream id (the WAL's "fingerprint") and incarnation.
  uint64_t wal_id = 0;
  uint64_t epoch = 0;
  /// The stream's WAL counter after these entries.
  uint64_t counter = 0;
  /// Log the series record first (set on the stream's first record).
  bool series = false;
  std::string tenant;
  model::label_set labels;
  std::vector<model::entry_view> entries;
  /// The stream's answer to its append: the WAL writer sends it to the
  /// tenant (the append is delegated) once the record is written, with
  /// status/message replaced when the write failed.
  stream_reply reply;
};

using wal_record_ptr = std::shared_ptr<const wal_record>;

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

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::wal_record_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::recovery_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::snapshot_list_ptr)
