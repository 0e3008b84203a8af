// actors/ingester/wal_writer.hpp — the WAL writer actor of one ingester:
// logs the tenant instances' records with runtime/wal's writer, many pushes
// per write(2) (group commit), and acks each append only after its write
// (and, with ingester.wal.fsync = batch, after the fsync that covers it).
//
// Spawned caf::detached at the wiring site (runtime/system/modules.cpp): its
// write(2)/fsync(2) block, which must never happen on a scheduler thread.
// Tests spawn it non-detached on the deterministic coordinator with a
// runtime/wal test file system (the `fs` seam).
//
// State owned: the wal::writer (segment file, pending batch), the appends in
//   the pending batch, whether a group commit is scheduled.
// Messages: (append_atom, wal_append_ptr), no reply message: the records of
//   one push (messages/wal.hpp), sent by the tenant while its streams apply
//   the entries, encoded here straight from the push's entry_views (series
//   records first where a stream logs its first entries); after the write
//   the writer counts the push's round down, and if the streams are done it
//   answers the push itself (the distributor's completion: the HTTP response
//   leaves from this thread);
//   (wal_flush_atom) from itself; the ingester's checkpoint cycle:
//   (checkpoint_atom) -> N (roll), then (checkpoint_atom, N, snapshots) ->
//   #series, delegated to the checkpoint writer actor
//   (actors/ingester/checkpoint_writer.hpp), which writes checkpoint.N on
//   its own thread: group commits go on meanwhile. Failures leave the
//   segments in place (counted, the next cycle retries).
// Group commit: the first append of a round schedules a wal_flush to itself
//   (fsync none: at the back of the mailbox, so every append already queued
//   joins the batch; fsync batch: after fsync_interval). The flush does one
//   write() (+ sync()) and answers every waiting push, in arrival order.
// Zero-filled spares (ingester.wal.preallocate with direct_io): a second,
//   detached actor (the zero-filler, spawned and stopped with the writer)
//   makes one spare segment at a time (wal::preallocate_segment: a v3 header
//   and zeros, 8 MiB O_DIRECT writes, fdatasync); the writer asks for one at
//   start and after each group commit whenever wal::writer::spare_wanted()
//   says so (once the segment being written is 1/8 full), and hands the
//   finished file to the writer, which opens its next segment from it. A
//   failed zero-fill is logged; segments are then created as before
//   (docs/wal-format.md §6).
// Priority: detached, the writer sets its own thread's nice value to
//   ingester.wal.writer_nice (default -10; runtime/util/thread_priority.hpp),
//   so that it runs as soon as a write returns: the pushes wait for it. If
//   the OS refuses (no CAP_SYS_NICE), it logs that once and goes on.
// Timers: the fsync_interval delayed flush (batch only).
// Disk full threshold (ingester.wal.disk_full_threshold > 0): while the WAL
//   file system is fuller than that (statvfs, re-checked at most once a
//   second), appends are answered 503 at once and their entries not logged
//   (series records still are); pushes succeed again once usage drops.
// Failure: a failed write/sync marks every waiting push 503 ("disk full")
//   or 500 (other I/O errors) and counts it; the writer recovers by itself
//   (the next write retries, a new segment if needed), so pushes succeed
//   again once space returns. Exit: closes the segment (no sync: kill -9
//   semantics are the same). Nothing is lost that was acked.
// Ring mode (ingester.wal.ring_size > 0, fsync none; runtime/wal/ring.hpp):
//   the handle returned is the *front*, a second detached actor; this
//   writer becomes the ring's *drainer*. Tenants copy a push's records into
//   the ring themselves (try_ring_append) and count the push down at once;
//   what does not fit goes to the front, which queues it and copies it when
//   the drainer woke it (wal_flush) after making room. The drainer, woken by
//   the first record after it went idle, writes [drained, published) with
//   one write() every 5 ms while records keep coming, then stores drained.
//   A failed write leaves the records in the ring (acked; replay finds them)
//   and sets the ring's failure: pushes are refused with the writer's
//   503/500 until a retry (every 100 ms) succeeds. At spawn, records an
//   earlier run left in a ring are written to the first new segment (ring
//   off: the file is then removed). Checkpoint messages go front -> drainer
//   (delegated), after the records it drained.
// Invariant: a push with records is answered with status 0 only after
//   write() (and sync() in batch mode) returned ok for a batch holding them,
//   or (ring mode) they were all copied into the ring (and its streams
//   applied them).
#pragma once

#include <chrono>
#include <memory>

#include <caf/fwd.hpp>

#include "messages/interfaces/ingester_actor.hpp"
#include "runtime/util/status.hpp"
#include "runtime/wal/format.hpp"
#include "runtime/wal/from_config.hpp"

namespace skald::wal {
class file_system;
} // namespace skald::wal

namespace skald::metrics {
class registry;
} // namespace skald::metrics

namespace skald::actors {

struct wal_writer_deps {
  /// Must outlive the actor (posix_file_system() in production).
  wal::file_system* fs = nullptr;
  wal::wal_settings settings;
  metrics::registry* metrics = nullptr;
  /// caf::detached in production; false on the test coordinator.
  bool detached = true;
  /// How long a disk_full_threshold statvfs verdict is reused (steady
  /// clock; 0 = check on every record, for tests).
  std::chrono::nanoseconds space_check_interval = std::chrono::seconds{1};
  /// Writes the checkpoints (null: checkpoints fail).
  checkpoint_writer_actor checkpoints;
};

/// Ring mode (ingester.wal.ring_size > 0): logs a push's records into the
/// staging ring on the calling thread — the tenant's — when nothing waits at
/// the writer and the ring has room for all of them; the push is then
/// counted down as logged (or refused) at once, without a message to the
/// writer. Otherwise it returns false and the caller sends the append to
/// the writer as usual (which queues it behind the others). Thread-safe (a
/// mutex shared with the writer's front; held while the records are copied).
class wal_ring_appender;
bool try_ring_append(wal_ring_appender& a, const wal_append_ptr& app);

/// Ring mode: puts a stream's cut block into the ring as a block record if
/// there is room to spare and no push waits at the front; otherwise leaves
/// it out (the entries records it covers are written as they are). Never
/// waits. Thread-safe (the stream actors call it).
void ring_offer_block(wal_ring_appender& a, const wal::block_record& b);

/// Opens the WAL writer (creating the directory) and spawns the actor. In
/// ring mode, *appender (if given) is set to the tenants' inline path.
result<wal_writer_actor> spawn_wal_writer(caf::actor_system& sys, wal_writer_deps deps,
                                          std::shared_ptr<wal_ring_appender>* appender = nullptr);

} // namespace skald::actors
