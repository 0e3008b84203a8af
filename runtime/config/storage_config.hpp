// runtime/config/storage_config.hpp — the `storage_config:` and
// `schema_config:` blocks: where chunks go and which schema periods exist.
//
// Read by actors/store and runtime/storage (chunk directory) and the chunk
// format choice (schema periods, write-path spec §5.5, §7). schema_config is a
// list of periods as in every Loki config; skald reads `from` and `schema` and
// accepts the rest for compatibility.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runtime/config/binder.hpp"

namespace skald::config {

/// `storage_config.filesystem:`
struct filesystem_config {
  std::string directory;

  filesystem_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.field(directory, "directory", "chunks",
            "Directory of the filesystem object store. The default (relative `chunks`) is placed "
            "under common.path_prefix.");
  }

  status validate() const;
};

struct storage_config {
  filesystem_config filesystem;

  storage_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.section(filesystem, "filesystem", "Filesystem object store (the embedded default).");
    b.ignored("tsdb_shipper", "skald keeps its own index next to the chunks.");
    b.ignored("boltdb_shipper", "skald keeps its own index next to the chunks.");
  }

  status validate() const;
};

/// `schema_config.configs[].index:`
struct period_index_config {
  std::string prefix;
  std::chrono::nanoseconds period{0};

  period_index_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(prefix, "prefix", "index_", "Prefix of index table names.");
    b.field(period, "period", 24h, "Length of one index table; Loki requires 24h for tsdb.");
  }

  status validate() const;
};

/// One entry of `schema_config.configs`.
struct period_config {
  std::string from;
  std::string store;
  std::string object_store;
  std::string schema;
  period_index_config index;

  period_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.field(from, "from", "", "First day (YYYY-MM-DD, UTC) this period applies to.");
    b.field(store, "store", "tsdb", "Index type; skald keeps its own index and accepts any value.");
    b.field(object_store, "object_store", "filesystem", "Object store; skald supports filesystem.");
    b.field(schema, "schema", "v13",
            "Schema version: v13 writes chunk format v4 (structured metadata), v12 and older v3.",
            opts().one_of({"v9", "v10", "v11", "v12", "v13"}));
    b.section(index, "index", "Index tables.");
  }

  status validate() const;
};

struct schema_config {
  std::vector<period_config> configs;

  schema_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.list(configs, "configs", "Schema periods, ordered by `from`.");
  }

  status validate() const;
};

} // namespace skald::config
