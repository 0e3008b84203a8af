// runtime/logql/ast.hpp — the LogQL syntax tree produced by logql::parse().
//
// A parsed query is a value (`expr`): either a log query (selector plus
// pipeline) or a metric query (a tree of sample_expr). Nodes are plain
// structs; sub-trees are held by shared_ptr<const ...> so an expr is cheap to
// copy and safe to share between threads once built. Everything that can
// fail to compile (regexps, templates, ip ranges, json paths, patterns) is
// compiled by the parser and kept beside the source text in `impl` members,
// so evaluation never reports a syntax problem.
//
// Owner: whoever called parse(); nodes are immutable after parse().
// Invariants:
//   (1) a sample_expr of kind range_agg has a range_op allowed for its unwrap
//       state (validated, spec §2.4), and a param iff op is quantile_over_time;
//   (2) every log selector holds at least one matcher that does not match "";
//   (3) to_string(parse(q)) parses back to an equal tree (canonical form).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/model/matcher.hpp"

namespace re2 {
class RE2;
}

namespace skald::logql {

class stage_impl;     // pipeline.hpp: a compiled pipeline stage
class line_predicate; // pipeline.hpp: a compiled line filter

/// `name op "value"`; regexps are fully anchored (Prometheus semantics).
/// One type with the index's storage::label_matcher (runtime/model/matcher.hpp).
using match_op = model::match_op;
using label_matcher = model::label_matcher;

enum class line_filter_op : uint8_t { contains, not_contains, regex, not_regex, pattern, not_pattern };

struct line_filter_term {
  bool ip = false;  // ip("...") instead of a plain string
  std::string value;
};

/// `|= "a" or "b"`: keeps a line matching any term (positive ops) or none of
/// them (negative ops).
struct line_filter {
  line_filter_op op = line_filter_op::contains;
  std::vector<line_filter_term> terms;
};

enum class cmp_op : uint8_t { eq, eqeq, neq, gt, ge, lt, le };

/// A label filter tree: leaves compare one label, inner nodes combine.
struct label_filter {
  enum class kind : uint8_t { string, number, duration, bytes, ip, and_, or_ };
  kind k = kind::string;
  label_matcher matcher;  // string
  std::string name;       // number, duration, bytes, ip
  cmp_op op = cmp_op::eq; // number, duration, bytes; ip: eq or neq
  double number = 0;
  int64_t duration_ns = 0;
  uint64_t bytes = 0;
  std::string ip_pattern;
  std::shared_ptr<const void> ip_impl;  // ip_range (ip.hpp)
  std::shared_ptr<const label_filter> left, right;

  std::string to_string() const;
};

struct label_fmt {
  std::string dst;
  bool rename = false;  // dst=src, else dst="template"
  std::string value;    // src label or template text
};

struct stage {
  enum class kind : uint8_t {
    line_filter,
    label_filter,
    logfmt,
    json,
    regexp,
    pattern,
    unpack,
    line_format,
    label_format,
    decolorize,
    drop,
    keep,
  };
  kind k = kind::line_filter;
  struct line_filter line;                          // line_filter
  std::shared_ptr<const label_filter> filter;       // label_filter
  bool strict = false, keep_empty = false;          // logfmt flags
  std::vector<std::pair<std::string, std::string>> params;  // json/logfmt: (label, expr or "")
  std::string text;                                 // regexp, pattern, line_format
  std::vector<label_fmt> formats;                   // label_format
  std::vector<label_matcher> names;                 // drop/keep: value empty & op eq with
  std::vector<bool> name_only;                      //   name_only[i] = bare name
  std::shared_ptr<const stage_impl> impl;           // compiled by the parser

  std::string to_string() const;
};

struct log_selector_expr {
  std::vector<label_matcher> matchers;
  std::vector<stage> stages;

  std::string to_string() const;
};

enum class range_op : uint8_t {
  count_over_time,
  rate,
  rate_counter,
  bytes_over_time,
  bytes_rate,
  avg_over_time,
  sum_over_time,
  min_over_time,
  max_over_time,
  stdvar_over_time,
  stddev_over_time,
  quantile_over_time,
  first_over_time,
  last_over_time,
  absent_over_time,
};

enum class vector_op : uint8_t {
  sum, avg, count, max, min, stddev, stdvar, bottomk, topk, sort, sort_desc, approx_topk,
};

enum class bin_op : uint8_t {
  or_, and_, unless, eq, neq, lt, le, gt, ge, add, sub, mul, div, mod, pow,
};

struct unwrap_expr {
  std::string label;
  std::string conv;  // "", "bytes", "duration", "duration_seconds"
  std::vector<std::shared_ptr<const label_filter>> post_filters;
};

struct log_range_expr {
  log_selector_expr selector;
  int64_t range_ns = 0;
  int64_t offset_ns = 0;
  std::optional<unwrap_expr> unwrap;
};

struct grouping {
  bool without = false;
  std::vector<std::string> labels;
};

struct vector_matching {
  bool on = false;  // on(...) vs ignoring(...)
  bool has = false; // an on/ignoring clause was written
  std::vector<std::string> labels;
  enum class card : uint8_t { one_to_one, many_to_one, one_to_many } cardinality = card::one_to_one;
  std::vector<std::string> include;  // group_left/right labels
};

struct sample_expr {
  enum class kind : uint8_t { range_agg, vector_agg, binary, literal, vector_lit, label_replace };
  kind k = kind::literal;
  // range_agg
  range_op rop = range_op::count_over_time;
  log_range_expr range;
  // range_agg and vector_agg
  std::optional<double> param;
  std::optional<grouping> group;
  // vector_agg, label_replace
  vector_op vop = vector_op::sum;
  std::shared_ptr<const sample_expr> inner;
  // binary
  bin_op bop = bin_op::add;
  std::shared_ptr<const sample_expr> lhs, rhs;
  bool return_bool = false;
  vector_matching matching;
  // literal, vector_lit
  double value = 0;
  // label_replace
  std::string dst, replacement, src, regex;
  std::shared_ptr<const re2::RE2> re;

  std::string to_string() const;
};

/// A parsed query: exactly one of `log` (log query) or `metric` is meaningful.
struct expr {
  bool is_log = false;
  log_selector_expr log;
  std::shared_ptr<const sample_expr> metric;

  std::string to_string() const;
};

const char* to_string(range_op op);
const char* to_string(vector_op op);
const char* to_string(bin_op op);
const char* to_string(cmp_op op);
using model::to_string; // match_op
const char* to_string(line_filter_op op);

} // namespace skald::logql
