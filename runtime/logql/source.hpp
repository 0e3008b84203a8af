// runtime/logql/source.hpp — where the evaluator reads entries from.
//
// entry_source is the seam between the LogQL engine and storage: ingesters
// (in-memory streams), the chunk store and the tests each implement it. A
// select returns one stream_iterator per matching stream; each iterator
// yields that stream's entries with from <= ts < through, in the requested
// direction. The engine merges, filters and aggregates; a source only
// selects by stream matchers and time.
//
// memory_source is the reference implementation (used by tests, the
// conformance runner and benchmarks): streams held in vectors.
// Owner: the caller of engine; a source must outlive the queries using it.
// Thread-safety: select() only reads, so concurrent selects are safe once
// loading is done; add() and clear() need exclusive access. Iterators point
// into the source and are invalidated by add() and clear().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/logql/ast.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/util/status.hpp"

namespace skald::logql {

enum class direction : uint8_t { forward, backward };

/// The entries of ONE stream, in time order of the select's direction. A
/// source may return several iterators for the same stream (replicas); the
/// engine merges and dedupes them (merge_replicas).
class stream_iterator {
public:
  virtual ~stream_iterator() = default;
  /// The stream's label set (normalised, sorted).
  virtual const model::label_set& labels() const = 0;
  /// Advances to the next entry; false at the end. `out` stays valid until
  /// the next call on this iterator.
  virtual bool next(model::entry_view& out) = 0;
};

using stream_iterators = std::vector<std::unique_ptr<stream_iterator>>;

/// Windows for count_windows(): window i (i < n) holds the entries with
/// end_i - range < ts <= end_i, end_i = first_end + i * step (the engine's
/// range-aggregation windows, offset already applied).
struct window_spec {
  int64_t first_end = 0;
  int64_t step = 1;
  size_t n = 1;
  int64_t range = 0;
  /// Also sum line bytes (bytes_over_time, bytes_rate).
  bool bytes = false;
};

/// One stream's per-window entry counts (and line bytes when asked).
struct window_counts {
  const model::label_set* labels = nullptr; // points into the source
  std::vector<uint64_t> entries;            // n values
  std::vector<uint64_t> bytes;              // n values when spec.bytes
};

class entry_source {
public:
  virtual ~entry_source() = default;
  /// Streams whose labels satisfy every matcher, entries in [from, through).
  virtual result<stream_iterators> select(const std::vector<label_matcher>& matchers,
                                          int64_t from, int64_t through, direction dir) = 0;

  /// Optional fast path of count_over_time / rate / bytes_over_time /
  /// bytes_rate over a selector WITHOUT pipeline stages: per matching stream
  /// (replicas already deduped), how many entries (and line bytes) fall in
  /// each window. A source that cannot answer exactly (e.g. entries with
  /// structured metadata, which split series) returns false and the engine
  /// reads the entries through select(). Streams with no entry in any
  /// window may be left out.
  virtual bool count_windows(const std::vector<label_matcher>& matchers, const window_spec& w,
                             std::vector<window_counts>& out) {
    (void)matchers;
    (void)w;
    (void)out;
    return false;
  }
};

/// Merges iterators that carry the same stream labels (replicas: several
/// ingesters, or ingesters and the store) into one per stream, in `dir`
/// order, dropping entries identical in timestamp, line and metadata
/// (Loki's mergeEntryIterator dedupe, spec §3.2). Entries with the same
/// timestamp but a different line or metadata are all kept, in input order.
stream_iterators merge_replicas(stream_iterators in, direction dir);

/// A canonical byte key of a label set (for hashing and grouping).
std::string series_key(const model::label_set& ls);

/// True when `labels` satisfies every matcher (a missing label reads as "").
bool matches_all(const std::vector<label_matcher>& matchers, const model::label_set& labels);

class memory_source final : public entry_source {
public:
  /// Adds one entry to the stream `labels` (normalised here: sorted, empty
  /// values dropped). Entries may arrive in any order.
  void add(model::label_set labels, model::entry e);
  void clear();
  size_t stream_count() const { return streams_.size(); }

  result<stream_iterators> select(const std::vector<label_matcher>& matchers, int64_t from,
                                  int64_t through, direction dir) override;

private:
  struct stream {
    model::label_set labels;
    std::vector<model::entry> entries;  // sorted by ts, stable for equal ts
  };
  std::vector<std::unique_ptr<stream>> streams_;
  std::unordered_map<std::string, size_t> index_;
};

} // namespace skald::logql
