#include "runtime/push/decode.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "runtime/model/label_parse.hpp"
#include "runtime/push/decompress.hpp"
#include "runtime/push/json_decode.hpp"
#include "runtime/push/proto_decode.hpp"

namespace skald::push {

namespace {

constexpr std::string_view too_large_prefix = "request body too large: ";

bool is_token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7F)
    return false;
  return std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

status too_large(const std::string& msg) {
  return status{errc::too_large, std::string{too_large_prefix} + msg};
}

/// Post-processing of one stream (spec §1.3 step 4), through `cache` when
/// there is one (label_cache.hpp: same result as resolve_stream_labels).
status finish_stream(std::string_view raw_labels, std::vector<model::entry_view>&& entries,
                     const decode_limits& limits, label_cache* cache, uint64_t tag,
                     push_request& out) {
  if (raw_labels.size() > max_stream_labels_size)
    return too_large("stream labels size " + humanize_bytes(raw_labels.size()) +
                     " exceeds limit of " + humanize_bytes(max_stream_labels_size));
  push_stream s;
  if (cache != nullptr) {
    auto hit = cache->resolve(raw_labels, limits.discover_service_name, tag);
    if (!hit)
      return hit.error();
    s.label_set = (*hit)->label_set;
    s.labels = (*hit)->labels;
    s.fingerprint = (*hit)->fingerprint;
  } else {
    auto fresh = resolve_stream_labels(raw_labels, limits.discover_service_name);
    if (!fresh)
      return fresh.error();
    s.label_set = std::move(fresh->label_set);
    s.labels = std::move(fresh->labels);
    s.fingerprint = fresh->fingerprint;
  }
  s.entries = std::move(entries);
  for (const auto& e : s.entries) {
    ++out.lines;
    out.line_bytes += e.line.size();
    if (e.metadata)
      for (const auto& l : *e.metadata)
        out.metadata_bytes += l.name.size() + l.value.size();
  }
  out.streams.push_back(std::move(s));
  return {};
}

} // namespace

std::vector<std::string> decode_limits::default_discover_service_name() {
  return {"service",
          "app",
          "application",
          "app_name",
          "name",
          "app_kubernetes_io_name",
          "container",
          "container_name",
          "k8s_container_name",
          "component",
          "workload",
          "job",
          "k8s_job_name"};
}

size_t decode_limits::effective_max_decompressed() const noexcept {
  if (max_decompressed_size == 0 && max_recv_msg_size > 0)
    return 50 * max_recv_msg_size;
  return max_decompressed_size;
}

json_format json_format_for_uri(std::string_view uri) {
  std::string lower{uri};
  for (auto& c : lower)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return lower.find("/loki/api/v1") != std::string::npos ? json_format::v1 : json_format::legacy;
}

result<std::string> parse_media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  std::string mt{trim(content_type.substr(0, semi))};
  for (auto& c : mt)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  size_t i = 0;
  while (i < mt.size() && is_token_char(mt[i]))
    ++i;
  if (i == 0)
    return status{errc::invalid_argument, "mime: no media type"};
  if (i == mt.size() || mt[i] != '/')
    return status{errc::invalid_argument, "mime: expected slash after first token"};
  size_t j = i + 1;
  while (j < mt.size() && is_token_char(mt[j]))
    ++j;
  if (j == i + 1)
    return status{errc::invalid_argument, "mime: expected token after slash"};
  if (j != mt.size())
    return status{errc::invalid_argument, "mime: unexpected content after media subtype"};
  if (semi != std::string_view::npos) {
    // Parameters are ignored by Loki, but a malformed one fails ParseMediaType.
    auto params = content_type.substr(semi);
    while (!params.empty()) {
      params.remove_prefix(1); // ';'
      auto next = params.find(';');
      auto p = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view{} : params.substr(next);
      if (p.empty())
        continue;
      auto eq = p.find('=');
      if (eq == std::string_view::npos || eq == 0)
        return status{errc::invalid_argument, "mime: invalid media parameter"};
    }
  }
  return mt;
}

int http_status_for(errc code) noexcept {
  switch (code) {
  case errc::none:
    return 204;
  case errc::invalid_argument:
    return 400;
  case errc::unauthenticated:
    return 401;
  case errc::too_large:
    return 413;
  case errc::rate_limited:
    return 429;
  default:
    return 500;
  }
}

