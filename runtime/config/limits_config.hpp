// runtime/config/limits_config.hpp — the `limits_config:` block: per-tenant
// limits (the defaults every tenant gets; runtime_config.file may override them
// per tenant later).
//
// Read by runtime/validation (make_context), the distributor (rate limits),
// the ingester (stream limits, per-stream rate) and the querier (query limits).
// Loki 3.x keys and defaults (write-path spec §3.2–3.4, §5.2, Appendix A;
// read-path spec §1.3, §4.2–4.6).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/config/binder.hpp"

namespace skald::config {

struct limits_config {
  std::string ingestion_rate_strategy;
  double ingestion_rate_mb = 0;
  double ingestion_burst_size_mb = 0;
  int max_label_name_length = 0;
  int max_label_value_length = 0;
  int max_label_names_per_series = 0;
  bool reject_old_samples = false;
  std::chrono::nanoseconds reject_old_samples_max_age{0};
  std::chrono::nanoseconds creation_grace_period{0};
  byte_size max_line_size;
  bool max_line_size_truncate = false;
  bool increment_duplicate_timestamp = false;
  std::vector<std::string> discover_service_name;
  bool discover_log_levels = false;
  int max_streams_per_user = 0;
  int max_global_streams_per_user = 0;
  byte_size per_stream_rate_limit;
  byte_size per_stream_rate_limit_burst;
  bool unordered_writes = false;
  bool allow_structured_metadata = false;
  byte_size max_structured_metadata_size;
  int max_structured_metadata_entries_count = 0;
  int max_entries_limit_per_query = 0;
  int max_query_series = 0;
  std::chrono::nanoseconds max_query_length{0};
  std::chrono::nanoseconds max_query_range{0};
  std::chrono::nanoseconds max_query_lookback{0};
  int max_query_parallelism = 0;
  std::chrono::nanoseconds query_timeout{0};
  std::chrono::nanoseconds split_queries_by_interval{0};
  int max_concurrent_tail_requests = 0;
  std::chrono::nanoseconds max_cache_freshness_per_query{0};

  limits_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(ingestion_rate_strategy, "ingestion_rate_strategy", "global",
            "local: each distributor enforces the full rate; global: the rate is divided by the "
            "number of healthy distributors.",
            opts().one_of({"global", "local"}));
    b.field(ingestion_rate_mb, "ingestion_rate_mb", 4.0,
            "Per-tenant ingestion rate in MB/s (MB = 2^20 bytes).");
    b.field(ingestion_burst_size_mb, "ingestion_burst_size_mb", 6.0,
            "Per-tenant ingestion burst in MB (not divided among distributors).");
    b.field(max_label_name_length, "max_label_name_length", 1024, "Longest label name accepted.");
    b.field(max_label_value_length, "max_label_value_length", 2048, "Longest label value accepted.");
    b.field(max_label_names_per_series, "max_label_names_per_series", 15,
            "Most label names per stream (service_name is not counted). Loki 2.x: 30.");
    b.field(reject_old_samples, "reject_old_samples", true,
            "Reject entries older than reject_old_samples_max_age.");
    b.field(reject_old_samples_max_age, "reject_old_samples_max_age", 168h,
            "Oldest accepted entry age when reject_old_samples is on.");
    b.field(creation_grace_period, "creation_grace_period", 10min,
            "How far in the future an entry timestamp may be.");
    b.field(max_line_size, "max_line_size", kib(256),
            "Longest accepted line in bytes; 0 disables the check. Loki 2.x: 0.");
    b.field(max_line_size_truncate, "max_line_size_truncate", false,
            "Truncate lines longer than max_line_size instead of rejecting them.");
    b.field(increment_duplicate_timestamp, "increment_duplicate_timestamp", false,
            "Within one pushed stream, give an entry with the previous entry's timestamp but a "
            "different line that timestamp + 1ns.");
    b.field(discover_service_name, "discover_service_name",
            std::vector<std::string>{"service", "app", "application", "app_name", "name",
                                     "app_kubernetes_io_name", "container", "container_name",
                                     "k8s_container_name", "component", "workload", "job",
                                     "k8s_job_name"},
            "Labels whose value becomes service_name when a stream has none (first present wins, "
            "else unknown_service); an empty list disables it.");
    b.field(discover_log_levels, "discover_log_levels", true,
            "Add a detected_level structured metadata entry from the line's level."
            " Accepted for compatibility; not implemented by skald.");
    b.field(max_streams_per_user, "max_streams_per_user", 0,
            "Active streams per tenant per ingester; 0 disables this local limit.");
    b.field(max_global_streams_per_user, "max_global_streams_per_user", 5000,
            "Active streams per tenant across the cluster; 0 disables it.");
    b.field(per_stream_rate_limit, "per_stream_rate_limit", mib(3),
            "Bytes per second one stream may ingest.");
    b.field(per_stream_rate_limit_burst, "per_stream_rate_limit_burst", mib(15),
            "Burst in bytes of the per-stream rate limit.");
    b.field(unordered_writes, "unordered_writes", true,
            "Accept out-of-order entries within the max_chunk_age/2 window (deprecated in Loki; "
            "false gives the old strictly ordered mode)."
            " Accepted for compatibility; skald always accepts unordered writes.");
    b.field(allow_structured_metadata, "allow_structured_metadata", true,
            "Accept structured metadata on entries. Loki 2.x: false.");
    b.field(max_structured_metadata_size, "max_structured_metadata_size", kib(64),
            "Largest structured metadata per entry.");
    b.field(max_structured_metadata_entries_count, "max_structured_metadata_entries_count", 128,
            "Most structured metadata entries per entry.");
    b.field(max_entries_limit_per_query, "max_entries_limit_per_query", 5000,
            "Largest `limit` of a log query.");
    b.field(max_query_series, "max_query_series", 500,
            "Most series a metric query or series request may return.");
    b.field(max_query_length, "max_query_length", 721h,
            "Longest query time range (30d1h); 0 disables the check.");
    b.field(max_query_range, "max_query_range", 0s,
            "Largest [range] in a range aggregation; 0 disables the check."
            " Accepted for compatibility; not implemented by skald.");
    b.field(max_query_lookback, "max_query_lookback", 0s,
            "Queries cannot reach further back than this; 0 disables it."
            " Accepted for compatibility; not implemented by skald.");
    b.field(max_query_parallelism, "max_query_parallelism", 32,
            "Most sub-queries of one query scheduled at once; 0 disables querying."
            " Accepted for compatibility; skald does not split queries.");
    b.field(query_timeout, "query_timeout", 1min, "Timeout of one query.");
    b.field(split_queries_by_interval, "split_queries_by_interval", 1h,
            "Split queries into sub-queries of this length; 0 disables splitting."
            " Accepted for compatibility; skald does not split queries.");
    b.field(max_concurrent_tail_requests, "max_concurrent_tail_requests", 10,
            "Most concurrent tail (live) requests per tenant.");
    b.field(max_cache_freshness_per_query, "max_cache_freshness_per_query", 10min,
            "Results newer than this are not cached."
            " Accepted for compatibility; skald has no results cache.");
    b.ignored("metric_aggregation_enabled", "skald has no pattern ingester.");
    b.ignored("retention_period", "skald has no compactor; chunks are kept.");
    b.ignored("volume_enabled", "the volume endpoints are not implemented yet.");
    b.ignored("allow_deletes", "skald has no compactor; deletes are not supported.");
  }

  status validate() const;
};

} // namespace skald::config
