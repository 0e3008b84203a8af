// runtime/logql/engine.hpp — evaluates parsed LogQL over an entry_source.
//
// How a querier calls it:
//   auto e = logql::parse(q);                       // result<expr>
//   logql::engine eng(source);                      // any entry_source
//   logql::query_params p{start, end, step, dir, limit};
//   auto r = eng.query(*e, p);                      // result<query_result>
// Log queries return streams (global limit in the direction, streams sorted
// by label string). Metric queries are evaluated step by step at
// start, start+step, ... <= end over windows (t-range-offset, t-offset]; an
// empty window gives no point. Instant queries (start == end, step == 0)
// return a vector, or a scalar for a literal; range queries a matrix.
//
// Limits (engine_limits) reproduce Loki's texts: more than max_series
// output series -> "maximum number of series (500) reached for a single
// query; consider ...", a log limit above max_entries_limit_per_query ->
// "max entries limit per query exceeded, limit > max_entries_limit_per_query
// (N > M)", more than 11,000 steps -> "exceeded maximum resolution ...".
// A metric result series still carrying __error__ fails the query with
// Loki's "pipeline error: '<type>' for series: ..." text.
//
// Owner: the caller. An engine holds only the source reference and limits,
// so queries may run concurrently on one engine when the source allows
// concurrent select(); parsed exprs are immutable and shareable too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/logql/ast.hpp"
#include "runtime/logql/source.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/util/status.hpp"

namespace skald::logql {

struct engine_limits {
  size_t max_series = 500;
  uint32_t max_entries_limit_per_query = 5000;
};

struct query_params {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int64_t step_ns = 0;  // 0 with start == end: instant query
  direction dir = direction::backward;
  uint32_t limit = 100;  // log queries
  int64_t interval_ns = 0;  // log queries: keep entries at least this far apart (Loki's interval)
};

struct stream_result {
  model::label_set labels;
  std::vector<model::entry> entries;
};

struct sample_point {
  int64_t t_ns = 0;
  double v = 0;
};

struct series {
  model::label_set labels;
  std::vector<sample_point> points;
};

struct vector_sample {
  model::label_set labels;
  double v = 0;
};

enum class result_type : uint8_t { streams, vector, matrix, scalar };

struct query_result {
  result_type type = result_type::vector;
  std::vector<stream_result> streams;
  std::vector<vector_sample> vector;  // instant; kept in evaluation order
  std::vector<series> matrix;         // sorted by label string
  double scalar = 0;
  int64_t t_ns = 0;                   // instant/scalar evaluation time
};

/// Loki's frontend step alignment: start rounded down and end rounded up to
/// a multiple of step (timestamps then match a real Loki's). Instant
/// queries (step 0) are returned unchanged.
query_params align_to_step(query_params p);

/// `{a="b", c="d"}` with Go-quoted values (Prometheus labels.String()).
std::string labels_string(const model::label_set& ls);

class engine {
public:
  explicit engine(entry_source& src, engine_limits limits = {}) : src_(src), limits_(limits) {}

  result<query_result> query(const expr& e, const query_params& p);
  result<std::vector<stream_result>> eval_log(const log_selector_expr& sel, const query_params& p);
  result<query_result> eval_metric(const sample_expr& e, const query_params& p);

private:
  entry_source& src_;
  engine_limits limits_;
};

} // namespace skald::logql
