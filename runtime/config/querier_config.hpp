// runtime/config/querier_config.hpp — the `querier:`, `query_range:` and
// `frontend:` blocks: the read path.
//
// Read by actors/querier and actors/frontend. Loki 3.x keys and defaults
// (read-path spec §3.1, §4).
#pragma once

#include <chrono>

#include "runtime/config/binder.hpp"

namespace skald::config {

/// `querier.engine:`
struct engine_config {
  std::chrono::nanoseconds max_look_back_period{0};

  engine_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(max_look_back_period, "max_look_back_period", 30s,
            "Look-back of instant log queries (skald rejects instant log queries, as Loki 3.x).");
  }

  status validate() const;
};

struct querier_config {
  std::chrono::nanoseconds query_ingesters_within{0};
  int max_concurrent = 0;
  std::chrono::nanoseconds tail_max_duration{0};
  std::chrono::nanoseconds extra_query_delay{0};
  engine_config engine;

  querier_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(query_ingesters_within, "query_ingesters_within", 3h,
            "Only ask ingesters about queries that reach into the last this-long; 0 = always.");
    b.field(max_concurrent, "max_concurrent", 4, "Queries (or sub-queries) one querier runs at once.");
    b.field(tail_max_duration, "tail_max_duration", 1h, "Longest duration of a tail (live) session.");
    b.field(extra_query_delay, "extra_query_delay", 0s,
            "Wait this long before asking more ingesters than needed; 0 disables hedging."
            " Accepted for compatibility; not implemented by skald.");
    b.section(engine, "engine", "LogQL engine.");
  }

  status validate() const;
};

struct query_range_config {
  bool align_queries_with_step = false;
  bool cache_results = false;
  int max_retries = 0;
  bool parallelise_shardable_queries = false;

  query_range_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.field(align_queries_with_step, "align_queries_with_step", false,
            "Round start and end of range queries down to multiples of step."
            " Accepted for compatibility; not implemented by skald.");
    b.field(cache_results, "cache_results", false, "Cache metric query results."
            " Accepted for compatibility; skald has no results cache.");
    b.field(max_retries, "max_retries", 5, "Retries of a failed sub-query."
            " Accepted for compatibility; skald does not split queries.");
    b.field(parallelise_shardable_queries, "parallelise_shardable_queries", true,
            "Shard sum/rate-style queries and merge the parts."
            " Accepted for compatibility; skald does not shard queries.");
    b.ignored("results_cache", "skald has no external results cache.");
  }

  status validate() const;
};

struct frontend_config {
  int max_outstanding_per_tenant = 0;
  std::chrono::nanoseconds log_queries_longer_than{0};

  frontend_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(max_outstanding_per_tenant, "max_outstanding_per_tenant", 2048,
            "Queued queries per tenant before 429 too many outstanding requests.",
            opts().flag("querier.max-outstanding-requests-per-tenant"));
    b.field(log_queries_longer_than, "log_queries_longer_than", 0s,
            "Log queries slower than this; 0 disables it."
            " Accepted for compatibility; not implemented by skald.");
    b.ignored("encoding", "skald's frontend and queriers exchange CAF messages.");
  }

  status validate() const;
};

} // namespace skald::config
