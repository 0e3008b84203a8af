// runtime/config/root_config.hpp — the whole configuration of one skald process.
//
// root_config aggregates every component's config struct under Loki's YAML
// names. It is built once by runtime/config/loader.hpp (defaults -> YAML ->
// flags -> derived values -> validate) and then handed, read-only, to
// runtime/system, which gives each module its own section by value.
//
// Invariants: a default-constructed root_config holds the declared defaults;
// a root_config returned by load() has passed validate() and has its paths
// resolved against common.path_prefix.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/config/binder.hpp"
#include "runtime/config/common_config.hpp"
#include "runtime/config/distributor_config.hpp"
#include "runtime/config/ingester_config.hpp"
#include "runtime/config/limits_config.hpp"
#include "runtime/config/memberlist_config.hpp"
#include "runtime/config/querier_config.hpp"
#include "runtime/config/server_config.hpp"
#include "runtime/config/storage_config.hpp"

namespace skald::config {

/// `runtime_config:` — a file re-read periodically (per-tenant overrides).
struct runtime_config_config {
  std::string file;
  std::chrono::nanoseconds period{0};

  runtime_config_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(file, "file", "", "YAML file with per-tenant overrides; empty disables it.");
    b.field(period, "period", 10s, "How often the file is re-read.");
  }

  status validate() const;
};

/// `admin:` — skald's admin console.
struct admin_config {
  bool enable_actions = false;

  admin_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.field(enable_actions, "enable_actions", false,
            "skald only: allow state-changing admin actions (flush, forget ring member, log "
            "level) from the admin console and skaldctl.");
  }

  status validate() const;
};

/// `analytics:` — accepted because Loki configs often carry it; skald never reports.
struct analytics_config {
  bool reporting_enabled = false;

  analytics_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.field(reporting_enabled, "reporting_enabled", false,
            "Accepted for compatibility; skald sends no usage reports.");
  }

  status validate() const;
};

/// The modules `target` may name.
inline constexpr std::string_view known_targets[] = {"all", "distributor", "ingester", "querier",
                                                     "query-frontend"};

struct root_config {
  std::string target;
  bool auth_enabled = false;
  server_config server;
  common_config common;
  distributor_config distributor;
  ingester_client_config ingester_client;
  ingester_config ingester;
  querier_config querier;
  query_range_config query_range;
  frontend_config frontend;
  limits_config limits;
  memberlist_config memberlist;
  storage_config storage;
  schema_config schema;
  runtime_config_config runtime_config;
  admin_config admin;
  analytics_config analytics;

  root_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.field(target, "target", "all",
            "Comma-separated modules to run: all, distributor, ingester, querier, query-frontend.",
            opts().flag("target"));
    b.field(auth_enabled, "auth_enabled", true,
            "Require X-Scope-OrgID on every request; when false every request is tenant `fake`.",
            opts().flag("auth.enabled"));
    b.section(server, "server", "HTTP server and logging.");
    b.section(common, "common", "Settings shared by several components.");
    b.section(distributor, "distributor", "Distributor.");
    b.section(ingester_client, "ingester_client", "Calls from distributors and queriers to ingesters.");
    b.section(ingester, "ingester", "Ingester.");
    b.section(querier, "querier", "Querier.");
    b.section(query_range, "query_range", "Query splitting, sharding and retries.");
    b.section(frontend, "frontend", "Query frontend queueing.");
    b.section(limits, "limits_config", "Per-tenant limits (defaults for every tenant).");
    b.section(memberlist, "memberlist", "Gossip of ring state.");
    b.section(storage, "storage_config", "Chunk storage.");
    b.section(schema, "schema_config", "Schema periods.");
    b.section(runtime_config, "runtime_config", "Runtime overrides file.");
    b.section(admin, "admin", "Admin console.");
    b.section(analytics, "analytics", "Usage reporting (accepted, ignored).");
    // Loki blocks for components skald does not have; accepted so Loki configs load.
    b.ignored("ruler", "skald has no ruler.");
    b.ignored("compactor", "skald has no compactor (no retention or deletes yet).");
    b.ignored("pattern_ingester", "skald has no pattern ingester.");
    b.ignored("query_scheduler", "skald queues queries in the frontend.");
    b.ignored("index_gateway", "skald has no index gateway.");
    b.ignored("table_manager", "skald has no table manager.");
    b.ignored("chunk_store_config", "skald has no chunk caches.");
    b.ignored("bloom_build", "skald has no bloom filters.");
    b.ignored("bloom_gateway", "skald has no bloom filters.");
    b.ignored("tracing", "skald has no tracing.");
  }

  /// The modules in `target`, split and trimmed ("all" stays "all").
  std::vector<std::string> targets() const;

  /// True when this process runs `module` ("ingester", ...), directly or via "all".
  bool runs(std::string_view module) const;

  status validate() const;
};

} // namespace skald::config
