// runtime/query/store_reader.hpp — what a query reads from the store: the
// index names the series and their chunk refs in range, the chunk store
// hands back the chunk objects, decoded (CRCs verified, blocks still
// compressed) for runtime/query/chunk_source.
//
//   read_store(chunks, index, {tenant, groups, from, through, ...})
//     for each matcher group: index.series(tenant, group, from, through - 1)
//     union by fingerprint (a series matched by two groups is read once)
//     labels_only: refs only (labels, series, index/stats answer from them)
//     else: chunk_store.get + mem_chunk::decode per ref
// With per_stream_limit (a log query without pipeline), only the refs the
// limit can reach in `dir` are fetched: refs in time order until the
// entries of refs lying wholly inside the range reach the limit, plus every
// ref overlapping those (an overlapping chunk may hold earlier entries).
//
// Blocking file I/O: call it only from the querier's store-reader pool
// (runtime/query/worker_pool.hpp), never from a CAF scheduler thread.
// Owner: the caller; the result owns its chunks (shared_ptr, immutable).
// Thread-safe: chunk_store and index_store are.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/logql/ast.hpp"
#include "runtime/logql/source.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/query/chunk_source.hpp"
#include "runtime/storage/chunk_key.hpp"
#include "runtime/util/status.hpp"

namespace skald::storage {
class chunk_store;
class index_store;
} // namespace skald::storage

namespace skald::query {

struct store_query {
  std::string tenant;
  /// Any-of matcher groups; empty = every series.
  std::vector<std::vector<logql::label_matcher>> groups;
  int64_t from = 0;    // inclusive, ns
  int64_t through = 0; // exclusive, ns
  bool labels_only = false;
  uint32_t per_stream_limit = 0;
  logql::direction dir = logql::direction::forward;
  /// Set by another thread when the query is abandoned (its timeout fired):
  /// read_store checks it before each index lookup and each chunk read and
  /// then stops with errc::timeout, so a cancelled query frees its thread
  /// after at most one more chunk. Null = never cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

struct store_series {
  model::label_set labels;
  uint64_t fingerprint = 0;
  /// Every ref of the series overlapping the range (sorted by from).
  std::vector<storage::chunk_ref> refs;
  /// The fetched chunks (empty for labels_only; a subset of refs with a
  /// per-stream limit).
  std::vector<chunk_ptr> chunks;
};

struct store_data {
  std::vector<store_series> series;
  uint64_t chunks_fetched = 0;
  uint64_t bytes_fetched = 0; // chunk bytes read
};

/// Blocking; see the header comment. Errors: the index's, or the chunk
/// store's (errc::not_found for a chunk the index names but the store lacks,
/// errc::corrupt_record for a checksum mismatch), or errc::timeout once
/// q.cancel is set.
result<store_data> read_store(storage::chunk_store& chunks, storage::index_store& index,
                              const store_query& q);

} // namespace skald::query
