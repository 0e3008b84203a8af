// runtime/ingester/wal_recovery.hpp — rebuilds the ingester's streams from
// the WAL directory on start (before the node is ready), as pure stream
// objects the ingester actor then adopts (one stream actor each).
//
//   auto r = ingester::recover_from_wal(fs, dir, stream_cfg, now_ns);
//   r.streams  -> (tenant, labels, fingerprint, epoch, counter, stream)
//   r.stats / r.corruptions -> metrics and log lines
//
// Replay applies each logged entries record with stream::push in log order,
// with the per-stream rate limit off (no limits during replay; the stream
// limit is not checked either). The entries are logged as they were sent to
// the stream, in the order it applied them, so the validity window and the
// last-line duplicate rule decide the same way again (what the stream
// refused at push time is refused again; only entries the per-stream rate
// limit refused come back).
// The replayer's counter rule drops entries already applied; a stream's
// counter continues from the last record, so new records never reuse a
// number (runtime/wal/writer.hpp, add_entries()).
//
// Block records (docs/wal-format.md §4.4) that the replayer yields whole
// are installed compressed (stream::install_block: a copy of the block's
// bytes, no decompression); one partly applied before (block_skip > 0), or
// that the stream cannot take (another chunk encoding configured), is
// decompressed and its remaining entries are pushed like an entries record.
//
// Checkpoint series restore the stream from its encoded chunks (closed
// chunks with mem_chunk::decode, the open one with decode_open), highest
// timestamp, last line and counter (entry_ct).
//
// Memory ceiling (ingester.wal.replay_memory_ceiling, Loki §6.4 step 4): the
// bytes replayed into memory are tallied (checkpoint chunk bytes, entry
// sizes, a whole block's compressed bytes, a partial block's payload size);
// once they pass 90% of the ceiling every stream's chunks are handed to
// `flush` (runtime/ingester/replay_flush.hpp writes them to the store) and
// dropped from memory (the stream keeps its highest timestamp, last line and
// counter). A round that fails with memory still above the ceiling ends the
// replay with Loki's error ("WAL replay flush made no progress: ...").
//
// Parallel rebuild (workers > 0): this thread reads the files (the next one
// read ahead on a background thread), decodes them, applies the replay
// rules (no-duplicates, bindings, counters, the memory tally) and hands
// each stream's work, in log order and in batches, to the one worker that
// owns the stream; workers apply entries (stream::push: copying lines,
// cutting and snappy-compressing blocks), install or decompress logged
// blocks and restore checkpoint chunks.
// Before a ceiling flush and at the end every worker is drained, so the
// flush and the result see every item before them applied. The caller's
// file_system is read from the read-ahead thread (one read at a time).
//
// Owner: the ingester module's start(), not a CAF scheduler thread. Pure
// (no CAF).
// Invariants:
//   (1) every stream in `streams` has a distinct (tenant, fingerprint, labels)
//       and counter >= the number of entries replayed into it.
//   (2) each returned stream has its configured rate limit restored.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/ingester/stream.hpp"
#include "runtime/util/status.hpp"
#include "runtime/wal/file_system.hpp"
#include "runtime/wal/replay.hpp"

namespace skald::ingester {

struct recovered_stream {
  std::string tenant;
  std::string labels;
  model::label_set label_set;
  /// The stream's label fingerprint (model::fingerprint).
  uint64_t fingerprint = 0;
  /// The WAL's "fingerprint": a node-wide stream id (the label fingerprint
  /// is not unique across tenants), never reused while its records exist.
  uint64_t wal_id = 0;
  uint64_t epoch = 0;
  /// The WAL counter of the last logged entry (the next record continues).
  uint64_t counter = 0;
  std::unique_ptr<stream> s;
};

struct recovery {
  std::vector<recovered_stream> streams;
  wal::replay_stats stats;
  std::vector<wal::corruption> corruptions;
  /// Entries stored again during replay (stream::push, installed blocks).
  uint64_t entries_restored = 0;
  /// Checkpoint chunks that did not decode (their entries are lost).
  uint64_t skipped_checkpoint_chunks = 0;
  /// Block records whose payload did not decode (their entries are lost).
  uint64_t skipped_blocks = 0;
  /// Largest WAL stream id seen (new streams must use larger ones).
  uint64_t max_wal_id = 0;
  /// Memory-ceiling flush rounds and the chunks they wrote.
  uint64_t ceiling_flushes = 0;
  uint64_t ceiling_flushed_chunks = 0;
  /// CPU time of the replaying thread (reading too without read-ahead;
  /// stats.read_cpu_ns) and of each rebuild worker: on an idle machine the
  /// replay takes about max(replay thread, busiest worker, sum / cores).
  uint64_t replay_thread_cpu_ns = 0;
  std::vector<uint64_t> worker_cpu_ns;
};

/// The memory ceiling of a replay; bytes 0 = off.
struct replay_ceiling {
  uint64_t bytes = 0;
  /// Writes every chunk of the stream to the store (closing them); returns
  /// how many. The replay drops the chunks after success.
  std::function<result<size_t>(recovered_stream&)> flush;
};

/// Replays dir. Fails only when the directory cannot be listed. `progress`
/// (optional) counts the items replayed so far, for /ready. `workers` > 0:
/// that many threads rebuild the streams (wal::replay_pool; stream i on
/// worker i % workers) while this thread reads (with read-ahead) and
/// decodes; 0: all on this thread. The result is the same either way.
result<recovery> recover_from_wal(wal::file_system& fs, const std::string& dir,
                                  const stream_config& cfg, int64_t now_ns,
                                  std::atomic<uint64_t>* progress = nullptr,
                                  const replay_ceiling& ceiling = {}, size_t workers = 0);

} // namespace skald::ingester
