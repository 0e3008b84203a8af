// actors/ingester/flush_worker.cpp — see flush_worker.hpp.
#include "actors/ingester/flush_worker.hpp"

#include <algorithm>
#include <optional>
#include <random>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
#include "runtime/ingester/flush_policy.hpp"
#include "runtime/ingester/flush_queue.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/storage/store.hpp"
#include "runtime/util/logging.hpp"

namespace skald::actors {

namespace {

/// Metric families shared by every worker of the process (atomics).
struct flush_metrics {
  metrics::counter_family* flushed = nullptr;
  metrics::counter* failures = nullptr;
  metrics::histogram* size = nullptr;
  metrics::histogram* entries = nullptr;
  metrics::histogram* utilization = nullptr;
  metrics::histogram* duration = nullptr;
  metrics::gauge* queue_length = nullptr;

  explicit flush_metrics(metrics::registry& r) {
    flushed = &r.counter("loki_ingester_chunks_flushed_total", "Total flushed chunks per reason.",
                         {"reason"});
    failures =
        &r.counter("loki_ingester_chunks_flush_failures_total", "Total number of flush failures.")
             .get();
    size = &r.histogram("loki_ingester_chunk_size_bytes",
                        "Distribution of stored chunk sizes (when stored).", {},
                        metrics::exponential_buckets(20000, 2, 10))
                .get();
    entries = &r.histogram("loki_ingester_chunk_entries",
                           "Distribution of stored lines per chunk (when stored).", {},
                           metrics::exponential_buckets(200, 2, 9))
                   .get();
    utilization = &r.histogram("loki_ingester_chunk_utilization",
                               "Distribution of stored chunk utilization (when stored).", {},
                               {0, 0.2, 0.4, 0.6, 0.8, 1.0})
                       .get();
    duration = &r.histogram("skald_ingester_flush_duration_seconds",
                            "Time to write one flush op (chunk objects and index batch), "
                            "retries included.")
                    .get();
    queue_length = &r.gauge("loki_ingester_flush_queue_length",
                            "The total number of series pending in the flush queue.")
                        .get();
  }
};

struct pending_op {
  flush_op_ptr op;
  caf::typed_response_promise<flush_reply> rp;
};

struct flush_worker_state {
  static inline const char* name = "skald.flush_worker";
  std::shared_ptr<flush_store> store;
  util::backoff_policy policy;
  std::chrono::nanoseconds op_timeout{0};
  std::shared_ptr<flush_metrics> m;
  ingester::flush_queue<pending_op> queue;
  /// The op being written (and retried).
  std::optional<pending_op> current;
  std::optional<util::backoff> backoff;
  caf::actor_clock::time_point started{};
  /// A flush_next is in the mailbox or pending as a delayed send.
  bool scheduled = false;
  std::mt19937_64 rng;
  // Admin console.
  admin::actor_stats admin;
  uint64_t ops_done = 0;
  uint64_t chunks_flushed = 0;
  uint64_t failures = 0;
};

using worker_ptr = flush_worker_actor::stateful_pointer<flush_worker_state>;

void schedule_next(worker_ptr self) {
  auto& st = self->state;
  if (st.scheduled)
    return;
  st.scheduled = true;
  self->send(self, flush_next_atom_v);
}

void finish(worker_ptr self, bool ok) {
  auto& st = self->state;
  const auto& op = *st.current->op;
  flush_reply r;
  r.ops = 1;
  r.chunks = static_cast<uint32_t>(op.chunks.size());
  r.failed = ok ? 0 : r.chunks;
  auto secs = std::chrono::duration<double>(self->clock().now() - st.started).count();
  st.m->duration->observe(secs);
  ++st.ops_done;
  if (ok)
    st.chunks_flushed += r.chunks;
  st.current->rp.deliver(r);
  st.current.reset();
  st.backoff.reset();
}

/// One attempt at the current op; on failure either schedules the retry or
/// gives up.
void attempt(worker_ptr self) {
  static auto logger = log::get("flush");
  auto& st = self->state;
  const auto& op = *st.current->op;
  std::vector<storage::flush_chunk> batch;
  batch.reserve(op.chunks.size());
  for (const auto& c : op.chunks)
    batch.push_back(storage::flush_chunk{c.min_ts, c.max_ts, c.entries, c.bytes, c.uncompressed});
  auto res = storage::write_chunks(*st.store->chunks, *st.store->index, op.tenant, op.labels,
                                   op.fingerprint, batch);
  if (res.ok()) {
    for (const auto& c : op.chunks) {
      st.m->flushed
          ->with({std::string{ingester::to_string(static_cast<ingester::flush_reason>(c.reason))}})
          .inc();
      st.m->size->observe(static_cast<double>(c.bytes.size()));
      st.m->entries->observe(static_cast<double>(c.entries));
      st.m->utilization->observe(c.utilization);
    }
    finish(self, true);
    schedule_next(self);
    return;
  }
  st.m->failures->inc();
  ++st.failures;
  auto now = self->clock().now();
  auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - st.started);
  bool expired = ingester::flush_op_expired(0, elapsed.count(), st.op_timeout);
  if (!st.backoff->ongoing() || expired) {
    SKALD_LOG_ERROR(logger,
                    "failed to flush {} chunks of tenant {} stream {} after {} retries, giving up "
                    "(they stay in memory): {}",
                    op.chunks.size(), op.tenant, op.fingerprint, st.backoff->retries(),
                    res.error().message());
    finish(self, false);
    schedule_next(self);
    return;
  }
  std::uniform_real_distribution<double> u{0.0, 1.0};
  // The last retry happens at flush_op_timeout, not a backoff step later
  // (Loki's op context ends the backoff's wait at its deadline).
  auto delay = std::min(st.backoff->next_delay(u(st.rng)), st.op_timeout - elapsed);
  SKALD_LOG_WARN(logger, "failed to flush tenant {} stream {} (retry {} in {} ms): {}", op.tenant,
                 op.fingerprint, st.backoff->retries(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
                 res.error().message());
  st.scheduled = true;
  self->delayed_send(self, delay, flush_next_atom_v);
}

flush_worker_actor::behavior_type flush_worker_fn(worker_ptr self, flush_worker_deps deps,
                                                  std::shared_ptr<flush_metrics> m) {
  auto& st = self->state;
  st.store = std::move(deps.store);
  st.policy = deps.backoff;
  st.op_timeout = deps.op_timeout;
  st.m = std::move(m);
  st.rng.seed(deps.seed);
  enlist(self, "flush_worker", "flush worker " + std::to_string(self->id()));
  auto info = [self](admin::actor_info& out) {
    const auto& st = self->state;
    out.numbers["queue_length"] = static_cast<int64_t>(st.queue.size());
    out.numbers["in_flight"] = st.current ? 1 : 0;
    out.numbers["retries"] = st.backoff ? static_cast<int64_t>(st.backoff->retries()) : 0;
    out.numbers["failures"] = static_cast<int64_t>(st.failures);
    out.numbers["ops"] = static_cast<int64_t>(st.ops_done);
    out.numbers["chunks_flushed"] = static_cast<int64_t>(st.chunks_flushed);
  };
  return admin_behavior<flush_worker_actor::behavior_type>(
      self, info,
      [=](flush_atom, const flush_op_ptr& op) -> caf::result<flush_reply> {
        auto& st = self->state;
        if (!op || op->chunks.empty())
          return flush_reply{};
        auto rp = self->make_response_promise<flush_reply>();
        auto key = ingester::flush_op_key(op->tenant, op->fingerprint, op->immediate);
        key += '-';
        key += model::canonical_string(op->labels);
        if (!st.queue.push(std::move(key), op->first_ts, pending_op{op, rp})) {
          // The stream has one op in flight at a time, so this is a bug
          // elsewhere; answer instead of dropping the promise.
          flush_reply r;
          r.failed = static_cast<uint32_t>(op->chunks.size());
          return r;
        }
        st.m->queue_length->inc();
        schedule_next(self);
        return rp;
      },
      [=](flush_next_atom) {
        auto& st = self->state;
        st.scheduled = false;
        if (!st.current) {
          auto next = st.queue.pop();
          if (!next)
            return;
          st.m->queue_length->dec();
          st.current = std::move(*next);
          st.backoff.emplace(st.policy);
          st.started = self->clock().now();
        }
        attempt(self);
      });
}

} // namespace

flush_worker_actor spawn_flush_worker(caf::actor_system& sys, flush_worker_deps deps) {
  auto& reg = deps.metrics ? *deps.metrics : metrics::default_registry();
  auto m = std::make_shared<flush_metrics>(reg);
  if (deps.detached)
    return sys.spawn<caf::detached>(flush_worker_fn, std::move(deps), std::move(m));
  return sys.spawn(flush_worker_fn, std::move(deps), std::move(m));
}

} // namespace skald::actors
