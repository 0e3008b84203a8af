// messages/tail.hpp — what live tail's actors say to each other.
//
//   tailer ──(tail_atom, tail_request_ptr)──► ingester ──► tenant instance
//        (the tenant checks max_concurrent_tail_requests, keeps the request
//         for streams created later, and forwards it to every matching stream)
//   stream ──(tail_atom, tail_batch_ptr)──► tailer   after each append that
//        stored entries, when the subscription admits them (non-blocking)
//   worker pool ──(tail_hist_atom, tail_history_ptr, error)──► tailer   once
//
// Local only, like ingest_ptr: shared_ptrs whitelisted with
// CAF_ALLOW_UNSAFE_MESSAGE_TYPE, not in the type-ID block.
// Owner: the tailer creates the request; a batch is immutable once sent (it
// shares the push batch, whose storage keeps the lines alive), except its
// memo: tailers running the same query share their pipeline's output for the
// batch there (under its mutex), so N tailers of one query evaluate it once.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "messages/push.hpp"
#include "runtime/tail/tail.hpp"

namespace skald {

struct tail_request {
  std::shared_ptr<tail::subscription> sub;
  /// Receives (tail_atom, tail_batch_ptr).
  caf::actor tailer;
};

using tail_request_ptr = std::shared_ptr<const tail_request>;

/// Entries one stream stored in one append: batch->request.streams[index],
/// the entries at `stored` (indexes into its entries).
/// The entries a query's pipeline kept from one batch, by query identity
/// (the address of the tailers' shared query key).
struct tail_memo {
  std::mutex mtx;
  std::vector<std::pair<const void*, std::shared_ptr<const std::vector<tail::tail_entry>>>> kept;
};

struct tail_batch {
  ingest_ptr batch;
  uint32_t index = 0;
  std::vector<uint32_t> stored;
  /// Set when the batch goes to several tailers (else null).
  std::shared_ptr<tail_memo> memo;
};

using tail_batch_ptr = std::shared_ptr<const tail_batch>;

/// The history a tail starts with (oldest first), from the worker pool.
using tail_history_ptr = std::shared_ptr<std::vector<tail::tail_entry>>;

} // namespace skald

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::tail_request_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::tail_batch_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(skald::tail_history_ptr)
