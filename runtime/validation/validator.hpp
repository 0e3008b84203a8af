// runtime/validation/validator.hpp — Loki's distributor validation (spec §3.1-3.3, G6).
//
// Per request the distributor takes ONE snapshot of the tenant's limits and the
// clock (make_context) and validates every stream and entry against it, in
// Loki's order, producing Loki 3.x/HEAD's exact texts and reason strings:
//
//   for each stream (skip streams with zero entries):
//     truncate_line()                       if max_line_size_truncate
//     validate_labels(ctx, ls, labels)      first failure discards the stream
//     validate_enforced_labels(...)         (tenant/policy list, usually empty)
//     for each entry:
//       validate_entry(ctx, ls_string, e)   first failure discards the entry
//       ts = incrementer.next(e.ts, e.line) if increment_duplicate_timestamp
//   errors of all streams -> error_collector::combined() (§3.6), HTTP 400
//
// The distributor owns the loop (it also counts metrics and builds the
// per-ingester batches); these functions are pure and allocation-free on the
// accept path (messages are built only for rejections).
//
// Texts (lower-case since Loki 3.6; <labels> is the canonical label string,
// times are RFC 3339 UTC with seconds precision):
//   error at least one label pair is required per stream
//   entry for stream '<labels>' has <n> label names; limit <max>
//   stream '<labels>' has label name too long: '<name>'
//   stream '<labels>' has label value too long: '<value>'
//   stream '<labels>' has duplicate label name: '<name>'
//   entry for stream '<labels>' has timestamp too old: <ts>, oldest acceptable timestamp is:
//   <cutoff> entry for stream '<labels>' has timestamp too new: <ts> max entry size '<max>' bytes
//   exceeded for stream '<labels>' while adding an entry with length '<len>' bytes stream
//   '<labels>' includes structured metadata, but this feature is disallowed. Please see ... stream
//   '<labels>' has structured metadata too large: '<n>' bytes, limit: '<max>' bytes. Please see ...
//   stream '<labels>' has too many structured metadata labels: '<n>', limit: '<max>'. Please see
//   ...
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/validation/limits.hpp"

namespace skald::validation {

/// Outcome of one check: accepted, or a reason (reasons.hpp) and Loki's text.
class [[nodiscard]] verdict {
public:
  verdict() = default;
  verdict(std::string_view reason, std::string message)
      : reason_(reason), message_(std::move(message)) {}

  bool ok() const noexcept { return reason_.empty(); }
  explicit operator bool() const noexcept { return ok(); }
  std::string_view reason() const noexcept { return reason_; }
  const std::string& message() const noexcept { return message_; }

private:
  std::string_view reason_; // points at a reasons.hpp constant
  std::string message_;
};

/// The per-request snapshot (Loki validationContext).
struct validation_context {
  std::string tenant;
  validation_limits limits;
  /// Entries with ts < reject_before are too old (only if reject_old_samples).
  model::timestamp_ns reject_before = 0;
  /// Entries with ts > reject_after are too new.
  model::timestamp_ns reject_after = 0;
};

validation_context make_context(const validation_limits& limits,
                                std::chrono::system_clock::time_point now, std::string tenant = {});

/// Spec §3.2. `labels` is the stream's label string as the distributor
/// received it (after decode_push: the canonical string). `ls` must be sorted.
verdict validate_labels(const validation_context& ctx, const model::label_set& ls,
                        std::string_view labels);

/// enforced_labels: every listed name must be present. `policy` is printed
/// as given (empty when no policy applies).
verdict validate_enforced_labels(const validation_context& ctx, const model::label_set& ls,
                                 std::string_view labels, std::string_view policy = {});

/// Spec §3.3, first failure wins. `labels` is the canonical label string.
verdict validate_entry(const validation_context& ctx, std::string_view labels,
                       const model::entry_view& e);

/// Σ len(name) + len(value) of structured metadata, excluding detected_level.
size_t structured_metadata_size(const model::label_set* metadata) noexcept;

/// len(line) + structured_metadata_size: the unit of rate limits and
/// discarded-bytes metrics (Loki 3.x).
inline size_t entry_size(const model::entry_view& e) noexcept {
  return e.line.size() + structured_metadata_size(e.metadata);
}

/// Loki's sanitizeStructuredMetadata, run on each accepted entry: names are
/// normalised like Prometheus' OTLP label namer (bytes outside [a-zA-Z0-9_]
/// become '_'; a leading digit gets "key_", a single leading '_' gets "key"),
/// values containing invalid UTF-8 (or U+FFFD) get those runes replaced by a
/// space. Any change — or any empty value — rebuilds the set the way Go's
/// labels.Builder does (empty values dropped, renamed pairs appended, sorted
/// by name); an untouched set keeps its order. Returns the number of
/// sanitizations (loki_distributor_push_structured_metadata_sanitized_total).
size_t sanitize_structured_metadata(model::label_set& metadata);

/// True when sanitize_structured_metadata would change `metadata` (cheap scan:
/// lets callers copy a shared set only when needed).
bool needs_sanitizing(const model::label_set& metadata) noexcept;

/// max_line_size_truncate: the number of leading bytes of a `line_size` line
/// to keep (then append limits.max_line_size_truncate_identifier), or nullopt
/// when the line is left alone (truncation off, line short enough, or the
/// identifier leaves no room — the line is then rejected as too long).
std::optional<size_t> truncation_length(const validation_context& ctx, size_t line_size) noexcept;

/// increment_duplicate_timestamp, fed with the ACCEPTED entries of one
/// stream in order (Loki's distributor loop): an entry with the same
/// timestamp as the previous accepted one (or as the start of the current run
/// of equal timestamps) and a different line gets previous ts + 1ns; so three
/// equal timestamps become +0, +1, +2 ns. Same ts and same line: unchanged
/// (the ingester deduplicates).
class timestamp_incrementer {
public:
  /// `first_ts`: the ORIGINAL timestamp of the stream's first entry.
  explicit timestamp_incrementer(model::timestamp_ns first_ts) : run_ts_(first_ts) {}
  /// The timestamp to store for this accepted entry.
  model::timestamp_ns next(model::timestamp_ns ts, std::string_view line);

private:
  model::timestamp_ns run_ts_;
  model::timestamp_ns prev_ts_ = 0;
  std::string_view prev_line_;
  bool have_prev_ = false;
};

/// Collects the validation errors of one request and renders Loki's combined
/// message (spec §3.6): a single error occurring once -> its text; otherwise
/// every distinct text as "<n> errors like: <text>", joined with "; " in the
/// order first seen (Loki: Go map order, i.e. unspecified).
class error_collector {
public:
  void add(std::string message);
  void add(const verdict& v) {
    if (!v.ok())
      add(v.message());
  }
  bool empty() const noexcept { return total_ == 0; }
  size_t count() const noexcept { return total_; }
  /// The combined message; empty when nothing was added.
  std::string combined() const;

private:
  std::vector<std::pair<std::string, size_t>> groups_; // first-seen order
  std::unordered_map<std::string, size_t> index_;      // message -> groups_ index
  size_t total_ = 0;
};

/// 422 body for a push without streams (Loki >= 3.4).
inline constexpr std::string_view missing_streams_message =
    "error at least one valid stream is required for ingestion";
inline constexpr int missing_streams_http_status = 422;

} // namespace skald::validation
