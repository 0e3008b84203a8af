// runtime/cluster/ring_view.hpp — what a distributor or querier needs to know
// of the ingester ring: the instances (id, address, state, tokens, health) and
// the replication sets computed from them (dskit Ring.Get / the default
// replication strategy, loki-write-path.md §4.3 steps 1–7, without zones).
//
// A ring_view is an immutable snapshot: the ring watcher actor builds a new
// one whenever membership or health changes and hands it to the distributors
// and queriers (shared_ptr<const ring_view>). Pure: no clocks, no CAF; health
// is decided by whoever builds the snapshot.
//
// Invariants: instances sorted by id; ring tokens sorted ascending, each
// mapped to the instance that owns it (on a token owned twice the smaller id
// wins, as dskit's conflict resolution).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/status.hpp"

namespace skald::cluster {

/// dskit's InstanceState values.
enum class instance_state : uint8_t { active = 0, leaving = 1, pending = 2, joining = 3, left = 4 };

const char* to_string(instance_state s);

struct instance {
  std::string id;
  /// host:port of the node's CAF endpoint (server.grpc_listen_port).
  std::string addr;
  instance_state state = instance_state::active;
  std::vector<uint32_t> tokens;
  /// Heartbeat within the timeout / endpoint reachable.
  bool healthy = true;
};

/// The instances a key (or a read) goes to: indexes into ring_view::instances.
struct replication_set {
  std::vector<size_t> instances;
  /// How many of them may fail (min_success = instances.size() - max_errors).
  int max_errors = 0;

  int min_success() const noexcept { return static_cast<int>(instances.size()) - max_errors; }
};

class ring_view {
public:
  ring_view() = default;
  explicit ring_view(std::vector<instance> instances);

  const std::vector<instance>& instances() const noexcept { return instances_; }
  bool empty() const noexcept { return instances_.empty(); }

  /// Write set of `key` with replication factor `rf` (dskit WriteNoExtend):
  /// the first `rf` distinct instances clockwise from the first token
  /// strictly greater than `key`; instances that are not ACTIVE or not
  /// healthy are dropped but still count in RF. Errors (errc::internal, Loki's
  /// texts): `empty ring`; `at least N live replicas required, could only
  /// find M - unhealthy instances: a,b`.
  result<replication_set> get(uint32_t key, int rf) const;

  /// Read set (dskit GetReplicationSetForOperation(Read)): every instance
  /// that is healthy and ACTIVE/PENDING/LEAVING; max_errors = rf/2 minus the
  /// unhealthy ones. Error `too many unhealthy instances in the ring` when
  /// more than rf/2 are unhealthy; `empty ring` without instances.
  result<replication_set> read_set(int rf) const;

  /// Instances that are ACTIVE and healthy.
  size_t healthy_active() const noexcept;

private:
  struct ring_token {
    uint32_t token;
    uint32_t instance;
  };
  std::vector<instance> instances_;
  std::vector<ring_token> tokens_;
  /// Instances that own at least one token.
  size_t owners_ = 0;
};

/// Index of the first token strictly greater than `key` in sorted `tokens`,
/// wrapping to 0 (dskit searchToken).
size_t search_token(const std::vector<uint32_t>& tokens, uint32_t key) noexcept;

/// `n` distinct tokens derived from `id` only (FNV-1a of id and a counter), so
/// an instance that restarts under the same id owns the same tokens without a
/// tokens file. Sorted ascending.
std::vector<uint32_t> tokens_for_id(std::string_view id, int n);

} // namespace skald::cluster
