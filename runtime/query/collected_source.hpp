// runtime/query/collected_source.hpp — the querier's entry_source over the
// streams that ingesters (later: the store) sent for one query, and the plan
// of what to ask them.
//
// A query is answered in two steps: plan_select() walks the LogQL tree and
// names every stream selector and the hull of their time windows; the
// querier fetches that once (messages/query.hpp), add()s the answers here and
// runs logql::engine over this source, which filters by matchers and time
// again for each of the engine's select() calls. Several answers for the same
// stream (replicas, ingester + store) are kept as separate iterators: the
// engine's merge_replicas dedupes them.
//
// Owner: one query (the worker evaluating it). Not thread-safe for add();
// select() only reads. Iterators point into the source.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/logql/ast.hpp"
#include "runtime/logql/engine.hpp"
#include "runtime/logql/source.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"

namespace skald::query {

/// One entry of a collected_stream: its line is lines[off, off + len).
struct packed_entry {
  int64_t ts = 0;
  uint64_t off = 0;
  uint32_t len = 0;
  uint32_t meta = 0; // 0 = no metadata, else metadata[meta - 1]
};

/// One stream's entries, ascending by timestamp, packed: all lines in one
/// buffer (one allocation per stream instead of one per line).
struct collected_stream {
  model::label_set labels;
  std::vector<packed_entry> entries;
  std::string lines;
  std::vector<model::label_set> metadata;

  void push(int64_t ts, std::string_view line, const model::label_set* md = nullptr);
  std::string_view line(size_t i) const { return {lines.data() + entries[i].off, entries[i].len}; }
  const model::label_set* metadata_of(size_t i) const {
    return entries[i].meta == 0 ? nullptr : &metadata[entries[i].meta - 1];
  }
  size_t size() const noexcept { return entries.size(); }
};

class collected_source final : public logql::entry_source {
public:
  void add(collected_stream s) { streams_.push_back(std::move(s)); }
  const std::vector<collected_stream>& streams() const noexcept { return streams_; }

  result<logql::stream_iterators> select(const std::vector<logql::label_matcher>& matchers,
                                         int64_t from, int64_t through,
                                         logql::direction dir) override;

private:
  std::vector<collected_stream> streams_;
};

/// What to fetch for one query.
struct select_plan {
  /// Matchers of every stream selector of the query (any-of).
  std::vector<std::vector<logql::label_matcher>> groups;
  int64_t from = 0;
  int64_t through = 0;
  /// > 0 for a log query without pipeline stages or interval: each stream
  /// needs at most `limit` entries in the query's direction.
  uint32_t per_stream_limit = 0;
};

/// The selectors and time hull of `e` evaluated with `p` (the engine's
/// windows: log queries [start, end); range aggregations
/// (t - range - offset, t - offset] for every step t).
select_plan plan_select(const logql::expr& e, const logql::query_params& p);

} // namespace skald::query