std::string humanize_bytes(uint64_t n) {
  static const char* sizes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  if (n < 10)
    return std::to_string(n) + " B";
  double e = std::floor(std::log(static_cast<double>(n)) / std::log(1000.0));
  auto idx = static_cast<size_t>(e);
  double val = std::floor(static_cast<double>(n) / std::pow(1000.0, e) * 10 + 0.5) / 10;
  char buf[64];
  std::snprintf(buf, sizeof(buf), val < 10 ? "%.1f %s" : "%.0f %s", val, sizes[idx]);
  return buf;
}

result<push_request> decode_push(std::string_view content_type, std::string_view content_encoding,
                                 std::string_view body, const decode_limits& limits,
                                 json_format fmt, label_cache* cache) {
  if (limits.max_recv_msg_size > 0 && body.size() > limits.max_recv_msg_size)
    return too_large("message size too large than max (" + std::to_string(body.size()) + " vs " +
                     std::to_string(limits.max_recv_msg_size) + ")");
  bool gzip = false, deflate = false;
  if (content_encoding == "gzip") {
    gzip = true;
  } else if (content_encoding == "deflate") {
    deflate = true;
  } else if (!content_encoding.empty() && content_encoding != "snappy") {
    std::string msg = "Content-Encoding ";
    model::append_go_quote(msg, content_encoding);
    msg += " not supported";
    return status{errc::invalid_argument, std::move(msg)};
  }
  auto media = parse_media_type(content_type);
  if (!media)
    return media.error();
  const bool json = *media == "application/json";
  const size_t max_dec = limits.effective_max_decompressed();
  const uint64_t tag = cache != nullptr ? discovery_tag(limits.discover_service_name) : 0;

  // Stage 1: undo Content-Encoding. JSON gets one extra NUL for the in-situ parser.
  const size_t extra = json ? 1 : 0;
  byte_buffer stage1;
  std::string_view payload = body;
  if (gzip || deflate) {
    auto r =
        inflate_limited(gzip ? stream_codec::gzip : stream_codec::deflate, body, max_dec, extra);
    if (!r) {
      if (r.error().code() == errc::too_large)
        return too_large(r.error().message());
      return r.error();
    }
    stage1 = std::move(*r);
    payload = std::string_view{stage1.data.get(), stage1.size};
  }

  auto storage = std::make_shared<push_storage>();
  push_request out;
  if (json) {
    if (!stage1.data) { // need a private, writable, NUL-terminated copy
      stage1.data.reset(new char[body.size() + 1]);
      std::memcpy(stage1.data.get(), body.data(), body.size());
      stage1.data[body.size()] = '\0';
      stage1.size = body.size();
    }
    if (stage1.size == 0)
      return status{errc::invalid_argument, "EOF"};
    bool control_char = false;
    auto streams = decode_push_request_json(stage1.data.get(), stage1.size, fmt, storage->metadata,
                                            &control_char);
    if (!streams && control_char) {
      // Slow path: raw control characters inside strings, which Go accepts.
      // The in-situ parse has clobbered stage1: start again from the input.
      std::string_view pristine = body;
      byte_buffer again;
      if (gzip || deflate) {
        auto r = inflate_limited(gzip ? stream_codec::gzip : stream_codec::deflate, body, max_dec);
        if (!r)
          return r.error();
        again = std::move(*r);
        pristine = std::string_view{again.data.get(), again.size};
      }
      stage1 = escape_control_chars_in_strings(pristine);
      again = byte_buffer{};
      storage->metadata.clear();
      streams = decode_push_request_json(stage1.data.get(), stage1.size, fmt, storage->metadata);
    }
    if (!streams)
      return streams.error();
    out.streams.reserve(streams->size());
    for (auto& s : *streams)
      if (auto st = finish_stream(s.labels, std::move(s.entries), limits, cache, tag, out);
          !st.ok())
        return st;
    storage->bytes = std::move(stage1.data);
    storage->size = stage1.size;
  } else {
    auto raw = snappy_uncompress_limited(payload, max_dec);
    if (!raw) {
      if (raw.error().code() == errc::too_large)
        return too_large(raw.error().message());
      return raw.error();
    }
    stage1 = byte_buffer{}; // the snappy payload is no longer needed
    auto streams =
        decode_push_request_proto(std::string_view{raw->data.get(), raw->size}, storage->metadata);
    if (!streams)
      return streams.error();
    out.streams.reserve(streams->size());
    for (auto& s : *streams)
      if (auto st = finish_stream(s.labels, std::move(s.entries), limits, cache, tag, out);
          !st.ok())
        return st;
    storage->bytes = std::move(raw->data);
    storage->size = raw->size;
  }
  out.storage = std::move(storage);
  return out;
}

} // namespace skald::push
