// runtime/util/crc32c.hpp — CRC-32C (Castagnoli), the checksum of chunks and WAL.
//
// Loki checksums chunk blocks, chunk metadata and whole chunk objects with
// CRC-32 Castagnoli (spec §5.5, §7.1); the WAL uses it too. This is the plain
// reflected CRC-32C (poly 0x82F63B78, init and final xor 0xFFFFFFFF), i.e.
// crc32c("123456789") == 0xE3069283, the same value as Go's
// crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)).
//
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at
// run time; inputs of 768 bytes and more as three interleaved chains,
// combined with zero-shift tables: ~3x the speed of one chain), otherwise a
// slicing-by-8 table. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace skald::util {

/// Continues a CRC: crc32c_extend(crc32c(a), b) == crc32c(a ++ b).
/// Start a fresh CRC with `crc = 0`.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n) noexcept;

inline uint32_t crc32c(const void* data, size_t n) noexcept {
  return crc32c_extend(0, data, n);
}

inline uint32_t crc32c(std::string_view bytes) noexcept {
  return crc32c_extend(0, bytes.data(), bytes.size());
}

namespace detail {
/// The table implementation, exposed so tests cover it on SSE4.2 machines.
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t n) noexcept;
} // namespace detail

} // namespace skald::util
