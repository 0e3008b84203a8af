// runtime/logql/strconv.hpp — Go-compatible text conversions used by LogQL.
//
// LogQL inherits its literal syntax and its error texts from Go: string
// literals are Go strings, durations are Go or Prometheus durations, byte
// sizes follow go-humanize and numbers follow strconv.ParseFloat. Loki puts
// the Go error text into `__error_details__`, and the conformance scripts
// match on it, so these functions reproduce those texts.
//
// Owner: the LogQL lexer, parser, pipeline stages and template engine.
// All functions are pure and thread-safe; errors are values (G4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/util/status.hpp"

namespace skald::logql {

/// Unquotes a Go string literal including its quotes ("..." with escapes,
/// `...` raw, '...' single rune). Error: "invalid syntax".
result<std::string> go_unquote(std::string_view quoted);

/// Quotes like Go's strconv.Quote: one implementation with the label
/// canonical form (model::append_go_quote), so non-printable runes and invalid
/// UTF-8 bytes are escaped the same way everywhere.
std::string go_quote(std::string_view s);

/// time.ParseDuration: "1h30m", "1.5s", "-2ms", "3600000000µs". Errors carry
/// Go's text: `time: invalid duration "x"`, `time: missing unit in duration
/// "90"`, `time: unknown unit "d" in duration "1d"`.
result<int64_t> parse_go_duration(std::string_view s);

/// Prometheus model.ParseDuration: "5m", "1h30m", "1d", "2w", "1y", "500ms";
/// no fractions, units in descending order. Errors: `not a valid duration
/// string: "x"`, `unknown unit "minutes" in duration "5minutes"`.
result<int64_t> parse_prom_duration(std::string_view s);

/// Prometheus model.Duration.String(): "5m", "1h30m", "1d", "1d1h", "0s"
/// (years and weeks only when they divide the duration exactly, days always).
std::string format_prom_duration(int64_t ns);

/// go-humanize ParseBytes: "3MB", "2MiB", "1.5kb" (units case-insensitive).
/// Errors: `strconv.ParseFloat: parsing "": invalid syntax`,
/// `unhandled size name: x`.
result<uint64_t> parse_bytes(std::string_view s);

/// strconv.ParseFloat(s, 64): decimal, exponent, "Inf", "NaN", hex floats
/// with a p exponent. Error: `strconv.ParseFloat: parsing "x": invalid syntax`.
result<double> parse_go_float(std::string_view s);

/// Formats like Go's strconv.FormatFloat(v, 'f', -1, 64) for integral
/// values and 'g'-shortest otherwise; "NaN", "+Inf", "-Inf".
std::string format_float(double v);

/// True when `s` is well-formed UTF-8.
bool valid_utf8(std::string_view s);

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

} // namespace skald::logql
