// runtime/tail/tail.hpp — Loki's live tail as plain C++ (read-path spec
// §1.3 `/loki/api/v1/tail`; Loki's pkg/querier/tail): the subscription that
// stream actors feed, the tailer's buffer (delay_for, 100 entries per
// response, dropped entries while the client is slow) and the response JSON
// (v1 and legacy).
//
// Owner: a subscription is shared by one tailer actor (actors/querier/
// tail.cpp) and the stream actors it is attached to; a tail_buffer belongs to
// the tailer actor alone.
// Invariants: (1) subscription::inflight counts entries a stream handed to
// the tailer and the tailer has not consumed yet; a stream hands entries over
// only while inflight stays within max_inflight, otherwise it records them as
// dropped (never blocks, never queues more); (2) dropped entries are capped at
// 1000 per response (Loki's maxDroppedEntriesPerTailResponse), the first ones
// kept; (3) entries leave a tail_buffer in timestamp order, only once
// now > ts + delay_for (Loki's Tailer.next).
// Thread safety: subscription members are safe from any thread; tail_buffer
// is not thread-safe. CAF-free.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/logql/ast.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/util/status.hpp"

namespace skald::tail {

/// Loki's constants (pkg/querier/tail/tail.go, pkg/loghttp/tail.go).
inline constexpr size_t max_entries_per_response = 100;
inline constexpr size_t max_dropped_per_response = 1000;
inline constexpr size_t max_buffered_responses = 10;
inline constexpr int64_t max_delay_for_seconds = 5;

struct dropped_entry {
  int64_t ts = 0;
  model::label_set labels;
};

/// One tail session's interest in a tenant's streams.
class subscription {
public:
  /// What a subscription is to the tenant that holds it: a session fed by
  /// the streams and counted against max_concurrent_tail_requests (one
  /// tailer alone), only the feed of several sessions of one query (not
  /// counted: its sessions are), or one of those sessions (counted, never
  /// fed: matches() is false).
  enum class role : uint8_t { session, feed, member };

  subscription(std::string tenant, std::vector<std::vector<logql::label_matcher>> groups,
               size_t max_inflight, role r = role::session)
      : tenant_(std::move(tenant)), groups_(std::move(groups)), max_inflight_(max_inflight),
        role_(r) {}

  const std::string& tenant() const { return tenant_; }
  /// Whether a stream with these labels feeds this subscription (never for
  /// a member).
  bool matches(const model::label_set& stream) const;
  /// Whether it counts against max_concurrent_tail_requests.
  bool counted() const { return role_ != role::feed; }

  /// Stream side: reserves room for `n` entries; false when the tailer is
  /// behind (then call record_dropped).
  bool admit(size_t n);
  /// Tailer side: `n` entries were consumed.
  void release(size_t n);
  size_t inflight() const { return inflight_.load(std::memory_order_acquire); }

  /// Stream side: entries not handed over (capped, see invariant 2).
  void record_dropped(const model::label_set& labels, const int64_t* ts, size_t n);
  /// Tailer side: what the streams dropped since the last call.
  std::vector<dropped_entry> take_dropped();
  /// Entries dropped by streams, ever (metrics and tests).
  uint64_t dropped_total() const { return dropped_total_.load(std::memory_order_acquire); }

  void close() { closed_.store(true, std::memory_order_release); }
  bool closed() const { return closed_.load(std::memory_order_acquire); }

private:
  std::string tenant_;
  std::vector<std::vector<logql::label_matcher>> groups_;
  size_t max_inflight_;
  role role_;
  std::atomic<size_t> inflight_{0};
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> dropped_total_{0};
  std::mutex mtx_;
  std::vector<dropped_entry> dropped_;
};

/// A stream's labels with their v1 JSON object, made once per stream actor
/// and shared by every entry whose final labels are the stream's (no copy
/// per entry, no rendering per entry).
struct stream_labels {
  model::label_set labels;
  /// `{"name":"value",...}` as render_v1 writes a label set.
  std::string json;
};

std::shared_ptr<const stream_labels> make_stream_labels(model::label_set labels);

/// One entry after the pipeline, as a tail response carries it.
struct tail_entry {
  int64_t ts = 0;
  std::string line;
  /// Final labels: stream, structured metadata and parsed labels (unless
  /// `shared` holds them).
  model::label_set labels;
  /// For categorize-labels: the original stream labels, the entry's
  /// structured metadata and the parsed labels (the rest of `labels`).
  model::label_set stream;
  model::label_set metadata;
  model::label_set parsed;
  /// When set: the final labels are these stream labels (`labels` empty).
  std::shared_ptr<const stream_labels> shared;
  /// When not empty: this entry's v1 stream object, rendered once
  /// (render_v1_stream) for every tailer that sends it.
  std::string json;

