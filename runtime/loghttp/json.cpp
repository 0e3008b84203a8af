// runtime/loghttp/json.cpp — see json.hpp.
#include "runtime/loghttp/json.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <cmath>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "runtime/tail/tail.hpp" // format_rfc3339_nano

namespace skald::loghttp {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void key(writer& w, std::string_view s) {
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void labels(writer& w, const model::label_set& ls) {
  w.StartObject();
  for (const auto& l : ls) {
    key(w, l.name);
    str(w, l.value);
  }
  w.EndObject();
}

void point(writer& w, int64_t t_ns, double v) {
  w.StartArray();
  auto t = format_model_time(t_ns);
  w.RawValue(t.data(), t.size(), rapidjson::kNumberType);
  str(w, format_value(v));
  w.EndArray();
}

void zeros(writer& w, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    w.Key(n);
    w.Int(0);
  }
}

void store_stats(writer& w) {
  w.StartObject();
  zeros(w, {"totalChunksRef", "totalChunksDownloaded", "chunksDownloadTime", "chunkRefsFetchTime",
            "congestionControlLatency", "pipelineWrapperFilteredLines"});
  w.Key("queryReferencedStructuredMetadata");
  w.Bool(false);
  w.Key("queryUsedV2Engine");
  w.Bool(false);
  w.Key("chunk");
  w.StartObject();
  zeros(w, {"headChunkBytes", "headChunkLines", "decompressedBytes", "decompressedLines",
            "compressedBytes", "totalDuplicates", "postFilterLines",
            "headChunkStructuredMetadataBytes", "decompressedStructuredMetadataBytes"});
  w.EndObject();
  w.EndObject();
}

void cache_stats(writer& w) {
  w.StartObject();
  zeros(w, {"entriesFound", "entriesRequested", "entriesStored", "bytesReceived", "bytesSent",
            "requests", "downloadTime", "queryLengthServed"});
  w.EndObject();
}

void stats(writer& w, const query_stats& st) {
  const double exec_s = static_cast<double>(st.exec_ns) / 1e9;
  const double per_s = exec_s > 0 ? 1 / exec_s : 0;
  w.StartObject();
  w.Key("summary");
  w.StartObject();
  w.Key("bytesProcessedPerSecond");
  w.Int64(static_cast<int64_t>(static_cast<double>(st.bytes_processed) * per_s));
  w.Key("linesProcessedPerSecond");
  w.Int64(static_cast<int64_t>(static_cast<double>(st.lines_processed) * per_s));
  w.Key("totalBytesProcessed");
  w.Uint64(st.bytes_processed);
  w.Key("totalLinesProcessed");
  w.Uint64(st.lines_processed);
  w.Key("execTime");
  w.Double(exec_s);
  w.Key("queueTime");
  w.Int(0);
  w.Key("subqueries");
  w.Int(0);
  w.Key("totalEntriesReturned");
  w.Uint64(st.entries_returned);
  zeros(w, {"splits", "shards", "totalPostFilterLines", "totalStructuredMetadataBytesProcessed"});
  w.EndObject();
  w.Key("querier");
  w.StartObject();
  w.Key("store");
  store_stats(w);
  w.Key("querierExecTime");
  w.Int(0);
  w.EndObject();
  w.Key("ingester");
  w.StartObject();
  w.Key("totalReached");
  w.Uint(st.ingesters_reached);
  w.Key("totalChunksMatched");
  w.Int(0);
  w.Key("totalBatches");
  w.Uint(st.ingesters_reached);
  w.Key("totalLinesSent");
  w.Uint64(st.lines_sent);
  w.Key("store");
  store_stats(w);
  w.EndObject();
  w.Key("cache");
  w.StartObject();
  for (const char* n : {"chunk", "index", "result", "statsResult", "volumeResult", "seriesResult",
                        "labelResult", "instantMetricResult", "logResult", "taskResult"}) {
    w.Key(n);
    cache_stats(w);
  }
  w.EndObject();
  w.Key("index");
  w.StartObject();
  zeros(w, {"totalChunks", "postFilterChunks", "shardsDuration", "totalStreams",
            "chunkRefsLookupTime", "bloomFilterTime"});
  w.Key("usedBloomFilters");
  w.Bool(false);
  w.EndObject();
  w.EndObject();
}

} // namespace

