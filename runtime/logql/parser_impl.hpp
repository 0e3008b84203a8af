// runtime/logql/parser_impl.hpp — the recursive-descent parser class
// (internal to parser.cpp and parser_stages.cpp; not public API).
//
// parser walks a token vector once. Expressions, aggregations and binary
// operators live in parser.cpp; selectors, pipeline stages and label
// filters in parser_stages.cpp. Errors are values with Loki's texts.
// Owner: parse(); one parser per call, single-threaded.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "runtime/logql/ast.hpp"
#include "runtime/logql/lexer.hpp"
#include "runtime/logql/strconv.hpp"
#include "runtime/util/status.hpp"

namespace skald::logql::parse_detail {

struct range_op_name {
  const char* name;
  range_op op;
};
inline const range_op_name range_ops[] = {
    {"count_over_time", range_op::count_over_time},
    {"rate", range_op::rate},
    {"rate_counter", range_op::rate_counter},
    {"bytes_over_time", range_op::bytes_over_time},
    {"bytes_rate", range_op::bytes_rate},
    {"avg_over_time", range_op::avg_over_time},
    {"sum_over_time", range_op::sum_over_time},
    {"min_over_time", range_op::min_over_time},
    {"max_over_time", range_op::max_over_time},
    {"stdvar_over_time", range_op::stdvar_over_time},
    {"stddev_over_time", range_op::stddev_over_time},
    {"quantile_over_time", range_op::quantile_over_time},
    {"first_over_time", range_op::first_over_time},
    {"last_over_time", range_op::last_over_time},
    {"absent_over_time", range_op::absent_over_time},
};

struct vector_op_name {
  const char* name;
  vector_op op;
};
inline const vector_op_name vector_ops[] = {
    {"sum", vector_op::sum},       {"avg", vector_op::avg},         {"count", vector_op::count},
    {"max", vector_op::max},       {"min", vector_op::min},         {"stddev", vector_op::stddev},
    {"stdvar", vector_op::stdvar}, {"bottomk", vector_op::bottomk}, {"topk", vector_op::topk},
    {"sort", vector_op::sort},     {"sort_desc", vector_op::sort_desc}, {"approx_topk", vector_op::approx_topk},
};

inline int precedence(bin_op op) {
  switch (op) {
    case bin_op::or_: return 1;
    case bin_op::and_:
    case bin_op::unless: return 2;
    case bin_op::eq:
    case bin_op::neq:
    case bin_op::lt:
    case bin_op::le:
    case bin_op::gt:
    case bin_op::ge: return 3;
    case bin_op::add:
    case bin_op::sub: return 4;
    case bin_op::mul:
    case bin_op::div:
    case bin_op::mod: return 5;
    case bin_op::pow: return 6;
  }
  return 0;
}

inline bool is_comparison(bin_op op) {
  return op == bin_op::eq || op == bin_op::neq || op == bin_op::lt || op == bin_op::le
         || op == bin_op::gt || op == bin_op::ge;
}

inline bool is_set_op(bin_op op) {
  return op == bin_op::or_ || op == bin_op::and_ || op == bin_op::unless;
}

/// A parsed operand: a log expression or a sample expression.
struct node {
  std::optional<log_selector_expr> log;
  std::shared_ptr<const sample_expr> sample;
};


class parser {
public:
  explicit parser(std::vector<token> toks) : toks_(std::move(toks)) {}

  result<expr> parse_query() {
    auto n = parse_expr(0);
    if (!n)
      return n.error();
    if (peek().kind != tok::eof)
      return unexpected(peek());
    expr e;
    if (n->log) {
      e.is_log = true;
      e.log = std::move(*n->log);
    } else {
      e.metric = n->sample;
    }
    return e;
  }

private:
  std::vector<token> toks_;
  size_t p_ = 0;

