// runtime/chunkenc/mem_chunk.hpp — the chunk of one stream: a head block plus
// compressed blocks, and its encoded form (docs/chunk-format.md).
//
// A mem_chunk collects the entries of ONE stream. append() writes to the head
// block; when the head reaches block_size encoded bytes it is sorted, then
// compressed into an immutable block (cut_block). A chunk is "full" against
// target_size the way Loki's MemChunk.SpaceFor decides: compressed bytes of
// the cut blocks + encoded bytes of the head + the new entry < target_size
// (target_size 0: fewer than 10 blocks). close() cuts the head and, if
// out-of-order appends left blocks overlapping in time, rewrites the blocks
// so they are ordered (Loki's reorder). encode() writes format v1; decode()
// reads it back into a closed chunk, verifying every CRC. add_block() appends
// a block compressed elsewhere (WAL replay of a logged block).
//
// Owner: runtime::ingester::stream (inside the ingester actor's state) for a
// live chunk; the querier for a decoded one. Not thread-safe while it is
// being appended to. Once closed() it never changes: it may then be shared
// (e.g. std::shared_ptr<const mem_chunk>) and encoded/iterated from many
// threads at once. Iterators point into the chunk: the chunk must outlive
// them, and any non-const call (append, cut_block, add_block, close)
// invalidates them.
//
// Invariants:
//   (1) blocks_ are in cut (or add_block) order and never change after being
//       cut, except that close() may replace all of them by a time-ordered
//       equivalent.
//   (2) after append() returns, head_.size() < block_size, unless a cut
//       failed (only on an internal codec error; the head then just grows).
//   (3) entries() == sum of block entries + head entries, nothing is dropped
//       except exact duplicates of an entry in the head (append_result::duplicate).
//   (4) after close(): head is empty and blocks are ordered (block i's
//       max_ts <= block i+1's min_ts). A decode()d chunk is closed with its
//       blocks as encoded (ordered if the writer closed before encoding).
// REQUIRES: is_valid(encoding) at construction; block_size > 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/chunkenc/block.hpp"
#include "runtime/chunkenc/encoding.hpp"
#include "runtime/chunkenc/head_block.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/util/status.hpp"

namespace skald::chunkenc {

class entry_iterator;

/// Loki defaults (spec §5.5).
inline constexpr size_t default_block_size = 262144;   // chunk_block_size, 256KiB
inline constexpr size_t default_target_size = 1572864; // chunk_target_size, 1.5MiB
/// Loki's blocksPerChunk: the "full" rule when target_size is 0.
inline constexpr size_t blocks_per_chunk = 10;

enum class append_result : uint8_t {
  appended,
  /// Same ts, line and metadata as an entry in the head block: not stored
  /// (Loki counts it as stored, not as an error).
  duplicate,
  /// The chunk is closed; nothing stored. The stream must cut a new chunk.
  closed,
};

struct time_bounds {
  model::timestamp_ns min_ts = 0;
  model::timestamp_ns max_ts = 0;
};

enum class direction : uint8_t { forward, backward };

class mem_chunk {
public:
  explicit mem_chunk(encoding enc = default_encoding, size_t block_size = default_block_size,
                     size_t target_size = default_target_size);

  mem_chunk(mem_chunk&&) noexcept = default;
  mem_chunk& operator=(mem_chunk&&) noexcept = default;
  mem_chunk(const mem_chunk&) = delete;
  mem_chunk& operator=(const mem_chunk&) = delete;

  // -- writing ---------------------------------------------------------------

  /// Adds e in any timestamp order (the stream enforces the too-far-behind
  /// window). Copies the line and metadata; e's buffers may die afterwards.
  /// Cuts the head into a block once it reaches block_size bytes.
  append_result append(const model::entry_view& e);

  /// True if e fits: see the header comment (the new entry's size is its
  /// record size with a delta against the head's max ts, exact for in-order
  /// appends, within a few bytes otherwise). Does not special-case an empty
  /// chunk (a line bigger than target_size never "fits"); the stream should
  /// append to a fresh chunk regardless (cut_rules.hpp never cuts an empty one).
  bool space_for(const model::entry_view& e) const noexcept;

  /// True if nothing more fits: size() >= target_size (or >= 10 blocks).
  bool is_full() const noexcept;

  /// Compresses the head into a block now (no-op if empty). Fails only on an
  /// internal codec error, keeping the head intact.
  status cut_block();

  /// Cuts the head, orders the blocks (see invariant 4), frees the head's
  /// buffer and refuses further appends. Idempotent.
  status close();

  /// Appends an already-compressed block (WAL replay installs a logged block
  /// without decompressing it; docs/wal-format.md §4.4). A non-empty head is
  /// cut first: its entries came before the block's. b.meta.offset is set
  /// as cut_block() would; the rest of b.meta must describe b.data
  /// (entries > 0, min_ts <= max_ts, compressed_size == data size: checked)
  /// and the payload must decompress with `enc` as block.hpp requires (not
  /// checked: the caller trusts the bytes' checksum). `metadata`: some entry
  /// carries structured metadata. Does not look at target_size: the caller
  /// decides whether the block fits. errc::invalid_argument, chunk
  /// unchanged, if the chunk is closed, `enc` is not its encoding or the
  /// metadata is inconsistent; a failed head cut is returned as is.
  status add_block(block b, encoding enc, bool metadata);

  // -- facts -----------------------------------------------------------------

