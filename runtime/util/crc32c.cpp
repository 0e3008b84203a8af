#include "runtime/util/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace skald::util {

namespace {

constexpr uint32_t poly = 0x82F63B78u;

struct tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (size_t s = 1; s < 8; ++s)
        t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};

const tables& the_tables() {
  static const tables instance;
  return instance;
}

uint32_t extend_portable(uint32_t crc, const uint8_t* p, size_t n) noexcept {
  const auto& t = the_tables().t;
  uint32_t c = ~crc;
  while (n >= 8) {
    uint32_t lo;
    uint32_t hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    lo = __builtin_bswap32(lo);
    hi = __builtin_bswap32(hi);
#endif
    lo ^= c;
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF]
        ^ t[4][lo >> 24] ^ t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF]
        ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0)
    c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFF];
  return ~c;
}

#if defined(__x86_64__)
// -- SSE4.2: three crc32 streams at once ---------------------------------------
//
// The crc32 instruction has a latency of three cycles but a throughput of
// one per cycle, so one dependent chain runs at a third of the possible
// speed. Blocks of 3 x L bytes are checksummed as three independent chains
// (the second and third started from a zero register) and combined:
// the register after A ++ B is shift_L(register after A) ^ (register of B
// started at zero), where shift_L appends L zero bytes — a linear map,
// applied with four 256-entry tables per block length (the technique of
// Mark Adler's public crc32c.c).

/// GF(2) matrix (32 columns) times a vector.
uint32_t gf2_times(const uint32_t* mat, uint32_t vec) noexcept {
  uint32_t sum = 0;
  for (; vec != 0; vec >>= 1, ++mat)
    if (vec & 1)
      sum ^= *mat;
  return sum;
}

void gf2_square(uint32_t* square, const uint32_t* mat) noexcept {
  for (int n = 0; n < 32; ++n)
    square[n] = gf2_times(mat, mat[n]);
}

/// Tables that advance a (reflected, not inverted) CRC register over
/// `len` zero bytes; len a power of two.
struct zeros_table {
  std::array<std::array<uint32_t, 256>, 4> t{};

  explicit zeros_table(size_t len) {
    uint32_t odd[32];
    uint32_t even[32];
    odd[0] = poly; // one zero bit
    for (int n = 1; n < 32; ++n)
      odd[n] = uint32_t{1} << (n - 1);
    gf2_square(even, odd); // two zero bits
    gf2_square(odd, even); // four zero bits
    const uint32_t* op = nullptr;
    for (;;) { // eight zero bits (one byte), then doubling per step
      gf2_square(even, odd);
      len >>= 1;
      if (len == 0) {
        op = even;
        break;
      }
      gf2_square(odd, even);
      len >>= 1;
      if (len == 0) {
        op = odd;
        break;
      }
    }
    for (uint32_t n = 0; n < 256; ++n)
      for (int k = 0; k < 4; ++k)
        t[k][n] = gf2_times(op, n << (8 * k));
  }

  uint32_t shift(uint32_t crc) const noexcept {
    return t[0][crc & 0xFF] ^ t[1][(crc >> 8) & 0xFF] ^ t[2][(crc >> 16) & 0xFF] ^ t[3][crc >> 24];
  }
};

constexpr size_t long_block = 8192;
constexpr size_t short_block = 256;

const zeros_table& long_zeros() {
  static const zeros_table instance{long_block};
  return instance;
}

const zeros_table& short_zeros() {
  static const zeros_table instance{short_block};
  return instance;
}

__attribute__((target("sse4.2"))) inline uint64_t crc_u64(uint64_t c, const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return _mm_crc32_u64(c, v);
}

/// Three chains over 3 x `block` bytes at a time while they last.
__attribute__((target("sse4.2"))) inline uint64_t
three_way(uint64_t c0, const uint8_t*& p, size_t& n, size_t block, const zeros_table& z) noexcept {
  while (n >= 3 * block) {
    uint64_t c1 = 0;
    uint64_t c2 = 0;
    const uint8_t* end = p + block;
    do {
      c0 = crc_u64(c0, p);
      c1 = crc_u64(c1, p + block);
      c2 = crc_u64(c2, p + 2 * block);
      p += 8;
    } while (p < end);
    c0 = z.shift(static_cast<uint32_t>(c0)) ^ c1;
    c0 = z.shift(static_cast<uint32_t>(c0)) ^ c2;
    p += 2 * block;
    n -= 3 * block;
  }
  return c0;
}

__attribute__((target("sse4.2"))) uint32_t
extend_sse42(uint32_t crc, const uint8_t* p, size_t n) noexcept {
  uint64_t c = ~crc;
  if (n >= 3 * short_block) {
    c = three_way(c, p, n, long_block, long_zeros());
    c = three_way(c, p, n, short_block, short_zeros());
  }
  while (n >= 8) {
    c = crc_u64(c, p);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n-- > 0)
    c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool have_sse42() noexcept {
  static const bool result = __builtin_cpu_supports("sse4.2");
  return result;
}
#endif

} // namespace

namespace detail {
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t n) noexcept {
  return extend_portable(crc, static_cast<const uint8_t*>(data), n);
}
} // namespace detail

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n) noexcept {
  auto p = static_cast<const uint8_t*>(data);
#if defined(__x86_64__)
  if (have_sse42())
    return extend_sse42(crc, p, n);
#endif
  return extend_portable(crc, p, n);
}

} // namespace skald::util
