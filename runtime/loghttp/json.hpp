// runtime/loghttp/json.hpp — Loki's read-path response bodies (read-path spec
// §1.4), rendered with RapidJSON (escaping is the library's job).
//
//   query/query_range: {"status":"success","data":{"resultType":...,
//                       "result":...,"stats":{...}}}
//     streams: [{"stream":{k:v},"values":[["<ns>","line"],...]}] (+"\n")
//     vector:  [{"metric":{k:v},"value":[<unix s>,"<value>"]}]
//     matrix:  [{"metric":{k:v},"values":[[<unix s>,"<value>"],...]}]
//     scalar:  [<unix s>,"<value>"]
//   labels, label values: {"status":"success","data":["a",...]} (+"\n")
//   series: {"status":"success","data":[{k:v},...]} (+"\n")
// Times are Prometheus model.Time: ms printed as seconds, up to 3 decimals,
// no trailing zeros, raw JSON numbers. Values are Go FormatFloat(v,'f',-1).
// CAF-free pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/logql/engine.hpp"
#include "runtime/model/labels.hpp"

namespace skald::loghttp {

/// What the `stats` object reports (summary and ingester; the rest is zeros).
struct query_stats {
  int64_t exec_ns = 0;
  uint64_t bytes_processed = 0;
  uint64_t lines_processed = 0;
  uint64_t entries_returned = 0;
  uint32_t ingesters_reached = 0;
  uint64_t lines_sent = 0;
};

/// `1588889221`, `1588889221.5`, `1588889221.123` (ns truncated to ms).
std::string format_model_time(int64_t ns);
/// Go strconv.FormatFloat(v, 'f', -1, 64); "NaN", "+Inf", "-Inf".
std::string format_value(double v);

/// With X-Loki-Response-Encoding-Flags: categorize-labels: the label sets of
/// the streams the query read, and the query's direction.
struct categorize_input {
  std::vector<model::label_set> sources;
  logql::direction dir = logql::direction::backward;
};

/// categorize-labels (Loki's categorized-labels iterator): the original
/// stream labels of a result label set are the largest of `sources` (the
/// label sets of the streams the query read) that it contains; nullptr when
/// none is.
const model::label_set* original_stream(const model::label_set& final_labels,
                                        const std::vector<model::label_set>& sources);

/// Splits the labels of `final_labels` that are not in `original` into the
/// entry's structured metadata (names the entry carries as metadata, also
/// when renamed `<name>_extracted` after a collision with a stream label) and
/// parsed labels (the rest). Both keep `final_labels`' order.
void split_entry_labels(const model::label_set& final_labels, const model::label_set& original,
                        const model::label_set& entry_metadata, model::label_set& metadata,
                        model::label_set& parsed);

/// The query/query_range body. `categorize` adds data.encodingFlags and a
/// third element per entry. With `ci`, streams are regrouped like Loki's
/// categorized-labels iterator: `stream` holds the original stream labels (the
/// largest source label set contained in the result labels), and each entry
/// carries {"structuredMetadata":{...},"parsed":{...}} (each only when
/// non-empty) with the rest of its labels; entries of one original stream are
/// merged in the query's direction. Without `ci`: final labels and `{}`.
std::string render_query(const logql::query_result& r, const query_stats& st,
                         bool categorize = false, const categorize_input* ci = nullptr);

/// labels and label values: sorted unique strings.
std::string render_strings(const std::vector<std::string>& values);

/// series: one object per label set.
std::string render_series(const std::vector<model::label_set>& series);

/// format_query: {"status":"success","data":"<text>"}.
std::string render_data_string(std::string_view text);

/// index/stats: the bare {"streams","chunks","bytes","entries"} object.
std::string render_index_stats(uint64_t streams, uint64_t chunks, uint64_t bytes, uint64_t entries);

/// Legacy /api/prom/query (pkg/util/marshal/legacy): {"streams":[{"labels":
/// "{a=\"b\"}","entries":[{"ts":"<RFC3339Nano>","line":".."}]}],"stats":{..}}.
std::string render_legacy_query(const logql::query_result& r, const query_stats& st);

/// Legacy /api/prom/label and label values: {"values":[...]}.
std::string render_legacy_values(const std::vector<std::string>& values);

} // namespace skald::loghttp
