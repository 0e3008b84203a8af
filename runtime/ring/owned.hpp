// runtime/ring/owned.hpp — whether an ingester still owns a stream's token
// after a ring change (Loki's ownedStreamsIngesterStrategy.isOwnedStream: the
// instance is in the token's Get(WriteNoExtend) replication set). The flush
// sweep flushes the chunks of a stream that is not owned any more with reason
// `not_owned` (write-path spec §5.7), so its data reaches the store although
// the distributors now send the stream elsewhere.
//
// Owner: the ingester's tenant actors call it per stream on each periodic
// sweep, through the predicate the ingester module builds from the cluster's
// ring view (ingester_deps::owned). Pure: the caller passes `now`.
// Invariant: "owned" is the safe answer — when the set cannot be computed
// (too few healthy instances, empty ring; Loki leaves ownership unchanged on
// error) or the instance itself is not ACTIVE (joining, leaving: its own
// state, not a ring change, takes it out of the set), the stream is owned.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/ring/lookup.hpp"

namespace skald::ring {

bool owns(const ring_view& v, token_t key, const std::string& instance_id, int64_t now_ms);

} // namespace skald::ring
