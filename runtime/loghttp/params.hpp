// runtime/loghttp/params.hpp — Loki's read-path request parameters
// (pkg/loghttp/params.go; read-path spec §1.2, §1.3): timestamps, durations,
// bounds, limit, direction, step, and the parsed form of each query endpoint.
//
// CAF-free and HTTP-free: callers hand in a param lookup (the first value of a
// form/query param, Go's FormValue) and `now`. Every error is a status whose
// message is Loki's text; the HTTP edge answers it as a plain-text 400.
// Owner: the caller; everything here is a pure function over values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/logql/source.hpp"
#include "runtime/util/status.hpp"

namespace skald::loghttp {

/// The first value of a param, or nullptr when absent.
using param_lookup = std::function<const std::string*(std::string_view)>;

/// parseTimestamp: "" -> def; "<float with '.'>" unix seconds (fraction
/// rounded to ms); an int of <= 10 characters is seconds, longer is ns; else
/// RFC3339(Nano). Error text as Loki's: `cannot parse "x" to a valid timestamp`.
result<int64_t> parse_timestamp(std::string_view value, int64_t def);

/// parseSecondsOrDuration: a float of seconds ("15", "0.5") or a Prometheus
/// duration ("1h30m", "500ms"). Result in ns.
result<int64_t> parse_seconds_or_duration(std::string_view value);

/// limit: default 100; > 0 and fits uint32, else `limit must be a positive value`.
result<uint32_t> parse_limit(const std::string* value);

/// direction: case-insensitive forward|backward, default backward.
result<logql::direction> parse_direction(const std::string* value);

struct bounds {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

/// determineBounds: since (default 1h), end (default now), start (default
/// min(end, now) - since).
result<bounds> determine_bounds(const param_lookup& get, int64_t now_ns);

/// defaultQueryRangeStep: max(floor((end-start)/250 s), 1) seconds, in ns.
int64_t default_step_ns(int64_t start_ns, int64_t end_ns);

/// /loki/api/v1/query_range.
struct range_query {
  std::string query;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int64_t step_ns = 0;
  int64_t interval_ns = 0;
  uint32_t limit = 100;
  logql::direction dir = logql::direction::backward;
};

result<range_query> parse_range_query(const param_lookup& get, int64_t now_ns);

/// /loki/api/v1/query (instant): time (default now), limit, direction.
struct instant_query {
  std::string query;
  int64_t time_ns = 0;
  uint32_t limit = 100;
  logql::direction dir = logql::direction::backward;
};

result<instant_query> parse_instant_query(const param_lookup& get, int64_t now_ns);

/// True for an empty selector list or exactly `{}` (spaces ignored): the
/// series endpoint then means "all series".
bool is_match_all(std::string_view selector);

} // namespace skald::loghttp
