// runtime/logql/eval.hpp — internals of the metric evaluator (not public API).
//
// A metric expression evaluates to a `stepped` value: one vector of samples
// per evaluation step (or one scalar per step for literals). Range
// aggregations produce it from entries (range_agg.cpp); vector aggregations,
// binary operators and label_replace transform it step by step
// (vector_ops.cpp); engine.cpp shapes it into a vector or a matrix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/logql/ast.hpp"
#include "runtime/logql/engine.hpp"
#include "runtime/logql/source.hpp"

namespace skald::logql::detail {

struct eval_ctx {
  entry_source& src;
  const engine_limits& limits;
  int64_t start = 0, end = 0, step = 0;
  size_t nsteps = 1;
  int64_t at(size_t i) const { return start + static_cast<int64_t>(i) * step; }
};

struct stepped {
  bool scalar = false;
  std::vector<std::vector<vector_sample>> steps;  // when !scalar
  std::vector<double> scalars;                    // when scalar
};

/// Evaluates any sample expression.
result<stepped> eval(const sample_expr& e, const eval_ctx& c);

/// A range aggregation; `pushdown` (when set) groups series at extraction
/// (valid under an enclosing sum with the same grouping).
result<stepped> eval_range_agg(const sample_expr& e, const eval_ctx& c,
                               const std::optional<grouping>& pushdown);

result<stepped> eval_vector_agg(const sample_expr& e, stepped in, const eval_ctx& c);
result<stepped> eval_binary(const sample_expr& e, stepped l, stepped r, const eval_ctx& c);
result<stepped> eval_label_replace(const sample_expr& e, stepped in);

/// Applies by/without to a label set.
model::label_set apply_grouping(const model::label_set& ls, const grouping& g);

// Range functions over the samples of one window (exposed for unit tests).
double quantile(double q, std::vector<double> values);
double extrapolated_counter_rate(const int64_t* ts, const double* vs, size_t n,
                                 int64_t range_start, int64_t range_end, int64_t range_ns);

} // namespace skald::logql::detail
