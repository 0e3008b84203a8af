// messages/push.hpp — what the write path's actors say to each other.
//
//   HTTP edge ──(push_atom, push_job_ptr)──► distributor            (no reply;
//        the job carries its completion, called exactly once)
//   distributor ──(push_atom, ingest_ptr)──► ingester ──► tenant instance
//        ──(append_atom, ingest_ptr, stream index)──► stream ──► stream_reply
//        (WAL on: the tenant instance then logs the push's stored entries,
//        messages/wal.hpp, before it answers)
//   ... ◄── ingest_reply (status 0 = ok, else Loki's HTTP status and body)
//
// A push's bytes are decoded ONCE, on the HTTP I/O thread, into a push_batch:
// streams whose entries are entry_views into the decompressed body, which the
// batch keeps alive through `storage`. The distributor validates the batch in
// place (it is the only holder then), and freezes it into an ingest_ptr
// (shared_ptr<const>) that every ingester and stream actor reads; lines are
// copied exactly once, into the stream's head block.
//
// Local only: push_job_ptr and ingest_ptr are shared_ptrs, whitelisted with
// CAF_ALLOW_UNSAFE_MESSAGE_TYPE and deliberately NOT in the type-ID block
// (add_message_type cannot take them). The cluster issue needs a serializable
// ingest form (e.g. the canonical labels + entries as an inspectable struct, or
// the re-encoded protobuf bytes) for ingesters on other nodes.
//
// Owner: a push_job is created by the HTTP handler and owned by whoever holds
// the last pointer; its completion runs at most once (a second call is
// ignored), and if no one ever completes it, the destructor answers 503 so a
// dropped message (e.g. to an actor that exited) never leaves a client hanging.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>

#include "runtime/push/push_request.hpp"

namespace skald {

/// One decoded push request of one tenant. Before the distributor: as
/// runtime/push decoded it; after: only the valid streams and entries, with
/// their ring tokens (increment_duplicate_timestamp applied).
struct push_batch {
  std::string tenant;
  /// Streams (labels canonical, fingerprints set) and the storage their
  /// entry_views point into.
  push::push_request request;
  /// Ring token per stream (filled by the distributor).
  std::vector<uint32_t> tokens;
  /// Bytes of the body as received (Content-Length), for 413 accounting.
  uint64_t wire_bytes = 0;
};

/// What the distributor answers: 204 or Loki's status and text.
struct push_result {
  uint16_t status = 204;
  std::string body;
};

/// A push in flight: the batch plus its completion.
class push_job {
public:
  using completion = std::function<void(push_result)>;

  push_job(push_batch batch, completion done) : batch(std::move(batch)), done_(std::move(done)) {}
  push_job(const push_job&) = delete;
  push_job& operator=(const push_job&) = delete;
  ~push_job();

  /// Calls the completion once; later calls do nothing. Thread-safe.
  void complete(push_result r);

  bool completed() const noexcept { return completed_.load(std::memory_order_acquire); }

  push_batch batch;
  /// When the HTTP edge received it (steady clock, ns), for latency metrics.
  int64_t received_ns = 0;

private:
  completion done_;
  std::atomic<bool> completed_{false};
};

using push_job_ptr = std::shared_ptr<push_job>;

/// The validated push for ingesters: read-only, shared by every receiver.
using ingest_ptr = std::shared_ptr<const push_batch>;

/// An ingester's (or tenant instance's) answer to one ingest message.
struct ingest_reply {
  /// 0 = every stream stored; else the HTTP status of the last failing stream.
  uint16_t status = 0;
  /// Loki's error text of that stream (empty when status is 0).
  std::string message;
  /// Entries stored across all streams.
  uint32_t stored = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ingest_reply& x) {
  return f(caf::meta::type_name("ingest_reply"), x.status, x.message, x.stored);
}

/// With the WAL on: what the tenant instance logs for one stream's append
/// (messages/wal.hpp). count == 0: nothing to log.
struct stream_wal_record {
  /// Node-wide stream id (the WAL's "fingerprint") and incarnation.
  uint64_t wal_id = 0;
  uint64_t epoch = 0;
  /// The stream's WAL counter after these entries.
  uint64_t counter = 0;
  /// Entries to log; index holds their positions in the batch stream's
  /// entries (request order) unless all of them were stored (then empty).
  uint32_t count = 0;
  std::vector<uint32_t> index;
  /// Log the series record first (the stream's first record).
  bool series = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_wal_record& x) {
  return f(caf::meta::type_name("stream_wal_record"), x.wal_id, x.epoch, x.counter, x.count,
           x.index, x.series);
}

/// One stream actor's answer to an append.
struct stream_reply {
  uint16_t status = 0;
  std::string message;
  uint32_t stored = 0;
  uint32_t too_far_behind = 0;
  uint64_t too_far_behind_bytes = 0;
  uint32_t rate_limited = 0;
  uint64_t rate_limited_bytes = 0;
  /// WAL on: the stored entries, logged by the tenant instance before the
  /// push is acknowledged.
  stream_wal_record wal;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_reply& x) {
  return f(caf::meta::type_name("stream_reply"), x.status, x.message, x.stored, x.too_far_behind,
           x.too_far_behind_bytes, x.rate_limited, x.rate_limited_bytes, x.wal);
}

/// A stream's state, for tests and the admin console.
struct stream_stats {
  uint64_t entries = 0;
  uint32_t chunks = 0;
  int64_t highest_ts = 0;
  uint64_t memory_bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_stats& x) {
  return f(caf::meta::type_name("stream_stats"), x.entries, x.chunks, x.highest_ts,
           x.memory_bytes);
}

/// A stream's entries in timestamp order (tests; later the querier).
struct stream_dump {
  std::vector<int64_t> ts;
  std::vector<std::string> lines;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_dump& x) {
  return f(caf::meta::type_name("stream_dump"), x.ts, x.lines);
}

/// An ingester's or tenant instance's counts.
struct ingester_stats {
  uint32_t tenants = 0;
  uint32_t streams = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ingester_stats& x) {
  return f(caf::meta::type_name("ingester_stats"), x.tenants, x.streams);
}

} // namespace skald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::push_job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::ingest_ptr)
