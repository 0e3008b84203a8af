// runtime/wal/layout.hpp — names of the files in the WAL directory, listing
// and cleanup.
//
//   <dir>/00000000, 00000001, ...          segments (8-digit index)
//   <dir>/checkpoint.00000007/00000000 ... checkpoint covering segments <= 7
//   <dir>/checkpoint.00000007.tmp/...      a checkpoint being written
//   <dir>/prealloc.00000003                a zero-filled segment made ahead
//                                          of time, not yet in use
//   <dir>/prealloc.00000004.tmp            one being zero-filled
//
// Owner: the WAL writer actor (cleanup after a checkpoint) and replay
// (before the node is ready). Pure functions over a file_system.
//
// Invariants:
//   (1) a checkpoint.N directory without ".tmp" is complete: it was renamed
//       from checkpoint.N.tmp only after all its files and the directory
//       were synced.
//   (2) checkpoint.N holds every stream's state as of some moment after
//       segment N was closed: replay needs checkpoint.N + segments > N.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/status.hpp"
#include "runtime/wal/file_system.hpp"

namespace skald::wal {

/// "00000042"
std::string segment_name(uint64_t index);
/// "checkpoint.00000042"
std::string checkpoint_name(uint64_t index);

/// Parses an 8-or-more digit segment name; nullopt for anything else.
std::optional<uint64_t> parse_segment_name(std::string_view name);
/// Parses "checkpoint.<digits>" (tmp = false) or "checkpoint.<digits>.tmp"
/// (tmp = true).
std::optional<uint64_t> parse_checkpoint_name(std::string_view name, bool tmp);
/// "prealloc.00000003": a segment file zero-filled ahead of time
/// (runtime/wal/preallocate.hpp). Numbered by its own sequence, not by
/// segment index: the writer renames it to the next segment's name when it
/// opens a segment.
std::string prealloc_name(uint64_t seq);
/// Parses "prealloc.<digits>" (tmp = false) or "prealloc.<digits>.tmp".
std::optional<uint64_t> parse_prealloc_name(std::string_view name, bool tmp);

struct dir_listing {
  /// Ascending.
  std::vector<uint64_t> segments;
  /// Complete checkpoints, ascending.
  std::vector<uint64_t> checkpoints;
  /// Names of checkpoint.N.tmp directories (incomplete checkpoints).
  std::vector<std::string> tmp_checkpoints;
  /// Complete zero-filled files (prealloc.N), ascending N. Not segments:
  /// replay and next_index ignore them.
  std::vector<uint64_t> preallocated;
  /// Names of prealloc.N.tmp files (being zero-filled, or left by a crash).
  std::vector<std::string> tmp_preallocated;
  /// Anything else (left alone).
  std::vector<std::string> other;

  std::optional<uint64_t> latest_checkpoint() const {
    if (checkpoints.empty())
      return std::nullopt;
    return checkpoints.back();
  }
  /// 1 + the largest index of any segment or checkpoint (tmp ones too); 0
  /// for an empty directory. A writer starts its first segment here.
  uint64_t next_index = 0;
};

/// Lists a WAL directory; a missing directory lists as empty.
result<dir_listing> list_wal_dir(file_system& fs, const std::string& dir);

struct cleanup_stats {
  size_t segments_removed = 0;
  size_t checkpoints_removed = 0;
};

/// After checkpoint.`index` is complete: removes segments <= index, older
/// checkpoints and every *.tmp checkpoint; syncs the directory. prealloc.*
/// files are left alone (the writer owns them; one may be being written). Stops at the
/// first failure (what is left is removed next time).
result<cleanup_stats> remove_obsolete(file_system& fs, const std::string& dir, uint64_t index);

} // namespace skald::wal
