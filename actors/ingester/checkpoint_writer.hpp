// actors/ingester/checkpoint_writer.hpp — the WAL checkpoint writer of one
// ingester: writes checkpoint.N from the streams' snapshots and removes what
// it covers, on its own thread, so the WAL writer's group commits (and with
// them every push's ack) do not wait while a checkpoint is written.
//
// Spawned caf::detached at the wiring site (runtime/system/modules.cpp):
// writing a checkpoint blocks on write(2)/fsync(2)/rename(2) for as long as
// the snapshots take to write. Tests spawn it non-detached on the
// deterministic coordinator with a runtime/wal test file system.
//
// Messages: (checkpoint_atom, N, snapshot_list_ptr) -> #series, from the WAL
//   writer (which delegates the ingester's request: the ingester's protocol
//   is unchanged, messages/interfaces/ingester_actor.hpp). Writes
//   checkpoint.N via runtime/wal's checkpoint_writer (tmp dir, fsync,
//   rename), then remove_obsolete (segments <= N, older checkpoints).
// State owned: none besides the settings and metrics; one checkpoint at a
//   time (the ingester starts the next cycle only after this one answered).
// Concurrency with the WAL writer: both use the same file_system (posix:
//   stateless). The writer only appends to segments > N after the roll that
//   produced N, and this actor only touches checkpoint.N and files <= N.
// Failure: any error abandons the checkpoint (tmp dir removed, counted in
//   loki_ingester_checkpoint_creations_failed_total); the segments stay and
//   the next cycle retries.
// Exit: not linked; the ingester module stops it after the WAL writer and
//   waits for it (bounded), like the writer.
#pragma once

#include <caf/fwd.hpp>

#include "messages/interfaces/ingester_actor.hpp"
#include "runtime/wal/from_config.hpp"

namespace skald::wal {
class file_system;
} // namespace skald::wal

namespace skald::metrics {
class registry;
} // namespace skald::metrics

namespace skald::actors {

struct checkpoint_writer_deps {
  /// Must outlive the actor (posix_file_system() in production).
  wal::file_system* fs = nullptr;
  wal::wal_settings settings;
  metrics::registry* metrics = nullptr;
  /// caf::detached in production; false on the test coordinator.
  bool detached = true;
};

checkpoint_writer_actor spawn_checkpoint_writer(caf::actor_system& sys,
                                                checkpoint_writer_deps deps);

} // namespace skald::actors