  bool closed() const noexcept { return closed_; }
  /// False only when no entry carries structured metadata (known for
  /// chunks appended to here, and for decoded chunks whose writer set the
  /// header flag; older encodings read as true). The metric fast path
  /// counts from block metadata only when this is false: metadata labels
  /// would split the series.
  bool has_metadata() const noexcept { return metadata_; }
  bool empty() const noexcept { return entries() == 0; }
  /// Number of entries (Loki's Size()).
  size_t entries() const noexcept { return blocks_entries_ + head_.entries(); }
  /// Bytes counted against target_size: compressed blocks + encoded head.
  size_t size() const noexcept { return blocks_compressed_ + head_.size(); }
  /// Compressed bytes of the cut blocks only.
  size_t compressed_size() const noexcept { return blocks_compressed_; }
  /// Decompressed payload bytes of blocks + head.
  size_t uncompressed_size() const noexcept { return blocks_raw_ + head_.size(); }
  /// size() / target_size, or uncompressed_size() / (10 × block_size) when
  /// target_size is 0 (Loki's Utilization).
  double utilization() const noexcept;
  /// Min and max entry timestamps over blocks and head ({0, 0} when empty).
  time_bounds bounds() const noexcept;
  /// Heap bytes held by this chunk (block bytes, head buffer, vectors).
  size_t memory_usage() const noexcept;

  encoding enc() const noexcept { return enc_; }
  size_t block_size() const noexcept { return block_size_; }
  size_t target_size() const noexcept { return target_size_; }

  /// The cut blocks in cut order, with metadata. Offsets are those the blocks
  /// get (or had) in the encoded chunk.
  const std::vector<block>& blocks() const noexcept { return blocks_; }
  const head_block& head() const noexcept { return head_; }

  // -- reading ---------------------------------------------------------------

  /// (Include runtime/chunkenc/iterator.hpp to call this.)
  /// Entries with from <= ts < through (through == INT64_MAX: no upper
  /// bound), in timestamp order (forward) or its
  /// exact reverse (backward). Entries with the same timestamp come in
  /// append order. Decompresses one block at a time, or all blocks of a
  /// group whose time ranges overlap (only after out-of-order appends).
  entry_iterator iterate(model::timestamp_ns from, model::timestamp_ns through,
                         direction dir = direction::forward) const;

  /// Number of entries in [from, through): blocks entirely inside are
  /// counted from metadata, only partially covered ones are decompressed.
  result<size_t> count(model::timestamp_ns from, model::timestamp_ns through) const;

  /// The timestamps (ascending) and line sizes of the entries of block
  /// `i`, or of the head block when i == blocks().size(): decompresses that
  /// one block (counting per window without reading lines; the query path's
  /// metric fast path). errc::corrupt_record if it does not decode.
  status block_entries(size_t i, std::vector<model::timestamp_ns>& ts,
                       std::vector<uint32_t>& line_sizes) const;

  /// A read-only copy for a query, O(blocks + head bytes): the cut blocks'
  /// compressed bytes are shared (block.hpp, shared_bytes), the head is
  /// copied. Later appends to this chunk never change the snapshot, so the
  /// stream actor can hand it to a query thread and go on appending.
  mem_chunk snapshot() const;

  // -- encoded form ----------------------------------------------------------

  /// The chunk in format v1. A non-empty head is compressed into a last
  /// block on the fly (the chunk itself is not changed); close() first to
  /// get time-ordered blocks.
  result<std::string> encode() const;

  /// Reads format v1: verifies magic, version, the metadata CRC and every
  /// block's CRC; errors → errc::corrupt_record. The result is closed and
  /// keeps its own copy of the block bytes.
  static result<mem_chunk> decode(std::string_view bytes);

  /// Like decode(), without copying: the blocks refer to `object`, which
  /// holds the encoded chunk at [offset, offset + size) (e.g. a chunk object
  /// read from the store) and stays alive as long as any block does.
  /// verify_blocks == false skips the per-block CRCs (the metadata CRC is
  /// always checked): only for bytes whose checksum the caller verified
  /// already (the chunk store checks the whole object against its key).
  static result<mem_chunk> decode_shared(std::shared_ptr<const std::string> object, size_t offset,
                                         size_t size, bool verify_blocks = true);

  /// Like decode(), but the result stays open for appends with the given
  /// sizes: for restoring an open chunk from a WAL checkpoint (Loki's
  /// checkpoint keeps the head separately; here the encoded head is simply
  /// one more, smaller block, and later appends go to a new head).
  static result<mem_chunk> decode_open(std::string_view bytes,
                                       size_t block_size = default_block_size,
                                       size_t target_size = default_target_size);

private:
  static result<mem_chunk> decode_impl(std::string_view bytes, size_t block_size,
                                       size_t target_size, bool closed,
                                       const std::shared_ptr<const std::string>* owner = nullptr,
                                       bool verify_blocks = true);
  status cut_block_impl();
  status reorder();

  encoding enc_;
  bool closed_ = false;
  bool metadata_ = false;
  size_t block_size_;
  size_t target_size_;
  head_block head_;
  std::vector<block> blocks_;
  size_t blocks_entries_ = 0;
  size_t blocks_compressed_ = 0;
  size_t blocks_raw_ = 0;
};

/// The entries of one compressed block payload, in payload order (WAL
/// replay of a logged block of which only the later entries are applied).
/// Decompresses `data` (exactly raw_size bytes) into `raw`; the lines of
/// `out` point into `raw`, their metadata into `metadata` (both refilled,
/// keeping capacity). errc::corrupt_record if the payload does not decode.
status decode_block_entries(encoding enc, std::string_view data, size_t raw_size, buffer& raw,
                            std::vector<model::entry_view>& out,
                            std::vector<model::label_set>& metadata);

} // namespace skald::chunkenc
