// actors/ingester/flush_worker.hpp — the flush workers of one ingester:
// ingester.concurrent_flushes actors, each with its own priority queue of
// flush ops (runtime/ingester/flush_queue.hpp: oldest data first, one op per
// stream key), writing them to the store with runtime/storage's
// write_chunks (every chunk object, then one index batch).
//
// Spawned caf::detached at the wiring site (runtime/system/modules.cpp): the
// store writes block (write + fsync + rename). Tests spawn them on the
// deterministic coordinator (detached = false) over a storage::memory_fs or
// an error_fs that fails chosen writes.
//
// State owned: the queue with each op's response promise, the op being
//   written and its backoff, a PRNG for the backoff jitter.
// Messages: (flush_atom, flush_op_ptr) -> flush_reply from stream actors;
//   (flush_next_atom) from itself: take the next op, or retry the current
//   one after its backoff (a delayed send: the worker stays responsive, new
//   ops queue up meanwhile and are ordered by first_ts).
// Retries: a failed write is retried after util::backoff (flush_op_backoff:
//   10s -> 1m, 10 retries) until the retries run out or flush_op_timeout has
//   passed since the op's first attempt (a backoff step that would end past
//   the timeout is cut short: the last try is at the timeout); then the op
//   is answered with
//   failed = its chunks (the stream keeps them closed; a later sweep flushes
//   them again). Every failed attempt counts in
//   loki_ingester_chunks_flush_failures_total.
// Invariant: an op is answered with failed == 0 only after write_chunks
//   returned ok, i.e. its chunk objects are durable and then its index refs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <caf/fwd.hpp>

#include "messages/interfaces/ingester_actor.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/util/backoff.hpp"

namespace skald::metrics {
class registry;
} // namespace skald::metrics

namespace skald::actors {

/// The store the workers write: a file system and the chunk store and index
/// on it (one per process, shared by every worker; both are thread-safe).
struct flush_store {
  /// The real file system; `fs` is it or a wrapper of it (tests).
  std::shared_ptr<storage::file_system> base;
  std::shared_ptr<storage::file_system> fs;
  std::unique_ptr<storage::chunk_store> chunks;
  std::unique_ptr<storage::index_store> index;
};

struct flush_worker_deps {
  std::shared_ptr<flush_store> store;
  util::backoff_policy backoff;
  /// flush_op_timeout: give up once an op's retries ran this long.
  std::chrono::nanoseconds op_timeout{std::chrono::minutes{10}};
  metrics::registry* metrics = nullptr;
  /// caf::detached in production; false on the test coordinator.
  bool detached = true;
  /// Seeds the backoff jitter.
  uint64_t seed = 0;
};

flush_worker_actor spawn_flush_worker(caf::actor_system& sys, flush_worker_deps deps);

} // namespace skald::actors
