// runtime/storage/store.hpp — the flush of one series: every chunk object
// first, then one index batch. This order is the crash-safety rule of the
// store: a ref reaches the index only after its chunk is durable.
//
// Owner: the flush workers call write_chunks() (blocking I/O: detached
// actors). Thread-safe when the chunk_store and index_store are (they are).
// On error nothing needs undoing: retry the same call with backoff; chunks
// already written dedupe and refs already indexed are skipped.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/util/status.hpp"

namespace skald::storage {

/// One encoded, closed chunk to flush.
struct flush_chunk {
  model::timestamp_ns min_ts = 0; // chunk.bounds()
  model::timestamp_ns max_ts = 0;
  uint32_t entries = 0;   // chunk.entries()
  std::string_view bytes; // chunk.encode(); must outlive the call
  uint32_t uncompressed = 0; // chunk.uncompressed_size() (index/volume)
};

struct write_report {
  std::vector<put_result> puts; // one per chunk, in order
  size_t deduped = 0;           // objects that existed already
};

/// Puts every chunk of the series, then adds their refs to the index in one
/// batch. REQUIRES: labels normalised, fingerprint = fingerprint(labels).
result<write_report> write_chunks(chunk_store& chunks, index_store& index, std::string_view tenant,
                                  const model::label_set& labels, uint64_t fingerprint,
                                  const std::vector<flush_chunk>& batch);

} // namespace skald::storage
