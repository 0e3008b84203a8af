// runtime/logql/parser.hpp — LogQL text to syntax tree (spec §2.2–§2.4).
//
// parse() is the single entry point: it lexes, parses with Loki's operator
// precedence, compiles every regexp/template/pattern/ip/json-path, folds
// literal arithmetic, and runs Loki's validation. Errors are values carrying
// Loki's message text, e.g.
//   "parse error at line 1, col 42: syntax error: unexpected ip"
//   "invalid aggregation sum_over_time without unwrap".
//
// Thread-safe; the returned expr is immutable and shareable.
#pragma once

#include <string_view>

#include "runtime/logql/ast.hpp"
#include "runtime/util/status.hpp"

namespace skald::logql {

/// Parses a log or metric query.
result<expr> parse(std::string_view query);

/// Parses and requires a metric (sample) query.
result<std::shared_ptr<const sample_expr>> parse_sample_expr(std::string_view query);

/// Parses and requires a log query.
result<log_selector_expr> parse_log_selector(std::string_view query);

/// A stream selector alone ({a="b", c=~"d"}), as the series API takes it.
result<std::vector<label_matcher>> parse_matchers(std::string_view selector);

/// Builds a compiled matcher (regexps anchored); "error parsing regexp: ...".
result<label_matcher> make_matcher(std::string name, match_op op, std::string value);

} // namespace skald::logql
