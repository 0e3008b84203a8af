// messages/push.hpp — what the write path's actors say to each other.
//
//   HTTP edge ──(push_atom, push_job_ptr)──► distributor            (no reply;
//        the job carries its completion, called exactly once)
//   distributor ──(push_atom, ingest_ptr, ingest_done_ptr)──► ingester
//        ──► tenant instance ──(append_atom, stream_append_ptr)──► stream
//        (one message per stream, no reply: each stream actor writes its slot
//        of the push_round; the one that finishes last completes it)
//   WAL off: the last stream actor finishes the ingest_done itself.
//   WAL on:  right after the stream appends, the tenant sends the push's
//        entries to the WAL writer (messages/wal.hpp), which logs them while
//        the streams apply them; whichever finishes last — the last stream
//        actor or the writer after the write (and fsync) — finishes the
//        ingest_done: a push is acked only when applied AND logged.
//   ingest_done (status 0 = ok, else Loki's HTTP status and body): with one
//        replica the distributor's completes the push_job at once (the HTTP
//        response is posted from the thread that finished the push); request
//        callers ((push_atom, ingest_ptr) -> ingest_reply: RF > 1, the
//        cluster gateway, tests) get it as an ordinary CAF response.
//
// A push's bytes are decoded ONCE, on the HTTP I/O thread, into a push_batch:
// streams whose entries are entry_views into the decompressed body, which the
// batch keeps alive through `storage`. The distributor validates the batch in
// place (it is the only holder then), and freezes it into an ingest_ptr
// (shared_ptr<const>) that every ingester and stream actor reads; lines are
// copied exactly once, into the stream's head block.
//
// Local only: push_job_ptr, ingest_ptr, ingest_done_ptr, push_round_ptr and
// stream_append_ptr are shared_ptrs, whitelisted with
// CAF_ALLOW_UNSAFE_MESSAGE_TYPE and deliberately NOT in the type-ID block
// (add_message_type cannot take them). The cluster issue needs a serializable
// ingest form (e.g. the canonical labels + entries as an inspectable struct, or
// the re-encoded protobuf bytes) for ingesters on other nodes.
//
// Owner: a push_job is created by the HTTP handler and owned by whoever holds
// the last pointer; its completion runs at most once (a second call is
// ignored), and if no one ever completes it, the destructor answers 503 so a
// dropped message (e.g. to an actor that exited) never leaves a client hanging.
// The same holds one level down for ingest_done (request_receiver_down) and
// stream_append (the slot fails with 500).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_control_block.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
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

/// An ingester's answer to one push, given by whichever actor finishes the
/// push last (a stream actor, the tenant instance or the WAL writer) on its
/// own thread, without a reply message. Exactly once: later finish() calls
/// do nothing; one never finished (its message was dropped because an actor
/// on the way exited) answers request_receiver_down from its destructor, the
/// error a CAF request would have bounced with.
class ingest_done {
public:
  using callback = std::function<void(caf::expected<ingest_reply>)>;

  explicit ingest_done(callback cb) : cb_(std::move(cb)) {}
  ingest_done(const ingest_done&) = delete;
  ingest_done& operator=(const ingest_done&) = delete;
  ~ingest_done();

  /// Calls the callback once; later calls do nothing. Thread-safe.
  void finish(ingest_reply r);

  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }

private:
  bool claim() noexcept;

  callback cb_;
  std::atomic<bool> finished_{false};
};

using ingest_done_ptr = std::shared_ptr<ingest_done>;

/// With the WAL on: what the tenant instance logs for one stream's append
/// (messages/wal.hpp): every entry it sends the stream, logged while the
/// stream applies them.
struct stream_wal_record {
  /// Node-wide stream id (the WAL's "fingerprint") and incarnation.
  uint64_t wal_id = 0;
  uint64_t epoch = 0;
  /// The stream's WAL counter after these entries.
  uint64_t counter = 0;
  /// Entries to log: the batch stream's entries (all of them, request order).
  uint32_t count = 0;
  /// Log the series record first (the stream's first record).
  bool series = false;
};

/// What one stream actor did with its append: its slot of the push_round.
struct stream_reply {
  uint16_t status = 0;
  std::string message;
  uint32_t stored = 0;
  uint32_t too_far_behind = 0;
  uint64_t too_far_behind_bytes = 0;
  uint32_t rate_limited = 0;
  uint64_t rate_limited_bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_reply& x) {
  return f(caf::meta::type_name("stream_reply"), x.status, x.message, x.stored, x.too_far_behind,
           x.too_far_behind_bytes, x.rate_limited, x.rate_limited_bytes);
}

struct push_round;
using push_round_ptr = std::shared_ptr<push_round>;

/// One push's appends to the stream actors of one tenant instance
/// (actors/ingester): the tenant sends every stream actor a stream_append
/// naming its slot; a stream actor writes only its own slot; whoever counts
/// `pending` down to zero (acq_rel: every slot write happens before) calls
/// `on_last` once. Replaces a request/reply pair per stream by one message
/// per stream. With the WAL on, the WAL writer holds one more count: it
/// logs the push's entries while the streams apply them, sets wal_status /
/// wal_message and counts down after the write (after the fsync with
/// fsync=batch), so the push is answered once both are done.
struct push_round {
  ingest_ptr batch;
  ingest_done_ptr done;
  /// One per stream of the batch, in request order. Slot i is written by the
  /// tenant (stream limit) or by the actor that got stream_append i.
  std::vector<stream_reply> replies;
  /// Slots still being applied, plus one the tenant holds while sending,
  /// plus one for the WAL write (WAL on, something to log).
  std::atomic<uint32_t> pending{1};
  /// Completes the round: the actor that counted down last (host = its
  /// execution unit, or null: a dropped stream_append's destructor or the
  /// WAL writer's thread).
  void (*on_last)(const push_round_ptr& round, caf::execution_unit* host) = nullptr;
  /// WAL on: the write's verdict (0, or 503/500 and its text), set by the
  /// WAL writer before its count_down.
  uint16_t wal_status = 0;
  std::string wal_message;

  /// Counts one slot done; true for the one caller that completed the round.
  bool count_down() noexcept { return pending.fetch_sub(1, std::memory_order_acq_rel) == 1; }
};

/// One stream's share of a push_round: the message a stream actor gets. If
/// the stream actor exits with it still queued, CAF drops the message and
/// this destructor fails the slot (500) and counts it down, so the push is
/// still answered.
struct stream_append {
  push_round_ptr round;
  uint32_t index = 0;
  /// WAL on: the stream's WAL counter after these entries (the tenant logs
  /// them; the stream's checkpoint snapshot reports the counter it applied).
  uint64_t wal_counter = 0;
  /// Set by the stream actor once it wrote the slot.
  bool applied = false;

  stream_append(push_round_ptr r, uint32_t i, uint64_t counter = 0)
      : round(std::move(r)), index(i), wal_counter(counter) {}
  stream_append(const stream_append&) = delete;
  stream_append& operator=(const stream_append&) = delete;
  ~stream_append();
};

using stream_append_ptr = std::shared_ptr<stream_append>;

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
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::ingest_done_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::push_round_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::stream_append_ptr)
