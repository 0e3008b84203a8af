// runtime/cluster/instance_tokens.hpp — the ring tokens of an instance that
// has no tokens file: derived from its id only, so an ingester restarted
// under the same ingester.lifecycler.id owns the same tokens (docs/cluster.md).
//
// Owner: the cluster module of each node, once at start. Pure.
// Invariant: the result has exactly n distinct tokens, sorted ascending, and
// is the same for the same (id, n) on every machine and build.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace skald::cluster {

/// `n` distinct tokens from FNV-1a 64 of id and a counter, folded to 32 bits.
std::vector<uint32_t> tokens_for_id(std::string_view id, int n);

} // namespace skald::cluster
