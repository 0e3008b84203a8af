// actors/ingester/ingester.hpp — spawning the ingester of one node, which
// spawns its tenant instances, which spawn their stream actors
// (protocols: messages/interfaces/ingester_actor.hpp).
//
//   ingester ──(linked)──► tenant instance per tenant ──(linked)──► stream per stream
//
// State owned:
//   ingester: tenant id -> tenant_actor.
//   tenant:   fingerprint -> (canonical labels, stream_actor); the stream count
//             that the stream limit checks (max_streams_per_user and the local
//             share of max_global_streams_per_user).
//   stream:   one runtime::ingester::stream — its chunks, last line, highest
//             timestamp, per-stream rate bucket. Nothing else touches them.
// Reads: (select_atom, select_request_ptr) (messages/query.hpp) answers from the
//   stream actors' mailboxes: the tenant matches its streams' parsed label sets,
//   each matching stream copies its entries in range out (docs/query-path.md).
// Pushes (messages/push.hpp): one message per stream and no replies. The
//   tenant sends each stream actor of a push its slot of a push_round; a
//   stream applies the entries, writes its slot, counts the round down; the
//   one that completes it answers the push's ingest_done. The tenant counts
//   the appends it sent per stream, a stream those it applied (for removal,
//   below).
//   tenant (WAL on): each stream's WAL id, epoch, entry counter and whether
//             its series record went out; right after a push's stream
//             appends it sends one wal_append with every entry it sent to
//             the WAL writer, which logs them while the streams apply them
//             and counts the round down after the write (ack rule: the push
//             is answered when applied and logged, messages/wal.hpp).
//   stream (WAL on): its WAL id and epoch, and the counter of the last
//             append it applied (what its checkpoint snapshot covers).
// Timers: the ingester's WAL checkpoint (every checkpoint_interval): roll the
//   WAL writer's segment, gather every stream's snapshot (tenant -> stream),
//   have the checkpoint writer (through the WAL writer) write checkpoint.N
//   and drop older segments; one at a time.
//   The ingester's flush sweep (flush_check_period +-20%, Loki's jitter): one
//   timer per ingester fanning out ingester -> tenant -> stream; each stream
//   drops its flushed chunks past chunk_retain_period, picks chunks with
//   runtime/ingester/flush_policy, closes them and puts their snapshots into
//   one flush op for its flush worker (which encodes them as it writes them) (one op in flight per stream), and marks them
//   flushed when the worker answers ok. Flushed chunks stay queryable until
//   dropped and are left out of WAL checkpoints. A tenant removes a stream
//   that reports no chunks left having applied every append the tenant sent
//   it (flush_reply::appends), which releases its place in the stream limit.
// Exit: an exit_msg to the ingester (module stop) takes every tenant and stream
//   actor down with it through the links, so ~actor_system does not hang.
// Failure: a stream actor that dies (an exception) is removed from its tenant;
//   the appends queued for it fail their slots (500, from the dropped
//   message's destructor); the next push recreates the stream (its chunks
//   are lost until the next restart replays the WAL). The WAL writer is not linked: the ingester
//   module stops it after the ingester (runtime/system/modules.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "messages/interfaces/ingester_actor.hpp"
#include "runtime/ingester/flush_policy.hpp"
#include "runtime/ingester/stream.hpp"

namespace skald::limits {
class overrides;
} // namespace skald::limits

namespace skald::metrics {
class registry;
} // namespace skald::metrics

namespace skald::actors {

class wal_ring_appender;

/// What the ingester and its children need; copied into every tenant.
struct ingester_deps {
  /// Chunk and window settings (the per-stream rate comes from the limits).
  ingester::stream_config stream;
  std::shared_ptr<limits::overrides> limits;
  metrics::registry* metrics = nullptr;
  /// Timeout of a tenant -> stream append.
  std::chrono::nanoseconds timeout = std::chrono::seconds{5};
  /// For the local share of max_global_streams_per_user.
  int replication_factor = 1;
  int healthy_ingesters = 1;
  /// The WAL writer (actors/ingester/wal_writer.hpp); null = WAL off.
  wal_writer_actor wal;
  /// Ring mode: tenants log their records into the staging ring themselves
  /// when they can (try_ring_append); null = always through `wal`.
  std::shared_ptr<wal_ring_appender> wal_ring;
  /// Pushes answer 503 "replaying WAL" until a (replay_atom, recovery_ptr)
  /// arrives (set when the WAL is on).
  bool replay_pending = false;
  /// ingester.wal.checkpoint_duration: the ingester's checkpoint timer
  /// (0 = no timer; a (checkpoint_atom) still runs one).
  std::chrono::nanoseconds checkpoint_interval{0};
  /// The flush workers (actors/ingester/flush_worker.hpp); a stream's ops go
  /// to flushers[fp mod size]. Empty = chunks are never flushed.
  std::vector<flush_worker_actor> flushers;
  /// chunk_idle_period, max_chunk_age, chunk_retain_period.
  ingester::flush_config flush;
  /// ingester.flush_check_period: the ingester's sweep timer (0 = no timer;
  /// a (flush_atom, mode, tenant) request still sweeps).
  std::chrono::nanoseconds flush_check_period{0};
  /// Seeds the sweep timer's jitter.
  uint64_t seed = 0;
  /// Cluster mode: whether this ingester still owns the stream (tenant,
  /// canonical labels) in the ring (runtime/ring/owned.hpp); the periodic
  /// sweep flushes a stream that is not owned with reason not_owned. Called
  /// on the tenant actors. Null = every stream is owned (one node).
  std::function<bool(const std::string& tenant, const std::string& labels)> owned;
};

/// Spawns the ingester (not linked to anyone; send it an exit to stop).
ingester_actor spawn_ingester(caf::actor_system& sys, ingester_deps deps);

} // namespace skald::actors
