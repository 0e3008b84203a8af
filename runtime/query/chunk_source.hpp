// runtime/query/chunk_source.hpp — the querier's entry_source over chunks:
// immutable snapshots of the ingesters' in-memory chunks and chunks decoded
// from the store, for one query.
//
// A query's data arrives as chunks per stream (messages/query.hpp: stream
// actors hand out mem_chunk::snapshot()s; the store reader decodes chunk
// objects). Nothing is decompressed on arrival: select() iterates blocks
// lazily, one at a time, in the query's direction, so a log query with a
// limit decompresses only the blocks it reaches, and count_windows()
// counts whole blocks from their metadata.
//
// Merge semantics (read-path spec §3.2): the same stream may come from the
// ingester and the store (a flushed chunk still held in memory), or twice
// from the store. finish() drops chunks that are byte-identical copies (same
// block metadata and compressed bytes), sorts the rest by time and groups
// chunks whose time spans overlap; an overlap group is merged entry by entry
// and entries identical in timestamp, line and metadata are kept once
// (equal timestamps otherwise keep chunk order). Non-overlapping chunks are
// read one after the other without any merge cost.
//
// Owner: one query (the worker evaluating it). add() and finish() before
// any select(); not thread-safe. Iterators point into the source's chunks.
// A block that fails to decompress ends its iterator early and is reported
// by error() (the querier answers 500).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/logql/source.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/util/status.hpp"

namespace skald::query {

using chunk_ptr = std::shared_ptr<const chunkenc::mem_chunk>;

/// One stream's chunks. After finish(): sorted by (min_ts, max_ts), no two
/// identical, and `groups` holds the index ranges [first, last) of
/// consecutive chunks whose spans overlap (a single chunk is a group too).
struct chunk_stream {
  model::label_set labels;
  std::vector<chunk_ptr> chunks;
  std::vector<std::pair<uint32_t, uint32_t>> groups;
  /// Chunks dropped by finish() as copies of another.
  uint32_t duplicates = 0;

  bool overlaps() const noexcept { return groups.size() != chunks.size(); }
};

class chunk_source final : public logql::entry_source {
public:
  /// Adds chunks of the stream `labels` (normalised). Empty chunks are
  /// ignored. Several add()s with equal labels go to one stream.
  void add(const model::label_set& labels, std::vector<chunk_ptr> chunks);

  /// Dedupes and groups (see the header comment). Call once, after add()s.
  void finish();

  const std::vector<chunk_stream>& streams() const noexcept { return streams_; }

  /// Entries and decompressed bytes held by the chunks (after dedupe).
  uint64_t total_entries() const noexcept;
  uint64_t total_bytes() const noexcept;

  /// The first block decoding error met by any iterator or count.
  const status& error() const noexcept { return error_; }

  result<logql::stream_iterators> select(const std::vector<logql::label_matcher>& matchers,
                                         int64_t from, int64_t through,
                                         logql::direction dir) override;

  /// Counts from block metadata when every matching chunk is known to carry
  /// no structured metadata (chunkenc::mem_chunk::has_metadata); false
  /// otherwise (the engine's general path then runs). A block lying inside
  /// every window it touches adds its metadata entry count; any other block
  /// (and every block for bytes) is decompressed once and its timestamps
  /// binned. Streams whose chunks overlap are counted by one pass over the
  /// deduped entries.
  bool count_windows(const std::vector<logql::label_matcher>& matchers, const logql::window_spec& w,
                     std::vector<logql::window_counts>& out) override;

private:
  std::vector<chunk_stream> streams_;
  std::unordered_map<std::string, size_t> index_;
  status error_;
};

} // namespace skald::query
