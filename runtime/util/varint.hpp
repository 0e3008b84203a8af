// runtime/util/varint.hpp — reading Go-style uvarints (LEB128) and zig-zag
// varints from a byte range, for the on-disk formats (chunk payloads, WAL
// records, the WAL drainer's record keys). Pure, bounds-checked.
#pragma once

#include <cstdint>

namespace skald::util {

/// Reads a uvarint at *p (p <= end); advances p. False on truncation or on
/// a value that does not fit 64 bits (Go's binary.Uvarint overflow).
inline bool get_uvarint(const char*& p, const char* end, uint64_t& out) noexcept {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= end)
      return false;
    auto byte = static_cast<uint8_t>(*p++);
    if (shift == 63 && byte > 1)
      return false;
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      out = result;
      return true;
    }
  }
  return false;
}

/// Reads a zig-zag varint (Go's binary.Varint) at *p; advances p.
inline bool get_varint(const char*& p, const char* end, int64_t& out) noexcept {
  uint64_t u;
  if (!get_uvarint(p, end, u))
    return false;
  out = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  return true;
}

} // namespace skald::util
