// runtime/wal/format.hpp — the WAL's bytes: segment header, record frame and
// the three record payloads (docs/wal-format.md has the diagrams).
//
// A WAL file (segment or checkpoint part) is an 8-byte header followed by
// framed records:
//
//   file   := "SKWL" u8 file_version(=4) u8 kind u16 reserved(=0)  record*  tail
//   record := u32le crc32c | u32le length | u8 version(=1) | u8 type | payload
//             crc32c covers length, version, type and payload.
//   tail   := v3: zero bytes, any number (a segment zero-filled ahead of
//             time, runtime/wal/preallocate.hpp, ends in the zeros not yet
//             overwritten); v2: fewer than pad_block zero bytes ending the
//             file on a multiple of pad_block (what O_DIRECT segment writes
//             leave behind, runtime/wal/file_system.hpp); v1: none. A clean
//             end, not a torn tail. v1 and v2 files are still read.
//
// Record types: 0 is reserved (zero-filled/preallocated space is never a
// record); 1 series, 2 entries and 4 block appear in segments; 3
// checkpoint_series appears in checkpoints. Payload integers are little-endian fixed u64,
// uvarint (LEB128) and varint (zig-zag LEB128), as Go's encoding/binary.
//
// Encoders append a whole framed record to a caller's std::string (reused
// between batches: no allocation once it has grown). Decoders return
// errc::corrupt_record for anything that is not exactly one well-formed
// payload; they never read outside the given bytes.
//
// Owner: pure functions and a reader over caller-owned bytes; thread-safe.
// Views returned by decoders point into the decoded bytes: the caller keeps
// them alive.
//
// Invariants:
//   (1) decode(encode(x)) == x for every record type (tests round-trip them).
//   (2) every single-bit change of a record's bytes makes frame_reader stop at
//       that record (CRC-32C detects all single-bit errors; the header and the
//       reserved fields are checked exactly).
//   (3) an entries record has 1 <= n entries and counter >= n: its entries
//       are the series' entries number counter-n+1 .. counter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/util/status.hpp"

