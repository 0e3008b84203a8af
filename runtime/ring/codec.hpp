// runtime/ring/codec.hpp — the wire encoding of a ring_desc for gossip
// between nodes (skald's own; dskit sends snappy(protobuf Desc)).
//
// Owner: the ring member actor encodes its state for push-pull and decodes
// what peers send; the bytes travel inside CAF messages as std::string, so
// no ring type has to be registered with CAF.
//
// Format (little room for surprise, checked on decode):
//   "SKR1" | varint count | count × instance
//   instance = str id | str addr | str zone | u8 state | zigzag timestamp |
//              zigzag registered_timestamp | varint n | n × varint delta
//   str = varint length | bytes; tokens delta-encoded from 0 (sorted).
// Invariant: decode(encode(d)) == d for normalised d; decode never reads
// past the input and rejects trailing bytes, unknown states, unsorted
// tokens and duplicate ids with errc::invalid_argument.
//
// Several rings travel in one gossip message (dskit's memberlist KV: one
// value per key, "collectors/ring", "collectors/distributor"):
//   "SKK1" | varint count | count × (str key | str encode(desc))
// keys non-empty, unique, ascending; decode_keys checks every value as
// decode() does and rejects the whole message on any error.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/ring/model.hpp"
#include "runtime/util/status.hpp"

namespace skald::ring {

std::string encode(const ring_desc& d);

result<ring_desc> decode(std::string_view bytes);

/// Ring key -> that ring's state (ordered: encodings are stable).
using ring_kv = std::map<std::string, ring_desc, std::less<>>;

std::string encode_keys(const ring_kv& kv);

/// The same bytes from borrowed rings (keys strictly ascending), so a
/// member encodes its state without copying it first.
std::string encode_keys(const std::vector<std::pair<std::string_view, const ring_desc*>>& kv);

result<ring_kv> decode_keys(std::string_view bytes);

} // namespace skald::ring