  const model::label_set& final_labels() const { return shared ? shared->labels : labels; }
};

/// Entries are immutable once made: tailers of one query share them.
using entry_ptr = std::shared_ptr<const tail_entry>;

/// One websocket message's content.
struct tail_response {
  std::vector<entry_ptr> entries;
  std::vector<dropped_entry> dropped;
};

/// The tailer's pending entries (Loki's Tailer heap and loop).
class tail_buffer {
public:
  /// `delay_ns`: delay_for; `max_pending`: entries held at most (beyond,
  /// the oldest is dropped and reported).
  tail_buffer(int64_t delay_ns, size_t max_pending) : delay_(delay_ns), max_pending_(max_pending) {}

  void add(entry_ptr e);
  void add(tail_entry e) { add(std::make_shared<const tail_entry>(std::move(e))); }
  /// Records an entry that was dropped (capped at 1000 until sent).
  void drop(int64_t ts, const model::label_set& labels);
  void drop_all(std::vector<dropped_entry> d);

  /// The next response: up to 100 entries whose time has come, oldest
  /// first, plus the dropped ones. When `blocked` (the client's queue is
  /// full) those entries are dropped instead and nothing is returned.
  std::optional<tail_response> next(int64_t now_ns, bool blocked);
  /// Puts a response that could not be sent back as dropped entries.
  void drop_response(const tail_response& r);

  /// ns until the earliest pending entry may leave; -1 when none is pending.
  int64_t wait_ns(int64_t now_ns) const;
  size_t pending() const { return heap_.size(); }
  /// Entries that next() would hand out at `now_ns`, counted up to `cap`
  /// (O(cap), not O(pending)).
  size_t due(int64_t now_ns, size_t cap) const;
  size_t dropped() const { return dropped_.size(); }

private:
  int64_t delay_;
  size_t max_pending_;
  std::vector<entry_ptr> heap_; // min-heap by ts
  std::vector<dropped_entry> dropped_;
};

/// delay_for: seconds 0..5 (`delay_for can't be greater than 5`).
result<int64_t> parse_delay_for(const std::string* value);

/// v1 message: {"streams":[{"stream":{..},"values":[["<ns>","line"]]},...],
/// "dropped_entries":[{"labels":{..},"timestamp":"<ns>"}]} — one stream
/// object per entry, like Loki; dropped_entries only when non-empty. With
/// `categorize`: stream = original labels, a third element per entry, and
/// "encodingFlags":["categorize-labels"].
std::string render_v1(const tail_response& r, bool categorize);
/// One entry's v1 stream object (`{"stream":{..},"values":[[..]]}`), as
/// render_v1 writes it; render_v1 copies tail_entry::json when set.
std::string render_v1_stream(const tail_entry& e, bool categorize);
/// Legacy (/api/prom/tail) message: {"streams":[{"labels":"{..}","entries":
/// [{"ts":"<RFC3339Nano>","line":".."}]}],"dropped_entries":null|[{"Timestamp":
/// "<RFC3339Nano>","Labels":"{..}"}]}.
std::string render_legacy(const tail_response& r);
/// Go's time.Time JSON form (RFC3339Nano, UTC, trailing zeros trimmed).
std::string format_rfc3339_nano(int64_t ns);

} // namespace skald::tail
