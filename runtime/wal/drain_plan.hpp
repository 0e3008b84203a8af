// runtime/wal/drain_plan.hpp — which of the staging ring's records the
// segment writer writes, and in what order (docs/wal-format.md §6b).
//
// The ring holds, per stream, the entries records of every push (type 2)
// and, best effort, a block record (type 4) for each chunk block the stream
// cut (a compressed copy of entries already logged, ~1/3 of their bytes).
// An entries record whose every counter is covered by block records written
// before it is left out of the segments: replay gets those entries from the
// blocks. The drainer looks ahead: a block further on in the ring may be
// written early, at the place of the first entries record it covers.
//
// Rule (what replay needs, replay.hpp): per stream, `hi` = every counter <=
// hi is in what was written so far (known from the stream's series record
// on, or from the first entries record written raw). A block [first, last]
// is written only if first <= hi + 1 (contiguous: replay applies it over
// exactly the entries before it); an entries record is left out only if its
// last counter <= hi. Anything the planner does not know is written as it
// is. Losing the planner's memory (reset()) only costs bytes, never entries.
//
// Owner: the WAL writer actor in ring mode (its drain); not thread-safe.
// Pure: no I/O, no CAF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "runtime/wal/ring.hpp"

namespace skald::wal {

struct drain_stats {
  /// Entries records left out (their entries are in written blocks).
  uint64_t entries_covered = 0;
  /// Block records written (at their place or early).
  uint64_t blocks_written = 0;
  /// Block records not written (redundant, not contiguous, or unknown stream).
  uint64_t blocks_dropped = 0;
};

/// The fields of a ring record the planner reads: type, WAL id (the
/// record's fingerprint) and counters ([lo, hi]: an entries record's
/// counters, a block's first..last). False if the frame is not one of the
/// three stream records or does not parse.
struct record_keys {
  uint8_t type = 0;
  uint64_t id = 0;
  uint64_t lo = 0;
  uint64_t hi = 0;
};
bool parse_record_keys(std::string_view frame, record_keys& out) noexcept;

/// A ring record and its keys, parsed once when the drainer first reads it
/// (the lookahead is planned over again every round).
struct drain_frame {
  uint64_t logical = 0;
  std::string_view frame;
  record_keys keys;
  /// False if parse_record_keys() failed (written as it is).
  bool keyed = false;
};
drain_frame make_drain_frame(const ring_frame& f) noexcept;

class drain_planner {
public:
  /// frames: every record in [drained, published) in ring order. The first
  /// n_drain are drained now; of the rest (the lookahead) only block
  /// records may be written, early. Appends the frames to write to `out`
  /// in order. The planner's memory assumes `out` gets written: after a
  /// failed write call reset().
  void plan(const std::vector<drain_frame>& frames, size_t n_drain,
            std::vector<std::string_view>& out, drain_stats& stats);

  /// Forgets every stream and every early write.
  void reset() noexcept;

  /// Streams remembered (bounded: the planner forgets them all beyond
  /// max_streams).
  size_t streams() const noexcept { return hi_.size(); }
  static constexpr size_t max_streams = size_t{1} << 18;

private:
  /// WAL id -> every counter <= hi is written.
  std::unordered_map<uint64_t, uint64_t> hi_;
  /// Logical offsets of lookahead blocks written early.
  std::unordered_set<uint64_t> early_;
  /// Scratch: (WAL id, frame index) of the round's block records, sorted.
  std::vector<std::pair<uint64_t, uint32_t>> blocks_;
  std::vector<uint32_t> chain_;
};

} // namespace skald::wal
