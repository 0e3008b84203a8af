// runtime/limits/overrides.hpp — per-tenant limits: limits_config defaults
// plus the runtime overrides file (runtime_config.file, Loki's
// `overrides:` map), re-read every runtime_config.period.
//
// File format (Loki's runtime config):
//   overrides:
//     tenant-a:
//       ingestion_rate_mb: 10
//       max_streams_per_user: 100
//     "tenant-b": {max_line_size: 1KB}
// Keys are limits_config keys; a tenant's missing keys take the defaults.
// Parsing is runtime/config's parse_overrides. Unknown keys, bad values or a
// non-map document are errors: reload() then keeps the previous snapshot and
// returns the error (the caller logs it).
//
// Owner: the node's distributor/ingester modules share one overrides object
// (std::shared_ptr); the reloading actor calls reload(). Threading: snapshot()
// and for_tenant() are safe from any thread; the hot path reads version()
// (one relaxed atomic load) and re-reads the snapshot only when it changed.
//
// Invariant: every snapshot is complete and immutable (shared_ptr<const>).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "runtime/config/limits_config.hpp"
#include "runtime/util/status.hpp"

namespace skald::limits {

struct snapshot {
  config::limits_config defaults;
  std::map<std::string, config::limits_config, std::less<>> tenants;

  /// The tenant's limits (its overrides, else the defaults).
  const config::limits_config& for_tenant(std::string_view tenant) const;
};

class overrides {
public:
  explicit overrides(config::limits_config defaults, std::string file = {});

  std::shared_ptr<const snapshot> current() const;

  /// Bumped on every successful reload that changed something.
  uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }

  /// Re-reads the file (no-op without one). On error the old snapshot stays.
  status reload();

  /// Replaces the per-tenant map directly (tests).
  void set(std::map<std::string, config::limits_config, std::less<>> tenants);

  const std::string& file() const noexcept { return file_; }

private:
  config::limits_config defaults_;
  std::string file_;
  std::string last_text_;
  mutable std::mutex mtx_;
  std::shared_ptr<const snapshot> current_;
  std::atomic<uint64_t> version_{1};
};

} // namespace skald::limits
