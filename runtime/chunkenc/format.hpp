// runtime/chunkenc/format.hpp — constants of the encoded chunk format.
//
// docs/chunk-format.md is the specification; mem_chunk::encode/decode
// (format.cpp) implement it. Change all three together, bump `version` for
// any incompatible change and add a golden file under tests/testdata/chunkenc/.
#pragma once

#include <cstddef>
#include <cstdint>

namespace skald::chunkenc::format_v1 {

/// "SKCH", big-endian, first 4 bytes of every encoded chunk.
inline constexpr uint32_t magic = 0x534B4348;
/// Zero is reserved (never written, rejected on read).
inline constexpr uint8_t version = 1;
/// magic(4) version(1) encoding(1) flags(1) reserved(1).
inline constexpr size_t header_size = 8;
/// Header flag bit: no entry of the chunk carries structured metadata.
/// Set when a closed chunk is encoded (the flushed form); 0 = unknown (open
/// chunks in WAL checkpoints, chunks written before the flag existed).
inline constexpr uint8_t flag_no_metadata = 0x01;
/// BE64 metas_offset, BE64 metas_len.
inline constexpr size_t footer_size = 16;
/// Readers refuse blocks that claim to decompress to more than this.
inline constexpr uint64_t max_raw_size = uint64_t{1} << 30;

} // namespace skald::chunkenc::format_v1
