// runtime/chunkenc/buffer.hpp — a growable byte buffer and the varint codings.
//
// `buffer` is the storage of head blocks and of codec scratch space. Unlike
// std::string it grows by an explicit policy (grow_to) and never zero-fills,
// so a head block reserved to chunk_block_size stays one allocation for its
// whole life, and resize_for_overwrite() costs nothing.
//
// Varints are Go's encoding/binary: uvarint = LEB128, varint = zig-zag then
// LEB128 (what Loki writes). Decoders take a cursor and return false on
// truncated or over-long input; they never read past `end`.
//
// Owner: whoever holds it; not thread-safe. Invariant: size() <= capacity().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include "runtime/util/varint.hpp"

namespace skald::chunkenc {

class buffer {
public:
  buffer() noexcept = default;
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;
  buffer(buffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      cap_(std::exchange(other.cap_, 0)),
      soft_cap_(other.soft_cap_) {}
  buffer& operator=(buffer&& other) noexcept {
    if (this != &other) {
      ::operator delete(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      cap_ = std::exchange(other.cap_, 0);
      soft_cap_ = other.soft_cap_;
    }
    return *this;
  }
  ~buffer() { ::operator delete(data_); }

  char* data() noexcept { return data_; }
  const char* data() const noexcept { return data_; }
  size_t size() const noexcept { return size_; }
  size_t capacity() const noexcept { return cap_; }
  bool empty() const noexcept { return size_ == 0; }
  std::string_view view() const noexcept { return {data_, size_}; }

  /// Keeps the capacity.
  void clear() noexcept { size_ = 0; }

  /// Frees the storage.
  void release() noexcept {
    ::operator delete(data_);
    data_ = nullptr;
    size_ = cap_ = 0;
  }

  /// Makes capacity() exactly `n` if n > capacity().
  void reserve_exact(size_t n) {
    if (n <= cap_)
      return;
    // operator new (not realloc) so allocation counters see every byte.
    auto p = static_cast<char*>(::operator new(n));
    if (size_ != 0)
      std::memcpy(p, data_, size_);
    ::operator delete(data_);
    data_ = p;
    cap_ = n;
  }

  /// Sets size() to n without initialising new bytes.
  void resize_for_overwrite(size_t n) {
    reserve_exact(n);
    size_ = n;
  }

  /// Shrinks size() to n (n <= size()).
  void truncate(size_t n) noexcept {
    if (n < size_)
      size_ = n;
  }

  /// Sets the growth cap: appends double capacity up to `soft_cap`, then grow
  /// only to what is needed. 0 = always double.
  void set_soft_cap(size_t soft_cap) noexcept { soft_cap_ = soft_cap; }

  void append(const void* p, size_t n) {
    if (n == 0)
      return;
    ensure(n);
    std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  void push_back(char c) {
    ensure(1);
    data_[size_++] = c;
  }

  /// Room for n more bytes: returns where they go. Write at most n bytes
  /// there, then commit() the number written (appends in one capacity check).
  char* prepare(size_t n) {
    ensure(n);
    return data_ + size_;
  }
  void commit(size_t n) noexcept { size_ += n; }

  void put_uvarint(uint64_t v) {
    ensure(10);
    while (v >= 0x80) {
      data_[size_++] = static_cast<char>(static_cast<uint8_t>(v) | 0x80);
      v >>= 7;
    }
    data_[size_++] = static_cast<char>(v);
  }
  void put_varint(int64_t v) {
    put_uvarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void put_be32(uint32_t v) {
    ensure(4);
    for (int i = 3; i >= 0; --i)
      data_[size_++] = static_cast<char>(v >> (8 * i));
  }
  void put_be64(uint64_t v) {
    ensure(8);
    for (int i = 7; i >= 0; --i)
      data_[size_++] = static_cast<char>(v >> (8 * i));
  }

private:
  void ensure(size_t extra) {
    size_t need = size_ + extra;
    if (need <= cap_)
      return;
    size_t grown = cap_ < 64 ? 64 : cap_ * 2;
    if (soft_cap_ != 0 && grown > soft_cap_)
      grown = soft_cap_;
    reserve_exact(grown > need ? grown : need);
  }

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = 0;
  size_t soft_cap_ = 0;
};

/// Writes v as a uvarint at p (at most 10 bytes); returns the end.
inline char* write_uvarint(char* p, uint64_t v) noexcept {
  while (v >= 0x80) {
    *p++ = static_cast<char>(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

/// Bytes a uvarint of v takes.
inline size_t uvarint_size(uint64_t v) noexcept {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline size_t varint_size(int64_t v) noexcept {
  return uvarint_size((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

// Readers shared with the WAL formats.
using util::get_uvarint;
using util::get_varint;

inline uint32_t load_be32(const char* p) noexcept {
  auto b = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

inline uint64_t load_be64(const char* p) noexcept {
  return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}

} // namespace skald::chunkenc
