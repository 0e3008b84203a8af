// actors/ingester/ingester_internal.hpp — what the ingester's actors share
// inside actors/ingester: the metrics and context of one ingester, and the
// stream actor's state and behaviour (stream_actor.cpp), spawned by the
// tenant actors (ingester.cpp). The stream actor owns its chunks
// exclusively; the context is immutable after spawn (the WAL id counter is
// atomic). Internal: no other directory includes it.
#pragma once

#include "actors/ingester/ingester.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
#include "runtime/chunkenc/iterator.hpp"
#include "runtime/ingester/flush_queue.hpp"
#include "runtime/ingester/limiter.hpp"
#include "runtime/ingester/wal_recovery.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/logql/source.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/util/logging.hpp"
#include "runtime/wal/format.hpp"
#include "runtime/model/label_parse.hpp"


namespace skald::actors::ingester_detail {

/// Metric children shared by all actors of one ingester (thread-safe atomics).
struct ingester_metrics {
  metrics::gauge* memory_chunks = nullptr;
  metrics::counter* chunks_created = nullptr;
  metrics::gauge_family* memory_streams = nullptr;
  metrics::counter_family* streams_created = nullptr;
  metrics::counter_family* streams_removed = nullptr;
  metrics::counter_family* discarded_samples = nullptr;
  metrics::counter_family* discarded_bytes = nullptr;

  explicit ingester_metrics(metrics::registry& r) {
    memory_chunks = &r.gauge("loki_ingester_memory_chunks", "The total number of chunks in memory.")
                       .get();
    chunks_created = &r.counter("loki_ingester_chunks_created_total",
                                "The total number of chunks created in the ingester.")
                        .get();
    memory_streams = &r.gauge("loki_ingester_memory_streams",
                              "The total number of streams in memory per tenant.", {"tenant"});
    streams_created = &r.counter("loki_ingester_streams_created_total",
                                 "The total number of streams created per tenant.", {"tenant"});
    streams_removed = &r.counter("loki_ingester_streams_removed_total",
                                 "The total number of streams removed per tenant.", {"tenant"});
    discarded_samples = &r.counter("loki_discarded_samples_total",
                                   "The total number of samples that were discarded.",
                                   {"reason", "tenant"});
    discarded_bytes = &r.counter("loki_discarded_bytes_total",
                                 "The total number of bytes that were discarded.",
                                 {"reason", "tenant"});
  }
};

struct shared_ctx {
  ingester_deps deps;
  ingester_metrics m;
  /// Next WAL stream id (node-wide; continued after the replayed ones).
  mutable std::atomic<uint64_t> next_wal_id{1};
  shared_ctx(ingester_deps d, metrics::registry& r) : deps(std::move(d)), m(r) {}
};

using ctx_ptr = std::shared_ptr<const shared_ctx>;

// -- stream ------------------------------------------------------------------

/// How a stream actor starts: fresh (from a push) or replayed from the WAL.
struct stream_init {
  std::unique_ptr<ingester::stream> s; // null: a fresh stream
  model::label_set label_set;
  uint64_t wal_id = 0;
  uint64_t epoch = 0;
  uint64_t counter = 0;
  /// Live tails that match the stream at its creation (messages/tail.hpp).
  std::vector<tail_request_ptr> tailers;
  /// The tenant actor (admin console).
  uint64_t parent = 0;
};

using init_ptr = std::shared_ptr<stream_init>;

/// A stream actor's block log (ring mode): hands the blocks its stream cuts
/// to the WAL staging ring as block records (actors/ingester/wal_writer.hpp).
class ring_block_log final : public ingester::block_log {
public:
  wal_ring_appender* ring = nullptr;
  uint64_t wal_id = 0;
  void on_block(wal::block_record& b) override;
};

struct stream_state {
  static inline const char* name = "skald.stream";
  std::unique_ptr<ingester::stream> s;
  std::string tenant;
  uint64_t limits_version = 0;
  ctx_ptr ctx;
  // WAL: this incarnation's id and epoch, and the entry counter of the last
  // append it applied (the tenant numbers and logs the entries: its
  // stream_slot; checkpoints report what is applied).
  model::label_set label_set;
  uint64_t wal_id = 0;
  uint64_t epoch = 0;
  uint64_t counter = 0;
  ring_block_log block_log;
  /// Appends applied (reported in flush replies: the tenant removes the
  /// stream only if it sent none since).
  uint64_t appends = 0;
  std::vector<uint32_t> stored_index;
  /// Attached live tails; each append's stored entries go to them.
  std::vector<tail_request_ptr> tailers;
  /// This stream's labels and their JSON for tail batches (made on the
  /// first batch a tailer takes).
  std::shared_ptr<const tail::stream_labels> tail_labels;
  admin::actor_stats admin;
  uint64_t admin_flushes = 0;
  // Flush: one op in flight at a time; immediate sweeps that arrive
  // meanwhile wait for it and then run.
  bool flushing = false;
  std::vector<std::function<void(const flush_reply&)>> flush_waiting;
};

/// The behaviour of one stream actor (stream_actor.cpp).
stream_actor::behavior_type stream_fn(stream_actor::stateful_pointer<stream_state> self,
                                      ctx_ptr ctx, std::string tenant, std::string labels,
                                      uint64_t fp, init_ptr init);

} // namespace skald::actors::ingester_detail
