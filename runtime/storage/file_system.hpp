// runtime/storage/file_system.hpp — the I/O seam of the chunk store and the
// index (G10): an interface with a POSIX implementation, an in-memory one for
// tests, and an error-injecting wrapper that fails chosen operations.
//
// The operations are the few the stores need, each whole-file and
// synchronous, so that a crash or an injected failure can only happen
// between or inside these calls:
//   write_file  create/truncate, write everything, fsync (when sync)
//   append_file append everything, fdatasync (when sync)
//   rename      atomic replace of the target (POSIX rename)
//   sync_dir    fsync a directory, making a rename/create durable
// write_atomic() composes them into "temp file + fsync + rename + fsync dir":
// the target path holds either the old content or all of the new, never a
// part.
//
// Paths are plain '/'-separated strings; memory_fs treats them literally
// (no normalisation of "." or "//"), so callers build them with join_path.
//
// Owner: shared by the stores of one process. posix_fs keeps no state per
// instance (a process-wide count of direct writes, an aligned staging buffer
// per thread) and is thread-safe; memory_fs and error_fs lock internally and are thread-safe.
// Blocking: every posix_fs call may block on the disk; call it from detached
// actors only (the chunk-store actor, the flush workers).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/status.hpp"

namespace skald::storage {

class file_system {
public:
  virtual ~file_system() = default;

  /// Creates or truncates `path` and writes `data`; fsyncs it when `sync`.
  /// The parent directory must exist.
  virtual status write_file(const std::string& path, std::string_view data, bool sync) = 0;
  /// Appends `data` to `path` (creating it); fdatasyncs when `sync`.
  virtual status append_file(const std::string& path, std::string_view data, bool sync) = 0;
  /// The whole file; errc::not_found if it does not exist.
  virtual result<std::string> read_file(const std::string& path) = 0;
  /// Atomically replaces `to` with `from`.
  virtual status rename(const std::string& from, const std::string& to) = 0;
  /// Removes a file; errc::not_found if it does not exist.
  virtual status remove(const std::string& path) = 0;
  /// mkdir -p; ok if it exists already.
  virtual status create_dirs(const std::string& path) = 0;
  /// fsyncs a directory (entries created or renamed in it become durable).
  virtual status sync_dir(const std::string& path) = 0;
  /// True if a file or directory exists at `path`.
  virtual result<bool> exists(const std::string& path) = 0;
  /// Names (not paths) of the entries of a directory, sorted;
  /// errc::not_found if it does not exist.
  virtual result<std::vector<std::string>> list_dir(const std::string& path) = 0;
};

/// a + "/" + b (no double slash when a ends in '/'; b alone when a is empty).
std::string join_path(std::string_view a, std::string_view b);
/// Everything before the last '/' ("" if none).
std::string_view parent_path(std::string_view path) noexcept;

/// Temp files end with this marker plus a unique suffix; directory listings
/// of the stores skip names containing it.
inline constexpr std::string_view temp_marker = ".tmp-";
bool is_temp_name(std::string_view name) noexcept;

/// Writes `data` to `path` atomically and durably: a unique temp file in the
/// same directory, fsync, rename over `path`, fsync the directory. On
/// failure the temp file is removed (best effort) and `path` is untouched.
status write_atomic(file_system& fs, const std::string& path, std::string_view data);

// -- implementations ---------------------------------------------------------

/// The real file system (open/write/fsync/rename via POSIX). Files 0644,
/// directories 0755. EINTR and short writes are retried.
///
/// A synced write_file of at least direct_min_size bytes (a chunk object, an
/// index segment) bypasses the page cache: O_DIRECT from an aligned copy
/// padded to a page, ftruncate to the real size, fsync. The flush workers'
/// objects are written once and read rarely, and a buffered write copies
/// every byte into freshly allocated page-cache pages (the main cost of
/// flushing next to the WAL, itself O_DIRECT). File systems that refuse
/// O_DIRECT (EINVAL) get the buffered write; the result is the same file.
class posix_fs final : public file_system {
public:
  static constexpr size_t direct_min_size = 64 * 1024;
  /// Direct writes done by every posix_fs of the process (tests, stats).
  static uint64_t direct_writes() noexcept { return direct_writes_.load(); }

  status write_file(const std::string& path, std::string_view data, bool sync) override;
  status append_file(const std::string& path, std::string_view data, bool sync) override;
  result<std::string> read_file(const std::string& path) override;
  status rename(const std::string& from, const std::string& to) override;
  status remove(const std::string& path) override;
  status create_dirs(const std::string& path) override;
  status sync_dir(const std::string& path) override;
  result<bool> exists(const std::string& path) override;
  result<std::vector<std::string>> list_dir(const std::string& path) override;

private:
  static std::atomic<uint64_t> direct_writes_;
};

/// Files in a map, for tests. Directories are implicit in file paths plus
/// those made by create_dirs; writing into a missing directory fails as it
/// would on disk. Counts operations for assertions.
class memory_fs final : public file_system {
public:
  status write_file(const std::string& path, std::string_view data, bool sync) override;
  status append_file(const std::string& path, std::string_view data, bool sync) override;
  result<std::string> read_file(const std::string& path) override;
  status rename(const std::string& from, const std::string& to) override;
  status remove(const std::string& path) override;
  status create_dirs(const std::string& path) override;
  status sync_dir(const std::string& path) override;
  result<bool> exists(const std::string& path) override;
  result<std::vector<std::string>> list_dir(const std::string& path) override;

  /// Test helpers: all file paths, and direct (unchecked) mutation.
  std::vector<std::string> files() const;
  void put(const std::string& path, std::string data);
  size_t syncs() const;

private:
  bool dir_exists_locked(const std::string& dir) const;

  mutable std::mutex mu_;
  std::map<std::string, std::string> files_;
  std::set<std::string> dirs_;
  size_t syncs_ = 0;
};

/// Wraps another file system and fails the operations a decider picks. A
/// failed write_file/append_file first writes the first half of its data
/// (a torn write, as a crash or full disk leaves it); a failed rename,
/// remove, create_dirs or sync_dir does nothing. Reads, exists and list_dir
/// are never failed.
class error_fs final : public file_system {
public:
  enum class op : uint8_t { write, append, rename, remove, create_dirs, sync_dir };
  /// Called for every mutating operation with its 0-based sequence number;
  /// true = fail it.
  using decider = std::function<bool(op, const std::string& path, uint64_t seq)>;

  explicit error_fs(file_system& inner, decider d = {}) : inner_(inner), decide_(std::move(d)) {}

  /// Fails every operation with seq >= n (a crash after n operations).
  static decider fail_from(uint64_t n);
  /// Fails operations whose seq % k == k - 1 (every k-th).
  static decider fail_every(uint64_t k);

  void set_decider(decider d);
  uint64_t ops() const noexcept { return seq_.load(); }
  uint64_t failures() const noexcept { return failures_.load(); }

  status write_file(const std::string& path, std::string_view data, bool sync) override;
  status append_file(const std::string& path, std::string_view data, bool sync) override;
  result<std::string> read_file(const std::string& path) override;
  status rename(const std::string& from, const std::string& to) override;
  status remove(const std::string& path) override;
  status create_dirs(const std::string& path) override;
  status sync_dir(const std::string& path) override;
  result<bool> exists(const std::string& path) override;
  result<std::vector<std::string>> list_dir(const std::string& path) override;

private:
  bool fail(op o, const std::string& path);

  file_system& inner_;
  std::mutex mu_;
  decider decide_;
  std::atomic<uint64_t> seq_{0};
  std::atomic<uint64_t> failures_{0};
};

} // namespace skald::storage
