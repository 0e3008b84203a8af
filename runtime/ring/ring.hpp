// runtime/ring/ring.hpp — the pure hash ring of skald in one include: data
// model, CRDT merge, tokens, lookup/replication sets, lifecycle decisions,
// gossip encoding and quorum accounting (write-path spec §3.5, §4).
//
// Owner: none by itself; the ring member actor (actors/ring) owns the
// state, the distributor and queriers read snapshots through ring_view.
// Stable API: later changes only add to it.
#pragma once

#include "runtime/ring/codec.hpp"
#include "runtime/ring/lifecycle.hpp"
#include "runtime/ring/lookup.hpp"
#include "runtime/ring/merge.hpp"
#include "runtime/ring/model.hpp"
#include "runtime/ring/owned.hpp"
#include "runtime/ring/quorum.hpp"
#include "runtime/ring/read.hpp"
#include "runtime/ring/tokens.hpp"
