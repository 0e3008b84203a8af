// validate() of every config struct. Messages are "<key>: <problem>"; parents
// prefix their section with within(), so the root reports the full key path,
// e.g. "ingester.lifecycler.num_tokens: must be greater than 0".
#include <cctype>

#include <fmt/format.h>

#include "runtime/config/root_config.hpp"

namespace skald::config {

namespace {

status bad(std::string_view key, std::string_view problem) {
  return status{errc::invalid_argument, fmt::format("{}: {}", key, problem)};
}

template <class T>
status positive(std::string_view key, const T& v) {
  if (v > T{0})
    return {};
  return bad(key, "must be greater than 0");
}

status check_port(std::string_view key, int v) {
  if (v >= 0 && v <= 65535)
    return {};
  return bad(key, fmt::format("{} is not a port number (0-65535)", v));
}

template <class T>
status non_negative(std::string_view key, const T& v) {
  if (v >= T{0})
    return {};
  return bad(key, "must not be negative");
}

// First failure wins; write `SKALD_CHECK(expr)` for each check.
#define SKALD_CHECK(expr)                                                                          \
  do {                                                                                             \
    if (auto st_ = (expr); !st_.ok())                                                              \
      return st_;                                                                                  \
  } while (false)

bool is_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i])))
      return false;
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

} // namespace

status server_config::validate() const {
  SKALD_CHECK(check_port("http_listen_port", http_listen_port));
  SKALD_CHECK(check_port("grpc_listen_port", grpc_listen_port));
  if (log_level != "debug" && log_level != "info" && log_level != "warn" && log_level != "error")
    return bad("log_level", fmt::format("unknown level \"{}\" (debug, info, warn, error)", log_level));
  if (log_format != "logfmt" && log_format != "json")
    return bad("log_format", fmt::format("unknown format \"{}\" (logfmt, json)", log_format));
  SKALD_CHECK(non_negative("http_server_read_timeout", http_server_read_timeout));
  SKALD_CHECK(non_negative("http_server_write_timeout", http_server_write_timeout));
  SKALD_CHECK(non_negative("http_server_idle_timeout", http_server_idle_timeout));
  SKALD_CHECK(positive("http_server_max_request_body_size", http_server_max_request_body_size.bytes));
  SKALD_CHECK(non_negative("graceful_shutdown_timeout", graceful_shutdown_timeout));
  return {};
}

status kvstore_config::validate() const {
  if (store != "memberlist" && store != "inmemory")
    return bad("store", fmt::format("unknown store \"{}\" (memberlist, inmemory)", store));
  return {};
}

status common_ring_config::validate() const { return within("kvstore", kvstore.validate()); }

status common_filesystem_config::validate() const { return {}; }

status common_storage_config::validate() const { return within("filesystem", filesystem.validate()); }

status common_config::validate() const {
  if (replication_factor < 1)
    return bad("replication_factor", "must be at least 1");
  SKALD_CHECK(within("ring", ring.validate()));
  SKALD_CHECK(within("storage", storage.validate()));
  return {};
}

status distributor_ring_config::validate() const {
  SKALD_CHECK(positive("heartbeat_period", heartbeat_period));
  SKALD_CHECK(non_negative("heartbeat_timeout", heartbeat_timeout));
  SKALD_CHECK(within("kvstore", kvstore.validate()));
  SKALD_CHECK(check_port("instance_port", instance_port));
  return {};
}

status distributor_config::validate() const {
  SKALD_CHECK(within("ring", ring.validate()));
  SKALD_CHECK(positive("push_worker_count", push_worker_count));
  SKALD_CHECK(positive("max_decompressed_size", max_decompressed_size.bytes));
  return {};
}

status ingester_client_config::validate() const {
  return positive("remote_timeout", remote_timeout);
}

