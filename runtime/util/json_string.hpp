// runtime/util/json_string.hpp — appends a string as a JSON string literal,
// byte for byte as RapidJSON's Writer writes it (the project's JSON writer
// elsewhere), but with runs of bytes that need no escape copied at once.
// Used where JSON is written per log line on a hot path: live tail
// responses (runtime/tail/tail.cpp).
//
// RapidJSON's rules (writer.h, default flags, UTF-8 in and out, no
// validation): `"` → \", `\` → \\, \b \t \n \f \r, other bytes below 0x20 →
// \u00XX (upper-case hex); every other byte, including 0x7F and non-ASCII,
// is copied as is. Method: 16 bytes at a time with SSE2 (a byte needs an
// escape when it is <= 0x1F, `"` or `\`), the rest byte by byte.
// Pure, no state; tested against RapidJSON on random bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace skald::util {

namespace json_detail {

inline bool needs_escape(unsigned char c) noexcept {
  return c < 0x20 || c == '"' || c == '\\';
}

inline void append_escape(std::string& out, unsigned char c) {
  static constexpr char hex[] = "0123456789ABCDEF";
  char buf[6] = {'\\', 0, 0, 0, 0, 0};
  size_t n = 2;
  switch (c) {
  case '"':
    buf[1] = '"';
    break;
  case '\\':
    buf[1] = '\\';
    break;
  case '\b':
    buf[1] = 'b';
    break;
  case '\t':
    buf[1] = 't';
    break;
  case '\n':
    buf[1] = 'n';
    break;
  case '\f':
    buf[1] = 'f';
    break;
  case '\r':
    buf[1] = 'r';
    break;
  default:
    buf[1] = 'u';
    buf[2] = '0';
    buf[3] = '0';
    buf[4] = hex[c >> 4];
    buf[5] = hex[c & 15];
    n = 6;
  }
  out.append(buf, n);
}

/// Index of the first byte of s[i, n) that needs an escape, or n.
inline size_t next_escape(const char* s, size_t i, size_t n) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control_max = _mm_set1_epi8(0x1F);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    // unsigned v <= 0x1F  <=>  max(v, 0x1F) == 0x1F
    const __m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, control_max), control_max);
    const __m128i hit =
        _mm_or_si128(ctl, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask != 0)
      return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < n; ++i)
    if (needs_escape(static_cast<unsigned char>(s[i])))
      return i;
  return n;
}

} // namespace json_detail

/// Appends `"` + s escaped + `"` to out (see the file comment).
inline void append_json_string(std::string& out, std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  out.reserve(out.size() + n + 2);
  out.push_back('"');
  size_t start = 0;
  for (;;) {
    const size_t i = json_detail::next_escape(p, start, n);
    out.append(p + start, i - start);
    if (i == n)
      break;
    json_detail::append_escape(out, static_cast<unsigned char>(p[i]));
    start = i + 1;
  }
  out.push_back('"');
}

} // namespace skald::util
