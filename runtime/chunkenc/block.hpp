// runtime/chunkenc/block.hpp — an immutable compressed block and its metadata.
//
// A block is what the head block becomes when it is cut: the entries of the
// head, sorted by timestamp, encoded as a payload (entry_codec.hpp) and
// compressed with the chunk's codec. Its metadata lets a querier skip or
// count a block without decompressing it.
//
// Owner: the mem_chunk that holds it. Immutable after construction, so it
// may be read from any thread once the chunk is shared read-only. The
// compressed bytes are reference-counted (shared_bytes): copying a block, as
// mem_chunk::snapshot() does for the querier, shares them instead of copying.
//
// Invariants: meta.entries > 0; meta.min_ts <= meta.max_ts;
//   meta.compressed_size == data.size();
//   the payload decompresses to exactly meta.raw_size bytes and holds
//   meta.entries records in non-decreasing ts order within [min_ts, max_ts].
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

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

/// Immutable bytes shared by every copy (a block in a live chunk and the
/// same block in the snapshots handed to queries), possibly a slice of a
/// larger shared buffer (a decoded stored chunk's blocks all point into the
/// object read from disk). assign() replaces the pointer, never the bytes
/// other copies see.
class shared_bytes {
public:
  void assign(const char* p, size_t n) {
    owner_ = std::make_shared<const std::string>(p, n);
    off_ = 0;
    len_ = n;
  }
  /// Refers to owner[off, off + n) without copying.
  void assign_shared(std::shared_ptr<const std::string> owner, size_t off, size_t n) {
    owner_ = std::move(owner);
    off_ = off;
    len_ = n;
  }
  std::string_view view() const noexcept {
    return owner_ ? std::string_view{owner_->data() + off_, len_} : std::string_view{};
  }
  operator std::string_view() const noexcept { return view(); }
  const char* data() const noexcept { return view().data(); }
  size_t size() const noexcept { return len_; }
  bool empty() const noexcept { return len_ == 0; }
  /// Heap bytes attributed to this block.
  size_t capacity() const noexcept { return len_; }
  friend bool operator==(const shared_bytes& a, const shared_bytes& b) noexcept {
    return a.view() == b.view();
  }
  friend std::ostream& operator<<(std::ostream& os, const shared_bytes& b) {
    return os << b.size() << " bytes";
  }

private:
  std::shared_ptr<const std::string> owner_;
  size_t off_ = 0;
  size_t len_ = 0;
};

struct block {
  block_meta meta;
  /// The compressed payload. Its CRC-32C is computed by encode() (not at
  /// cut time, to keep it off the append path) and verified by decode().
  shared_bytes data;
};

} // namespace skald::chunkenc
