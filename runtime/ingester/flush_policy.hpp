// runtime/ingester/flush_policy.hpp — which chunks a flush sweep hands to the
// flush workers, why, and when a flushed chunk may leave memory (spec §5.7).
//
// Pure functions of their arguments (G5): the stream passes each chunk's
// state and `now` (wall clock, ns since the epoch, the same clock that set
// last_updated_ns and flushed_ns); nothing here reads a clock. The stream
// actor runs, every flush_check_period:
//
//   if (should_enqueue(states, now, cfg, mode))           // Loki sweepStream
//     picks = collect_flush(states, now, cfg, mode);       // marks them closed
//     → close those mem_chunks, snapshot them, push a flush op
//   ... on a flush worker's success: states[i].flushed_ns = now;
//   while (!states.empty() && should_drop(states.front(), now, cfg)) drop it;
//
// Loki's shouldFlushChunk order, with strict boundaries (a chunk idle for
// exactly chunk_idle_period is not idle yet):
//   closed                          → synced if it was cut by the sync rule, else full
//   now - last_updated  > idle      → idle
//   max_ts - min_ts     > max_age   → max_age   (data time span, not wall clock)
//   stream not owned any more       → not_owned
//   immediate (shutdown, /flush)    → forced, overriding the reason above
// A chunk whose flush already succeeded (flushed_ns set) is never picked.
//
// Owner: the stream actor keeps one chunk_state beside each of its chunks.
// Invariant: should_flush(...) != none implies the chunk must not take more
// appends (collect_flush sets closed).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "runtime/model/entry.hpp"

namespace skald::config {
struct ingester_config;
} // namespace skald::config

namespace skald::ingester {

/// Label values of loki_ingester_chunks_flushed_total{reason}. Zero = none.
enum class flush_reason : uint8_t {
  none = 0,
  full,
  synced,
  idle,
  max_age,
  forced,
  not_owned,
};

/// Loki's strings: "full", "synced", "idle", "max_age", "forced", "not_owned"
/// ("" for none).
std::string_view to_string(flush_reason r) noexcept;

struct flush_config {
  std::chrono::nanoseconds chunk_idle_period{std::chrono::minutes{30}};
  std::chrono::nanoseconds max_chunk_age{std::chrono::hours{2}};
  std::chrono::nanoseconds chunk_retain_period{0};

  /// The three periods of the `ingester:` block.
  static flush_config from(const config::ingester_config& cfg) noexcept;
};

/// How the sweep runs for a stream.
enum class flush_mode : uint8_t {
  /// The periodic sweep.
  normal = 0,
  /// Forced: shutdown flush, /flush, WAL disk full. Every unflushed chunk.
  immediate,
  /// The ring no longer assigns this stream to this ingester.
  not_owned,
};

/// What the stream keeps about each chunk besides the mem_chunk itself.
struct chunk_state {
  /// No more appends: cut for space or sync, or picked by a flush.
  bool closed = false;
  /// Cut by the sync rule (reported as "synced" instead of "full").
  bool synced = false;
  /// chunk.bounds(): entry timestamps (data time).
  model::timestamp_ns min_ts = 0;
  model::timestamp_ns max_ts = 0;
  /// Wall clock (ns) of the last append to this chunk.
  int64_t last_updated_ns = 0;
  /// Wall clock (ns) the flush succeeded; nullopt = not flushed.
  std::optional<int64_t> flushed_ns;
};

/// The reason to flush `c` now, or none. See the header comment.
flush_reason should_flush(const chunk_state& c, int64_t now_ns, const flush_config& cfg,
                          flush_mode mode = flush_mode::normal) noexcept;

/// Loki's sweepStream test: a flush op is due if the stream has more than
/// one chunk, its last chunk should flush, or the mode is not normal.
/// False for a stream without chunks.
bool should_enqueue(const std::vector<chunk_state>& chunks, int64_t now_ns, const flush_config& cfg,
                    flush_mode mode = flush_mode::normal) noexcept;

struct flush_pick {
  size_t index = 0; // into the stream's chunk vector
  flush_reason reason = flush_reason::none;
};

/// The chunks to flush now, oldest first, each marked closed (Loki's
/// collectChunksToFlush). Already flushed chunks are skipped.
std::vector<flush_pick> collect_flush(std::vector<chunk_state>& chunks, int64_t now_ns,
                                      const flush_config& cfg,
                                      flush_mode mode = flush_mode::normal);

/// Loki's sweep timing (flush.go): the first sweep waits a random
/// 0–0.8 × flush_check_period, later ones flush_check_period ± 20%.
/// `r` is the caller's random draw in [0, 1) (clamped).
std::chrono::nanoseconds initial_sweep_delay(std::chrono::nanoseconds period, double r) noexcept;
std::chrono::nanoseconds sweep_interval(std::chrono::nanoseconds period, double r) noexcept;

/// True if a flush op that started at started_ns has used up
/// flush_op_timeout by now_ns: give up (count the error) instead of retrying.
bool flush_op_expired(int64_t started_ns, int64_t now_ns,
                      std::chrono::nanoseconds timeout) noexcept;

/// True if a flushed chunk may leave memory: its flush succeeded and
/// now - flushed_ns >= chunk_retain_period (Loki removeFlushedChunks).
bool should_drop(const chunk_state& c, int64_t now_ns, const flush_config& cfg) noexcept;

} // namespace skald::ingester
