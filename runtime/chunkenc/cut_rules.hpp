// runtime/chunkenc/cut_rules.hpp — when a stream starts a new chunk (spec §5.6)
// and when a chunk's data is too old to keep open (spec §5.7 max_age).
//
// Pure functions of their arguments (G5): the stream passes the chunk's
// facts, the entry's timestamp and the stream's state; nothing reads a clock.
//
//   before each append:   reason = should_cut(facts_of(chunk, e), e.ts, state, cfg)
//                         if (reason != cut_reason::none) { close old; start new; }
//   on each flush sweep:  exceeds_max_age(chunk.bounds(), cfg.max_chunk_age)
//
// Loki never cuts on max_age at append time: the flush loop closes a chunk
// whose data spans more than max_chunk_age, and the next append then cuts
// because the chunk is closed. exceeds_max_age is that test.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/model/entry.hpp"

namespace skald::chunkenc {

struct cut_config {
  /// sync_period; 0 disables the sync rule (Loki 2.x default).
  std::chrono::nanoseconds sync_period = std::chrono::hours{1};
  /// sync_min_utilization; <= 0 means "always cut at a sync boundary".
  double sync_min_utilization = 0.1;
  /// max_chunk_age: span of data (max_ts - min_ts) before a chunk is flushed.
  std::chrono::nanoseconds max_chunk_age = std::chrono::hours{2};
};

enum class cut_reason : uint8_t {
  none = 0,
  /// The chunk was closed (by a flush); Loki reports the flush reason.
  closed,
  /// !space_for(entry): the chunk reached chunk_target_size.
  full,
  /// The entry crossed a sync_period boundary (phase-shifted by the
  /// fingerprint) and the chunk is utilised enough.
  synced,
  /// Flush reason only (exceeds_max_age); should_cut never returns it.
  max_age,
};

std::string_view to_string(cut_reason r) noexcept;

/// What should_cut needs to know about the head chunk.
struct chunk_facts {
  bool closed = false;
  bool empty = true;
  /// chunk.space_for(entry)
  bool has_space = true;
  /// chunk.utilization()
  double utilization = 0;
};

/// The facts of `chunk` for appending `e`.
chunk_facts facts_of(const mem_chunk& chunk, const model::entry_view& e) noexcept;

/// What the stream knows about itself.
struct stream_state {
  /// The stream's fingerprint (after the FP mapper).
  uint64_t fingerprint = 0;
  /// The highest timestamp accepted so far (nullopt: none yet).
  std::optional<model::timestamp_ns> highest_ts;
};

/// Decides whether to start a new chunk before appending an entry with
/// timestamp `ts`: closed → closed; else a non-empty chunk without space →
/// full; else the sync rule (§5.6): sync_period > 0, highest_ts set,
/// ts >= highest_ts, cts = (ts + fp) mod period < pts = (highest + fp) mod
/// period, and (sync_min_utilization <= 0 or utilization > it) → synced.
/// An empty chunk is never cut for space or sync (the entry goes in anyway).
cut_reason should_cut(const chunk_facts& chunk, model::timestamp_ns ts, const stream_state& stream,
                      const cut_config& cfg) noexcept;

/// The sync rule alone: true if `ts` lies in a later sync period than
/// `highest_ts`, with period boundaries shifted by the fingerprint.
bool crosses_sync_boundary(model::timestamp_ns ts, model::timestamp_ns highest_ts,
                           uint64_t fingerprint, std::chrono::nanoseconds sync_period) noexcept;

/// True if the chunk's data spans more than max_chunk_age (max_ts - min_ts >
/// max_chunk_age, data time, not wall clock): flush with reason max_age.
bool exceeds_max_age(const time_bounds& bounds, std::chrono::nanoseconds max_chunk_age) noexcept;

} // namespace skald::chunkenc