  const token& peek(size_t k = 0) const {
    size_t i = std::min(p_ + k, toks_.size() - 1);
    return toks_[i];
  }
  const token& next() {
    const token& t = toks_[std::min(p_, toks_.size() - 1)];
    if (p_ < toks_.size() - 1)
      ++p_;
    return t;
  }
  static bool is_kw(const token& t, const char* kw) {
    return t.kind == tok::ident && iequals(t.text, kw);
  }
  status error_at(const token& t, std::string_view msg) const {
    return status{errc::invalid_argument, parse_error_text(t.line, t.col, msg)};
  }
  status unexpected(const token& t, const char* expecting = nullptr) const {
    std::string msg = "syntax error: unexpected " + token_display(t);
    if (expecting) {
      msg += ", expecting ";
      msg += expecting;
    }
    return error_at(t, msg);
  }
  status plain(std::string msg) const { return status{errc::invalid_argument, std::move(msg)}; }
  status expect(tok k, const char* what) {
    if (peek().kind != k)
      return unexpected(peek(), what);
    next();
    return {};
  }

  static bool is_cmp(tok k) {
    switch (k) {
      case tok::eq: case tok::neq: case tok::re: case tok::nre: case tok::eqeq:
      case tok::gt: case tok::ge: case tok::lt: case tok::le:
        return true;
      default:
        return false;
    }
  }
  static bool is_line_filter_op(tok k) {
    return k == tok::pipe_exact || k == tok::neq || k == tok::pipe_match || k == tok::nre
           || k == tok::pipe_pattern || k == tok::not_pattern;
  }

  std::optional<bin_op> peek_binop() const {
    const token& t = peek();
    switch (t.kind) {
      case tok::eqeq: return bin_op::eq;
      case tok::neq: return bin_op::neq;
      case tok::lt: return bin_op::lt;
      case tok::le: return bin_op::le;
      case tok::gt: return bin_op::gt;
      case tok::ge: return bin_op::ge;
      case tok::add: return bin_op::add;
      case tok::sub: return bin_op::sub;
      case tok::mul: return bin_op::mul;
      case tok::div: return bin_op::div;
      case tok::mod: return bin_op::mod;
      case tok::pow: return bin_op::pow;
      case tok::ident:
        if (is_kw(t, "or")) return bin_op::or_;
        if (is_kw(t, "and")) return bin_op::and_;
        if (is_kw(t, "unless")) return bin_op::unless;
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }


  // ---- binary expressions ----
  result<node> parse_expr(int min_prec);
  result<node> combine(bin_op op, const token& op_tok, bool ret_bool, vector_matching vm, node lhs,
                       node rhs);
  result<node> parse_unary();
  static node literal(double v);
  result<double> parse_number(const token& t) const;
  result<std::vector<std::string>> parse_label_list();
  result<std::optional<grouping>> parse_grouping_opt();
  // ---- aggregations ----
  result<node> parse_range_agg(range_op op);
  status validate_range_agg(const sample_expr& e) const;
  result<node> parse_vector_agg(vector_op op);
  result<node> parse_label_replace();

  // ---- log selectors, ranges and pipelines ----
  result<log_range_expr> parse_log_range();
  status parse_offset(log_range_expr& r);
  status parse_log_range_part(log_range_expr& r, bool& have_range, int depth);
  result<std::vector<label_matcher>> parse_selector();
  status validate_selector(const std::vector<label_matcher>& ms) const;
  /// Parses pipeline stages; stops before `| unwrap` when `unwrap` is null,
  /// otherwise parses the unwrap (and its filters) into it.
  result<bool> parse_stages(std::vector<stage>& stages, std::optional<unwrap_expr>* unwrap);
  result<unwrap_expr> parse_unwrap();
  bool label_filter_starts(size_t k) const;
  result<stage> parse_line_filter();
  result<line_filter_term> parse_filter_term();
  result<std::vector<std::pair<std::string, std::string>>> parse_extract_params();
  result<stage> parse_stage();
  // ---- label filters: or > and > primary ----
  result<std::shared_ptr<const label_filter>> parse_filter_or();
  result<std::shared_ptr<const label_filter>> parse_filter_expr(int min_prec);
  result<std::shared_ptr<const label_filter>> parse_filter_primary();
};

} // namespace skald::logql::parse_detail