status wal_config::validate() const {
  if (enabled && dir.empty())
    return bad("dir", "must be set when the WAL is enabled");
  SKALD_CHECK(positive("checkpoint_duration", checkpoint_duration));
  if (disk_full_threshold < 0 || disk_full_threshold > 1)
    return bad("disk_full_threshold", "must be between 0 and 1");
  SKALD_CHECK(positive("segment_size", segment_size.bytes));
  if (fsync == "batch")
    SKALD_CHECK(positive("fsync_interval", fsync_interval));
  if (writer_nice < -20 || writer_nice > 19)
    return bad("writer_nice", "must be between -20 and 19");
  if (ring_size.bytes != 0 && ring_size.bytes < (uint64_t{1} << 20))
    return bad("ring_size", "must be 0 or at least 1MiB");
  return {};
}

status ingester_ring_config::validate() const {
  SKALD_CHECK(within("kvstore", kvstore.validate()));
  SKALD_CHECK(non_negative("heartbeat_timeout", heartbeat_timeout));
  if (replication_factor < 1)
    return bad("replication_factor", "must be at least 1");
  return {};
}

status lifecycler_config::validate() const {
  SKALD_CHECK(within("ring", ring.validate()));
  SKALD_CHECK(positive("num_tokens", num_tokens));
  SKALD_CHECK(positive("heartbeat_period", heartbeat_period));
  SKALD_CHECK(non_negative("join_after", join_after));
  SKALD_CHECK(non_negative("observe_period", observe_period));
  SKALD_CHECK(non_negative("min_ready_duration", min_ready_duration));
  SKALD_CHECK(non_negative("final_sleep", final_sleep));
  SKALD_CHECK(check_port("port", port));
  return {};
}

status backoff_config::validate() const {
  SKALD_CHECK(non_negative("min_period", min_period));
  if (min_period > max_period)
    return bad("min_period", "must not exceed max_period");
  SKALD_CHECK(non_negative("max_retries", max_retries));
  return {};
}

status ingester_config::validate() const {
  SKALD_CHECK(within("lifecycler", lifecycler.validate()));
  SKALD_CHECK(positive("concurrent_flushes", concurrent_flushes));
  SKALD_CHECK(positive("flush_check_period", flush_check_period));
  SKALD_CHECK(positive("flush_op_timeout", flush_op_timeout));
  SKALD_CHECK(within("flush_op_backoff", flush_op_backoff.validate()));
  SKALD_CHECK(positive("chunk_idle_period", chunk_idle_period));
  SKALD_CHECK(positive("chunk_block_size", chunk_block_size));
  SKALD_CHECK(positive("chunk_target_size", chunk_target_size));
  SKALD_CHECK(positive("max_chunk_age", max_chunk_age));
  if (sync_min_utilization < 0 || sync_min_utilization > 1)
    return bad("sync_min_utilization", "must be between 0 and 1");
  SKALD_CHECK(positive("index_shards", index_shards));
  SKALD_CHECK(within("wal", wal.validate()));
  return {};
}

status limits_config::validate() const {
  SKALD_CHECK(non_negative("ingestion_rate_mb", ingestion_rate_mb));
  SKALD_CHECK(non_negative("ingestion_burst_size_mb", ingestion_burst_size_mb));
  SKALD_CHECK(positive("max_label_name_length", max_label_name_length));
  SKALD_CHECK(positive("max_label_value_length", max_label_value_length));
  SKALD_CHECK(positive("max_label_names_per_series", max_label_names_per_series));
  SKALD_CHECK(non_negative("max_streams_per_user", max_streams_per_user));
  SKALD_CHECK(non_negative("max_global_streams_per_user", max_global_streams_per_user));
  SKALD_CHECK(non_negative("max_structured_metadata_entries_count",
                           max_structured_metadata_entries_count));
  SKALD_CHECK(positive("max_entries_limit_per_query", max_entries_limit_per_query));
  SKALD_CHECK(non_negative("max_query_series", max_query_series));
  SKALD_CHECK(non_negative("max_query_parallelism", max_query_parallelism));
  SKALD_CHECK(positive("query_timeout", query_timeout));
  SKALD_CHECK(non_negative("max_concurrent_tail_requests", max_concurrent_tail_requests));
  return {};
}

