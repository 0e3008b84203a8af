// runtime/tail/tail.cpp — see tail.hpp.
#include "runtime/tail/tail.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "runtime/logql/source.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/util/json_string.hpp"

namespace skald::tail {

// -- subscription ------------------------------------------------------------

bool subscription::matches(const model::label_set& stream) const {
  if (role_ == role::member)
    return false;
  if (groups_.empty())
    return true;
  for (const auto& g : groups_)
    if (logql::matches_all(g, stream))
      return true;
  return false;
}

bool subscription::admit(size_t n) {
  auto cur = inflight_.load(std::memory_order_acquire);
  do {
    if (cur + n > max_inflight_ && cur > 0)
      return false;
  } while (!inflight_.compare_exchange_weak(cur, cur + n, std::memory_order_acq_rel));
  return true;
}

void subscription::release(size_t n) {
  inflight_.fetch_sub(n, std::memory_order_acq_rel);
}

void subscription::record_dropped(const model::label_set& labels, const int64_t* ts, size_t n) {
  dropped_total_.fetch_add(n, std::memory_order_acq_rel);
  std::lock_guard<std::mutex> guard{mtx_};
  for (size_t i = 0; i < n && dropped_.size() < max_dropped_per_response; ++i)
    dropped_.push_back(dropped_entry{ts[i], labels});
}

std::vector<dropped_entry> subscription::take_dropped() {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<dropped_entry> out;
  out.swap(dropped_);
  return out;
}

// -- tail_buffer -------------------------------------------------------------

namespace {

// std heap functions build a max-heap: "less" means "later".
bool later(const entry_ptr& a, const entry_ptr& b) {
  return a->ts > b->ts;
}

} // namespace

void tail_buffer::add(entry_ptr e) {
  if (heap_.size() >= max_pending_) {
    // Full: the oldest pending entry goes (it is the one most overdue).
    std::pop_heap(heap_.begin(), heap_.end(), later);
    drop(heap_.back()->ts, heap_.back()->final_labels());
    heap_.pop_back();
  }
  heap_.push_back(std::move(e));
  std::push_heap(heap_.begin(), heap_.end(), later);
}

void tail_buffer::drop(int64_t ts, const model::label_set& labels) {
  if (dropped_.size() < max_dropped_per_response)
    dropped_.push_back(dropped_entry{ts, labels});
}

void tail_buffer::drop_all(std::vector<dropped_entry> d) {
  for (auto& x : d) {
    if (dropped_.size() >= max_dropped_per_response)
      break;
    dropped_.push_back(std::move(x));
  }
}

std::optional<tail_response> tail_buffer::next(int64_t now_ns, bool blocked) {
  tail_response r;
  while (r.entries.size() < max_entries_per_response && !heap_.empty() &&
         now_ns > heap_.front()->ts + delay_) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    if (blocked)
      drop(heap_.back()->ts, heap_.back()->final_labels());
    else
      r.entries.push_back(std::move(heap_.back()));
    heap_.pop_back();
  }
  if (blocked || r.entries.empty())
    return std::nullopt;
  r.dropped.swap(dropped_);
  return r;
}

void tail_buffer::drop_response(const tail_response& r) {
  for (const auto& e : r.entries)
    drop(e->ts, e->final_labels());
}

size_t tail_buffer::due(int64_t now_ns, size_t cap) const {
  // The heap's due entries form a subtree at its root: walk it, no further.
  size_t n = 0;
  std::vector<size_t> todo;
  if (!heap_.empty())
    todo.push_back(0);
  while (!todo.empty() && n < cap) {
    const auto i = todo.back();
    todo.pop_back();
    if (!(now_ns > heap_[i]->ts + delay_))
      continue;
    ++n;
    for (auto c : {2 * i + 1, 2 * i + 2})
      if (c < heap_.size())
        todo.push_back(c);
  }
  return n;
}

int64_t tail_buffer::wait_ns(int64_t now_ns) const {
  if (heap_.empty())
    return -1;
  auto due = heap_.front()->ts + delay_ + 1;
  return due > now_ns ? due - now_ns : 0;
}

result<int64_t> parse_delay_for(const std::string* value) {
  if (value == nullptr || value->empty())
    return int64_t{0};
  int64_t v = 0;
  const auto* b = value->data();
  const auto* e = b + value->size();
  auto [p, ec] = std::from_chars(*b == '+' ? b + 1 : b, e, v);
  if (ec != std::errc{} || p != e)
    return status{
        errc::invalid_argument,
        "strconv.Atoi: parsing \"" + *value + "\": " +
            (ec == std::errc::result_out_of_range ? "value out of range" : "invalid syntax")};
  // Loki stores delay_for as uint32: a negative value wraps to a huge one.
  if (v < 0 || v > max_delay_for_seconds)
    return status{errc::invalid_argument,
                  "delay_for can't be greater than " + std::to_string(max_delay_for_seconds)};
  return v;
}

