// runtime/push/push_request.hpp — a decoded Loki push body.
//
// What decode_push() (runtime/push/decode.hpp) returns: the streams of one HTTP
// push, labels parsed and canonicalised exactly as Loki's HTTP push parser
// leaves them for the distributor (spec §1.3 step 4), entries as zero-copy
// views into the decoded body.
//
// Ownership and lifetime:
//   * push_request::storage owns every byte the views point at: the
//     decompressed body (lines, for protobuf and JSON) and the structured
//     metadata label sets (entry_view::metadata); extra_storage owns lines
//     rewritten later (truncation in validation::validate_push).
//   * push_request is copyable; copies share `storage` (shared_ptrs to const),
//     so every entry_view of every copy stays valid while ANY copy, or any copy
//     of the `storage` pointer, is alive. A component that keeps a subset of the
//     streams (e.g. the distributor's per-ingester batches) keeps `storage` too.
//   * Nothing in storage is mutated after decode_push returns: safe to read
//     from several threads.
//
// Invariants (after a successful decode_push):
//   (1) streams[i].labels == model::canonical_string(streams[i].label_set).
//   (2) streams[i].label_set is sorted by name with no empty values; it MAY
//       contain duplicate names (the validator rejects them, spec §3.2).
//   (3) streams[i].fingerprint == model::fingerprint(streams[i].label_set).
//   (4) streams with zero entries are kept (Loki's distributor skips them; a
//       request with zero streams is 422 there, one with only empty streams is
//       204) — see validation::missing_streams_message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"

namespace skald::push {

/// Bytes a push_request's views point into. Immutable once decoding is done.
struct push_storage {
  std::unique_ptr<char[]> bytes; // decompressed body (+1 NUL byte for JSON)
  size_t size = 0;
  /// Structured metadata of the entries that have some; deque: stable addresses.
  std::deque<model::label_set> metadata;
};

struct push_stream {
  /// Canonical label string (Prometheus labels.String()), service_name added
  /// when discovery applied. This is what Loki puts in StreamAdapter.labels for
  /// the distributor, and what its validation messages print.
  std::string labels;
  model::label_set label_set;
  /// Prometheus StableHash of label_set (Loki StreamAdapter.hash).
  uint64_t fingerprint = 0;
  /// Entries in request order (Loki does not sort them).
  std::vector<model::entry_view> entries;
};

struct push_request {
  std::vector<push_stream> streams;
  /// Keeps every entry_view in `streams` valid; shared by copies.
  std::shared_ptr<const push_storage> storage;
  /// Bytes of lines rewritten after decoding (validation::validate_push puts
  /// truncated lines here); null when none. Same sharing rules as `storage`.
  std::shared_ptr<const void> extra_storage;
  /// Totals over all entries: number of lines, Σ len(line), Σ (len(name) +
  /// len(value)) of structured metadata. Loki's "bytes received" statistics.
  size_t lines = 0;
  size_t line_bytes = 0;
  size_t metadata_bytes = 0;
};

/// Which JSON shape /application/json bodies have: chosen by the request URI
/// (spec §1.1: v1 iff the lower-cased URI contains "/loki/api/v1").
enum class json_format : uint8_t { v1, legacy };

/// json_format for a request URI (path plus query).
json_format json_format_for_uri(std::string_view uri);

/// Request-level limits of the HTTP push parser (Loki 3.7/HEAD defaults).
struct decode_limits {
  /// distributor.max_recv_msg_size: the body as received. 0 = unlimited.
  size_t max_recv_msg_size = size_t{100} << 20;
  /// distributor.max_decompressed_size: bytes after gzip/deflate/snappy.
  /// 0 = 50 * max_recv_msg_size (unlimited if that is 0 too).
  size_t max_decompressed_size = size_t{5000} << 20;
  /// limits_config.discover_service_name: when non-empty and a stream has no
  /// service_name (and is not an internal stream), service_name is set to the
  /// value of the first of these labels that is present, else
  /// "unknown_service". Empty = no discovery.
  std::vector<std::string> discover_service_name = default_discover_service_name();

  static std::vector<std::string> default_discover_service_name();

  /// max_decompressed_size after applying the 0 rule.
  size_t effective_max_decompressed() const noexcept;
};

/// A single stream's label text may not exceed 16 MiB (Loki's guard).
inline constexpr size_t max_stream_labels_size = size_t{1} << 24;

} // namespace skald::push
