// runtime/chunkenc/head_block.hpp — the uncompressed, appendable tail of a chunk.
//
// Entries are appended as records (entry_codec.hpp) to ONE contiguous buffer:
// no per-line allocation and ~4 bytes of framing per line (ts delta, length,
// metadata count). There is no index: the head is at most chunk_block_size
// bytes, so lookups (duplicate check, iteration) scan it.
//
// Out-of-order appends are accepted (Loki's unordered head block); the head
// remembers whether every append so far was in order. Once it is not, a
// 2KiB Bloom filter of the timestamps in the head (allocated only for such
// heads, kept across cuts) lets the duplicate check skip the scan for a
// timestamp the head does not hold (~2% false positives at 256KiB of lines). An ordered head is
// already a block payload; an unordered one is stable-sorted by timestamp
// when it is cut (sorted_payload) or iterated, so entries with the same
// timestamp keep their append order.
//
// Owner: its mem_chunk. Not thread-safe.
// Invariants: entries() == number of records in the buffer; min_ts()/max_ts()
//   are the bounds of those records (0/0 when empty); ordered() is true iff
//   record timestamps are non-decreasing in buffer order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "runtime/chunkenc/buffer.hpp"
#include "runtime/model/entry.hpp"

namespace skald::chunkenc {

class head_block {
public:
  /// `block_size` caps the buffer's doubling, so a head that is cut at
  /// block_size never reserves twice that (0 = no cap).
  explicit head_block(size_t block_size = 0);

  head_block(head_block&&) noexcept = default;
  head_block& operator=(head_block&&) noexcept = default;

  /// A deep copy (records and duplicate filter), for chunk snapshots.
  head_block copy() const;

  /// Appends without any duplicate check. Never fails (except bad_alloc).
  void append(const model::entry_view& e);

  /// True if an entry with the same ts, line and metadata (order-sensitive)
  /// is in the head. O(1) when e.ts > max_ts(); when the head is ordered and
  /// e.ts == max_ts(), a scan of the trailing records with that ts (like
  /// Loki, which scans the entries at that ts); otherwise a scan of the head.
  bool contains(const model::entry_view& e) const {
    // Inline: an in-order append (the common case) is decided here.
    if (entries_ == 0 || e.ts > max_ts_ || e.ts < min_ts_)
      return false;
    return contains_in_range(e);
  }

  bool empty() const noexcept { return entries_ == 0; }
  uint32_t entries() const noexcept { return entries_; }
  /// Encoded bytes held (what is compared against chunk_block_size).
  size_t size() const noexcept { return buf_.size(); }
  model::timestamp_ns min_ts() const noexcept { return min_ts_; }
  model::timestamp_ns max_ts() const noexcept { return max_ts_; }
  bool ordered() const noexcept { return ordered_; }

  /// The records in append order.
  std::string_view raw() const noexcept { return buf_.view(); }

  /// The head as a block payload (records sorted by ts, stable). For an
  /// ordered head this is raw() without copying; otherwise the payload is
  /// built in `scratch` and the returned view points into it.
  std::string_view sorted_payload(buffer& scratch) const;

  /// Empties the head, keeping its buffer for the next block.
  void clear() noexcept;

  /// Empties the head and frees its buffer (closed chunks).
  void release() noexcept;

  /// Heap bytes held.
  size_t memory_usage() const noexcept {
    return buf_.capacity() + (ts_filter_ ? filter_words * sizeof(uint64_t) : 0);
  }

private:
  static constexpr size_t filter_words = 256; // 16384 bits

  /// contains() for min_ts() <= e.ts <= max_ts() of a non-empty head.
  bool contains_in_range(const model::entry_view& e) const;
  void filter_add(model::timestamp_ns ts) noexcept;
  bool filter_may_contain(model::timestamp_ns ts) const noexcept;
  void start_filter();

  buffer buf_;
  model::timestamp_ns min_ts_ = 0;
  model::timestamp_ns max_ts_ = 0;
  model::timestamp_ns last_ts_ = 0; // ts of the last record, for the delta
  uint32_t tail_run_ = 0;            // offset of the first trailing record with ts == max_ts_
  uint32_t entries_ = 0;
  bool ordered_ = true;
  /// Bloom filter of record timestamps; valid iff !ordered_.
  std::unique_ptr<uint64_t[]> ts_filter_;
};

} // namespace skald::chunkenc