std::string format_model_time(int64_t ns) {
  // model.TimeFromUnixNano: integer division (truncates towards zero).
  int64_t ms = ns / 1'000'000;
  bool neg = ms < 0;
  uint64_t a = neg ? static_cast<uint64_t>(-(ms + 1)) + 1 : static_cast<uint64_t>(ms);
  std::string out = neg ? "-" : "";
  out += std::to_string(a / 1000);
  auto frac = a % 1000;
  if (frac != 0) {
    char buf[4] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                   static_cast<char>('0' + frac % 10), 0};
    std::string f{buf};
    while (!f.empty() && f.back() == '0')
      f.pop_back();
    out += "." + f;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (ec != std::errc{})
    return "NaN";
  return std::string(buf, p);
}

namespace {

bool contains(const model::label_set& big, const model::label_set& small) {
  for (const auto& l : small) {
    auto v = model::get(big, l.name);
    if (v != l.value || (v.empty() && !model::has(big, l.name)))
      return false;
  }
  return true;
}

bool has_name(const model::label_set& ls, std::string_view name) {
  return model::has(ls, name);
}

/// Loki's LabelsBuilder renames structured metadata that collides with a
/// stream label to `<name>_extracted`; it is still structured metadata.
bool renamed_metadata(std::string_view name, const model::label_set& metadata,
                      const model::label_set& stream) {
  constexpr std::string_view suffix = "_extracted";
  if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix)
    return false;
  auto base = name.substr(0, name.size() - suffix.size());
  return has_name(metadata, base) && has_name(stream, base);
}

struct cat_entry {
  int64_t ts = 0;
  const std::string* line = nullptr;
  model::label_set metadata;
  model::label_set parsed;
};

} // namespace

const model::label_set* original_stream(const model::label_set& final_labels,
                                        const std::vector<model::label_set>& sources) {
  const model::label_set* best = nullptr;
  for (const auto& src : sources)
    if ((best == nullptr || src.size() > best->size()) && contains(final_labels, src))
      best = &src;
  return best;
}

void split_entry_labels(const model::label_set& final_labels, const model::label_set& original,
                        const model::label_set& entry_metadata, model::label_set& metadata,
                        model::label_set& parsed) {
  for (const auto& l : final_labels) {
    if (has_name(original, l.name))
      continue;
    if (has_name(entry_metadata, l.name) || renamed_metadata(l.name, entry_metadata, original))
      metadata.push_back(l);
    else
      parsed.push_back(l);
  }
}

