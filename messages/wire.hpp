// messages/wire.hpp — the serialised forms of the write and read path's
// messages, for ingesters on other nodes (docs/cluster.md).
//
// Local sends keep their shared pointers (ingest_ptr, select_request_ptr,
// select_reply_ptr: no copy, no encoding). Only a request that crosses a node
// boundary is encoded, ONCE per ingester: the distributor encodes the streams
// of one ingester into an ingest_wire, whose bytes are a shared_ptr to const
// so every copy of the message (CAF copies on send, retries, several
// ingesters with the same stream set) shares one buffer (copy-on-write: the
// bytes are never changed after encoding). CAF serialises the bytes once per
// remote send (BASP); the receiving node's ingester gateway decodes them back
// into a push_batch / select_request and talks to its local ingester.
// Live tail across nodes uses the same layout: a remote tailer's
// subscription (tail_sub_wire) and the entries an ingester's tail relay
// forwards to it (tail_batch_wire, decoded into a push_batch of the stored
// entries so the tailer treats them like a local tail_batch).
//
// Format: a compact little-endian binary layout (u32/u64 fixed width,
// strings as u32 length + bytes), version byte first; decode() checks every
// length against the buffer and answers errc::invalid_argument on garbage
// (a peer of another version, a truncated buffer) — never reads out of
// bounds. The decoded push_batch's entry views point into one copy of the
// received bytes, kept alive by its push_storage.
//
// Owner: whoever holds the message; immutable after encoding.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include "messages/push.hpp"
#include "messages/query.hpp"
#include "messages/tail.hpp"
#include "runtime/util/status.hpp"

namespace skald {

namespace detail {

/// inspect() for a shared, immutable byte buffer: saved as a string, loaded
/// into a fresh buffer. A null buffer is saved as an empty string.
template <class Inspector>
typename Inspector::result_type inspect_shared_bytes(Inspector& f, const char* name,
                                                     std::shared_ptr<const std::string>& x) {
  if constexpr (Inspector::reads_state) {
    std::string empty;
    auto& s = x ? const_cast<std::string&>(*x) : empty; // saving only reads it
    return f(caf::meta::type_name(name), s);
  } else {
    auto buf = std::make_shared<std::string>();
    return f(caf::meta::type_name(name), *buf, caf::meta::load_callback([&x, buf]() -> caf::error {
               x = buf;
               return caf::none;
             }));
  }
}

} // namespace detail

/// The streams of one push for one ingester, encoded.
struct ingest_wire {
  std::shared_ptr<const std::string> bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ingest_wire& x) {
  return detail::inspect_shared_bytes(f, "ingest_wire", x.bytes);
}

/// A select request, encoded.
struct select_wire {
  std::shared_ptr<const std::string> bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, select_wire& x) {
  return detail::inspect_shared_bytes(f, "select_wire", x.bytes);
}

/// A select reply, encoded.
struct select_reply_wire {
  std::shared_ptr<const std::string> bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, select_reply_wire& x) {
  return detail::inspect_shared_bytes(f, "select_reply_wire", x.bytes);
}

/// Encodes streams `streams` (indexes into batch.request.streams, with their
/// batch.tokens) of a validated batch.
ingest_wire encode_ingest(const push_batch& batch, const std::vector<uint32_t>& streams);

/// Decodes an ingest_wire into a batch whose entries point into its own copy
/// of the bytes (labels canonical, fingerprints and tokens as sent).
result<push_batch> decode_ingest(const std::string& bytes);

select_wire encode_select(const select_request& req);
/// Rebuilds the matchers (regexes compiled again).
result<select_request> decode_select(const std::string& bytes);

/// Copied-out entries as they are; chunk snapshots in the chunk format
/// (mem_chunk::encode; decoded back into read-only chunks). Fails only when a
/// chunk cannot be encoded.
result<select_reply_wire> encode_select_reply(const select_reply& rep);
result<select_reply> decode_select_reply(const std::string& bytes);

/// A live tail subscription sent to the ingester gateway of another node
/// (docs/cluster.md, "Live tail over the cluster"), encoded.
struct tail_sub_wire {
  std::shared_ptr<const std::string> bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tail_sub_wire& x) {
  return detail::inspect_shared_bytes(f, "tail_sub_wire", x.bytes);
}

/// What a remote tailer asks of an ingester: the tenant, the selector's
/// matcher groups and how many entries may be unacknowledged at once.
struct tail_sub {
  std::string tenant;
  std::vector<std::vector<logql::label_matcher>> groups;
  uint32_t max_inflight = 0;
};

tail_sub_wire encode_tail_sub(const tail_sub& s);
/// Rebuilds the matchers (regexes compiled again).
result<tail_sub> decode_tail_sub(const std::string& bytes);

/// The entries an ingester's streams stored for one remote tailer since the
/// last message (the stored entries of each tail_batch, one stream record
/// per batch) and the entries they dropped for it, encoded.
struct tail_batch_wire {
  std::shared_ptr<const std::string> bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tail_batch_wire& x) {
  return detail::inspect_shared_bytes(f, "tail_batch_wire", x.bytes);
}

tail_batch_wire encode_tail_batches(const std::vector<tail_batch_ptr>& batches,
                                    const std::vector<tail::dropped_entry>& dropped);

/// A decoded tail_batch_wire: `batch` holds one stream per record (labels
/// canonical, fingerprint as sent, only the stored entries), its entries
/// pointing into its own copy of the bytes; `entries` counts them.
struct tail_batches {
  push_batch batch;
  std::vector<tail::dropped_entry> dropped;
  uint32_t entries = 0;
};

result<tail_batches> decode_tail_batches(const std::string& bytes);

} // namespace skald
