// runtime/loghttp/params.cpp — see params.hpp.
#include "runtime/loghttp/params.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "runtime/logql/strconv.hpp"
#include "runtime/model/time_format.hpp"

namespace skald::loghttp {

namespace {

constexpr int64_t ns_per_s = 1'000'000'000;

status bad(std::string msg) {
  return status{errc::invalid_argument, std::move(msg)};
}

std::string quoted(std::string_view v) {
  return logql::go_quote(v);
}

std::optional<int64_t> parse_int64(std::string_view v) {
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || p != v.data() + v.size() || v.empty())
    return std::nullopt;
  return out;
}

} // namespace

result<int64_t> parse_timestamp(std::string_view value, int64_t def) {
  if (value.empty())
    return def;
  if (value.find('.') != std::string_view::npos) {
    auto f = logql::parse_go_float(value);
    if (f.ok() && std::isfinite(*f)) {
      double ip = 0;
      double frac = std::modf(*f, &ip);
      frac = std::round(frac * 1000) / 1000;
      return static_cast<int64_t>(ip) * ns_per_s + static_cast<int64_t>(frac * 1e9);
    }
  }
  // Go's ParseInt accepts a leading sign.
  std::string_view digits = value;
  if (!digits.empty() && digits.front() == '+')
    digits.remove_prefix(1);
  if (auto n = parse_int64(digits)) {
    if (value.size() <= 10)
      return *n * ns_per_s;
    return *n;
  }
  if (auto t = model::parse_rfc3339_nano(value))
    return *t;
  return bad("cannot parse " + quoted(value) + " to a valid timestamp");
}

result<int64_t> parse_seconds_or_duration(std::string_view value) {
  auto f = logql::parse_go_float(value);
  if (f.ok()) {
    double ns = *f * 1e9;
    if (!(ns < 9.2233720368547758e18 && ns > -9.2233720368547758e18))
      return bad("cannot parse " + quoted(value) + " to a valid duration. It overflows int64");
    return static_cast<int64_t>(ns);
  }
  auto d = logql::parse_prom_duration(value);
  if (d.ok())
    return *d;
  return bad("cannot parse " + quoted(value) + " to a valid duration");
}

result<uint32_t> parse_limit(const std::string* value) {
  if (value == nullptr || value->empty())
    return uint32_t{100};
  auto n = parse_int64(*value);
  if (!n)
    return bad("strconv.Atoi: parsing " + quoted(*value) + ": invalid syntax");
  if (*n <= 0 || *n > std::numeric_limits<uint32_t>::max())
    return bad("limit must be a positive value");
  return static_cast<uint32_t>(*n);
}

result<logql::direction> parse_direction(const std::string* value) {
  if (value == nullptr || value->empty())
    return logql::direction::backward;
  if (logql::iequals(*value, "forward"))
    return logql::direction::forward;
  if (logql::iequals(*value, "backward"))
    return logql::direction::backward;
  return bad("invalid direction '" + *value + "'");
}

result<bounds> determine_bounds(const param_lookup& get, int64_t now_ns) {
  int64_t since = 3600 * ns_per_s;
  if (const auto* s = get("since"); s && !s->empty()) {
    auto d = parse_seconds_or_duration(*s);
    if (!d.ok())
      return d.error();
    since = *d;
  }
  const auto* e = get("end");
  auto end = parse_timestamp(e ? std::string_view{*e} : std::string_view{}, now_ns);
  if (!end.ok())
    return end.error();
  int64_t end_or_now = *end > now_ns ? now_ns : *end;
  const auto* s = get("start");
  auto start = parse_timestamp(s ? std::string_view{*s} : std::string_view{}, end_or_now - since);
  if (!start.ok())
    return start.error();
  return bounds{*start, *end};
}

int64_t default_step_ns(int64_t start_ns, int64_t end_ns) {
  int64_t secs = (end_ns - start_ns) / ns_per_s / 250;
  return std::max<int64_t>(secs, 1) * ns_per_s;
}

result<range_query> parse_range_query(const param_lookup& get, int64_t now_ns) {
  range_query q;
  if (const auto* v = get("query"))
    q.query = *v;
  auto b = determine_bounds(get, now_ns);
  if (!b.ok())
    return b.error();
  q.start_ns = b->start_ns;
  q.end_ns = b->end_ns;
  if (q.end_ns < q.start_ns)
    return bad("end timestamp must not be before or equal to start time");
  auto limit = parse_limit(get("limit"));
  if (!limit.ok())
    return limit.error();
  q.limit = *limit;
  auto dir = parse_direction(get("direction"));
  if (!dir.ok())
    return dir.error();
  q.dir = *dir;
  const auto* step = get("step");
  if (step == nullptr || step->empty()) {
    q.step_ns = default_step_ns(q.start_ns, q.end_ns);
  } else {
    auto s = parse_seconds_or_duration(*step);
    if (!s.ok())
      return s.error();
    q.step_ns = *s;
  }
  if (q.step_ns <= 0)
    return bad("zero or negative query resolution step widths are not accepted. Try a positive "
               "integer");
  if ((q.end_ns - q.start_ns) / q.step_ns > 11000)
    return bad("exceeded maximum resolution of 11,000 points per time series. Try increasing the "
               "value of the step parameter");
  if (const auto* iv = get("interval"); iv && !iv->empty()) {
    auto i = parse_seconds_or_duration(*iv);
    if (!i.ok())
      return i.error();
    if (*i < 0)
      return bad("interval must be >= 0");
    q.interval_ns = *i;
  }
  return q;
}

result<instant_query> parse_instant_query(const param_lookup& get, int64_t now_ns) {
  instant_query q;
  if (const auto* v = get("query"))
    q.query = *v;
  const auto* t = get("time");
  auto ts = parse_timestamp(t ? std::string_view{*t} : std::string_view{}, now_ns);
  if (!ts.ok())
    return ts.error();
  q.time_ns = *ts;
  auto limit = parse_limit(get("limit"));
  if (!limit.ok())
    return limit.error();
  q.limit = *limit;
  auto dir = parse_direction(get("direction"));
  if (!dir.ok())
    return dir.error();
  q.dir = *dir;
  return q;
}

bool is_match_all(std::string_view selector) {
  std::string compact;
  for (char c : selector)
    if (c != ' ' && c != '\t' && c != '\n')
      compact.push_back(c);
  return compact.empty() || compact == "{}";
}

} // namespace skald::loghttp
