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
#pragma once

#include <string>
#include <string_view>

#include "runtime/ring/model.hpp"
#include "runtime/util/status.hpp"

namespace skald::ring {

std::string encode(const ring_desc& d);

result<ring_desc> decode(std::string_view bytes);

} // namespace skald::ring
