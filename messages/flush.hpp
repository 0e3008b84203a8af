// messages/flush.hpp — what the flush sweep sends: stream actors hand
// immutable snapshots of the chunks to flush to the flush workers, and the
// flush requests (timer, /flush, shutdown) are answered with a tally.
//
//   ingester ──(flush_atom, mode, tenant)──► tenant ──(flush_atom, mode)──► stream
//   stream ──(flush_atom, flush_op_ptr)──► flush worker (fp mod concurrent_flushes)
//   flush worker ──► flush_reply (after the store write, or after giving up)
//   every level answers a flush_reply summed over what it asked.
//
// flush_op_ptr is local only (whitelisted with CAF_ALLOW_UNSAFE_MESSAGE_TYPE,
// not in the type-ID block); flush_reply is a plain value type in the block.
//
// Owner: a flush_op is built by one stream actor and only read afterwards
// (the worker, its retries, the metrics); it holds read-only snapshots of the
// chunks (their compressed blocks shared, not copied), so the stream may drop
// or change its chunks meanwhile. The worker encodes a snapshot only when it
// writes it: a sweep that enqueues every stream's full chunks at once holds
// no second copy of them (peak RSS; docs/benchmarks.md, pushcpu).
// Invariants: chunks is non-empty, oldest first; first_ts = chunks[0].min_ts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"

namespace skald {

/// One closed chunk: chunkenc::mem_chunk::snapshot(), encoded by the worker
/// (mem_chunk::encode()).
struct flush_chunk_snapshot {
  model::timestamp_ns min_ts = 0;
  model::timestamp_ns max_ts = 0;
  uint32_t entries = 0;
  /// ingester::flush_reason (loki_ingester_chunks_flushed_total{reason}).
  uint8_t reason = 0;
  /// mem_chunk::utilization() when it was closed.
  double utilization = 0;
  std::shared_ptr<const chunkenc::mem_chunk> chunk;
  /// mem_chunk::uncompressed_size() (the index ref's, for index/volume).
  uint32_t uncompressed = 0;
};

/// The chunks of one stream to write in one store call (chunk objects, then
/// one index batch: runtime/storage/store.hpp).
struct flush_op {
  std::string tenant;
  model::label_set labels;
  uint64_t fingerprint = 0;
  /// Forced by /flush, shutdown or the replay ceiling (Loki's immediate op).
  bool immediate = false;
  model::timestamp_ns first_ts = 0;
  std::vector<flush_chunk_snapshot> chunks;
};

using flush_op_ptr = std::shared_ptr<const flush_op>;

/// The tally of a flush request (summed over streams and tenants).
struct flush_reply {
  /// Flush ops sent to the workers and chunks in them.
  uint32_t ops = 0;
  uint32_t chunks = 0;
  /// Chunks whose op gave up (they stay in memory, closed; a later sweep
  /// tries again).
  uint32_t failed = 0;
  /// Streams removed because they had no chunks left.
  uint32_t removed = 0;
  /// Stream level only: the stream holds no chunk and nothing is in flight,
  /// the tenant may remove it.
  bool removable = false;
  /// Stream level only: the appends the stream had applied when it answered
  /// (the tenant removes it only if it sent no append since).
  uint64_t appends = 0;

  flush_reply& operator+=(const flush_reply& o) noexcept {
    ops += o.ops;
    chunks += o.chunks;
    failed += o.failed;
    removed += o.removed;
    return *this;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flush_reply& x) {
  return f(caf::meta::type_name("flush_reply"), x.ops, x.chunks, x.failed, x.removed, x.removable,
           x.appends);
}

} // namespace skald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::flush_op_ptr)
