// runtime/wal/aligned_buffer.hpp — heap memory aligned to direct_io_block,
// for O_DIRECT reads and writes (buffer addresses must be block aligned).
//
// Used by the posix file system's direct files and reads
// (file_system.cpp) and by the WAL writer, which encodes its batch straight
// into one (writer.hpp): the batch is then written from where it was encoded,
// without a copy into a second buffer. Growing never zero-fills.
//
// Owner: whoever holds it (not thread-safe). Invariant: data is null or
// aligned to direct_io_block and holds `capacity` bytes, a multiple of
// direct_io_block.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "runtime/wal/file_system.hpp"

namespace skald::wal {

struct aligned_buffer {
  char* data = nullptr;
  size_t capacity = 0;

  aligned_buffer() = default;
  aligned_buffer(const aligned_buffer&) = delete;
  aligned_buffer& operator=(const aligned_buffer&) = delete;
  aligned_buffer(aligned_buffer&& other) noexcept : data(other.data), capacity(other.capacity) {
    other.data = nullptr;
    other.capacity = 0;
  }
  aligned_buffer& operator=(aligned_buffer&& other) noexcept {
    if (this != &other) {
      std::free(data);
      data = other.data;
      capacity = other.capacity;
      other.data = nullptr;
      other.capacity = 0;
    }
    return *this;
  }
  ~aligned_buffer() { std::free(data); }

  /// Grows to at least n bytes (doubling from 1 MiB), keeping the first
  /// `keep` bytes (at most the old capacity). False if out of memory (the
  /// buffer is unchanged then).
  bool reserve(size_t n, size_t keep) {
    if (n <= capacity)
      return true;
    size_t cap = capacity == 0 ? size_t{1} << 20 : capacity;
    while (cap < n)
      cap *= 2;
    void* p = nullptr;
    if (::posix_memalign(&p, direct_io_block, cap) != 0)
      return false;
    if (keep > capacity)
      keep = capacity; // nothing was stored beyond the old capacity
    if (keep > 0)
      std::memcpy(p, data, keep);
    std::free(data);
    data = static_cast<char*>(p);
    capacity = cap;
    return true;
  }
};

/// n rounded up to a multiple of direct_io_block.
constexpr size_t round_up_to_block(size_t n) {
  return (n + direct_io_block - 1) / direct_io_block * direct_io_block;
}

} // namespace skald::wal
