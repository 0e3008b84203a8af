// runtime/push/proto_decode.hpp — zero-copy decoder of logproto.PushRequest.
//
// Why hand-written (and not the generated push.pb.h classes): the generated
// parser copies every line into a std::string (one allocation per line, plus
// one per message object); this decoder walks the protobuf wire format once and
// hands out string_views into the caller's buffer — no per-line allocation.
// tests/unit/push/proto_decode_test.cpp checks it against libprotobuf's parser
// on generated bodies, and the fuzz target runs it on arbitrary bytes.
//
// Wire format (spec §2.1; field: number wire-type):
//
//   PushRequest      { streams: 1 LEN (StreamAdapter)*, format: 2 LEN }
//   StreamAdapter    { labels: 1 LEN, entries: 2 LEN (EntryAdapter)*, hash: 3 VARINT }
//   EntryAdapter     { timestamp: 1 LEN (Timestamp), line: 2 LEN,
//                      structuredMetadata: 3 LEN (LabelPairAdapter)*,
//                      parsed: 4 LEN (LabelPairAdapter)* }   // parsed: dropped
//   Timestamp        { seconds: 1 VARINT int64, nanos: 2 VARINT int32 }
//   LabelPairAdapter { name: 1 LEN, value: 2 LEN }
//
// Behaviour matches Loki's gogo-generated Unmarshal: unknown fields (any wire
// type, groups included) are skipped; a known field with the wrong wire type,
// a truncated varint/length, a length past the end, a varint longer than 10
// bytes, field number 0 or wire type 6/7 are errors; the last occurrence of a
// scalar field wins; strings are NOT checked for UTF-8 (gogo does not). A
// timestamp outside [0001-01-01, 10000-01-01) or nanos outside [0, 1e9) is an
// error, as in gogo's StdTimeUnmarshal. An absent timestamp is Go's zero time
// (0001-01-01). Timestamps are stored as int64 ns since the epoch, saturated
// to the int64 range (years ~1677..2262); the validator rejects such entries
// as too old / too new, as Loki would.
#pragma once

#include <string_view>
#include <vector>

#include "runtime/model/entry.hpp"
#include "runtime/push/push_request.hpp"
#include "runtime/util/status.hpp"

namespace skald::push {

/// One StreamAdapter before label parsing; labels points into the buffer.
struct raw_stream {
  std::string_view labels;
  std::vector<model::entry_view> entries;
};

/// Decodes a PushRequest from `buf` (which must outlive the result). SM label
/// sets are appended to `metadata` (entry_view::metadata points into it).
/// Errors: errc::invalid_argument with gogo-like texts ("unexpected EOF",
/// "proto: wrong wireType = 0 for field Streams", ...).
result<std::vector<raw_stream>> decode_push_request_proto(std::string_view buf,
                                                          std::deque<model::label_set>& metadata);

/// Seconds/nanos to ns since the epoch, saturating to the int64 range.
model::timestamp_ns to_unix_nanos(int64_t seconds, int64_t nanos) noexcept;

} // namespace skald::push
