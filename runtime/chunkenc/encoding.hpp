// runtime/chunkenc/encoding.hpp — block codecs: none, gzip, snappy, lz4, zstd.
//
// One codec compresses one block payload (docs/chunk-format.md). The codec of
// a chunk is a byte in its header; the values below are skald's own (zero is
// reserved, G11) and are NOT Loki's pkg/compression numbers.
//
//   none    bytes as is
//   gzip    RFC 1952 gzip member (zlib deflate, level 6 = Go's default)
//   snappy  raw snappy (not the framed stream format)
//   lz4     raw LZ4 block (LZ4_compress_fast, acceleration 1); the
//           decompressed size comes from the block's metadata
//   zstd    one zstd frame, level 3 (ZSTD_CLEVEL_DEFAULT)
//
// Scratch space: compress()/decompress() use per-thread codec contexts (zlib
// streams, a zstd context, an LZ4 state) that are created once and reset per
// call, so a steady stream of blocks does not allocate inside the codecs.
// Output goes to a caller-provided `buffer`, which keeps its capacity.
//
// Thread-safety: all functions may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <string_view>

#include "runtime/chunkenc/buffer.hpp"
#include "runtime/util/status.hpp"

namespace skald::chunkenc {

enum class encoding : uint8_t {
  /// Reserved: never written; a header byte of 0 is corrupt.
  invalid = 0,
  none = 1,
  gzip = 2,
  snappy = 3,
  lz4 = 4,
  zstd = 5,
};

/// The default of skald's `chunk_encoding` (Loki's flag default is gzip; the
/// issue picks snappy for ingest CPU).
inline constexpr encoding default_encoding = encoding::snappy;

/// Every valid encoding, for tests and benches.
inline constexpr encoding all_encodings[] = {encoding::none, encoding::gzip, encoding::snappy,
                                             encoding::lz4, encoding::zstd};

/// "none", "gzip", "snappy", "lz4", "zstd"; "invalid" otherwise.
std::string_view to_string(encoding e) noexcept;

/// The config spelling (case-sensitive, as Loki's flag): one of the names
/// above, or a Loki-only name so Loki configs keep working: "lz4-64k",
/// "lz4-256k", "lz4-1M", "lz4-4M" → lz4 and "flate" → gzip (skald's block
/// format does not depend on them). Unknown names → errc::invalid_argument.
result<encoding> parse_encoding(std::string_view name);

/// True for the five valid values.
bool is_valid(encoding e) noexcept;

/// Replaces `out` with the compressed form of `in`.
/// REQUIRES: is_valid(e).
status compress(encoding e, std::string_view in, buffer& out);

/// Replaces `out` with the decompression of `in`, which must yield exactly
/// `raw_size` bytes; anything else → errc::corrupt_record.
status decompress(encoding e, std::string_view in, size_t raw_size, buffer& out);

} // namespace skald::chunkenc
