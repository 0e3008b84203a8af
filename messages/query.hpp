// messages/query.hpp — what the read path's actors say to each other.
//
//   querier ──(select_atom, select_request_ptr)──► ingester ──► tenant instance
//        ──(select_atom, select_request_ptr)──► stream (every matching one)
//   stream ──► stream_slice_ptr (its entries in [from, through), ascending)
//   tenant ──► select_reply_ptr (the slices with their label sets)
//
// A select names the streams by matcher groups (a stream is selected when ANY
// group matches; no group = every stream) and one time range; the querier
// builds one select per query from every selector of the LogQL tree (their
// hull), so the engine can then run over the collected answer
// (runtime/query/collected_source.hpp) without asking actors again.
//
// snapshot (what the querier asks for log and metric queries): a stream
// answers mem_chunk::snapshot()s of its chunks overlapping the range —
// shared compressed blocks plus a copy of the head block, O(blocks + head
// bytes), nothing decompressed — and goes back to appending; the querier's
// workers iterate or count them (runtime/query/chunk_source.hpp).
//
// Copy-out (snapshot == false): a stream copies every matching
// entry (line and metadata) out of its chunks into one packed buffer, on its own mailbox, so a push
// to the same stream waits for the copy. per_stream_limit (pure log selectors
// without a pipeline) caps the copy to the first N entries in `dir`.
// labels_only (labels, series, index/stats) copies nothing: a stream only
// reports whether it has entries in range, plus counts.
//
// Local only, like ingest_ptr: shared_ptrs whitelisted with
// CAF_ALLOW_UNSAFE_MESSAGE_TYPE, not in the type-ID block. The cluster issue
// needs serializable forms (matchers as text, entries as a batch struct).
//
// Owner: the querier creates a select_request and never changes it after
// sending; a reply is owned by its receiver.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "runtime/logql/ast.hpp"
#include "runtime/logql/source.hpp"
#include "runtime/query/chunk_source.hpp"
#include "runtime/query/collected_source.hpp"
#include "runtime/query/store_reader.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"

namespace skald {

struct select_request {
  std::string tenant;
  /// A stream is selected when any group matches; empty = every stream.
  std::vector<std::vector<logql::label_matcher>> groups;
  int64_t from = 0;    // inclusive, ns
  int64_t through = 0; // exclusive, ns
  /// Only report which streams have entries in range (and counts).
  bool labels_only = false;
  /// 0 = every entry; else at most this many, the first ones in `dir`.
  uint32_t per_stream_limit = 0;
  logql::direction dir = logql::direction::forward;
  /// Answer chunk snapshots (stream_slice::snapshot) instead of copying
  /// entries out.
  bool snapshot = false;
};

using select_request_ptr = std::shared_ptr<const select_request>;

/// One in-memory chunk in a labels_only answer (index/volume counts these
/// like the store's refs: runtime/query/volume.hpp).
struct chunk_summary {
  int64_t min_ts = 0; // ns
  int64_t max_ts = 0;
  uint32_t entries = 0;
  uint64_t uncompressed = 0; // mem_chunk::uncompressed_size()
};

/// One stream's answer. `data`: entries ascending by timestamp (equal
/// timestamps in append order), lines packed in one buffer; data.labels is
/// filled by the tenant instance.
struct stream_slice {
  query::collected_stream data;
  /// Entries in range (also set for labels_only) and their line bytes.
  uint64_t count = 0;
  uint64_t bytes = 0;
  uint32_t chunks = 0;
  /// snapshot selects: the stream's chunks overlapping the range, oldest
  /// first (`data` stays empty; `count` is their total entries).
  std::vector<query::chunk_ptr> snapshot;
  /// labels_only selects: the chunks overlapping the range (remote
  /// ingesters' too: messages/wire.hpp carries them).
  std::vector<chunk_summary> chunk_meta;
};

using stream_slice_ptr = std::shared_ptr<stream_slice>;

/// A tenant instance's (and so an ingester's) answer: streams with count > 0.
struct select_reply {
  std::vector<stream_slice> streams;
  /// Filled by the querier (not the ingester): what the store reader found
  /// for the same select; null when the store was not asked.
  std::shared_ptr<query::store_data> store;
};

using select_reply_ptr = std::shared_ptr<select_reply>;

} // namespace skald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::select_request_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::stream_slice_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::select_reply_ptr)

namespace skald {

/// A select the querier runs for one HTTP request: what to fetch, and what to
/// do with the answer. `done` runs once, on the querier's worker pool (never
/// on a scheduler thread): with the reply, or with reply == nullptr and an
/// HTTP status (504 timeout, 500 other) plus text. Exception: the 504 of a
/// query whose store read passed the deadline comes from the querier actor
/// itself (reply == nullptr; `done` must then only answer, not compute).
struct query_job {
  select_request_ptr request;
  /// steady_clock deadline (ns since its epoch); the ingester request's
  /// timeout is what is left of it.
  int64_t deadline_ns = 0;
  std::function<void(select_reply_ptr reply, uint16_t status, std::string error)> done;
};

using query_job_ptr = std::shared_ptr<query_job>;

} // namespace skald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::query_job_ptr)
