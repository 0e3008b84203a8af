// runtime/config/ingester_config.hpp — the `ingester:` block: lifecycler and
// ring membership, chunk cutting and flushing, and the WAL.
//
// Read by actors/ingester (flush loop, flush workers, WAL writer, lifecycler)
// and runtime/ingester (flush policy, chunk sizes). Loki 3.x keys and defaults
// (write-path spec §4.4, §5.5–5.9, §6); skald-only keys say so in their help.
//
// Invariant after validate(): chunk_block_size > 0, chunk_target_size > 0,
// concurrent_flushes > 0, num_tokens > 0, replication_factor >= 1,
// flush_check_period > 0, 0 <= sync_min_utilization <= 1.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/config/binder.hpp"
#include "runtime/config/common_config.hpp"

namespace skald::config {

/// `ingester.lifecycler.ring:`
struct ingester_ring_config {
  kvstore_config kvstore;
  std::chrono::nanoseconds heartbeat_timeout{0};
  int replication_factor = 0;
  bool zone_awareness_enabled = false;
  std::chrono::nanoseconds auto_forget_unhealthy_period{0};

  ingester_ring_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.section(kvstore, "kvstore",
              "Ingester ring key-value store; when left at its default, common.ring.kvstore applies.");
    b.field(heartbeat_timeout, "heartbeat_timeout", 1min,
            "An instance whose last heartbeat is older is unhealthy; 0 means never.");
    b.field(replication_factor, "replication_factor", 3,
            "Number of ingesters each stream is written to; when left at its default, "
            "common.replication_factor applies.");
    b.field(zone_awareness_enabled, "zone_awareness_enabled", false,
            "Spread replicas across availability zones.");
    b.field(auto_forget_unhealthy_period, "auto_forget_unhealthy_period", 10min,
            "Members without a heartbeat for longer than this are removed from the ring "
            "(a tombstone is gossiped); 0 disables. skald's key: Loki only has "
            "ingester.autoforget_unhealthy (after heartbeat_timeout, off by default).");
  }

  status validate() const;
};

/// `ingester.lifecycler:` — this ingester's ring entry.
struct lifecycler_config {
  ingester_ring_config ring;
  int num_tokens = 0;
  std::chrono::nanoseconds heartbeat_period{0};
  std::chrono::nanoseconds join_after{0};
  std::chrono::nanoseconds observe_period{0};
  std::chrono::nanoseconds min_ready_duration{0};
  std::chrono::nanoseconds final_sleep{0};
  std::string tokens_file_path;
  std::string availability_zone;
  bool unregister_on_shutdown = false;
  bool readiness_check_ring_health = false;
  std::string address;
  int port = 0;
  std::string id;

  lifecycler_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.section(ring, "ring", "The ingester ring.");
    b.field(num_tokens, "num_tokens", 128, "Number of tokens this ingester owns in the ring.");
    b.field(heartbeat_period, "heartbeat_period", 5s, "How often the ring entry is refreshed.");
    b.field(join_after, "join_after", 0s, "Wait this long before claiming tokens and joining.");
    b.field(observe_period, "observe_period", 0s,
            "After claiming tokens, observe the ring this long to detect token conflicts.");
    b.field(min_ready_duration, "min_ready_duration", 15s,
            "Minimum time the ring must look healthy before /ready answers 200.");
    b.field(final_sleep, "final_sleep", 0s, "Sleep before exiting after leaving the ring.");
    b.field(tokens_file_path, "tokens_file_path", "",
            "File to store tokens in across restarts; empty disables it.");
    b.field(availability_zone, "availability_zone", "", "Zone of this ingester (zone awareness).");
    b.field(unregister_on_shutdown, "unregister_on_shutdown", true,
            "Remove this ingester from the ring on shutdown.");
    b.field(readiness_check_ring_health, "readiness_check_ring_health", true,
            "Only report ready when every ring member is ACTIVE and heartbeating.");
    b.field(address, "address", "", "Address to advertise in the ring; empty = common.instance_addr.");
    b.field(port, "port", 0, "Port to advertise in the ring; 0 = server.grpc_listen_port (where the node's "
            "CAF directory listens).");
    b.field(id, "id", "", "Instance ID in the ring; empty = the hostname.");
  }

  status validate() const;
};

/// `ingester.flush_op_backoff:`
struct backoff_config {
  std::chrono::nanoseconds min_period{0};
  std::chrono::nanoseconds max_period{0};
  int max_retries = 0;

  backoff_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(min_period, "min_period", 10s, "First retry delay of a failed flush.");
    b.field(max_period, "max_period", 1min, "Largest retry delay of a failed flush.");
    b.field(max_retries, "max_retries", 10, "Retries of a failed flush before giving up.");
  }

  status validate() const;
};

/// `ingester.wal:`
struct wal_config {
  bool enabled = false;
  std::string dir;
  std::chrono::nanoseconds checkpoint_duration{0};
  bool flush_on_shutdown = false;
  byte_size replay_memory_ceiling;
  double disk_full_threshold = 0;
  byte_size segment_size;
  std::string fsync;
  std::chrono::nanoseconds fsync_interval{0};
  bool direct_io = true;
  bool preallocate = false;
  int writer_nice = 0;
  byte_size ring_size;