status memberlist_config::validate() const {
  SKALD_CHECK(check_port("bind_port", bind_port));
  SKALD_CHECK(check_port("advertise_port", advertise_port));
  SKALD_CHECK(positive("gossip_interval", gossip_interval));
  SKALD_CHECK(positive("gossip_nodes", gossip_nodes));
  SKALD_CHECK(positive("pull_push_interval", pull_push_interval));
  SKALD_CHECK(positive("left_ingesters_timeout", left_ingesters_timeout));
  SKALD_CHECK(non_negative("max_join_retries", max_join_retries));
  return {};
}

status filesystem_config::validate() const {
  if (directory.empty())
    return bad("directory", "must be set");
  return {};
}

status storage_config::validate() const { return within("filesystem", filesystem.validate()); }

status period_index_config::validate() const { return positive("period", period); }

status period_config::validate() const {
  if (!is_date(from))
    return bad("from", fmt::format("\"{}\" is not a date (YYYY-MM-DD)", from));
  SKALD_CHECK(within("index", index.validate()));
  return {};
}

status schema_config::validate() const {
  for (size_t i = 0; i < configs.size(); ++i) {
    SKALD_CHECK(within(fmt::format("configs[{}]", i), configs[i].validate()));
    if (i > 0 && configs[i].from <= configs[i - 1].from)
      return bad(fmt::format("configs[{}].from", i),
                 fmt::format("\"{}\" must be after the previous period's \"{}\"", configs[i].from,
                             configs[i - 1].from));
  }
  return {};
}

status engine_config::validate() const {
  return non_negative("max_look_back_period", max_look_back_period);
}

status querier_config::validate() const {
  SKALD_CHECK(within("engine", engine.validate()));
  SKALD_CHECK(non_negative("query_ingesters_within", query_ingesters_within));
  SKALD_CHECK(positive("max_concurrent", max_concurrent));
  SKALD_CHECK(positive("tail_max_duration", tail_max_duration));
  return {};
}

status query_range_config::validate() const {
  return non_negative("max_retries", max_retries);
}

status frontend_config::validate() const {
  return positive("max_outstanding_per_tenant", max_outstanding_per_tenant);
}

status runtime_config_config::validate() const {
  return positive("period", period);
}

status admin_config::validate() const { return {}; }

status analytics_config::validate() const { return {}; }

std::vector<std::string> root_config::targets() const {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= target.size()) {
    size_t comma = target.find(',', start);
    if (comma == std::string::npos)
      comma = target.size();
    std::string_view item{target.data() + start, comma - start};
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (!item.empty())
      out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

bool root_config::runs(std::string_view module) const {
  for (const auto& t : targets())
    if (t == "all" || t == module)
      return true;
  return false;
}

status root_config::validate() const {
  auto ts = targets();
  if (ts.empty())
    return bad("target", "must name at least one module (all, distributor, ingester, querier, "
                         "query-frontend)");
  for (const auto& t : ts) {
    bool known = false;
    for (auto k : known_targets)
      known = known || k == t;
    if (!known)
      return bad("target", fmt::format("unrecognised module name \"{}\" (all, distributor, "
                                       "ingester, querier, query-frontend)",
                                       t));
  }
  SKALD_CHECK(within("server", server.validate()));
  SKALD_CHECK(within("common", common.validate()));
  SKALD_CHECK(within("distributor", distributor.validate()));
  SKALD_CHECK(within("ingester_client", ingester_client.validate()));
  SKALD_CHECK(within("ingester", ingester.validate()));
  SKALD_CHECK(within("querier", querier.validate()));
  SKALD_CHECK(within("query_range", query_range.validate()));
  SKALD_CHECK(within("frontend", frontend.validate()));
  SKALD_CHECK(within("limits_config", limits.validate()));
  SKALD_CHECK(within("memberlist", memberlist.validate()));
  SKALD_CHECK(within("storage_config", storage.validate()));
  SKALD_CHECK(within("schema_config", schema.validate()));
  SKALD_CHECK(within("runtime_config", runtime_config.validate()));
  SKALD_CHECK(within("admin", admin.validate()));
  SKALD_CHECK(within("analytics", analytics.validate()));
  return {};
}

} // namespace skald::config
