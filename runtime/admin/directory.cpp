// runtime/admin/directory.cpp — see directory.hpp.
#include "runtime/admin/directory.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace skald::admin {

int64_t wall_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t actor_stats::last_activity_unix_ns() const noexcept {
  if (last_mono_ns == 0)
    return 0;
  return wall_now_ns() - (coarse_now_ns() - last_mono_ns);
}

const char* to_string(sort_key k) noexcept {
  switch (k) {
  case sort_key::id:
    return "id";
  case sort_key::name:
    return "name";
  case sort_key::started:
    return "started";
  case sort_key::mailbox:
    return "mailbox";
  case sort_key::rate:
    return "rate";
  case sort_key::handled:
    return "handled";
  }
  return "id";
}

namespace {

result<uint64_t> parse_uint(std::string_view name, const std::string& v, uint64_t max) {
  uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || p != v.data() + v.size() || v.empty() || out > max)
    return status{errc::invalid_argument, "invalid " + std::string{name} + " '" + v +
                                              "': expected an integer between 0 and " +
                                              std::to_string(max)};
  return out;
}

} // namespace

result<actor_query>
parse_actor_query(const std::function<const std::string*(std::string_view)>& param) {
  actor_query q;
  if (const auto* v = param("kind"))
    q.kind = *v;
  if (const auto* v = param("tenant"))
    q.tenant = *v;
  if (const auto* v = param("name"))
    q.name = *v;
  if (const auto* v = param("sort"); v != nullptr && !v->empty()) {
    static constexpr sort_key keys[] = {sort_key::id,      sort_key::name, sort_key::started,
                                        sort_key::mailbox, sort_key::rate, sort_key::handled};
    auto i = std::find_if(std::begin(keys), std::end(keys),
                          [&](sort_key k) { return *v == to_string(k); });
    if (i == std::end(keys))
      return status{errc::invalid_argument,
                    "invalid sort '" + *v +
                        "': expected id, name, started, mailbox, rate or handled"};
    q.sort = *i;
  }
  q.descending = sort_needs_info(q.sort);
  if (const auto* v = param("order"); v != nullptr && !v->empty()) {
    if (*v == "asc")
      q.descending = false;
    else if (*v == "desc")
      q.descending = true;
    else
      return status{errc::invalid_argument, "invalid order '" + *v + "': expected asc or desc"};
  }
  if (const auto* v = param("offset"); v != nullptr && !v->empty()) {
    auto n = parse_uint("offset", *v, UINT32_MAX);
    if (!n.ok())
      return n.error();
    q.offset = *n;
  }
  if (const auto* v = param("limit"); v != nullptr && !v->empty()) {
    auto n = parse_uint("limit", *v, max_page_limit);
    if (!n.ok())
      return n.error();
    if (*n == 0)
      return status{errc::invalid_argument,
                    "invalid limit '0': expected an integer between 1 and " +
                        std::to_string(max_page_limit)};
    q.limit = *n;
  }
  return q;
}

bool matches(const actor_query& q, const actor_entry& e) noexcept {
  if (!q.kind.empty() && e.kind != q.kind)
    return false;
  if (!q.tenant.empty() && e.tenant != q.tenant)
    return false;
  if (!q.name.empty() && e.name.find(q.name) == std::string::npos)
    return false;
  return true;
}

bool sort_needs_info(sort_key k) noexcept {
  return k == sort_key::mailbox || k == sort_key::rate || k == sort_key::handled;
}

void sort_rows(std::vector<actor_row>& rows, const actor_query& q) {
  auto less = [&q](const actor_row& a, const actor_row& b) {
    auto by = [](auto x, auto y) -> int { return x < y ? -1 : (y < x ? 1 : 0); };
    int c = 0;
    switch (q.sort) {
      case sort_key::id: c = by(a.entry.id, b.entry.id); break;
      case sort_key::name: c = by(a.entry.name, b.entry.name); break;
      case sort_key::started: c = by(a.entry.started_ns, b.entry.started_ns); break;
      case sort_key::mailbox: c = by(a.info.mailbox, b.info.mailbox); break;
      case sort_key::rate: c = by(a.rate, b.rate); break;
      case sort_key::handled: c = by(a.info.handled, b.info.handled); break;
    }
    if (c != 0)
      return q.descending ? c > 0 : c < 0;
    return a.entry.id < b.entry.id; // ties: ascending id in either order
  };
  std::sort(rows.begin(), rows.end(), less);
}

void cut_page(std::vector<actor_row>& rows, const actor_query& q) {
  if (q.offset >= rows.size()) {
    rows.clear();
    return;
  }
  rows.erase(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(q.offset));
  auto limit = std::min<uint64_t>(q.limit, max_page_limit);
  if (rows.size() > limit)
    rows.resize(limit);
}