  wal_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(enabled, "enabled", true, "Write every accepted push to the write-ahead log before acking.");
    b.field(dir, "dir", "wal",
            "WAL directory. The default (relative `wal`) is placed under common.path_prefix.");
    b.field(checkpoint_duration, "checkpoint_duration", 5min,
            "How often in-memory streams are checkpointed so old segments can be deleted.");
    b.field(flush_on_shutdown, "flush_on_shutdown", false,
            "Flush all chunks to storage on shutdown (otherwise they survive in the WAL).");
    b.field(replay_memory_ceiling, "replay_memory_ceiling", gib(4),
            "While replaying, flush chunks whenever memory in use passes 90% of this.");
    b.field(disk_full_threshold, "disk_full_threshold", 0.9,
            "Refuse pushes when the WAL disk is fuller than this fraction; 0 disables the check.");
    b.field(segment_size, "segment_size", mib(128),
            "skald only: size at which a WAL segment file is closed and a new one started "
            "(Loki uses 512MB fixed).");
    b.field(fsync, "fsync", "none",
            "skald only: none = ack once write(2) returned (survives a process crash, not power "
            "loss); batch = group-commit fsync every fsync_interval before acking.",
            opts().one_of({"none", "batch"}));
    b.field(fsync_interval, "fsync_interval", 10ms,
            "skald only: group-commit window when fsync is batch.");
    b.field(direct_io, "direct_io", true,
            "skald only: write segments with O_DIRECT (no copy into the page cache); falls back "
            "to buffered writes where the file system does not support it.");
    b.field(preallocate, "preallocate", false,
            "skald only: with direct_io, create and zero-fill the next segment ahead of time "
            "once the current one is 1/8 full (then one spare of segment_size on disk), so "
            "group commits overwrite written blocks instead of growing the file. Lowers the "
            "WAL's latency at 1 connection but cost throughput at 4 on the benchmark VM "
            "(docs/benchmarks.md), hence off by default.");
    b.field(writer_nice, "writer_nice", -10,
            "skald only: nice value of the WAL writer's thread (-20..19; 0 leaves it alone). A "
            "push is answered right after its WAL write returns, so the writer should not queue "
            "behind busy workers when the write completes. Raising priority needs "
            "CAP_SYS_NICE or RLIMIT_NICE; without either the writer keeps the default priority "
            "and logs it once.");
    b.field(ring_size, "ring_size", mib(32),
            "skald only: with fsync none, a push is acknowledged once its records are copied "
            "into a staging ring of this size (<dir>/ring, a file mapped shared: in the page "
            "cache, so it survives a process crash like a returned write(2)); a writer thread "
            "then copies them into the segments. 0 = no ring: acknowledge after the segment "
            "write. At least 1MiB. Not used with fsync batch. The writer keeps the newest half "
            "of the ring back (at most 200 ms) so that the chunk blocks streams cut can be "
            "written in place of the entries records they cover (docs/wal-format.md §6b).");
  }

  status validate() const;
};

struct ingester_config {
  lifecycler_config lifecycler;
  uint32_t concurrent_flushes = 0;
  std::chrono::nanoseconds flush_check_period{0};
  backoff_config flush_op_backoff;
  std::chrono::nanoseconds flush_op_timeout{0};
  std::chrono::nanoseconds chunk_retain_period{0};
  std::chrono::nanoseconds chunk_idle_period{0};
  uint64_t chunk_block_size = 0;
  uint64_t chunk_target_size = 0;
  std::string chunk_encoding;
  std::chrono::nanoseconds max_chunk_age{0};
  bool autoforget_unhealthy = false;
  std::chrono::nanoseconds sync_period{0};
  double sync_min_utilization = 0;
  uint32_t max_returned_stream_errors = 0;
  uint32_t index_shards = 0;
  wal_config wal;

  ingester_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.section(lifecycler, "lifecycler", "This ingester's ring membership.");
    b.field(concurrent_flushes, "concurrent_flushes", 32u, "Number of flush queues and workers.");
    b.field(flush_check_period, "flush_check_period", 30s,
            "How often to look for chunks to flush (jittered by +/-20%).");
    b.section(flush_op_backoff, "flush_op_backoff", "Retry policy of failed flushes.");
    b.field(flush_op_timeout, "flush_op_timeout", 10min, "Timeout of one flush operation.");
    b.field(chunk_retain_period, "chunk_retain_period", 0s,
            "How long flushed chunks stay in memory (and queryable) after flushing.");
    b.field(chunk_idle_period, "chunk_idle_period", 30min,
            "Flush a chunk that has received no entries for this long.");
    b.field(chunk_block_size, "chunk_block_size", uint64_t{262144},
            "Uncompressed bytes in the head block before it is cut into a compressed block.");
    b.field(chunk_target_size, "chunk_target_size", uint64_t{1572864},
            "Compressed size at which a chunk is considered full and cut.");
    b.field(chunk_encoding, "chunk_encoding", "snappy",
            "Compression of chunk blocks. skald defaults to snappy (as Loki's example configs and "
            "Helm chart do; Loki's flag default is gzip).",
            opts().one_of({"snappy", "gzip", "lz4", "zstd", "none"}));
    b.field(max_chunk_age, "max_chunk_age", 2h,
            "Flush a chunk whose entries span more than this; also sets the out-of-order window "
            "(max_chunk_age/2).");
    b.field(autoforget_unhealthy, "autoforget_unhealthy", false,
            "Remove ring members unhealthy for longer than the ring heartbeat_timeout.");
    b.field(sync_period, "sync_period", 1h,
            "Cut chunks at period boundaries (phase-shifted per stream) so replicas cut alike; "
            "0 disables.");
    b.field(sync_min_utilization, "sync_min_utilization", 0.1,
            "Only cut on a sync boundary when the chunk is at least this full.");
    b.field(max_returned_stream_errors, "max_returned_stream_errors", 10u,
            "Rejected entries listed per stream in a push error; 0 lists all.");
    b.field(index_shards, "index_shards", 32u, "Shards of the in-memory label index per tenant."
            " Accepted for compatibility; skald's tenant actor keeps one index.");
    b.section(wal, "wal", "Write-ahead log.");
  }

  status validate() const;
};

} // namespace skald::config
