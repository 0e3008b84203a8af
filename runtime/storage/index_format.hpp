// runtime/storage/index_format.hpp — the bytes of the index files
// (docs/index-format.md): log records (the append-only log of a period) and
// segments (a compacted, sorted, immutable snapshot of a period).
//
//   log record:  BE32 len | BE32 crc32c(payload) | payload[len]
//                payload = u8 type (2 = chunk refs, 1 = chunk refs of format
//                v1 without uncompressed sizes; 0 reserved) + series batch
//   segment:     header(16) | symbols | series | postings | footer(28)
//                footer = BE64 symbols off | BE64 series off | BE64 postings off
//                         | BE32 crc32c(all bytes before it)
//
// decode_log() returns every record up to the first one that is incomplete
// or fails its CRC; that point is the log's torn tail (a crash or a failed
// append). Nothing after it is read: the writer never appends to a log after
// a failed append, so a torn record is always the last one.
//
// Owner: pure functions (index_store calls them). Thread-safe.
// Invariant: decode(encode(x)) == x for records and segments; encode is
// deterministic (segments sort series by labels, postings by name/value).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/storage/series_index.hpp"
#include "runtime/util/status.hpp"

namespace skald::storage {

/// Log record types: 1 = chunk refs without their uncompressed size (read
/// only), 2 = chunk refs with it (written).
inline constexpr uint8_t index_record_chunk_refs_v1 = 1;
inline constexpr uint8_t index_record_chunk_refs = 2;
inline constexpr uint32_t index_segment_magic = 0x534B4958; // "SKIX"
/// Segment versions: 1 (read only: refs without uncompressed size), 2.
inline constexpr uint8_t index_segment_version_v1 = 1;
inline constexpr uint8_t index_segment_version = 2;
inline constexpr size_t index_segment_header_size = 16;
inline constexpr size_t index_segment_footer_size = 28;
/// Upper bound of one log record's payload (a sanity check on replay).
inline constexpr uint32_t index_max_record = 256u << 20;

/// One framed log record holding `batch`.
std::string encode_log_record(const std::vector<series_chunks>& batch);

struct decoded_log {
  std::vector<std::vector<series_chunks>> records;
  /// Bytes of complete, valid records; < file size when the tail is torn.
  size_t valid_bytes = 0;
  bool torn = false;
};

/// All valid records of a log file, stopping at the first bad one.
decoded_log decode_log(std::string_view file);

/// The whole series_index as a segment covering logs with seq <= log_seq.
std::string encode_segment(const series_index& idx, uint64_t log_seq);

struct decoded_segment {
  uint64_t log_seq = 0;
  std::vector<series_index::entry> series;
  series_index::postings_map postings;
};

/// Verifies the CRC, magic, version, reserved bytes and every offset and
/// length; errc::corrupt_record otherwise.
result<decoded_segment> decode_segment(std::string_view file);

} // namespace skald::storage
