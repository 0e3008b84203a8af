// runtime/cluster/instance_tokens.cpp — see instance_tokens.hpp.
#include "runtime/cluster/instance_tokens.hpp"

#include <set>

namespace skald::cluster {

std::vector<uint32_t> tokens_for_id(std::string_view id, int n) {
  std::set<uint32_t> out;
  uint64_t counter = 0;
  while (static_cast<int>(out.size()) < n) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : id) {
      h ^= c;
      h *= 1099511628211ull;
    }
    for (int b = 0; b < 8; ++b) {
      h ^= (counter >> (8 * b)) & 0xff;
      h *= 1099511628211ull;
    }
    ++counter;
    out.insert(static_cast<uint32_t>(h ^ (h >> 32)));
  }
  return {out.begin(), out.end()};
}

} // namespace skald::cluster
