// runtime/chunkenc/iterator.hpp — time-bounded, ordered iteration of a chunk.
//
// An entry_iterator walks the entries of one mem_chunk with
// from <= ts < through, forward (ascending ts) or backward (the exact
// reverse). Sources are the cut blocks and the head block. Sources whose time
// ranges do not overlap are read one after the other, decompressing one
// block at a time; sources that overlap (after out-of-order appends, before
// close()) form a group that is decompressed together and merged. Ties on ts
// go to the earlier source (cut order), so equal timestamps come in append
// order.
//
//   auto it = chunk.iterate(from, through, direction::backward);
//   while (it.next()) use(it.at());
//   if (!it.error().ok()) ...   // a block failed to decompress/decode
//
// Owner: the caller (a query). Not thread-safe. REQUIRES: the chunk outlives
// the iterator and is not modified while it is used. at() is valid until the
// next call to next(); its line and metadata point into the iterator.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/chunkenc/buffer.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/util/status.hpp"

namespace skald::chunkenc {

class entry_iterator {
public:
  entry_iterator(const mem_chunk& chunk, model::timestamp_ns from, model::timestamp_ns through,
                 direction dir);

  entry_iterator(entry_iterator&&) noexcept = default;
  entry_iterator& operator=(entry_iterator&&) noexcept = default;
  ~entry_iterator();

  /// Moves to the next entry; false at the end or on error.
  bool next();

  /// The current entry. REQUIRES: the last next() returned true.
  const model::entry_view& at() const noexcept { return current_; }

  /// ok unless a block failed to decompress or decode (errc::corrupt_record).
  const status& error() const noexcept { return error_; }

private:
  struct source {
    model::timestamp_ns min_ts;
    model::timestamp_ns max_ts;
    /// Index into chunk.blocks(), or blocks().size() for the head.
    uint32_t index;
  };
  struct cursor;

  bool open_next_group();
  status load(const source& s, cursor& c);

  const mem_chunk* chunk_;
  model::timestamp_ns from_;
  model::timestamp_ns through_;
  direction dir_;
  std::vector<source> sources_; // in visiting order
  size_t next_source_ = 0;
  std::vector<std::unique_ptr<cursor>> pool_; // cursors, reused
  size_t active_ = 0;                          // pool_[0, active_) is the group
  model::entry_view current_;
  model::label_set metadata_;
  status error_;
};

} // namespace skald::chunkenc