namespace {

void write_categorized(writer& w, const logql::query_result& r, const categorize_input& ci) {
  std::map<std::string, std::pair<model::label_set, std::vector<cat_entry>>> groups;
  for (const auto& s : r.streams) {
    const model::label_set* best = original_stream(s.labels, ci.sources);
    model::label_set original;
    if (best != nullptr)
      original = *best;
    auto& g = groups[logql::labels_string(original)];
    g.first = original;
    for (const auto& e : s.entries) {
      cat_entry c;
      c.ts = e.ts;
      c.line = &e.line;
      split_entry_labels(s.labels, original, e.metadata, c.metadata, c.parsed);
      g.second.push_back(std::move(c));
    }
  }
  w.StartArray();
  for (auto& [key, g] : groups) {
    auto& es = g.second;
    if (ci.dir == logql::direction::forward)
      std::stable_sort(es.begin(), es.end(),
                       [](const cat_entry& a, const cat_entry& b) { return a.ts < b.ts; });
    else
      std::stable_sort(es.begin(), es.end(),
                       [](const cat_entry& a, const cat_entry& b) { return a.ts > b.ts; });
    w.StartObject();
    w.Key("stream");
    labels(w, g.first);
    w.Key("values");
    w.StartArray();
    for (const auto& e : es) {
      w.StartArray();
      auto ts = std::to_string(e.ts);
      str(w, ts);
      str(w, *e.line);
      w.StartObject();
      if (!e.metadata.empty()) {
        w.Key("structuredMetadata");
        labels(w, e.metadata);
      }
      if (!e.parsed.empty()) {
        w.Key("parsed");
        labels(w, e.parsed);
      }
      w.EndObject();
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

} // namespace

std::string render_query(const logql::query_result& r, const query_stats& st, bool categorize,
                         const categorize_input* ci) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.StartObject();
  w.Key("resultType");
  switch (r.type) {
  case logql::result_type::streams:
    w.String("streams");
    break;
  case logql::result_type::vector:
    w.String("vector");
    break;
  case logql::result_type::matrix:
    w.String("matrix");
    break;
  case logql::result_type::scalar:
    w.String("scalar");
    break;
  }
  if (categorize && r.type == logql::result_type::streams) {
    w.Key("encodingFlags");
    w.StartArray();
    w.String("categorize-labels");
    w.EndArray();
  }
  w.Key("result");
  switch (r.type) {
  case logql::result_type::streams:
    if (categorize && ci != nullptr) {
      write_categorized(w, r, *ci);
      break;
    }
    w.StartArray();
    for (const auto& s : r.streams) {
      w.StartObject();
      w.Key("stream");
      labels(w, s.labels);
      w.Key("values");
      w.StartArray();
      for (const auto& e : s.entries) {
        w.StartArray();
        auto ts = std::to_string(e.ts);
        str(w, ts);
        str(w, e.line);
        if (categorize) {
          w.StartObject();
          if (!e.metadata.empty()) {
            w.Key("structuredMetadata");
            labels(w, e.metadata);
          }
          w.EndObject();
        }
        w.EndArray();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    break;
  case logql::result_type::vector:
    w.StartArray();
    for (const auto& s : r.vector) {
      w.StartObject();
      w.Key("metric");
      labels(w, s.labels);
      w.Key("value");
      point(w, r.t_ns, s.v);
      w.EndObject();
    }
    w.EndArray();
    break;
  case logql::result_type::matrix:
    w.StartArray();
    for (const auto& s : r.matrix) {
      w.StartObject();
      w.Key("metric");
      labels(w, s.labels);
      w.Key("values");
      w.StartArray();
      for (const auto& p : s.points)
        point(w, p.t_ns, p.v);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    break;
  case logql::result_type::scalar:
    point(w, r.t_ns, r.scalar);
    break;
  }
  w.Key("stats");
  stats(w, st);
  w.EndObject();
  w.EndObject();
  std::string out{sb.GetString(), sb.GetSize()};
  if (r.type == logql::result_type::streams)
    out.push_back('\n');
  return out;
}

namespace {

/// {"status":"success","data":[...]} with one element per item, written by `emit`.
template <class Items, class Emit>
std::string render_success_array(const Items& items, Emit emit) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.StartArray();
  for (const auto& item : items)
    emit(w, item);
  w.EndArray();
  w.EndObject();
  return std::string{sb.GetString(), sb.GetSize()} + "\n";
}

} // namespace

std::string render_strings(const std::vector<std::string>& values) {
  return render_success_array(values, [](writer& w, const std::string& v) { str(w, v); });
}

std::string render_series(const std::vector<model::label_set>& series) {
  return render_success_array(series,
                              [](writer& w, const model::label_set& s) { labels(w, s); });
}

std::string render_data_string(std::string_view text) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  str(w, text);
  w.EndObject();
  return std::string{sb.GetString(), sb.GetSize()} + "\n";
}

std::string render_index_stats(uint64_t streams, uint64_t chunks, uint64_t bytes,
                               uint64_t entries) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  w.Key("streams");
  w.Uint64(streams);
  w.Key("chunks");
  w.Uint64(chunks);
  w.Key("bytes");
  w.Uint64(bytes);
  w.Key("entries");
  w.Uint64(entries);
  w.EndObject();
  return std::string{sb.GetString(), sb.GetSize()};
}

std::string render_legacy_query(const logql::query_result& r, const query_stats& st) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  w.Key("streams");
  w.StartArray();
  for (const auto& s : r.streams) {
    w.StartObject();
    w.Key("labels");
    str(w, logql::labels_string(s.labels));
    w.Key("entries");
    w.StartArray();
    for (const auto& e : s.entries) {
      w.StartObject();
      w.Key("ts");
      str(w, tail::format_rfc3339_nano(e.ts));
      w.Key("line");
      str(w, e.line);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("stats");
  stats(w, st);
  w.EndObject();
  return std::string{sb.GetString(), sb.GetSize()} + "\n";
}

std::string render_legacy_values(const std::vector<std::string>& values) {
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  w.Key("values");
  w.StartArray();
  for (const auto& v : values)
    str(w, v);
  w.EndArray();
  w.EndObject();
  return std::string{sb.GetString(), sb.GetSize()} + "\n";
}

} // namespace skald::loghttp
