// runtime/validation/reasons.hpp — discarded-sample reasons (spec §3.7, G6).
//
// Each constant is both the `reason` label of loki_discarded_samples_total /
// loki_discarded_bytes_total and what tests compare against. Stable: never
// rename (dashboards and alerts key on them).
#pragma once

#include <string_view>

namespace skald::validation::reason {

inline constexpr std::string_view invalid_labels = "invalid_labels";
inline constexpr std::string_view missing_labels = "missing_labels";
inline constexpr std::string_view max_label_names_per_series = "max_label_names_per_series";
inline constexpr std::string_view label_name_too_long = "label_name_too_long";
inline constexpr std::string_view label_value_too_long = "label_value_too_long";
inline constexpr std::string_view duplicate_label_names = "duplicate_label_names";
inline constexpr std::string_view greater_than_max_sample_age = "greater_than_max_sample_age";
inline constexpr std::string_view too_far_in_future = "too_far_in_future";
inline constexpr std::string_view line_too_long = "line_too_long";
inline constexpr std::string_view disallowed_structured_metadata = "disallowed_structured_metadata";
inline constexpr std::string_view structured_metadata_too_large = "structured_metadata_too_large";
inline constexpr std::string_view structured_metadata_too_many = "structured_metadata_too_many";
inline constexpr std::string_view missing_enforced_labels = "missing_enforced_labels";
inline constexpr std::string_view blocked_ingestion = "blocked_ingestion";
inline constexpr std::string_view rate_limited = "rate_limited";
inline constexpr std::string_view request_body_too_large = "request_body_too_large";
inline constexpr std::string_view stream_limit = "stream_limit";
inline constexpr std::string_view per_stream_rate_limit = "per_stream_rate_limit";
inline constexpr std::string_view too_far_behind = "too_far_behind";

} // namespace skald::validation::reason
