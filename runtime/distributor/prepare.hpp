// runtime/distributor/prepare.hpp — what Loki's distributor does to a push
// before sending it to ingesters (spec §3.1–3.3, §3.6), as a pure function:
// label validation, entry validation, increment_duplicate_timestamp, ring
// tokens, grouped error text and per-reason discard counts.
//
// Owner: called by a distributor actor on a push_request it exclusively owns
// (the request is rewritten in place: invalid streams and entries removed,
// timestamps incremented). Time (`now_ns`, wall clock) is a parameter.
// Allocation: per stream (the kept entries are compacted in place); strings
// only for rejected streams/entries.
//
// Invariants after prepare(): every remaining stream has >= 1 entry, passed
// every check, and tokens[i] is its ring token; lines/bytes count exactly the
// remaining entries.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/config/limits_config.hpp"
#include "runtime/push/push_request.hpp"

namespace skald::distributor {

/// Counts of one discard reason (metric label value).
struct discard_count {
  uint64_t samples = 0;
  uint64_t bytes = 0;
};

struct prepared {
  /// Ring token per remaining stream.
  std::vector<uint32_t> tokens;
  /// Streams in the request as received (422 when zero).
  size_t streams_received = 0;
  /// Entries and bytes (line + structured metadata) that remain.
  uint64_t lines = 0;
  uint64_t bytes = 0;
  /// Discards by reason (e.g. "line_too_long").
  std::map<std::string, discard_count, std::less<>> discarded;
  /// Loki's grouped validation error (empty when nothing was rejected).
  std::string error;
};

/// Validates and rewrites `req` for `tenant` under `limits` at wall time now_ns.
prepared prepare(push::push_request& req, std::string_view tenant,
                 const config::limits_config& limits, int64_t now_ns);

/// Loki's grouping of validation messages: one distinct message seen once is
/// returned as is; otherwise "<n> errors like: <msg>" per distinct message,
/// joined by "; " (in first-seen order).
class error_grouper {
public:
  void add(std::string msg);
  bool empty() const noexcept { return order_.empty(); }
  std::string text() const;

private:
  std::vector<std::string> order_;
  std::map<std::string, size_t, std::less<>> counts_;
};

/// 429 text of the tenant ingestion rate limit (Loki 3.6+/HEAD wording).
std::string rate_limit_error(std::string_view tenant, uint64_t limit_bytes_per_sec, uint64_t lines,
                             uint64_t bytes);

/// 422 text for a request without streams.
inline constexpr std::string_view no_streams_error =
  "error at least one valid stream is required for ingestion";

/// Loki's reason labels used here.
namespace reason {
inline constexpr std::string_view missing_labels = "missing_labels";
inline constexpr std::string_view max_label_names = "max_label_names_per_series";
inline constexpr std::string_view label_name_too_long = "label_name_too_long";
inline constexpr std::string_view label_value_too_long = "label_value_too_long";
inline constexpr std::string_view duplicate_label_names = "duplicate_label_names";
inline constexpr std::string_view too_old = "greater_than_max_sample_age";
inline constexpr std::string_view too_new = "too_far_in_future";
inline constexpr std::string_view line_too_long = "line_too_long";
inline constexpr std::string_view sm_disallowed = "disallowed_structured_metadata";
inline constexpr std::string_view sm_too_large = "structured_metadata_too_large";
inline constexpr std::string_view sm_too_many = "structured_metadata_too_many";
inline constexpr std::string_view rate_limited = "rate_limited";
inline constexpr std::string_view body_too_large = "request_body_too_large";
} // namespace reason

} // namespace skald::distributor