// -- JSON ----------------------------------------------------------------------

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

} // namespace

std::string format_rfc3339_nano(int64_t ns) {
  int64_t secs = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out{buf, n};
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof(f), ".%09lld", static_cast<long long>(frac));
    std::string fs{f};
    while (fs.back() == '0')
      fs.pop_back();
    out += fs;
  }
  out += 'Z';
  return out;
}

namespace {

/// A label set as a JSON object (`{"name":"value",...}`), as a RapidJSON
/// writer gives it.
void append_labels(std::string& out, const model::label_set& ls) {
  out.push_back('{');
  bool first = true;
  for (const auto& l : ls) {
    if (!first)
      out.push_back(',');
    first = false;
    util::append_json_string(out, l.name);
    out.push_back(':');
    util::append_json_string(out, l.value);
  }
  out.push_back('}');
}

} // namespace

std::shared_ptr<const stream_labels> make_stream_labels(model::label_set labels) {
  auto out = std::make_shared<stream_labels>();
  append_labels(out->json, labels);
  out->labels = std::move(labels);
  return out;
}

namespace {

/// One entry's v1 stream object appended to `out`: the bytes a RapidJSON
/// writer gives (util::append_json_string), written straight into the
/// message. The stream's shared labels go in as rendered once per stream
/// (no per-entry label copy or rendering).
void append_v1_stream(std::string& out, const tail_entry& e, bool categorize) {
  char ts[24];
  auto tn = static_cast<size_t>(std::to_chars(ts, ts + sizeof(ts), e.ts).ptr - ts);
  out.reserve(out.size() + e.line.size() + 64 + (e.shared ? e.shared->json.size() : 128));
  out.append("{\"stream\":");
  if (e.shared && !categorize)
    out.append(e.shared->json);
  else
    append_labels(out, categorize ? (e.shared && e.stream.empty() ? e.shared->labels : e.stream)
                                  : e.final_labels());
  out.append(",\"values\":[[\"");
  out.append(ts, tn);
  out.append("\",");
  util::append_json_string(out, e.line);
  if (categorize) {
    out.append(",{");
    if (!e.metadata.empty()) {
      out.append("\"structuredMetadata\":");
      append_labels(out, e.metadata);
    }
    if (!e.parsed.empty()) {
      if (!e.metadata.empty())
        out.push_back(',');
      out.append("\"parsed\":");
      append_labels(out, e.parsed);
    }
    out.push_back('}');
  }
  out.append("]]}");
}

} // namespace

std::string render_v1_stream(const tail_entry& e, bool categorize) {
  std::string out;
  append_v1_stream(out, e, categorize);
  return out;
}

std::string render_v1(const tail_response& r, bool categorize) {
  size_t guess = 64;
  for (const auto& e : r.entries)
    guess += e->json.empty() ? 128 + e->line.size() : e->json.size() + 1;
  std::string out;
  out.reserve(guess);
  out.append("{\"streams\":[");
  // Each entry's stream object is copied in as rendered once (shared by the
  // tailers of one query), or written now.
  bool first = true;
  for (const auto& e : r.entries) {
    if (!first)
      out.push_back(',');
    first = false;
    if (e->json.empty())
      append_v1_stream(out, *e, categorize);
    else
      out.append(e->json);
  }
  out.push_back(']');
  if (!r.dropped.empty()) {
    out.append(",\"dropped_entries\":[");
    first = true;
    for (const auto& d : r.dropped) {
      if (!first)
        out.push_back(',');
      first = false;
      out.append("{\"labels\":");
      append_labels(out, d.labels);
      char ts[24];
      auto tn = static_cast<size_t>(std::to_chars(ts, ts + sizeof(ts), d.ts).ptr - ts);
      out.append(",\"timestamp\":\"");
      out.append(ts, tn);
      out.append("\"}");
    }
    out.push_back(']');
  }
  if (categorize)
    out.append(",\"encodingFlags\":[\"categorize-labels\"]");
  out.push_back('}');
  return out;
}

std::string render_legacy(const tail_response& r) {
  rapidjson::StringBuffer sb;
  writer w{sb};
  w.StartObject();
  w.Key("streams");
  w.StartArray();
  for (const auto& e : r.entries) {
    w.StartObject();
    w.Key("labels");
    str(w, model::canonical_string(e->final_labels()));
    w.Key("entries");
    w.StartArray();
    w.StartObject();
    w.Key("ts");
    str(w, format_rfc3339_nano(e->ts));
    w.Key("line");
    str(w, e->line);
    w.EndObject();
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("dropped_entries");
  if (r.dropped.empty()) {
    w.Null();
  } else {
    w.StartArray();
    for (const auto& d : r.dropped) {
      w.StartObject();
      w.Key("Timestamp");
      str(w, format_rfc3339_nano(d.ts));
      w.Key("Labels");
      str(w, model::canonical_string(d.labels));
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return std::string{sb.GetString(), sb.GetSize()};
}

} // namespace skald::tail
