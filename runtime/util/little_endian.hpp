// runtime/util/little_endian.hpp — little-endian loads and stores of fixed-
// width integers at unaligned addresses, for the on-disk formats (WAL records
// and files, the staging ring). Byte by byte, so they are correct on any host;
// compilers turn them into single moves on little-endian machines.
#pragma once

#include <cstdint>

namespace skald::util {

inline void store_u16le(char* p, uint16_t v) noexcept {
  p[0] = static_cast<char>(v);
  p[1] = static_cast<char>(v >> 8);
}

inline void store_u32le(char* p, uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<char>(v >> (8 * i));
}

inline void store_u64le(char* p, uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i)
    p[i] = static_cast<char>(v >> (8 * i));
}

inline uint32_t load_u32le(const char* p) noexcept {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

inline uint64_t load_u64le(const char* p) noexcept {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

} // namespace skald::util
