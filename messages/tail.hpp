// messages/tail.hpp — what live tail's actors say to each other.
//
//   tailer ──(tail_atom, tail_request_ptr)──► ingester ──► tenant instance
//        (the tenant checks max_concurrent_tail_requests, keeps the request
//         for streams created later, and forwards it to every matching stream)
//   stream ──tail_inbox::put(tail_batch_ptr)   after each append that stored
//        entries, when the subscription admits them (non-blocking); the
//        stream sends (tail_atom) to wake the tailer only when the inbox was
//        idle (or crossed half of max_inflight): a busy tailer polls its
//        inbox every tail_poll_interval, so it gets at most one message per
//        tick instead of one per stream batch
//   stream ──(tail_atom, tail_batch_ptr)──► tailer   the same, for a request
//        without an inbox (one message per batch)
//   worker pool ──(tail_hist_atom, tail_history_ptr, error)──► tailer   once
//
// Single node (no ring): the sessions of one query (same tenant, query,
// delay_for and format) share one tail group actor (actors/querier/tail.cpp)
// that is the only one fed by the streams (subscription role feed); each
// session's own subscription (role member) only counts against
// max_concurrent_tail_requests.
//   session ──(tail_atom, tail_member_ptr)──► group   join; answered "" once
//        the group's feed is subscribed (or the ingester's error text)
//   group ──tail_member::ws->send_shared(frames)   frames rendered once for
//        every session whose history has gone out (tail_member::ready)
//   group ──(tail_atom, tail_share_ptr)──► session   the entries, to a session
//        still sending its history (it merges them as today's live entries)
//   group ──(tail_hist_atom, tail_history_ptr{}, error)──► session   the feed
//        failed: the session ends with 1011 and the text
//
// Local only, like ingest_ptr: shared_ptrs whitelisted with
// CAF_ALLOW_UNSAFE_MESSAGE_TYPE, not in the type-ID block.
// Owner: the tailer creates the request (and its inbox); a batch is
// immutable once sent (it shares the push batch, whose storage keeps the
// lines alive, and the stream's labels), except its memo: tailers running
// the same query share their pipeline's output for the batch there (entries
// made and rendered once, under its mutex), so N tailers of one query
// evaluate and render it once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "messages/push.hpp"
#include "runtime/tail/inbox.hpp"
#include "runtime/tail/tail.hpp"

namespace skald::http {
class websocket;
} // namespace skald::http

namespace skald {

/// The entries a query's pipeline kept from one batch, by query identity
/// (the address of the tailers' shared query key).
struct tail_memo {
  std::mutex mtx;
  std::vector<std::pair<const void*, std::shared_ptr<const std::vector<tail::entry_ptr>>>> kept;
};

/// Entries one stream stored in one append: batch->request.streams[index],
/// the entries at `stored` (indexes into its entries).
struct tail_batch {
  ingest_ptr batch;
  uint32_t index = 0;
  std::vector<uint32_t> stored;
  /// Set when the batch goes to several tailers (else null).
  std::shared_ptr<tail_memo> memo;
  /// The stream's labels and their JSON, made once per stream actor (null
  /// from senders that do not make them).
  std::shared_ptr<const tail::stream_labels> labels = nullptr;
};

using tail_batch_ptr = std::shared_ptr<const tail_batch>;

/// How often a tailer that received something looks into its inbox.
inline constexpr std::chrono::milliseconds tail_poll_interval{20};

/// Batches waiting for one tailer (runtime/tail/inbox.hpp): streams put,
/// the tailer takes them all at once.
using tail_inbox = tail::inbox<tail_batch_ptr>;

struct tail_request {
  std::shared_ptr<tail::subscription> sub;
  /// Receives (tail_atom) wake-ups, or (tail_atom, tail_batch_ptr) when
  /// `inbox` is null.
  caf::actor tailer;
  /// Where streams leave batches for the tailer (null: one message each).
  std::shared_ptr<tail_inbox> inbox = nullptr;
};

using tail_request_ptr = std::shared_ptr<const tail_request>;

/// The history a tail starts with (oldest first), from the worker pool.
using tail_history_ptr = std::shared_ptr<std::vector<tail::tail_entry>>;

/// One session of a tail group: its connection, and whether its history has
/// gone out (from then on the group writes to `ws` itself).
struct tail_member {
  caf::actor session;
  std::shared_ptr<http::websocket> ws;
  std::atomic<bool> ready{false};
};

using tail_member_ptr = std::shared_ptr<tail_member>;

/// Entries (and drops) a group hands a session that is not ready yet.
struct tail_share {
  std::vector<tail::entry_ptr> entries;
  std::vector<tail::dropped_entry> dropped;
};

using tail_share_ptr = std::shared_ptr<const tail_share>;

} // namespace skald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::tail_request_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::tail_batch_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::tail_history_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::tail_member_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::tail_share_ptr)
