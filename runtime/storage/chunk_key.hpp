// runtime/storage/chunk_key.hpp — the name of a stored chunk object: Loki's
// external key and its filesystem encoding (spec §7.1, §7.3).
//
//   schema >= v12:  <tenant>/<fp>/<from>:<through>:<checksum>
//   schema <  v12:  <tenant>/<fp>:<from>:<through>:<checksum>
// lower-case hex without padding (Go %x; a negative time is "-" + hex),
// from/through in milliseconds (from rounded down, through rounded up from
// the chunk's ns bounds), checksum = CRC-32C of the whole stored object.
// The file path under storage_config.filesystem.directory is Loki's
// FSEncoder: v12+ keeps <tenant>/<fp>/ as directories and base64 (standard
// alphabet, padded) encodes the last element; < v12 base64-encodes the whole
// key into one file name. So identical chunks from replicas (same tenant,
// labels, bounds and bytes) get the same key and the same file.
//
// A tenant id becomes a directory name: valid_tenant() rejects what is not
// safe there (empty, ".", "..", '/', NUL, longer than 150 bytes — Loki's
// tenant rules already forbid all of these).
//
// Owner: pure functions, thread-safe. Invariant:
// parse_external_key(external_key(id, s)) == id for every valid id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/model/entry.hpp"
#include "runtime/util/status.hpp"

namespace skald::storage {

enum class key_schema : uint8_t {
  /// Loki schema v9–v11: "<tenant>/<fp>:<from>:<through>:<checksum>".
  v11 = 11,
  /// Loki schema v12+ (skald's default, v13): "<tenant>/<fp>/<from>:...".
  v12 = 12,
};

/// The identity of one stored chunk object.
struct chunk_id {
  std::string tenant;
  uint64_t fingerprint = 0;
  int64_t from_ms = 0;
  int64_t through_ms = 0;
  uint32_t checksum = 0;

  friend bool operator==(const chunk_id& a, const chunk_id& b) {
    return a.tenant == b.tenant && a.fingerprint == b.fingerprint && a.from_ms == b.from_ms &&
           a.through_ms == b.through_ms && a.checksum == b.checksum;
  }
};

/// What the index keeps per stored chunk: with the series' tenant and
/// fingerprint it names the object (id_of), and it carries the facts a
/// querier plans with. size is the object's byte size; entries its lines.
struct chunk_ref {
  int64_t from_ms = 0;
  int64_t through_ms = 0;
  uint32_t checksum = 0;
  uint32_t size = 0;
  uint32_t entries = 0;
  /// Decompressed bytes of the chunk (mem_chunk::uncompressed_size(): the
  /// entry records of every block), what index/volume counts like Loki's
  /// ChunkMeta.KB. 0 = unknown (refs written by index format v1).
  uint32_t uncompressed = 0;

  friend bool operator==(const chunk_ref& a, const chunk_ref& b) {
    return a.from_ms == b.from_ms && a.through_ms == b.through_ms && a.checksum == b.checksum &&
           a.size == b.size && a.entries == b.entries && a.uncompressed == b.uncompressed;
  }
  friend bool operator!=(const chunk_ref& a, const chunk_ref& b) { return !(a == b); }
};

inline chunk_id id_of(std::string tenant, uint64_t fingerprint, const chunk_ref& r) {
  return chunk_id{std::move(tenant), fingerprint, r.from_ms, r.through_ms, r.checksum};
}

/// Loki's rounding of chunk bounds: from = floor(min_ts / 1ms),
/// through = ceil(max_ts / 1ms).
int64_t floor_ms(model::timestamp_ns ts) noexcept;
int64_t ceil_ms(model::timestamp_ns ts) noexcept;

/// ok if `tenant` can be a directory name (see the header comment).
status valid_tenant(std::string_view tenant);

/// Loki's SchemaConfig.ExternalKey.
std::string external_key(const chunk_id& id, key_schema schema = key_schema::v12);

/// Parses either key form (TestParseExternalKey); errc::invalid_argument
/// on anything else.
result<chunk_id> parse_external_key(std::string_view key);

/// The object's path relative to the store root (Loki's FSEncoder).
std::string fs_key(const chunk_id& id, key_schema schema = key_schema::v12);

/// Standard base64 with '=' padding, and its inverse (nullopt-like error on
/// bad input).
std::string base64_encode(std::string_view bytes);
result<std::string> base64_decode(std::string_view text);

} // namespace skald::storage