namespace skald::wal {

// -- constants -----------------------------------------------------------------

inline constexpr std::string_view file_magic = "SKWL";
/// The version written. v2 = v1 + zero padding to a pad_block boundary
/// allowed at the end of a file (direct I/O segments); v3 = v1 + any number
/// of zero bytes after the last record (preallocated, zero-filled segments);
/// v4 = v3 + block records (type 4; older readers would stop at the first).
inline constexpr uint8_t file_version = 4;
/// The oldest version still read (v1: the same bytes, no padding).
inline constexpr uint8_t min_file_version = 1;
inline constexpr size_t file_header_size = 8;
/// v2 padding: a file may end in fewer than pad_block zero bytes, up to a
/// multiple of pad_block.
inline constexpr size_t pad_block = 4096;

/// What a WAL file holds (byte 5 of the file header). 0 is reserved.
enum class file_kind : uint8_t {
  zero = 0,
  segment = 1,
  checkpoint = 2,
};

inline constexpr uint8_t record_version = 1;
inline constexpr size_t frame_header_size = 10;
/// Upper bound on one record's payload; a larger length field is corruption.
inline constexpr uint32_t max_payload_size = 1u << 30;

enum class record_type : uint8_t {
  /// Never written: zero-filled space is not a record.
  zero = 0,
  /// fingerprint -> (epoch, tenant, labels); logged when a stream is created.
  series = 1,
  /// (fingerprint, counter, entries); one stream's entries of one push.
  entries = 2,
  /// One stream's snapshot in a checkpoint: series + state + chunk bytes.
  checkpoint_series = 3,
  /// (fingerprint, counters, compressed chunk block): a block the stream cut
  /// from entries logged as entries records; lets the segment writer leave
  /// out the entries records it covers (docs/wal-format.md §4.4).
  block = 4,
};

// -- records -------------------------------------------------------------------

/// A series record. Views point into the decoded bytes (or the caller's data
/// when encoding).
struct series_record {
  /// The stream's fingerprint, unique on this node while the stream lives
  /// (the ingester's fingerprint mapper resolves collisions).
  uint64_t fingerprint = 0;
  /// Identifies this incarnation of the stream: strictly greater than the
  /// epoch of any earlier stream with the same fingerprint (e.g. its
  /// creation time in ns, or a node-wide counter continued after replay).
  /// Replay uses it to tell "stream re-created after the checkpoint" (counter
  /// restarts) from "the same stream" (counter continues).
  uint64_t epoch = 0;
  std::string_view tenant;
  model::label_set labels;
};

/// An entries record, decoded into reusable storage: decode_entries() clears
/// and refills it, keeping capacity, so replay allocates nothing per record
/// once warm (except for structured metadata strings).
struct entries_record {
  uint64_t fingerprint = 0;
  /// The stream's count of logged entries after this record (see invariant 3).
  uint64_t counter = 0;
  /// Lines point into the decoded bytes; metadata into `metadata` below.
  std::vector<model::entry_view> entries;
  /// Storage for entries' structured metadata (index i belongs to entry i).
  std::vector<model::label_set> metadata;
};

/// Per-chunk flags in a checkpoint (bit 0; other bits reserved, zero).
enum chunk_flags : uint8_t {
  chunk_open = 0,
  /// Closed (cut) but not yet flushed: restore with mem_chunk::decode().
  chunk_closed = 1,
};

struct checkpoint_chunk {
  uint8_t flags = chunk_open;
  /// mem_chunk::encode() bytes.
  std::string_view data;
};

/// One stream in a checkpoint: what replay needs to re-create it.
struct series_snapshot {
  uint64_t fingerprint = 0;
  uint64_t epoch = 0;
  /// The stream's counter when snapshotted: every entry with a counter <=
  /// entry_ct is inside `chunks` (or was flushed), so replay skips it.
  uint64_t entry_ct = 0;
  /// The stream's highest accepted timestamp and last line (Loki's
  /// highestTs / lastLine, for its ordering and duplicate checks).
  model::timestamp_ns highest_ts = 0;
  std::string_view last_line;
  std::string_view tenant;
  model::label_set labels;
  /// Unflushed chunks, oldest first. Flushed chunks are not included.
  std::vector<checkpoint_chunk> chunks;
};

/// A block record's counters in block order: `skip` counters that are not in
/// the block (entries the stream refused or dropped as duplicates), then
/// `run` consecutive counters that are, one per entry.
struct counter_run {
  uint64_t skip = 0;
  uint64_t run = 0;
  friend bool operator==(const counter_run& a, const counter_run& b) noexcept {
    return a.skip == b.skip && a.run == b.run;
  }
};

/// A block record: one compressed chunk block (runtime/chunkenc/block.hpp)
/// and the entries counters it stands for. Every counter in [first, last] is
/// either one of the block's entries (runs) or one the stream did not store;
/// `last` is the counter of the block's last entry. Views point into the
/// decoded bytes (or the caller's data when encoding); decode_block() reuses
/// `runs`' capacity.
struct block_record {
  uint64_t fingerprint = 0;
  uint64_t first = 0;
  uint64_t last = 0;
  std::vector<counter_run> runs;
  /// chunkenc::encoding of data.
  uint8_t encoding = 0;
  /// Bit 0: some entry carries structured metadata; other bits zero.
  uint8_t flags = 0;
  model::timestamp_ns min_ts = 0;
  model::timestamp_ns max_ts = 0;
  uint32_t entries = 0;
  /// Decompressed payload bytes.
  uint32_t raw_size = 0;
  /// The stream's last stored entry after this block (its last entry in
  /// append order): the last-line duplicate rule continues from it.
  model::timestamp_ns last_ts = 0;
  std::string_view last_line;
  /// The compressed payload (chunkenc::block::data).
  std::string_view data;
};

inline constexpr uint8_t block_flag_metadata = 1;

// -- encoding (append a framed record) -----------------------------------------

/// Appends the 8-byte file header (version: tests write old ones).
void append_file_header(std::string& out, file_kind kind, uint8_t version = file_version);

void append_series(std::string& out, const series_record& r);
void append_series(std::string& out, uint64_t fingerprint, uint64_t epoch, std::string_view tenant,
                   const model::label_set& labels);

/// REQUIRES: n >= 1 and counter >= n (invariant 3).
void append_entries(std::string& out, uint64_t fingerprint, uint64_t counter,
                    const model::entry_view* entries, size_t n);
void append_entries(std::string& out, uint64_t fingerprint, uint64_t counter,
                    const model::entry* entries, size_t n);

void append_checkpoint_series(std::string& out, const series_snapshot& s);

/// In-place encoding of an entries record (the WAL writer encodes straight
/// into its aligned write buffer): entries_frame_size() is the framed size,
/// put_entries_frame() writes exactly that many bytes at p and returns the
/// end. Same bytes as append_entries(); same REQUIRES.
size_t entries_frame_size(const model::entry_view* entries, size_t n);
size_t entries_frame_size(const model::entry* entries, size_t n);
char* put_entries_frame(char* p, size_t frame_size, uint64_t fingerprint, uint64_t counter,
                        const model::entry_view* entries, size_t n);
char* put_entries_frame(char* p, size_t frame_size, uint64_t fingerprint, uint64_t counter,
                        const model::entry* entries, size_t n);

/// In-place encoding of a block record, like put_entries_frame(). REQUIRES:
/// the record is consistent (decode_block() accepts what this writes).
size_t block_frame_size(const block_record& b);
char* put_block_frame(char* p, size_t frame_size, const block_record& b);
void append_block(std::string& out, const block_record& b);

// -- decoding ------------------------------------------------------------------

/// Checks the 8-byte header of a file of the given kind (any version from
/// min_file_version to file_version); stores the version if asked.
status check_file_header(std::string_view file, file_kind kind, uint8_t* version = nullptr);

status decode_series(std::string_view payload, series_record& out);
status decode_entries(std::string_view payload, entries_record& out);
status decode_checkpoint_series(std::string_view payload, series_snapshot& out);
/// Checks the counters (runs cover [first, last] exactly and end in an
/// entry; their entries sum to `entries`), the encoding byte and the flags.
status decode_block(std::string_view payload, block_record& out);

/// One framed record, its payload a view into the file bytes.
struct frame {
  record_type type = record_type::zero;
  std::string_view payload;
  /// Offset of the frame in the file.
  size_t offset = 0;
};

enum class frame_status : uint8_t {
  ok,
  /// Clean end of file (v2: also at zero padding; v3: at a zero tail of any
  /// length; see tail above).
  end,
  /// The file ends inside a record, or (v1, v2) in zero bytes that are not
  /// padding, or (v3) zero bytes are followed by non-zero ones: a write that
  /// did not complete, a torn tail.
  torn,
  /// CRC, version, type or length check failed with bytes still following.
  corrupt,
};

/// Iterates the frames of one file's bytes (header excluded: construct with
/// the bytes after it, or use the offset argument). Stops for good at the
/// first non-ok status.
class frame_reader {
public:
  /// version: the file's version (check_file_header()), which decides what
  /// zeros after the last record are (see tail above).
  explicit frame_reader(std::string_view bytes, size_t offset = 0,
                        uint8_t version = min_file_version) noexcept
      : bytes_(bytes), pos_(offset), version_(version) {}

  frame_status next(frame& out) noexcept;

  /// Offset of the next frame, or of the bad one after torn/corrupt.
  size_t offset() const noexcept { return pos_; }
  /// Why next() returned torn or corrupt.
  const char* reason() const noexcept { return reason_; }

private:
  frame_status fail(frame_status st, const char* why) noexcept {
    done_ = true;
    reason_ = why;
    return st;
  }

  std::string_view bytes_;
  size_t pos_;
  uint8_t version_ = min_file_version;
  bool done_ = false;
  const char* reason_ = "";
};

/// True if p[0, n) are all zero bytes (n may be 0).
bool all_zero(const char* p, size_t n) noexcept;

} // namespace skald::wal
