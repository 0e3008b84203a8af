// runtime/ring/lookup.hpp — key → replication set over a ring snapshot
// (dskit Ring.Get / findInstancesForKey / defaultReplicationStrategy,
// write-path spec §4.3 and §3.5).
//
// Owner: whoever routes by key (the distributor's ring watcher, queriers);
// build one ring_view per ring change and call get() per stream. Pure: the
// caller passes `now`. A ring_view is immutable, so it may be shared
// between actors (e.g. as shared_ptr<const ring_view>).
//
// Invariants: the view holds no LEFT instance and no token owned twice
// (token conflicts resolved as merge.hpp says); a successful get() returns
// distinct, healthy instances with 0 <= max_errors < |instances|.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/ring/model.hpp"
#include "runtime/ring/quorum.hpp"
#include "runtime/util/status.hpp"

namespace skald::ring {

/// dskit operations: which states are healthy and which extend the set.
enum class operation : uint8_t {
  /// Healthy: ACTIVE; extends the replica set for every other state.
  write,
  /// Healthy: ACTIVE; never extends (what Loki's distributor uses, 2.7+).
  write_no_extend,
  /// Healthy: ACTIVE, PENDING, LEAVING; extends for JOINING/LEFT.
  read,
};

/// State allowed for `op` and heartbeat within the timeout
/// (dskit InstanceDesc.IsHealthy).
bool healthy_for(const instance_desc& inst, operation op, int64_t now_ms,
                 int64_t heartbeat_timeout_ms) noexcept;

/// dskit Operation.ShouldExtendReplicaSetOnState.
bool extends_on(operation op, instance_state s) noexcept;

struct ring_options {
  int replication_factor = 3;
  int64_t heartbeat_timeout_ms = 60'000;
  bool zone_awareness_enabled = false;
};

struct replication_set {
  /// Healthy instances to call, without their tokens (cheap to copy).
  std::vector<instance_desc> instances;
  int max_errors = 0;
  /// Zone-aware reads only (read.hpp): zones that may fail; exclusive with
  /// max_errors (dskit ReplicationSet.MaxUnavailableZones).
  int max_unavailable_zones = 0;

  /// The per-stream requirement for quorum.hpp: min_success =
  /// |instances| - max_errors, max_failures = max_errors.
  replication_need need() const noexcept {
    return {static_cast<uint16_t>(instances.size() - static_cast<size_t>(max_errors)),
            static_cast<uint16_t>(max_errors)};
  }
};

/// Index of the first token strictly greater than `key`, wrapping to 0
/// (dskit searchToken; TestSearchToken). `tokens` sorted, non-empty.
size_t search_token(const std::vector<token_t>& tokens, token_t key) noexcept;

class ring_view {
public:
  ring_view() = default;
  ring_view(const ring_desc& d, ring_options opts);
  // owners_ points into desc_: moving keeps map nodes, copying would not.
  ring_view(const ring_view&) = delete;
  ring_view& operator=(const ring_view&) = delete;
  ring_view(ring_view&&) noexcept = default;
  ring_view& operator=(ring_view&&) noexcept = default;

  /// The replication set of `key`. Errors (errc::too_few_replicas) carry
  /// dskit's texts: "empty ring", "at least N live replicas required, could
  /// only find M[ - unhealthy instances: a,b]" (with zone awareness:
  /// "... required across different availability zones, ...").
  result<replication_set> get(token_t key, operation op, int64_t now_ms) const;

  /// Every healthy instance, for reads that must ask everyone (dskit
  /// GetReplicationSetForOperation; read.hpp read_replication_set, zone-aware
  /// when zone_awareness_enabled): "too many unhealthy instances in the
  /// ring" when fewer than required are healthy.
  result<replication_set> get_all_healthy(operation op, int64_t now_ms) const;

  /// The resolved, tombstone-free ring this view was built from.
  const ring_desc& desc() const noexcept { return desc_; }
  const ring_options& options() const noexcept { return opts_; }
  size_t instance_count() const noexcept { return desc_.ingesters.size(); }
  size_t zone_count() const noexcept { return zones_; }
  /// Sorted ring tokens (each owned by one instance).
  const std::vector<token_t>& tokens() const noexcept { return tokens_; }
  /// Owner id of tokens()[i].
  const std::string& owner_of(size_t i) const { return owners_[i]->id; }

private:
  ring_desc desc_;
  ring_options opts_;
  std::vector<token_t> tokens_;
  std::vector<const instance_desc*> owners_;
  size_t zones_ = 0;
};

/// dskit defaultReplicationStrategy.Filter: drops instances not healthy for
/// `op` and computes max_errors (RF' = max(RF, |instances|), min_success =
/// RF'/2 + 1). Exposed for TestRingReplicationStrategy.
result<replication_set> filter_replicas(std::vector<instance_desc> instances, operation op,
                                        int replication_factor, int64_t now_ms,
                                        int64_t heartbeat_timeout_ms, bool zone_awareness);

/// Token ownership as a fraction of the hash space per instance id (for
/// the /ring page's "Ownership" column), 0..1.
std::vector<std::pair<std::string, double>> ownership(const ring_view& v);

} // namespace skald::ring
