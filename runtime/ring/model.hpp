// runtime/ring/model.hpp — the hash ring's data model (dskit ring.proto,
// write-path spec §4.1): one instance_desc per member, the ring_desc map.
//
// Owner: the ring member actor (actors/ring) holds THE ring_desc of its node
// and hands copies (snapshots) to readers; everything here is a value type.
// Pure: no clocks (callers pass `now`), no CAF.
//
// Units: timestamps are unix MILLISECONDS (dskit keeps seconds and sleeps
// 1s in CAS to make a change within the same second visible; skald keeps ms
// and the owner bumps its own timestamp strictly, see lifecycle.hpp).
//
// Invariants: an instance's tokens are sorted ascending and unique; a LEFT
// instance (a gossip tombstone) has no tokens; the map key equals `id`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skald::ring {

using token_t = uint32_t;

/// dskit memberlist keys of Loki's rings (KV prefix "collectors/"): the
/// ingester ring and the distributor ring (write-path spec §4.1). One ring
/// member gossips every key (runtime/ring/codec.hpp encode_keys).
inline constexpr std::string_view ingester_ring_key = "collectors/ring";
inline constexpr std::string_view distributor_ring_key = "collectors/distributor";

/// dskit's InstanceState with its protobuf numbers. There is no UNHEALTHY
/// state: health is derived from the heartbeat timestamp.
enum class instance_state : uint8_t {
  active = 0,
  leaving = 1,
  pending = 2,
  joining = 3,
  left = 4,
};

/// "ACTIVE", "LEAVING", "PENDING", "JOINING", "LEFT".
std::string_view to_string(instance_state s) noexcept;

/// Parses the names above (case-sensitive); nullopt otherwise.
std::optional<instance_state> parse_state(std::string_view s) noexcept;

struct instance_desc {
  std::string id;
  /// host:port other nodes use to reach this member's services.
  std::string addr;
  std::string zone;
  instance_state state = instance_state::pending;
  std::vector<token_t> tokens;
  /// Last heartbeat, unix ms.
  int64_t timestamp = 0;
  /// When the instance (re)registered, unix ms; 0 = unknown.
  int64_t registered_timestamp = 0;

  /// now - timestamp <= heartbeat_timeout; a timeout <= 0 means always
  /// healthy (dskit IsHeartbeatHealthy).
  bool heartbeat_healthy(int64_t now_ms, int64_t heartbeat_timeout_ms) const noexcept {
    return heartbeat_timeout_ms <= 0 || now_ms - timestamp <= heartbeat_timeout_ms;
  }

  friend bool operator==(const instance_desc& a, const instance_desc& b) noexcept {
    return a.id == b.id && a.addr == b.addr && a.zone == b.zone && a.state == b.state &&
           a.tokens == b.tokens && a.timestamp == b.timestamp &&
           a.registered_timestamp == b.registered_timestamp;
  }
  friend bool operator!=(const instance_desc& a, const instance_desc& b) noexcept {
    return !(a == b);
  }
};

struct ring_desc {
  /// id -> instance (dskit's field name; ordered so encodings are stable).
  std::map<std::string, instance_desc> ingesters;

  bool empty() const noexcept { return ingesters.empty(); }
  const instance_desc* find(const std::string& id) const {
    auto i = ingesters.find(id);
    return i == ingesters.end() ? nullptr : &i->second;
  }

  /// dskit Desc.AddIngester: inserts or replaces `id`; tokens are sorted
  /// and de-duplicated.
  instance_desc& add_instance(std::string id, std::string addr, std::string zone,
                              std::vector<token_t> tokens, instance_state state,
                              int64_t timestamp_ms, int64_t registered_ms);

  /// Every token of every non-LEFT instance, sorted (duplicates kept).
  std::vector<token_t> all_tokens() const;

  /// Instances (not LEFT) in state ACTIVE whose heartbeat is healthy
  /// (dskit HealthyInstancesCount; Loki's healthyInstanceDelegate counts the
  /// distributor ring this way for the global rate strategy).
  size_t healthy_active_count(int64_t now_ms, int64_t heartbeat_timeout_ms) const;

  friend bool operator==(const ring_desc& a, const ring_desc& b) noexcept {
    return a.ingesters == b.ingesters;
  }
  friend bool operator!=(const ring_desc& a, const ring_desc& b) noexcept { return !(a == b); }
};

/// Sorts and de-duplicates tokens in place.
void normalize_tokens(std::vector<token_t>& tokens);

/// dskit Desc.IsReady / TestDesc_Ready: empty string when the ring is ready
/// for `now` (every instance ACTIVE and heartbeat-healthy, and at least one
/// token in the ring), else the reason, in dskit's words:
///   "instance <addr> past heartbeat timeout", "instance <addr> in state <S>",
///   "no tokens in the ring"; LEFT instances are ignored.
std::string ready_problem(const ring_desc& d, int64_t now_ms, int64_t heartbeat_timeout_ms);

} // namespace skald::ring
