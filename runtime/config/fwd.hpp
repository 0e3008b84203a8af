// runtime/config/fwd.hpp — forward declarations of the config structs, for
// headers that only pass configs by reference (G15). Include the struct's own
// header (e.g. runtime/config/ingester_config.hpp) to read fields.
#pragma once

namespace skald::config {

struct field_opts;
struct defaults_binder;

struct server_config;
struct kvstore_config;
struct common_ring_config;
struct common_filesystem_config;
struct common_storage_config;
struct common_config;
struct distributor_ring_config;
struct distributor_config;
struct ingester_client_config;
struct ingester_ring_config;
struct lifecycler_config;
struct backoff_config;
struct wal_config;
struct ingester_config;
struct limits_config;
struct memberlist_config;
struct filesystem_config;
struct storage_config;
struct period_index_config;
struct period_config;
struct schema_config;
struct engine_config;
struct querier_config;
struct query_range_config;
struct frontend_config;
struct runtime_config_config;
struct admin_config;
struct analytics_config;
struct root_config;

struct load_outcome;
struct flag_entry;
struct builtin_flags;

} // namespace skald::config
