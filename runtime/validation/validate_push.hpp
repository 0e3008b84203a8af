// runtime/validation/validate_push.hpp — the distributor's validation pass over
// one decoded push, as one pure function (spec §3.1 steps 1-2 and 4, §3.2,
// §3.3, §3.6).
//
// Per stream, in Loki's order: streams with zero entries are skipped silently;
// over-long lines are truncated (max_line_size_truncate); labels are
// validated (a failure discards the whole stream: one error, all its entries
// counted under the reason); enforced labels; then every entry is validated
// (a failure discards that entry); accepted entries get their structured
// metadata sanitised and, with increment_duplicate_timestamp, Loki's +1ns
// treatment. Streams left without entries are dropped.
//
// The caller (distributor actor) then:
//   * if result.request.streams is empty and result.error is empty and the
//     decoded request had no streams at all -> 422 missing_streams_message;
//   * rate-limits result.valid_bytes (tenant_rate_limiter) -> 429 on refusal;
//   * sends result.request to the ingesters; answers 400 result.error if it is
//     non-empty (after the writes, partial success), else 204.
//
// Lifetime: the returned request shares the input's storage; truncated lines
// with an identifier and sanitised metadata sets live in
// result.request.extra_storage.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/push/push_request.hpp"
#include "runtime/validation/validator.hpp"

namespace skald::validation {

/// Discarded entries and bytes (entry_size) for one reason — metric input.
struct discard_count {
  std::string_view reason;
  size_t entries = 0;
  size_t bytes = 0;
};

struct validated_push {
  /// Valid streams with their valid entries only.
  push::push_request request;
  /// error_collector::combined() of all rejections; empty = none.
  std::string error;
  /// Σ entry_size / count of the accepted entries: what the rate limiter takes.
  size_t valid_bytes = 0;
  size_t valid_lines = 0;
  /// Per reason, in first-seen order.
  std::vector<discard_count> discarded;
  /// loki_mutated_samples_total{reason="line_too_long"} / mutated bytes.
  size_t truncated_lines = 0;
  size_t truncated_bytes = 0;
  /// Structured metadata sanitizations (names normalised, invalid UTF-8
  /// replaced), see sanitize_structured_metadata.
  size_t sanitized_metadata = 0;
};

validated_push validate_push(const validation_context& ctx, push::push_request req);

} // namespace skald::validation
