// runtime/config/distributor_config.hpp — the `distributor:` and
// `ingester_client:` blocks.
//
// Read by actors/distributor (ring heartbeats, fan-out, decompression bound,
// ingester call timeout). Loki 3.x keys and defaults (write-path spec §3.8),
// except max_decompressed_size, which is skald's.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/config/binder.hpp"
#include "runtime/config/common_config.hpp"

namespace skald::config {

/// `distributor.ring:` — membership of the distributor ring (global rate
/// limits; runtime/distributor/distributor_ring.hpp). Loki's keys; the
/// instance_* ones are hidden in Loki's reference but accepted there.
struct distributor_ring_config {
  std::chrono::nanoseconds heartbeat_period{0};
  std::chrono::nanoseconds heartbeat_timeout{0};
  kvstore_config kvstore;
  std::string instance_id;
  std::vector<std::string> instance_interface_names;
  int instance_port = 0;
  std::string instance_addr;

  distributor_ring_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(heartbeat_period, "heartbeat_period", 5s,
            "How often a distributor refreshes its ring entry.");
    b.field(heartbeat_timeout, "heartbeat_timeout", 1min,
            "A distributor whose last heartbeat is older is not counted for the global "
            "ingestion rate split.");
    b.section(kvstore, "kvstore", "Distributor ring key-value store; defaults to common.ring.kvstore.");
    b.field(instance_id, "instance_id", "",
            "Instance ID in the distributor ring; empty = ingester.lifecycler.id when set (as "
            "Loki's config wrapper shares the ingester ring's instance settings), else the "
            "hostname. Processes on one machine need distinct IDs.");
    b.field(instance_interface_names, "instance_interface_names",
            std::vector<std::string>{"eth0", "en0"},
            "Network interfaces to read the address from. Accepted for compatibility; skald "
            "takes the address from instance_addr, common.instance_addr, "
            "memberlist.advertise_addr or 127.0.0.1.");
    b.field(instance_port, "instance_port", 0,
            "Port advertised in the distributor ring; 0 = server.grpc_listen_port.");
    b.field(instance_addr, "instance_addr", "",
            "Address advertised in the distributor ring; empty = common.instance_addr, else "
            "memberlist.advertise_addr, else 127.0.0.1.");
  }

  status validate() const;
};

struct distributor_config {
  distributor_ring_config ring;
  uint32_t push_worker_count = 0;
  byte_size max_inflight_bytes;
  byte_size max_decompressed_size;

  distributor_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    b.section(ring, "ring", "Distributor ring.");
    b.field(push_worker_count, "push_worker_count", 256u,
            "Number of workers sending pushes to ingesters."
            " Accepted for compatibility; skald runs one distributor actor per scheduler thread.");
    b.field(max_inflight_bytes, "max_inflight_bytes", byte_size{0},
            "Bound on the bytes of pushes being processed at once; 0 disables it."
            " Accepted for compatibility; not implemented by skald.");
    b.field(max_decompressed_size, "max_decompressed_size", mib(100),
            "skald only: largest decompressed push body (snappy or gzip); larger bodies get 413.");
  }

  status validate() const;
};

/// `ingester_client:` — how distributors and queriers call ingesters.
struct ingester_client_config {
  std::chrono::nanoseconds remote_timeout{0};

  ingester_client_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(remote_timeout, "remote_timeout", 5s, "Timeout of one push or query to an ingester.");
  }

  status validate() const;
};

} // namespace skald::config
