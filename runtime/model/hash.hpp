// runtime/model/hash.hpp — the two hashes of a stream (spec §3.1, Appendix B).
//
//   stream_token(tenant, canonical) = 32-bit FNV-1 (not FNV-1a) over the bytes
//       of the tenant id immediately followed by the canonical label string —
//       Loki's `TokenFor`, the key looked up in the hash ring.
//   fingerprint(labels) = xxHash64 (seed 0) over `name 0xFF value 0xFF` for
//       every label in sorted order — Prometheus `labels.StableHash`, Loki's
//       stream hash (StreamAdapter.hash, chunk keys, the ingester's stream map).
//
// Test vectors (tests/unit/model/hash_test.cpp): TokenFor("userID","labels") ==
// 2908432762; {job="foo"} -> 0x8eeb87f5eb220480; {app="l"} -> 16794418009594958.
//
// Owner: pure functions. Invariant: the values never change between releases —
// they are on disk (chunk keys) and on the wire (ring tokens).
#pragma once

#include <cstdint>
#include <string_view>

#include "runtime/model/labels.hpp"

namespace skald::model {

/// 32-bit FNV-1 offset basis and prime.
inline constexpr uint32_t fnv1_32_offset = 2166136261u;
inline constexpr uint32_t fnv1_32_prime = 16777619u;

/// Continues an FNV-1 32 hash `h` over `bytes` (multiply, then xor).
constexpr uint32_t fnv1_32_add(uint32_t h, std::string_view bytes) noexcept {
  for (char c : bytes) {
    h *= fnv1_32_prime;
    h ^= static_cast<unsigned char>(c);
  }
  return h;
}

/// Ring token of a stream: FNV-1 32 over tenant bytes then canonical labels.
constexpr uint32_t stream_token(std::string_view tenant,
                                std::string_view canonical_labels) noexcept {
  return fnv1_32_add(fnv1_32_add(fnv1_32_offset, tenant), canonical_labels);
}

/// Prometheus StableHash of a sorted label set: xxHash64 seed 0 over
/// name 0xFF value 0xFF ... . Allocation-free.
uint64_t fingerprint(const label_set& ls) noexcept;

} // namespace skald::model
