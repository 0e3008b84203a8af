// runtime/logql/lexer.hpp — turns LogQL text into tokens (spec §2.1).
//
// The lexer is eager: tokenize() returns every token of the input, or the
// first lexical error with its line:column. Keywords are not decided here:
// LogQL's function words are keywords only in context (before `(` or
// by/without), so identifiers carry their text and the parser decides.
// Numbers glued to a duration suffix become DURATION, to a bytes suffix
// BYTES; `[...]` is one RANGE token holding a Prometheus duration.
//
// Owner: parser.cpp. Tokens hold views into the input, which must outlive them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/status.hpp"

namespace skald::logql {

enum class tok : uint8_t {
  eof,
  ident,
  string,
  number,
  duration,
  bytes,
  range,
  lbrace,
  rbrace,
  lparen,
  rparen,
  comma,
  dot,
  eq,           // =
  neq,          // !=
  re,           // =~
  nre,          // !~
  pipe_exact,   // |=
  pipe_match,   // |~
  pipe_pattern, // |>
  not_pattern,  // !>
  eqeq,         // ==
  lt,
  le,
  gt,
  ge,
  pipe,
  add,
  sub,
  mul,
  div,
  mod,
  pow,
  flag,         // --strict, --keep-empty
};

struct token {
  tok kind = tok::eof;
  std::string_view text;  // source text of the token
  std::string str;        // unquoted value of a string token
  int64_t duration_ns = 0; // duration and range tokens
  uint64_t bytes = 0;     // bytes tokens
  int line = 1, col = 1;
};

/// yacc-style display name: "IDENTIFIER", "STRING", "{", "$end", ...
std::string token_display(const token& t);

/// Maximum accepted query size (Loki's maxInputSize).
inline constexpr size_t max_query_size = 131072;

/// Tokenizes `input`. Errors are "parse error at line L, col C: <msg>".
result<std::vector<token>> tokenize(std::string_view input);

/// "parse error at line L, col C: msg"
std::string parse_error_text(int line, int col, std::string_view msg);

} // namespace skald::logql
