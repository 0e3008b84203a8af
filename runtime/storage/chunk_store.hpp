// runtime/storage/chunk_store.hpp — chunk objects on a file system: one file
// per flushed chunk under storage_config.filesystem.directory
// (docs/storage-layout.md).
//
//   put():  encode the object (header + tenant + labels + chunk bytes),
//           checksum = CRC-32C of it, key = <tenant>/<fp>/<from>:<through>:<crc>
//           (chunk_key.hpp), and unless that file exists already (a replica
//           wrote the identical chunk: no duplicate, `deduped`), write it
//           with write_atomic (temp file, fsync, rename, fsync dir).
//   get():  read the file, verify the CRC against the key and that the
//           header matches the key; errc::corrupt_record otherwise,
//           errc::not_found if it is missing.
// A chunk ref may be given to the index only after put() succeeded, so the
// index never names a chunk that is not durable (index.hpp).
//
// Owner: the flush workers call put(); the querier's store reader calls
// get(). Thread-safe (its only state is a cache of created directories and
// the paths of failed puts, under a mutex) if the file_system is. Blocking I/O: detached actors
// only. REQUIRES: the file_system outlives the store.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/storage/chunk_key.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/util/status.hpp"

namespace skald::storage {

/// "SKC1": the first four bytes of every chunk object.
inline constexpr uint32_t chunk_object_magic = 0x534B4331;
inline constexpr uint8_t chunk_object_version = 1;

/// The fields of a chunk object besides the chunk bytes.
struct chunk_object_header {
  std::string tenant;
  uint64_t fingerprint = 0;
  int64_t from_ms = 0;
  int64_t through_ms = 0;
  uint32_t entries = 0;
  model::label_set labels;
};

/// The stored object (docs/storage-layout.md §2). Deterministic: the same
/// header and bytes always give the same object (no ingestion time inside).
std::string encode_chunk_object(const chunk_object_header& h, std::string_view chunk_bytes);

struct decoded_chunk_object {
  chunk_object_header header;
  std::string_view chunk_bytes; // points into the object
};

/// Checks magic, version, reserved bytes and lengths (not the CRC: the key
/// holds it). errc::corrupt_record on any mismatch.
result<decoded_chunk_object> decode_chunk_object(std::string_view object);

/// A chunk read back from the store.
struct stored_chunk {
  chunk_object_header header;
  /// The chunk in docs/chunk-format.md (chunkenc::mem_chunk::decode).
  std::string chunk_bytes;
};

/// A chunk read back without copying its bytes out of the object (queries:
/// chunkenc::mem_chunk::decode_shared(object, chunk_offset, chunk_size)).
struct shared_stored_chunk {
  chunk_object_header header;
  std::shared_ptr<const std::string> object;
  size_t chunk_offset = 0;
  size_t chunk_size = 0;
};

struct put_result {
  chunk_ref ref;
  /// The object existed already (identical chunk from a replica or a retry).
  bool deduped = false;
};

class chunk_store {
public:
  chunk_store(file_system& fs, std::string root, key_schema schema = key_schema::v12);

  /// Stores one chunk of the series (tenant, fingerprint, labels) whose
  /// entries span [min_ts, max_ts] (ns; rounded to ms outward).
  /// errc::invalid_argument for an unusable tenant, errc::io_error when a
  /// write fails (nothing visible then; retry).
  result<put_result> put(std::string_view tenant, uint64_t fingerprint,
                         const model::label_set& labels, model::timestamp_ns min_ts,
                         model::timestamp_ns max_ts, uint32_t entries,
                         std::string_view chunk_bytes);

  /// Reads and verifies the chunk named by (tenant, fingerprint, ref).
  result<stored_chunk> get(std::string_view tenant, uint64_t fingerprint, const chunk_ref& ref);

  /// get() without the copy of the chunk bytes (same checks).
  result<shared_stored_chunk> get_shared(std::string_view tenant, uint64_t fingerprint,
                                         const chunk_ref& ref);

  /// True if the object file exists (no verification).
  result<bool> contains(std::string_view tenant, uint64_t fingerprint, const chunk_ref& ref);

  /// Removes the temp files crashed puts left behind (<tenant>/<fp>/*.tmp-*),
  /// walking every tenant directory except index/. For startup, before any
  /// put of this process (a concurrent put's temp file would be removed and
  /// that put would fail). Returns the number of files removed.
  result<size_t> remove_temp_files();

  /// Absolute path of the object.
  std::string path_of(const chunk_id& id) const;

  const std::string& root() const noexcept { return root_; }
  key_schema schema() const noexcept { return schema_; }

private:
  status ensure_dir(const std::string& dir);

  file_system& fs_;
  std::string root_;
  key_schema schema_;
  std::mutex mu_;
  std::set<std::string> dirs_;     // directories known to exist (durably)
  std::set<std::string> unsynced_; // paths of failed puts: sync the dir on dedupe
};

} // namespace skald::storage
