// runtime/wal/file_system.hpp — the small file layer the WAL needs, as a seam.
//
// The WAL touches the disk only through file_system and writable_file, so
// tests swap in memory_file_system (runtime/wal/test_fs.hpp) or wrap either in
// fault_injection_file_system, which fails the Nth append/sync/create with a
// chosen error (disk full, I/O error), optionally after writing part of the
// data, and can drop unsynced bytes to imitate a power cut (G10).
// (runtime/storage is getting a general file_system on its own branch; this
// one is deliberately private to runtime/wal and can be swapped for it later.)
//
// Owner: the WAL writer actor holds one file_system (normally
// posix_file_system()) for its writer and checkpoint writer; replay uses it
// before the node is ready. Implementations are not required to be
// thread-safe; the WAL uses one from one actor at a time.
//
// Error mapping (posix): ENOSPC and EDQUOT -> errc::disk_full; ENOENT ->
// errc::not_found; every other failure -> errc::io_error. The message holds
// the operation, the path and strerror.
//
// Invariants:
//   (1) writable_file::append() either writes all of `data` or returns an
//       error; after an error some prefix of `data` may be in the file, which
//       truncate() can cut off again.
//   (2) create() never opens an existing file (O_EXCL): WAL files are written
//       once, by one writer.
//   (3) a file from create_direct() holds, after every append() returned ok,
//       the bytes appended so far followed by fewer than direct_io_block zero
//       bytes (none once the appends end on a block boundary): the padding of
//       O_DIRECT writes (docs/wal-format.md §2, segment format v2). It is
//       never cut off (a crash leaves it anyway); readers skip it.
//   (4) a file from open_zero_filled() keeps its length: it holds the bytes
//       appended after its first `used` bytes, then the zeros that
//       create_zero_filled() wrote (format v3's zero tail), until truncate().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/status.hpp"

namespace skald::wal {

/// Alignment of direct (O_DIRECT) writes: file offsets, lengths and buffer
/// addresses are multiples of it, so a direct file may end in up to
/// direct_io_block - 1 zero bytes of padding (invariant 3). 4096 covers
/// devices with 512-byte and 4 KiB logical blocks.
inline constexpr size_t direct_io_block = 4096;

class writable_file {
public:
  virtual ~writable_file() = default;

  /// Appends all of data with as many write(2) calls as it takes (one,
  /// normally). See invariant (1).
  virtual status append(std::string_view data) = 0;

  /// Zero-copy appends (see append_aligned()): how many bytes of the
  /// file's last partial direct_io_block must come in front of the new data.
  /// 0 unless the file writes whole blocks (a posix create_direct() file).
  virtual size_t aligned_prefix() const noexcept { return 0; }

  /// append() of buf[p, p + len), p = aligned_prefix(), without a copy: buf
  /// is aligned to direct_io_block, has room for p + len rounded up to a
  /// block, and starts with the file's last p bytes, so a direct file writes
  /// whole blocks straight from it (it may overwrite the bytes after
  /// p + len, up to the block boundary, with zero padding; buf[0, p + len)
  /// is left as it was). Same contract as append(), invariant (1).
  /// Default: append({buf + p, len}).
  virtual status append_aligned(char* buf, size_t len) {
    return append(std::string_view{buf + aligned_prefix(), len});
  }

  /// Cuts the file to `size` bytes (to drop a partly written batch).
  virtual status truncate(uint64_t size) = 0;

  /// fdatasync(2): the appended bytes survive a power cut.
  virtual status sync() = 0;

  /// Closes the descriptor; further calls fail. Idempotent.
  virtual status close() = 0;
};

/// statvfs(2) of the file system holding a path.
struct disk_space {
  /// Used plus available bytes (df's view; the posix implementation leaves
  /// out blocks reserved for root).
  uint64_t total_bytes = 0;
  /// Bytes an unprivileged writer may still use.
  uint64_t available_bytes = 0;

