// runtime/admin/ring_summary.hpp — the ring as the admin console shows it
// (GET /admin/api/ring, the page's Ring section, `skaldctl ring`): one row
// per member with its state, address, zone, heartbeat age, token count and
// share of the hash space it owns.
//
// Owner: the admin routes (actors/admin/admin_routes.cpp) call this on a
// snapshot they got from the node's ring member actor (actors/ring). Pure:
// the caller passes `now`; no CAF.
//
// Invariants: LEFT tombstones are not listed; the ownership shares of the
// listed members sum to 1 (up to rounding) when the ring holds any token,
// and are all 0 otherwise; rows are ordered by member id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/ring/lookup.hpp"
#include "runtime/ring/model.hpp"

namespace skald::admin {

struct ring_member_row {
  std::string id;
  /// ring::display_state: ACTIVE, JOINING, ..., or UNHEALTHY (stale heartbeat).
  std::string state;
  std::string address;
  std::string zone;
  /// now - last heartbeat, ms.
  int64_t heartbeat_age_ms = 0;
  /// Unix ms of the registration (0 = unknown).
  int64_t registered_ms = 0;
  uint64_t tokens = 0;
  /// Fraction of the 32-bit token space whose keys this member owns
  /// (first replica), 0..1; tokens owned twice count for the winner.
  double ownership = 0;
  /// This node's own instance.
  bool self = false;
};

struct ring_summary {
  std::vector<ring_member_row> members;
  uint64_t tokens = 0;
  int replication_factor = 0;
  int64_t heartbeat_timeout_ms = 0;
  std::string self_id;
};

/// Share of the hash space each id owns, 0..1, from the ring's tokens (every
/// non-LEFT instance listed, with 0 when it owns none).
std::vector<std::pair<std::string, double>> ownership_shares(const ring::ring_desc& d,
                                                             const ring::ring_options& o);

/// The rows of every non-LEFT member, by id.
ring_summary summarize_ring(const ring::ring_desc& d, const ring::ring_options& o,
                            const std::string& self_id, int64_t now_ms);

/// {"ring":"ring"|"single node: no ring members","self":..,"replication_factor":..,
///  "heartbeat_timeout_ms":..,"tokens":..,"members":[{"id","state","address","zone",
///  "heartbeat_age_ms","registered","tokens","ownership","self"}],"member":<row>|null}
/// `member_row_json` is the ring member actor's row (to_json(actor_row)), or "".
std::string to_json(const ring_summary& s, const std::string& member_row_json);

} // namespace skald::admin