std::vector<uint64_t> select_page(std::vector<sort_item>& items, const actor_query& q) {
  auto less = [&q](const sort_item& a, const sort_item& b) {
    auto by = [](const auto& x, const auto& y) -> int { return x < y ? -1 : (y < x ? 1 : 0); };
    int c = 0;
    switch (q.sort) {
      case sort_key::id: c = 0; break;
      case sort_key::name: c = by(*a.name, *b.name); break;
      case sort_key::started: c = by(a.started_ns, b.started_ns); break;
      case sort_key::mailbox: c = by(a.mailbox, b.mailbox); break;
      case sort_key::rate: c = by(a.rate, b.rate); break;
      case sort_key::handled: c = by(a.handled, b.handled); break;
    }
    if (c != 0)
      return q.descending ? c > 0 : c < 0;
    if (q.sort == sort_key::id)
      return q.descending ? a.id > b.id : a.id < b.id;
    return a.id < b.id;
  };
  std::vector<uint64_t> out;
  const auto n = items.size();
  if (q.offset >= n)
    return out;
  auto first = items.begin() + static_cast<std::ptrdiff_t>(q.offset);
  auto last = items.begin() +
              static_cast<std::ptrdiff_t>(std::min<uint64_t>(n, q.offset + std::min(q.limit, max_page_limit)));
  // Everything before `first` sorts before it, everything from `last` on after.
  if (first != items.begin())
    std::nth_element(items.begin(), first, items.end(), less);
  if (last != items.end())
    std::nth_element(first, last, items.end(), less);
  std::sort(first, last, less);
  out.reserve(static_cast<size_t>(last - first));
  for (auto i = first; i != last; ++i)
    out.push_back(i->id);
  return out;
}

double rate_tracker::observe(uint64_t id, uint64_t handled, int64_t now_ns) {
  auto [i, fresh] = last_.try_emplace(id, sample{handled, now_ns, 0.0});
  if (fresh)
    return 0.0;
  auto& s = i->second;
  auto dt = now_ns - s.at_ns;
  if (dt < min_interval_ns_)
    return s.rate;
  s.rate = handled >= s.handled
               ? static_cast<double>(handled - s.handled) * 1e9 / static_cast<double>(dt)
               : 0.0;
  s.handled = handled;
  s.at_ns = now_ns;
  return s.rate;
}

std::string format_time(int64_t unix_ns) {
  auto secs = static_cast<time_t>(unix_ns / 1000000000);
  auto ms = static_cast<int>((unix_ns / 1000000) % 1000);
  if (ms < 0)
    ms = 0;
  tm t{};
  gmtime_r(&secs, &t);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ms);
  return buf;
}

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void key(writer& w, std::string_view s) {
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_row(writer& w, const actor_row& r) {
  const auto& e = r.entry;
  w.StartObject();
  key(w, "id");
  w.Uint64(e.id);
  key(w, "kind");
  str(w, e.kind);
  key(w, "name");
  str(w, e.name);
  key(w, "parent");
  w.Uint64(e.parent);
  key(w, "tenant");
  str(w, e.tenant);
  key(w, "started");
  str(w, format_time(e.started_ns));
  key(w, "answered");
  w.Bool(r.answered);
  key(w, "mailbox");
  w.Uint64(r.info.mailbox);
  key(w, "handled");
  w.Uint64(r.info.handled);
  key(w, "rate");
  w.Double(std::isfinite(r.rate) ? std::round(r.rate * 10) / 10 : 0.0);
  key(w, "last_activity");
  if (r.info.last_activity_ns == 0)
    w.Null();
  else
    str(w, format_time(r.info.last_activity_ns));
  key(w, "state");
  w.StartObject();
  for (const auto& [k, v] : r.info.numbers) {
    key(w, k);
    w.Int64(v);
  }
  for (const auto& [k, v] : r.info.strings) {
    key(w, k);
    str(w, v);
  }
  w.EndObject();
  w.EndObject();
}

} // namespace

std::string to_json(const actor_row& row) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  write_row(w, row);
  return {buf.GetString(), buf.GetSize()};
}

std::string to_json(const actor_page& page) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  key(w, "total");
  w.Uint64(page.total);
  key(w, "offset");
  w.Uint64(page.offset);
  key(w, "limit");
  w.Uint64(page.limit);
  key(w, "kinds");
  w.StartObject();
  for (const auto& [k, n] : page.kinds) {
    key(w, k);
    w.Uint64(n);
  }
  w.EndObject();
  key(w, "actors");
  w.StartArray();
  for (const auto& r : page.rows)
    write_row(w, r);
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string to_json(const std::vector<node_summary>& nodes, int64_t now_ns) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  key(w, "nodes");
  w.StartArray();
  for (const auto& n : nodes) {
    w.StartObject();
    key(w, "id");
    str(w, n.id);
    key(w, "hostname");
    str(w, n.hostname);
    key(w, "address");
    str(w, n.address);
    key(w, "roles");
    w.StartArray();
    for (const auto& r : n.roles)
      str(w, r);
    w.EndArray();
    key(w, "version");
    str(w, n.version);
    key(w, "started");
    if (n.started_ns > 0)
      str(w, format_time(n.started_ns));
    else
      w.Null();
    key(w, "uptime_seconds");
    w.Int64(n.started_ns > 0 ? std::max<int64_t>(0, (now_ns - n.started_ns) / 1000000000) : 0);
    key(w, "ready");
    w.Bool(n.ready);
    key(w, "reachable");
    w.Bool(n.reachable);
    key(w, "heartbeat_age_ms");
    w.Int64(n.heartbeat_age_ms);
    key(w, "self");
    w.Bool(n.self);
    key(w, "gossip");
    str(w, n.gossip);
    key(w, "error");
    str(w, n.error);
    key(w, "modules");
    w.StartObject();
    for (const auto& [m, st] : n.modules) {
      key(w, m);
      str(w, st);
    }
    w.EndObject();
    uint64_t total = 0;
    key(w, "actors");
    w.StartObject();
    for (const auto& [k, c] : n.actors) {
      key(w, k);
      w.Uint64(c);
      total += c;
    }
    w.EndObject();
    key(w, "actors_total");
    w.Uint64(total);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

} // namespace skald::admin
