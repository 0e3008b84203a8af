// runtime/validation/limits.hpp — the per-tenant limits the distributor validates with.
//
// Its own small struct on purpose: the config layer (limits_config, per-tenant
// overrides) fills one of these per tenant; validation code depends on nothing
// else. Defaults are Loki 3.x/HEAD's (spec §3.2-3.4, Appendix A).
//
// Owner: the distributor keeps one per tenant (from the overrides snapshot);
// make_context() copies it into each request's validation_context.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace skald::validation {

struct validation_limits {
  // ---- labels (spec §3.2) ----
  size_t max_label_name_length = 1024;
  size_t max_label_value_length = 2048;
  /// 15 in 3.x (30 in 2.x); a service_name label does not count.
  size_t max_label_names_per_series = 15;
  /// Label names every stream must have (empty = none).
  std::vector<std::string> enforced_labels;

  // ---- entries (spec §3.3) ----
  bool reject_old_samples = true;
  std::chrono::nanoseconds reject_old_samples_max_age = std::chrono::hours{168};
  std::chrono::nanoseconds creation_grace_period = std::chrono::minutes{10};
  /// Bytes; 0 = unlimited. 256KB (Loki flagext.ByteSize: 256 * 1024).
  size_t max_line_size = 256 * 1024;
  bool max_line_size_truncate = false;
  std::string max_line_size_truncate_identifier;
  bool increment_duplicate_timestamp = false;
  bool allow_structured_metadata = true;
  /// Bytes; 0 = unlimited. 64KB.
  size_t max_structured_metadata_size = 64 * 1024;
  /// 0 = unlimited.
  size_t max_structured_metadata_entries_count = 128;

  // ---- tenant ingestion rate (spec §3.4), see rate_limiter.hpp ----
  double ingestion_rate_mb = 4;
  double ingestion_burst_size_mb = 6;
};

} // namespace skald::validation
