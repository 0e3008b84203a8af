// runtime/push/json_decode.hpp — Loki's JSON push bodies (spec §1.4).
//
//   v1     {"streams":[{"stream":{"<name>":"<value>",...},
//                       "values":[["<unix ns>","<line>"],["<ns>","<line>",{"k":"v"}]]}]}
//   legacy {"streams":[{"labels":"{foo=\"bar\"}",
//                       "entries":[{"ts":"<RFC3339Nano>","line":"...",
//                                   "structuredMetadata":[{"name":"k","value":"v"}]}]}]}
//
// Parsed in situ with rapidjson's SAX reader (iterative, so nesting depth
// cannot overflow the stack): string values are unescaped in place inside the
// caller's buffer, and lines are string_views into it — no per-line copy.
//
// v1 details, as Loki's jsonparser-based decoder does them:
//   * unknown keys anywhere are ignored; `values: null` and null entries are
//     skipped; the first JSON value of the body is used, trailing bytes ignored;
//   * entry[0] must be a string holding a base-10 int64 of ns; entry[1] a
//     string; entry[2] an object of string values (structured metadata, kept
//     in the given order); further elements are ignored; missing elements
//     leave ts = Go's zero time (saturated, see proto_decode.hpp) / line = "";
//   * label values that are not strings (numbers, true, null, objects, arrays)
//     are taken verbatim as their raw JSON text; duplicate keys: last wins;
//   * the label object becomes `{k1="v1", k2="v2"}` (keys sorted, unquoted;
//     values Go-quoted) and is parsed by the caller like any label string, so
//     an invalid key fails there (`couldn't parse labels: ...`).
// Legacy: field names as in logproto's JSON (`streams`, `labels`, `entries`,
// `ts`, `line`, `structuredMetadata` with `name`/`value`), matched ASCII
// case-insensitively like Go's decoders; `ts` is RFC 3339 with optional
// fraction and Z or ±hh:mm offset.
//
// Raw control characters (< 0x20) inside strings: Go's decoders let them
// through, rapidjson refuses them. decode_push_request_json reports that case
// (`control_char`), and decode_push retries once on a copy rewritten by
// escape_control_chars_in_strings() — a slow path only sloppy clients take.
// Invalid UTF-8 is passed through unchanged (as in Loki).
#pragma once

#include <deque>
#include <vector>

#include "runtime/push/decompress.hpp"
#include "runtime/push/proto_decode.hpp"
#include "runtime/push/push_request.hpp"
#include "runtime/util/status.hpp"

namespace skald::push {

/// A decoded JSON stream: label text is owned (v1 builds it).
struct json_stream {
  std::string labels;
  std::vector<model::entry_view> entries;
};

/// Decodes a JSON body in place. `buf` must be writable and NUL-terminated at
/// buf[size] (rapidjson's in-situ stream stops at NUL). Views point into buf.
/// Errors: errc::invalid_argument; `control_char` is set when the failure was
/// a raw control character inside a string (see above).
result<std::vector<json_stream>> decode_push_request_json(char* buf, size_t size, json_format fmt,
                                                          std::deque<model::label_set>& metadata,
                                                          bool* control_char = nullptr);

/// Copy of `in` in which every byte < 0x20 inside a JSON string is replaced by
/// its escape (\t, \n, \u0001 ...); NUL-terminated (size excludes the NUL).
byte_buffer escape_control_chars_in_strings(std::string_view in);

} // namespace skald::push
