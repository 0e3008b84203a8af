// runtime/admin/directory.hpp — the data of the admin console's actor
// directory and the pure decisions on it: which registered actors a listing
// selects, how it sorts them, which page it returns, message rates.
//
// The directory itself is an actor (actors/admin/actor_registry.cpp, one per
// node) that owns the entries; every long-lived actor keeps an actor_stats as
// a plain member of its state and answers an `info` request with an
// actor_info (actors/admin/introspect.hpp). Nothing here includes CAF.
//
// Invariants: a page never holds more than max_page_limit rows; sorting is
// total (ties broken by actor id), so consecutive pages neither repeat nor
// skip rows while the set of actors is unchanged.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/util/status.hpp"

namespace skald::admin {

/// Wall-clock nanoseconds since the Unix epoch.
int64_t wall_now_ns() noexcept;

/// CLOCK_MONOTONIC_COARSE in nanoseconds: a vDSO read of a few ns with the
/// resolution of a kernel tick, cheap enough to take once per message.
inline int64_t coarse_now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

#ifndef SKALD_INTROSPECTION
#define SKALD_INTROSPECTION 1
#endif

/// False in a build configured with -DSKALD_INTROSPECTION=OFF (only for
/// bench/admin_cost_ir.sh: it counts the instructions the bookkeeping costs).
constexpr bool introspection_enabled = SKALD_INTROSPECTION != 0;

/// Kept by every long-lived actor in its state and touched once per message
/// it handles. Owned by that actor alone: no atomics, no sharing.
struct actor_stats {
  uint64_t handled = 0;
  /// coarse_now_ns() of the last message; 0 = none yet.
  int64_t last_mono_ns = 0;

  void tick() noexcept {
    if constexpr (introspection_enabled) {
      ++handled;
      last_mono_ns = coarse_now_ns();
    }
  }

  /// The last activity as wall-clock ns (0 = never).
  int64_t last_activity_unix_ns() const noexcept;
};

/// One actor's answer to `info`: read inside the actor.
struct actor_info {
  uint64_t mailbox = 0;
  uint64_t handled = 0;
  /// Wall-clock ns of the last message handled (0 = none).
  int64_t last_activity_ns = 0;
  /// Kind-specific state: counters (stream: chunks, bytes, entries, ...) and
  /// strings (WAL: segment file, ...).
  std::map<std::string, int64_t> numbers;
  std::map<std::string, std::string> strings;
};

/// What an actor registers with its node's directory.
struct actor_entry {
  /// CAF actor id, unique within the node (filled in by the directory).
  uint64_t id = 0;
  /// "ingester", "tenant", "stream", "wal_writer", "distributor", "querier",
  /// "flush_worker", "ring_member", "http_bridge", "actor_registry", ...
  std::string kind;
  /// Human-readable: `stream {app="api"} tenant=fake`.
  std::string name;
  /// Id of the parent actor (0 = none).
  uint64_t parent = 0;
  /// Tenant the actor belongs to (tenant and stream actors; else empty).
  std::string tenant;
  /// Wall-clock ns of the registration.
  int64_t started_ns = 0;
};

/// One row of a listing: the entry, its latest info and message rate.
struct actor_row {
  actor_entry entry;
  actor_info info;
  /// Messages handled per second since the previous observation.
  double rate = 0;
  /// False when the actor did not answer in time (info is empty then).
  bool answered = false;
};

enum class sort_key { id, name, started, mailbox, rate, handled };

/// A listing request: filter, sort, page.
struct actor_query {
  std::string kind;
  std::string tenant;
  /// Substring of the name.
  std::string name;
  sort_key sort = sort_key::id;
  bool descending = false;
  uint64_t offset = 0;
  uint64_t limit = 50;
};

constexpr uint64_t default_page_limit = 50;
constexpr uint64_t max_page_limit = 1000;

/// One page of a listing.
struct actor_page {
  /// Matching actors (all pages).
  uint64_t total = 0;
  uint64_t offset = 0;
  uint64_t limit = 0;
  std::vector<actor_row> rows;
  /// Registered actors per kind on the node (all, not only matching ones).
  std::map<std::string, uint64_t> kinds;
};

/// "id", "name", "started", "mailbox", "rate", "handled".
const char* to_string(sort_key k) noexcept;

/// Reads kind, tenant, name, sort, order (asc|desc), offset and limit;
/// `param` returns a parameter's value or nullptr. The default order is
/// descending for mailbox, rate and handled, ascending otherwise.
/// Errors (invalid_argument) name the parameter and the accepted values.
result<actor_query>
parse_actor_query(const std::function<const std::string*(std::string_view)>& param);

/// True if `e` passes the query's filters.
bool matches(const actor_query& q, const actor_entry& e) noexcept;

/// True if sorting needs every matching actor's info (mailbox, rate,
/// handled); otherwise the directory asks only the actors of the page.
bool sort_needs_info(sort_key k) noexcept;

/// Sorts rows by the query's key and order (ties by id, ascending).
void sort_rows(std::vector<actor_row>& rows, const actor_query& q);

/// Keeps rows [offset, offset + limit) of sorted rows.
void cut_page(std::vector<actor_row>& rows, const actor_query& q);

/// What a listing sorts on for one actor, without copying its entry: the
/// directory builds one per matching actor and select_page() picks the page.
struct sort_item {
  uint64_t id = 0;
  /// The entry's name (sort=name); must outlive the call.
  const std::string* name = nullptr;
  int64_t started_ns = 0;
  uint64_t mailbox = 0;
  uint64_t handled = 0;
  double rate = 0;
};

/// Ids of the page [offset, offset + limit) of `items` in the query's order
/// (the same total order as sort_rows: ties by ascending id), without
/// sorting the rest: nth_element around the page, then a sort of the page
/// alone — O(n + limit log limit) instead of O(n log n). Reorders `items`.
std::vector<uint64_t> select_page(std::vector<sort_item>& items, const actor_query& q);

/// Message rates per actor from successive `handled` counters. An actor's
/// rate is recomputed when at least min_interval passed since its baseline;
/// between two such moments the last rate is returned.
class rate_tracker {
public:
  explicit rate_tracker(int64_t min_interval_ns = 500'000'000)
      : min_interval_ns_(min_interval_ns) {}

