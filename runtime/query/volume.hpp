// runtime/query/volume.hpp — index/volume and volume_range (read-path spec
// §1.3) from chunk metadata, as Loki computes them: no chunk is read or
// decompressed.
//
// What Loki counts (3.x): per chunk overlapping the requested interval, its
// uncompressed size times the fraction of the chunk's time span inside the
// interval (util.GetFactorOfTime; 1 for a chunk whose first and last entry
// share a millisecond). The store side reads ChunkMeta.KB from the TSDB
// index, the ingesters add the chunks they have not flushed yet. Here:
//   - store: each index ref's `uncompressed` (exact bytes instead of Loki's
//     KB; a ref of index format v1, without it, counts its object size);
//   - memory: each in-memory chunk's mem_chunk::uncompressed_size();
//   - a chunk both in memory and in the store (flushed, still retained, or
//     re-created by WAL replay) is counted once: chunks of the same series
//     with the same millisecond bounds, entry count and uncompressed size
//     are one chunk (Loki skips flushed chunks in the ingester instead);
//   - chunk bounds in ms like the store's refs (from = floor, through =
//     ceil), so memory and store give the same figures for the same chunk.
// Uncompressed size is skald's decompressed block payload (entry records
// with their varint framing, docs/chunk-format.md), Loki's is line bytes
// plus 8 per metadata pair: the figures are close, not equal.
// Aggregation (Loki's seriesvolume): per series on the target labels (the
// selector's names unless targetLabels is given), or with aggregateBy=labels
// per label name ({name=""}); largest first, `limit` kept. The range form
// has one point per step at t = start + k*step (t <= end) holding the
// interval (t - step, t] (in ms, like Loki's ForInterval with inclusive
// ends: adjacent points do not share a millisecond); points with 0 bytes
// are left out.
//
// Owner: the querier's worker (actors/querier/querier.cpp). CAF-free, pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/logql/engine.hpp"
#include "runtime/model/labels.hpp"

namespace skald::query {

struct volume_chunk {
  int64_t from_ms = 0;
  int64_t through_ms = 0;
  uint32_t entries = 0;
  uint64_t bytes = 0; // uncompressed
  friend bool operator==(const volume_chunk& a, const volume_chunk& b) {
    return a.from_ms == b.from_ms && a.through_ms == b.through_ms && a.entries == b.entries &&
           a.bytes == b.bytes;
  }
};

/// One series with its chunks (from memory, the store, or both; duplicates
/// are removed by compute_volume).
struct volume_series {
  model::label_set labels;
  std::vector<volume_chunk> chunks;
};

struct volume_params {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  /// 0 = instant (one value over [start, end]).
  int64_t step_ns = 0;
  /// Sorted, unique; empty = every label.
  std::vector<std::string> targets;
  bool by_labels = false; // aggregateBy=labels
  uint32_t limit = 100;
};

/// Loki's GetFactorOfTime: the share of [min, max] inside [from, through].
double factor_of_time(int64_t from, int64_t through, int64_t min, int64_t max) noexcept;

/// index/stats with the same counting (Loki 3.x's ingester GetStats and
/// TSDB ChunkStats): streams and chunks overlapping [from_ms, through_ms]
/// (a chunk in memory and in the store once), entries and bytes scaled by
/// each chunk's time share.
struct index_stats_result {
  uint64_t streams = 0;
  uint64_t chunks = 0;
  uint64_t bytes = 0;
  uint64_t entries = 0;
};
index_stats_result compute_index_stats(std::vector<volume_series> series, int64_t from_ms,
                                       int64_t through_ms);

/// Merges series with equal labels, drops duplicate chunks, aggregates.
/// vector (instant, t = end) or matrix (range), values in bytes.
logql::query_result compute_volume(std::vector<volume_series> series, const volume_params& p);

} // namespace skald::query
