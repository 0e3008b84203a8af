// runtime/ring/lifecycle.hpp — the decisions of one ring member's
// lifecycler (dskit Lifecycler, write-path spec §4.4), as pure functions.
//
// Owner: the ring member actor (actors/ring/member) keeps one `self`
// instance_desc — the authoritative copy of its own entry — and writes it
// into its ring_desc with stamp() on every state change and heartbeat.
//
// skald's lifecycle: register JOINING (with the tokens file's tokens, if
// any) → join() once the WAL is replayed: keep/adopt/complete the tokens,
// ACTIVE → leave(): LEAVING → unregister(): LEFT tombstone, gossiped until
// it expires after memberlist.left_ingesters_timeout.
//
// Invariants: every stamp() makes the entry's timestamp strictly greater
// than the one the ring holds (a later state always wins the merge, even
// within one millisecond, and even over a tombstone someone else wrote
// for us while we were partitioned away); own tokens never collide with
// tokens other members held when they were chosen.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "runtime/ring/model.hpp"
#include "runtime/util/status.hpp"

namespace skald::ring {

/// dskit's allowed explicit transitions: PENDING→JOINING, JOINING→PENDING,
/// JOINING→ACTIVE, PENDING→ACTIVE, ACTIVE→LEAVING; plus skald's
/// LEAVING→LEFT (unregister). Else errc::invalid_argument
/// "changing instance state from X -> Y is disallowed".
status check_transition(instance_state from, instance_state to);

/// A fresh own entry in JOINING: tokens from the tokens file (may be
/// empty), registered_timestamp = timestamp = now.
instance_desc make_joining(std::string id, std::string addr, std::string zone,
                           std::vector<token_t> file_tokens, int64_t now_ms);

/// Writes `self` into `ring` with a timestamp strictly greater than both
/// the ring's entry and self's previous one (and >= now). Updates self.
void stamp(ring_desc& ring, instance_desc& self, int64_t now_ms);

/// While JOINING without tokens: take the tokens a previous incarnation of
/// `self` (same id, not LEFT) holds in `seen` (e.g. a peer's state, after a
/// kill -9 without tokens file). Returns true if adopted.
bool adopt_previous_tokens(instance_desc& self, const ring_desc& seen);

/// Completes self's tokens to exactly `num_tokens`: generates the missing
/// ones avoiding every token of other members in `ring`, or drops random
/// extras (dskit on rejoin). Returns how many were added (negative: dropped).
int fix_token_count(instance_desc& self, const ring_desc& ring, int num_tokens,
                    std::mt19937_64& rng);

/// Members other than `self_id`, not LEFT, whose last heartbeat is older
/// than `period_ms`, become tombstones (mark_left at now) — unless there
/// are at least two others and all of them are unhealthy (then this node is
/// more likely the partitioned one; Loki's autoforget rule). period <= 0
/// disables. Returns the ids.
std::vector<std::string> forget_unhealthy(ring_desc& ring, const std::string& self_id,
                                          int64_t now_ms, int64_t period_ms,
                                          int64_t heartbeat_timeout_ms);

} // namespace skald::ring