  /// Rate of actor `id` seen with `handled` messages at `now_ns` (monotonic).
  double observe(uint64_t id, uint64_t handled, int64_t now_ns);

  void forget(uint64_t id) { last_.erase(id); }

  size_t size() const noexcept { return last_.size(); }

private:
  struct sample {
    uint64_t handled = 0;
    int64_t at_ns = 0;
    double rate = 0;
  };
  int64_t min_interval_ns_;
  std::unordered_map<uint64_t, sample> last_;
};

/// JSON of one row: {"id":..,"kind":..,"name":..,"parent":..,"tenant":..,
/// "started":"RFC3339",..,"mailbox":..,"handled":..,"rate":..,
/// "last_activity":"RFC3339"|null,"answered":bool,"state":{...}}.
std::string to_json(const actor_row& row);

/// JSON of a page: {"total":..,"offset":..,"limit":..,"kinds":{..},"actors":[rows]}.
std::string to_json(const actor_page& page);

/// RFC 3339 with milliseconds, UTC: "2026-11-21T12:00:00.123Z".
std::string format_time(int64_t unix_ns);

/// One node as /admin/api/nodes shows it.
struct node_summary {
  /// The ring's instance id (ingester.lifecycler.id, default the hostname).
  std::string id;
  std::string hostname;
  /// HTTP address, "host:port".
  std::string address;
  /// -target, split: "all" or the roles.
  std::vector<std::string> roles;
  std::string version;
  int64_t started_ns = 0;
  bool ready = false;
  /// Module name -> Loki's state name ("Running", ...), in start order.
  std::vector<std::pair<std::string, std::string>> modules;
  /// Registered actors per kind.
  std::map<std::string, uint64_t> actors;
  /// False for a peer that did not answer (cluster issue).
  bool reachable = true;
  /// Age of the last gossip exchange with the peer, ms (0 on the node itself).
  int64_t heartbeat_age_ms = 0;
  bool self = true;
  /// The node's gossip endpoint (memberlist), host:port; "" without gossip.
  std::string gossip;
  /// Why a peer is unreachable ("" when it answered).
  std::string error;
};

/// {"nodes":[{"id":..,"hostname":..,"address":..,"roles":[..],"version":..,
/// "started":..,"uptime_seconds":..,"ready":..,"modules":{..},"actors":{..},
/// "actors_total":..,"reachable":..,"heartbeat_age_ms":..,"self":..,"gossip":..,
/// "error":..}]}; started is null and uptime 0 for an unreachable peer.
std::string to_json(const std::vector<node_summary>& nodes, int64_t now_ns);

} // namespace skald::admin
