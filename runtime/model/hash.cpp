#include "runtime/model/hash.hpp"

#include <algorithm>

#define XXH_STATIC_LINKING_ONLY // XXH64_state_t on the stack
#include <xxhash.h>

namespace skald::model {

uint64_t fingerprint(const label_set& ls) noexcept {
  static constexpr char sep = '\xff';
  // Small sets (the common case) hash in one shot from a stack buffer.
  char buf[1024];
  size_t n = 0;
  for (const auto& l : ls)
    n += l.name.size() + l.value.size() + 2;
  if (n <= sizeof(buf)) {
    char* p = buf;
    for (const auto& l : ls) {
      p = std::copy(l.name.begin(), l.name.end(), p);
      *p++ = sep;
      p = std::copy(l.value.begin(), l.value.end(), p);
      *p++ = sep;
    }
    return XXH64(buf, n, 0);
  }
  XXH64_state_t st;
  XXH64_reset(&st, 0);
  for (const auto& l : ls) {
    XXH64_update(&st, l.name.data(), l.name.size());
    XXH64_update(&st, &sep, 1);
    XXH64_update(&st, l.value.data(), l.value.size());
    XXH64_update(&st, &sep, 1);
  }
  return XXH64_digest(&st);
}

} // namespace skald::model
