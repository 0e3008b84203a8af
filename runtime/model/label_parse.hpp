// runtime/model/label_parse.hpp — Loki's stream label text: parse and print.
//
// parse_labels() accepts what Loki's distributor accepts (`syntax.ParseLabels`
// = Prometheus `parser.ParseMetric` followed by a labels.Builder pass):
//   [metric_name] ["{" [item ("," item)* [","]] "}"]
//   item = (identifier | "quoted name") "=" string  |  "quoted metric name"
// Strings are "double", 'single' (Go escapes, validated like the PromQL lexer)
// or `raw`. A leading metric name `foo{...}` becomes __name__="foo". Only `=`
// is allowed (no matchers). Whitespace and `#` comments are skipped.
//
// The result is sorted by name (stable). Every name that has an empty value
// anywhere in the input is dropped (labels.Builder semantics, so `{a=""}` is the
// empty set). Duplicate names are KEPT: the validator reports them
// (duplicate_label_names, spec §3.2), the parser does not.
//
// Errors carry Prometheus' text `<line>:<col>: parse error: <msg>`, e.g.
// `{ab"` -> `1:4: parse error: unterminated quoted string`. Lexer errors and the
// common grammar errors reproduce Prometheus' messages; exotic yacc recovery
// paths may word things differently (same position, same status).
//
// canonical_string() is Prometheus `labels.String()` (spec §3.1 step 5):
// `{a="b", c="d\"e"}` — pairs joined by ", ", names bare when they match
// [a-zA-Z_][a-zA-Z0-9_]* (else Go-quoted), values always Go `strconv.Quote`d.
//
// Owner: pure functions, no state. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "runtime/model/labels.hpp"
#include "runtime/util/status.hpp"

namespace skald::model {

/// Parses Loki label text; see the header comment for the exact semantics.
/// Error: errc::invalid_argument with Prometheus' parse error text.
result<label_set> parse_labels(std::string_view text);

/// Prometheus labels.String() of `ls` (which should be sorted).
std::string canonical_string(const label_set& ls);

/// Appends canonical_string(ls) to `out`.
void append_canonical(std::string& out, const label_set& ls);

/// Appends Go's strconv.Quote(s): `"` + escaped s + `"`. Printable UTF-8 is
/// kept; `"`, `\`, control and non-printable runes are escaped (\n, \x00,
/// \u00a0 ...); invalid UTF-8 bytes become \xNN. Unicode printability uses a
/// built-in approximation of Go's unicode.IsPrint (controls, separators,
/// format, private-use and non-characters are escaped; unassigned code points
/// are treated as printable).
void append_go_quote(std::string& out, std::string_view s);

/// True when `name` matches [a-zA-Z_][a-zA-Z0-9_]* (printed without quotes).
bool is_legacy_label_name(std::string_view name) noexcept;

/// True when `s` is valid UTF-8 (no surrogates, no overlongs, <= U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

} // namespace skald::model
