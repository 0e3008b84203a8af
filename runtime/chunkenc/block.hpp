// runtime/chunkenc/block.hpp — an immutable compressed block and its metadata.
//
// A block is what the head block becomes when it is cut: the entries of the
// head, sorted by timestamp, encoded as a payload (entry_codec.hpp) and
// compressed with the chunk's codec. Its metadata lets a querier skip or
// count a block without decompressing it.
//
// Owner: the mem_chunk that holds it. Immutable after construction, so it
// may be read from any thread once the chunk is shared read-only.
//
// Invariants: meta.entries > 0; meta.min_ts <= meta.max_ts;
//   meta.compressed_size == data.size();
//   the payload decompresses to exactly meta.raw_size bytes and holds
//   meta.entries records in non-decreasing ts order within [min_ts, max_ts].
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "runtime/model/entry.hpp"

namespace skald::chunkenc {

/// Time ranges are [from, through): from inclusive, through exclusive, as in
/// Loki's queries. through == INT64_MAX means "no upper bound", so that an
/// entry at INT64_MAX is reachable.
inline constexpr model::timestamp_ns unbounded = std::numeric_limits<model::timestamp_ns>::max();

inline bool before_through(model::timestamp_ns ts, model::timestamp_ns through) noexcept {
  return ts < through || through == unbounded;
}

inline bool in_range(model::timestamp_ns ts, model::timestamp_ns from,
                     model::timestamp_ns through) noexcept {
  return ts >= from && before_through(ts, through);
}

/// True if [min_ts, max_ts] lies inside [from, through).
inline bool span_inside(model::timestamp_ns min_ts, model::timestamp_ns max_ts,
                        model::timestamp_ns from, model::timestamp_ns through) noexcept {
  return min_ts >= from && before_through(max_ts, through);
}

/// True if [min_ts, max_ts] and [from, through) intersect.
inline bool span_overlaps(model::timestamp_ns min_ts, model::timestamp_ns max_ts,
                          model::timestamp_ns from, model::timestamp_ns through) noexcept {
  return max_ts >= from && before_through(min_ts, through);
}

struct block_meta {
  model::timestamp_ns min_ts = 0;
  model::timestamp_ns max_ts = 0;
  uint32_t entries = 0;
  /// Decompressed payload bytes (records with their varint framing).
  uint32_t raw_size = 0;
  /// Bytes of the compressed payload (without its CRC).
  uint32_t compressed_size = 0;
  /// Offset of the compressed bytes from the start of the encoded chunk
  /// (format v1: 8 + sum of (compressed_size + 4) of the blocks before).
  uint64_t offset = 0;

  /// True if every entry of the block lies in [from, through).
  bool inside(model::timestamp_ns from, model::timestamp_ns through) const noexcept {
    return span_inside(min_ts, max_ts, from, through);
  }
  /// True if some entry of the block may lie in [from, through).
  bool overlaps(model::timestamp_ns from, model::timestamp_ns through) const noexcept {
    return span_overlaps(min_ts, max_ts, from, through);
  }

  friend bool operator==(const block_meta& a, const block_meta& b) {
    return a.min_ts == b.min_ts && a.max_ts == b.max_ts && a.entries == b.entries
           && a.raw_size == b.raw_size && a.compressed_size == b.compressed_size
           && a.offset == b.offset;
  }
};

struct block {
  block_meta meta;
  /// The compressed payload. Its CRC-32C is computed by encode() (not at
  /// cut time, to keep it off the append path) and verified by decode().
  std::string data;
};

} // namespace skald::chunkenc
