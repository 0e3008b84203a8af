// runtime/config/common_config.hpp — the `common:` block and the ring/KV
// settings shared by several components.
//
// Read by the loader (path_prefix resolution), actors/ring (kvstore, instance
// address) and every component that replicates (replication_factor). Loki 3.x
// keys and defaults; Loki's default replication factor is 3, single-node
// configs set 1.
#pragma once

#include <chrono>
#include <string>

#include "runtime/config/binder.hpp"

namespace skald::config {

/// `kvstore:` — where ring state lives.
struct kvstore_config {
  std::string store;

  kvstore_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.field(store, "store", "memberlist",
            "Backend for ring state: memberlist (gossip between nodes) or inmemory (single node). "
            "Loki's default is consul, which skald does not support.",
            opts().one_of({"memberlist", "inmemory"}));
  }

  status validate() const;
};

/// `common.ring:`
struct common_ring_config {
  kvstore_config kvstore;

  common_ring_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.section(kvstore, "kvstore", "Ring key-value store.");
  }

  status validate() const;
};

/// `common.storage.filesystem:` — Loki's shorthand for the filesystem store.
struct common_filesystem_config {
  std::string chunks_directory;
  std::string rules_directory;

  common_filesystem_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.field(chunks_directory, "chunks_directory", "",
            "When set and storage_config.filesystem.directory is left at its default, chunks "
            "go here.");
    b.field(rules_directory, "rules_directory", "",
            "Accepted for compatibility with Loki configs; skald has no ruler.");
  }

  status validate() const;
};

/// `common.storage:`
struct common_storage_config {
  common_filesystem_config filesystem;

  common_storage_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.section(filesystem, "filesystem", "Filesystem object store shorthand.");
  }

  status validate() const;
};

struct common_config {
  std::string path_prefix;
  int replication_factor = 0;
  std::string instance_addr;
  common_ring_config ring;
  common_storage_config storage;

  common_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.field(path_prefix, "path_prefix", "",
            "Directory under which relative default paths (ingester.wal.dir, "
            "storage_config.filesystem.directory) are placed.");
    b.field(replication_factor, "replication_factor", 3,
            "How many ingesters receive each stream. Used as the ingester ring's replication "
            "factor when it is not set there.");
    b.field(instance_addr, "instance_addr", "",
            "Address this node advertises in the ring; empty picks the first non-loopback "
            "interface address.");
    b.section(ring, "ring", "Ring settings shared by all rings.");
    b.section(storage, "storage", "Storage settings shared by all components.");
  }

  status validate() const;
};

} // namespace skald::config
