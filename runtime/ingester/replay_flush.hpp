// runtime/ingester/replay_flush.hpp — writes all chunks of one stream to the
// store synchronously: the WAL replay's memory-ceiling flush
// (wal_recovery.hpp, replay_ceiling), which runs before any actor adopts the
// streams, on the ingester module's start() thread.
//
// Every chunk is closed (time-ordered blocks), encoded and written with
// storage::write_chunks (objects first, then one index batch), so the index
// never names a chunk that is not durable. Blocking I/O: never call it on a
// CAF scheduler thread. Pure otherwise (no CAF, no clock).
#pragma once

#include <cstddef>
#include <string_view>

#include "runtime/ingester/stream.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/util/status.hpp"

namespace skald::ingester {

/// Closes, encodes and stores every non-empty chunk of `s`; returns how many
/// were written. The chunks stay in `s` (the caller drops them on success).
result<size_t> store_all_chunks(stream& s, std::string_view tenant, const model::label_set& labels,
                                storage::chunk_store& chunks, storage::index_store& index);

} // namespace skald::ingester
