// runtime/util/substring.hpp — a fast "does this line contain that literal"
// for LogQL's |= and != line filters (runtime/logql/pipeline.cpp), which run
// over every line a query or a live tail reads.
//
// find() gives the first occurrence's offset, for scanning many lines laid
// out in one buffer at once (runtime/util/lines_containing.hpp).
//
// Method (W. Muła, "SIMD-friendly algorithms for substring searching"): 16
// candidate positions at once, kept when the needle's first AND last bytes
// match there (two SSE2 compares), then confirmed with memcmp of the bytes in
// between; the last starts are one more block overlapping the previous one
// (no call into glibc's memmem, which costs more than the scan on a log
// line). On CPUs with AVX2 (checked once at run time) 32 positions at once.
// Lines shorter than 15 + needle size, and builds without SSE2 (non-x86),
// use memmem. Pure, no allocation, no state;
// the answer equals `hay.find(needle) != npos` for every input (tested).
#pragma once

#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SKALD_SUBSTRING_AVX2 1
#endif

namespace skald::util {

namespace substring_detail {

/// The first candidate start at + bit (bits set in `mask`: first and last
/// byte already equal) that matches the needle's middle bytes, or -1.
inline long first_candidate(unsigned mask, const char* s, size_t at, const char* p,
                            size_t k) noexcept {
  while (mask != 0) {
    const auto bit = static_cast<size_t>(__builtin_ctz(mask));
    if (std::memcmp(s + at + bit + 1, p + 1, k - 2) == 0)
      return static_cast<long>(at + bit);
    mask &= mask - 1;
  }
  return -1;
}

/// True when one of the candidate starts matches (contains()).
inline bool any_candidate(unsigned mask, const char* s, size_t at, const char* p,
                          size_t k) noexcept {
  return first_candidate(mask, s, at, p, k) >= 0;
}

} // namespace substring_detail

#if defined(SKALD_SUBSTRING_AVX2)
namespace substring_detail {

/// The same method, 32 candidate starts at once; for CPUs with AVX2
/// (checked once at run time), on hays of at least k + 31 bytes.
/// Bytes 0xff at the 32 starts at `at` where the needle's first and last
/// bytes are.
__attribute__((target("avx2"))) inline __m256i avx2_hits(const char* s, size_t at, size_t k,
                                                         __m256i first, __m256i last) noexcept {
  const __m256i f = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + at));
  const __m256i l = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + at + k - 1));
  return _mm256_and_si256(_mm256_cmpeq_epi8(first, f), _mm256_cmpeq_epi8(last, l));
}

/// The same as a bit mask.
__attribute__((target("avx2"))) inline unsigned avx2_mask(const char* s, size_t at, size_t k,
                                                          __m256i first, __m256i last) noexcept {
  return static_cast<unsigned>(_mm256_movemask_epi8(avx2_hits(s, at, k, first, last)));
}

__attribute__((target("avx2"))) inline bool avx2_block(const char* s, size_t at, const char* p,
                                                       size_t k, __m256i first, __m256i last) {
  return any_candidate(avx2_mask(s, at, k, first, last), s, at, p, k);
}

__attribute__((target("avx2"))) inline bool contains_avx2(const char* s, size_t n, const char* p,
                                                          size_t k) noexcept {
  const __m256i first = _mm256_set1_epi8(p[0]);
  const __m256i last = _mm256_set1_epi8(p[k - 1]);
  size_t i = 0;
  for (; i + k + 31 <= n; i += 32)
    if (avx2_block(s, i, p, k, first, last))
      return true;
  return i < n - k + 1 && avx2_block(s, n - k - 31, p, k, first, last);
}

/// find()'s AVX2 scan: the first match's offset, or -1; hays of at least
/// k + 31 bytes, k >= 2.
__attribute__((target("avx2"))) inline long find_avx2(const char* s, size_t n, const char* p,
                                                      size_t k) noexcept {
  const __m256i first = _mm256_set1_epi8(p[0]);
  const __m256i last = _mm256_set1_epi8(p[k - 1]);
  size_t i = 0;
  // Four blocks (128 starts) per round, one test for all of them.
  for (; i + k + 127 <= n; i += 128) {
    const __m256i h0 = avx2_hits(s, i, k, first, last);
    const __m256i h1 = avx2_hits(s, i + 32, k, first, last);
    const __m256i h2 = avx2_hits(s, i + 64, k, first, last);
    const __m256i h3 = avx2_hits(s, i + 96, k, first, last);
    const __m256i any = _mm256_or_si256(_mm256_or_si256(h0, h1), _mm256_or_si256(h2, h3));
    if (_mm256_testz_si256(any, any))
      continue;
    const __m256i hs[4] = {h0, h1, h2, h3};
    for (size_t j = 0; j < 4; ++j) {
      const auto m = static_cast<unsigned>(_mm256_movemask_epi8(hs[j]));
      if (auto at = first_candidate(m, s, i + 32 * j, p, k); at >= 0)
        return at;
    }
  }
  for (; i + k + 31 <= n; i += 32)
    if (auto at = first_candidate(avx2_mask(s, i, k, first, last), s, i, p, k); at >= 0)
      return at;
  // The last starts: one block ending at the last start (the starts it
  // shares with the previous blocks had no match).
  if (i < n - k + 1)
    return first_candidate(avx2_mask(s, n - k - 31, k, first, last), s, n - k - 31, p, k);
  return -1;
}

inline bool has_avx2() noexcept {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return yes;
}

} // namespace substring_detail
#endif

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
#if defined(SKALD_SUBSTRING_AVX2)
  if (n >= k + 31 && substring_detail::has_avx2())
    return substring_detail::contains_avx2(s, n, p, k);
#endif
#if defined(__SSE2__)
  if (n >= k + 15) {
    const __m128i first = _mm_set1_epi8(p[0]);
    const __m128i last = _mm_set1_epi8(p[k - 1]);
    // 16 candidate starts at `at`; true when one of them is a match.
    auto block = [&](size_t at) {
      const __m128i at_first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + at));
      const __m128i at_last = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + at + k - 1));
      return substring_detail::any_candidate(
          static_cast<unsigned>(_mm_movemask_epi8(
              _mm_and_si128(_mm_cmpeq_epi8(first, at_first), _mm_cmpeq_epi8(last, at_last)))),
          s, at, p, k);
    };
    size_t i = 0;
    for (; i + k + 15 <= n; i += 16)
      if (block(i))
        return true;
    // The last < 16 starts: one more block ending at the last start,
    // overlapping the previous one (checking a start twice is harmless).
    return i < n - k + 1 && block(n - k - 15);
  }
#endif
  return ::memmem(s, n, p, k) != nullptr;
}

/// The offset of the first occurrence of `needle` in `hay`, or npos; equals
/// `hay.find(needle)` for every input (tested). For scanning long regions
/// (runtime/util/lines_containing.hpp); AVX2 where the CPU has it.
inline size_t find(std::string_view hay, std::string_view needle) noexcept {
  const size_t n = hay.size();
  const size_t k = needle.size();
#if defined(SKALD_SUBSTRING_AVX2)
  if (k >= 2 && n >= k + 31 && substring_detail::has_avx2()) {
    const auto at = substring_detail::find_avx2(hay.data(), n, needle.data(), k);
    return at < 0 ? std::string_view::npos : static_cast<size_t>(at);
  }
#endif
  return hay.find(needle);
}

} // namespace skald::util
