// runtime/util/substring.hpp — a fast "does this line contain that literal"
// for LogQL's |= and != line filters (runtime/logql/pipeline.cpp), which run
// over every line a query or a live tail reads.
//
// Method (W. Muła, "SIMD-friendly algorithms for substring searching"): 16
// candidate positions at once, kept when the needle's first AND last bytes
// match there (two SSE2 compares), then confirmed with memcmp of the bytes in
// between; the last < 16 + needle-size bytes go to glibc's memmem. With
// SSE2 absent (non-x86 builds) it is memmem. Pure, no allocation, no state;
// the answer equals `hay.find(needle) != npos` for every input (tested).
#pragma once

#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace skald::util {

inline bool contains(std::string_view hay, std::string_view needle) noexcept {
  const size_t n = hay.size();
  const size_t k = needle.size();
  if (k == 0)
    return true;
  if (k > n)
    return false;
  const char* s = hay.data();
  const char* p = needle.data();
  if (k == 1)
    return std::memchr(s, p[0], n) != nullptr;
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i first = _mm_set1_epi8(p[0]);
  const __m128i last = _mm_set1_epi8(p[k - 1]);
  for (; i + k + 15 <= n; i += 16) {
    const __m128i at_first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    const __m128i at_last = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + k - 1));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpeq_epi8(first, at_first), _mm_cmpeq_epi8(last, at_last))));
    while (mask != 0) {
      const auto bit = static_cast<size_t>(__builtin_ctz(mask));
      if (std::memcmp(s + i + bit + 1, p + 1, k - 2) == 0)
        return true;
      mask &= mask - 1;
    }
  }
#endif
  return ::memmem(s + i, n - i, p, k) != nullptr;
}

} // namespace skald::util