  /// Used fraction in [0, 1] (0 when total is 0): compare with
  /// ingester.wal.disk_full_threshold to refuse pushes before ENOSPC.
  double used_fraction() const noexcept {
    if (total_bytes == 0)
      return 0;
    auto avail = available_bytes > total_bytes ? total_bytes : available_bytes;
    return static_cast<double>(total_bytes - avail) / static_cast<double>(total_bytes);
  }
};

class file_system {
public:
  virtual ~file_system() = default;

  /// Creates a new, empty file for appending; fails if it exists.
  virtual result<std::unique_ptr<writable_file>> create(const std::string& path) = 0;

  /// Like create(), but the appends may bypass the page cache (posix:
  /// O_DIRECT, each append one pwrite(2) of whole direct_io_block blocks,
  /// the last partial block rewritten by the next append): no copy into the
  /// page cache, and append() returns once the device has the bytes. The
  /// file may then end in zero padding (invariant 3). Where the file system
  /// refuses O_DIRECT the file is written like create()'s. Default: create().
  virtual result<std::unique_ptr<writable_file>> create_direct(const std::string& path) {
    return create(path);
  }

  /// Creates `path` (fails if it exists) holding `head` followed by zero
  /// bytes up to `size` bytes in all, written and fdatasync'd: a segment
  /// zero-filled ahead of time (runtime/wal/preallocate.hpp), so a later
  /// direct write into it overwrites allocated, written blocks (no block
  /// allocation, extent conversion or size change on the hot path). posix:
  /// O_DIRECT writes of 8 MiB from a zero buffer (an io_error where O_DIRECT
  /// is refused: nothing to gain there). On failure the file is removed.
  /// Default: an io_error (not supported), so callers fall back to
  /// create_direct().
  virtual status create_zero_filled(const std::string& path, std::string_view head, uint64_t size) {
    (void)head;
    (void)size;
    return status{errc::io_error, "create " + path + ": zero-filled files not supported"};
  }

  /// Opens a file made by create_zero_filled() for appends after its first
  /// `used` bytes (`used` <= its size, the bytes before are kept): the
  /// appends overwrite the zeros, the file keeps its length (invariant 4).
  /// posix: like create_direct() (O_DIRECT, whole blocks). Default: an
  /// io_error (not supported).
  virtual result<std::unique_ptr<writable_file>> open_zero_filled(const std::string& path,
                                                                  uint64_t used) {
    (void)used;
    return status{errc::io_error, "open " + path + ": zero-filled files not supported"};
  }

  /// Replaces `out` with the whole content of the file (reusing its capacity).
  virtual status read_file(const std::string& path, std::string& out) = 0;

  /// read_file() for a file that is not expected in the page cache (one
  /// written by create_direct()): posix reads it with O_DIRECT in large
  /// blocks, without filling the page cache. Default: read_file().
  virtual status read_file_direct(const std::string& path, std::string& out) {
    return read_file(path, out);
  }

  /// The names (not paths) of the entries of dir, unsorted; not "." or "..".
  virtual result<std::vector<std::string>> list_dir(const std::string& dir) = 0;

  /// mkdir -p.
  virtual status create_dirs(const std::string& dir) = 0;

  /// rename(2): atomic, replaces `to` if it is a file or an empty dir.
  virtual status rename(const std::string& from, const std::string& to) = 0;

  /// Removes a file; not_found if it does not exist.
  virtual status remove_file(const std::string& path) = 0;

  /// rm -r; ok if it does not exist.
  virtual status remove_all(const std::string& path) = 0;

  /// fsync(2) of a directory: makes creates, renames and removes in it durable.
  virtual status sync_dir(const std::string& dir) = 0;

  /// Size and free space of the file system holding path.
  virtual result<disk_space> space(const std::string& path) = 0;
};

/// The real thing (POSIX, process-wide, stateless).
file_system& posix_file_system();

/// dir + "/" + name (no separator doubling when dir ends with '/').
std::string join_path(std::string_view dir, std::string_view name);

} // namespace skald::wal
