// runtime/ring/merge.hpp — the CRDT merge of ring state exchanged by gossip
// (dskit Desc.Merge, write-path spec §4.5).
//
// Owner: the ring member actor merges every received state into its own;
// the lifecycler's own updates use local_cas. Pure: `now` is passed in.
//
// Rules, per instance id:
//  1. incoming is normalised: LEFT instances lose their tokens, tokens are
//     sorted and de-duplicated;
//  2. the incoming instance replaces ours when its heartbeat timestamp is
//     newer, or when the timestamps are equal and it is LEFT while ours is
//     not (LEFT wins ties);
//  3. equal timestamps, both LEFT or both not, different content: the
//     greater one by a fixed total order wins (dskit keeps its own there;
//     skald picks deterministically so that merge is a true semilattice
//     join: commutative, associative, idempotent — property-tested);
//  4. with local_cas, every instance we have that is absent from `incoming`
//     (a full desc) and not LEFT becomes a tombstone: LEFT, no tokens,
//     timestamp = now (breaks commutativity by design; local updates only);
//  5. tombstones older than left_horizon are dropped, also from the change
//     (so a stale tombstone is neither stored nor forwarded).
// Token conflicts (two owners) are NOT resolved inside the stored state —
// doing it there breaks associativity — but when a state is read:
// resolve_token_conflicts() (the ring view does it), with dskit's rule.
#pragma once

#include <cstdint>
#include <limits>

#include "runtime/ring/model.hpp"

namespace skald::ring {

struct merge_options {
  /// Rule 4: `incoming` is the full new state written by the local owner.
  bool local_cas = false;
  /// Used by rule 4.
  int64_t now_ms = 0;
  /// Rule 5: LEFT instances with timestamp < this are removed.
  int64_t left_horizon_ms = std::numeric_limits<int64_t>::min();
};

/// Merges `incoming` into `local`. Returns the change: the instances of
/// `local` that were inserted or replaced, as now stored (empty = nothing
/// changed; nothing to notify or forward). Expired tombstones are removed
/// from `local` too (rule 5) without counting as a change.
ring_desc merge(ring_desc& local, const ring_desc& incoming, const merge_options& opts = {});

/// True if `in` should replace `ours` (rules 2 and 3). Both normalised.
bool supersedes(const instance_desc& in, const instance_desc& ours) noexcept;

/// Drops LEFT instances whose timestamp < horizon; returns how many.
size_t remove_expired_tombstones(ring_desc& d, int64_t left_horizon_ms);

/// dskit resolveConflicts over non-LEFT instances: a token owned by more
/// than one instance stays with the non-LEAVING one if exactly one is
/// LEAVING, else with the lexicographically smallest id; the others lose it.
ring_desc resolve_token_conflicts(ring_desc d);

/// Tombstone for `id` (dskit "forget" via CAS: delete + merge with
/// local_cas): state LEFT, tokens cleared, timestamp = max(now, ts+1).
/// Returns false if `id` is unknown or already LEFT.
bool mark_left(ring_desc& d, const std::string& id, int64_t now_ms);

/// A copy without LEFT instances: what readers (pages, lookup) see.
ring_desc without_tombstones(const ring_desc& d);

} // namespace skald::ring
