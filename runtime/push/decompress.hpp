// runtime/push/decompress.hpp — bounded decompression of push bodies.
//
// Every function here refuses to produce (or allocate) more than `limit` bytes
// of output: a gzip bomb or a lying snappy header stops at the limit with
// errc::too_large, the HTTP layer answers 413. Output buffers are sized from
// what the input can legitimately produce, never from a header alone.
//
// Formats (spec §1.3):
//   gzip    RFC 1952, concatenated members accepted (Go's multistream reader);
//           bytes after a member must be another gzip member.
//   deflate RAW RFC 1951 (Go compress/flate), NOT zlib-wrapped; Loki rejects
//           zlib-framed bodies and so do we. Bytes after the final block are
//           ignored (Go stops reading there).
//   snappy  block format (not framed), as used by Prometheus/Loki remote write.
//
// Owner: pure functions. `extra` bytes (zeroed) are appended after the output
// for callers that need a terminator (the in-situ JSON parser needs one NUL).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "runtime/util/status.hpp"

namespace skald::push {

struct byte_buffer {
  std::unique_ptr<char[]> data;
  size_t size = 0; // payload bytes, excluding `extra`
};

enum class stream_codec : uint8_t { gzip, deflate };

/// Decompresses a gzip or raw-deflate body. limit == 0 means unlimited.
/// Errors: too_large "decompressed message size too large than max (<n> vs
/// <limit>)" where n = limit + 1 (decoding stops there, like Go's LimitReader);
/// invalid_argument with Go-like texts ("gzip: invalid header", "gzip: invalid
/// checksum", "unexpected EOF", "EOF", "flate: corrupt input before offset N").
result<byte_buffer> inflate_limited(stream_codec codec, std::string_view in, size_t limit,
                                    size_t extra = 0);

/// Decodes a snappy block. limit == 0 means unlimited. Errors: too_large
/// "decompressed message size too large than max (<declared> vs <limit>)";
/// invalid_argument "snappy: corrupt input" (also when the declared length is
/// more than the input could expand to, so a lying header allocates nothing).
result<byte_buffer> snappy_uncompress_limited(std::string_view in, size_t limit, size_t extra = 0);

} // namespace skald::push
