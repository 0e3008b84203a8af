// runtime/storage/coding.hpp — byte codings of the storage formats
// (docs/storage-layout.md, docs/index-format.md): big-endian fixed ints,
// Go-style uvarint/varint (LEB128, zig-zag), length-prefixed strings, and a
// bounds-checked reader cursor.
//
// Owner: pure helpers. The reader never reads past its end; after any failed
// get_* it stays failed (ok() == false) and returns zeros.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skald::storage::coding {

inline void put_u8(std::string& out, uint8_t v) {
  out += static_cast<char>(v);
}

inline void put_be32(std::string& out, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out.append(b, 4);
}

inline void put_be64(std::string& out, uint64_t v) {
  put_be32(out, static_cast<uint32_t>(v >> 32));
  put_be32(out, static_cast<uint32_t>(v));
}

inline void put_uvarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

inline void put_varint(std::string& out, int64_t v) {
  put_uvarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

/// uvarint length, then the bytes.
inline void put_string(std::string& out, std::string_view s) {
  put_uvarint(out, s.size());
  out.append(s);
}

inline uint32_t load_be32(const char* p) noexcept {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
}

inline uint64_t load_be64(const char* p) noexcept {
  return uint64_t{load_be32(p)} << 32 | load_be32(p + 4);
}

class reader {
public:
  explicit reader(std::string_view in) noexcept : p_(in.data()), end_(in.data() + in.size()) {}

  bool ok() const noexcept { return ok_; }
  size_t remaining() const noexcept { return static_cast<size_t>(end_ - p_); }
  bool at_end() const noexcept { return p_ == end_; }
  const char* pos() const noexcept { return p_; }

  uint8_t u8() noexcept {
    if (!need(1))
      return 0;
    return static_cast<uint8_t>(*p_++);
  }
  uint32_t be32() noexcept {
    if (!need(4))
      return 0;
    auto v = load_be32(p_);
    p_ += 4;
    return v;
  }
  uint64_t be64() noexcept {
    if (!need(8))
      return 0;
    auto v = load_be64(p_);
    p_ += 8;
    return v;
  }
  uint64_t uvarint() noexcept {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!need(1))
        return 0;
      auto b = static_cast<uint8_t>(*p_++);
      if (shift == 63 && b > 1)
        return fail();
      v |= uint64_t{b & 0x7Fu} << shift;
      if (b < 0x80)
        return v;
    }
    return fail();
  }
  int64_t varint() noexcept {
    uint64_t u = uvarint();
    return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }
  std::string_view bytes(size_t n) noexcept {
    if (!need(n))
      return {};
    std::string_view v{p_, n};
    p_ += n;
    return v;
  }
  std::string_view string() noexcept {
    uint64_t n = uvarint();
    if (!ok_ || n > remaining()) {
      fail();
      return {};
    }
    return bytes(static_cast<size_t>(n));
  }
  uint64_t fail() noexcept {
    ok_ = false;
    p_ = end_;
    return 0;
  }

private:
  bool need(size_t n) noexcept {
    if (ok_ && remaining() >= n)
      return true;
    fail();
    return false;
  }

  const char* p_;
  const char* end_;
  bool ok_ = true;
};

} // namespace skald::storage::coding
