// runtime/push/decode.hpp — decode one HTTP push body the way Loki does (spec §1.3).
//
// The HTTP handler calls, on its I/O thread:
//
//   auto tenant = model::tenant_from_org_id(header, present);   // 401 / 400
//   auto req = push::decode_push(content_type, content_encoding, body,
//                                limits, push::json_format_for_uri(uri));
//   if (!req) reply(push::http_status_for(req.error().code()),
//                   req.error().message() + "\n");
//
// Steps, in Loki's order:
//   1. body larger than max_recv_msg_size -> 413.
//   2. Content-Encoding (exact match): "" and "snappy" -> body as is; "gzip";
//      "deflate" (raw DEFLATE); anything else -> 400
//      `Content-Encoding "<v>" not supported`.
//   3. Content-Type parsed as a MIME media type (Go mime.ParseMediaType:
//      lower-cased, parameters ignored). Empty -> 400 `mime: no media type`.
//      `application/json` -> JSON (v1 or legacy by URI); any other valid type
//      -> snappy-block-compressed protobuf PushRequest.
//   4. gzip/deflate output and snappy output are bounded by
//      max_decompressed_size -> 413.
//   5. Per stream: label text > 16 MiB -> 413; labels parsed
//      (`couldn't parse labels: <err>` -> 400); service_name discovery;
//      label string rewritten to the canonical form; fingerprint computed.
// Any error means no result at all (never a partial request).
//
// Error -> HTTP mapping (http_status_for): invalid_argument 400, too_large 413,
// unauthenticated 401, rate_limited 429; the body is the status message
// (Go's http.Error appends "\n"). 413 messages start with
// "request body too large: ".
#pragma once

#include <string_view>

#include "runtime/push/label_cache.hpp"
#include "runtime/push/push_request.hpp"
#include "runtime/util/status.hpp"

namespace skald::push {

/// `cache` (optional): step 5's label work through a label_cache (same
/// result, fewer parses; the caller owns it, one per thread).
result<push_request> decode_push(std::string_view content_type, std::string_view content_encoding,
                                 std::string_view body, const decode_limits& limits = {},
                                 json_format fmt = json_format::v1, label_cache* cache = nullptr);

/// Go mime.ParseMediaType's media type (lower-cased, no parameters), or its
/// error ("mime: no media type", "mime: expected slash after first token", ...).
result<std::string> parse_media_type(std::string_view content_type);

/// HTTP status for a status code produced by runtime/push, runtime/model
/// (tenant) and runtime/validation: 400, 401, 413, 429; 500 for anything else.
int http_status_for(errc code) noexcept;

/// Go humanize.Bytes (SI units): 16777216 -> "17 MB".
std::string humanize_bytes(uint64_t n);

} // namespace skald::push
