// runtime/wal/ring.hpp — the WAL's staging ring (ingester.wal.ring_size,
// fsync = none): a fixed-size file in the WAL directory, mapped shared, that
// a push's records are copied into before the push is acknowledged; the
// segment writer copies them on into the segments afterwards ("drains").
//
// Why: with fsync = none the promise is "survives kill -9 of the process"
// (Loki's: its WAL is written without fsync). A store into a shared file
// mapping is in the kernel's page cache the moment it is made and survives
// the process exactly as a returned write(2) does, without the ~0.3 ms the
// segment's O_DIRECT write takes on the push's path. The ring's pages are
// reused lap after lap, so they cost no fresh-page faults after the first
// lap, and the kernel writes the ring file back only every
// dirty_expire_centisecs. Machine crash: like Loki with fsync none, the last
// seconds may be lost. fsync = batch does not use the ring.
//
// File (docs/wal-format.md §7):
//   [0, 4096)      header: "SKWLRING" | u32le version(=1) | u32le reserved(=0)
//                  | u64le data_size | u32le crc32c(bytes 0..23) | u32 0
//                  | ... zeros ... | at 64: u64le drained (see below)
//   [4096, +data_size)  data: records at logical offsets, position
//                  4096 + L % data_size; each is u64le L | a segment record
//                  frame (runtime/wal/format.hpp: crc | len | ver | type |
//                  payload). A record never wraps: where the next one does
//                  not fit before the end of the data, the writer puts
//                  u64le (L | ring_skip_bit) (if 8 bytes are left) and
//                  continues at the next lap (L + bytes left).
//   drained: the logical offset up to which every record is in a segment
//                  (a returned segment write); one aligned 8-byte store.
//                  A new ring starts at data_size (one lap in), so that no
//                  record's offset is 0 and zeros never read as a prefix.
//
// Recovery (scan_ring, ring_tail_as_segment): from `drained`, a record is
// valid while its prefix equals its own logical offset and its frame checks
// (CRC, version, type, length within the lap); the first that does not ends
// the ring. Bytes of earlier laps hold smaller offsets and never match.
// Records at or after `drained` may also be in a segment already (a crash
// between the write and the store of `drained`): replay's counter rule drops
// them (replay.hpp).
//
// Owner: ring_log is shared by two threads: the front (the WAL writer actor
// that receives the appends) writes records and publishes `head`; the
// drainer (the segment writer actor) reads [drained, head) and advances
// drained. The scan functions are pure and thread-safe.
//
// Invariants:
//   (1) drained <= head <= drained + data_size; the front writes only into
//       [head, drained + data_size), the drainer reads only [drained, head).
//   (2) logical offsets only grow, across restarts too: a reopened ring
//       continues at the end of its valid records.
//   (3) a record published (head past it) is complete: the front stores the
//       whole record before it publishes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/util/status.hpp"

namespace skald::wal {

inline constexpr std::string_view ring_magic = "SKWLRING";
inline constexpr uint32_t ring_version = 1;
inline constexpr size_t ring_header_size = 4096;
/// Offset of the u64le drained field in the header.
inline constexpr size_t ring_drained_offset = 64;
inline constexpr size_t ring_prefix_size = 8;
inline constexpr uint64_t ring_skip_bit = uint64_t{1} << 63;
/// Smallest data area accepted (and the smallest ingester.wal.ring_size).
inline constexpr uint64_t ring_min_data_size = uint64_t{1} << 20;

/// A record in the ring: its logical offset and its frame.
struct ring_frame {
  uint64_t logical = 0;
  std::string_view frame;
};

struct ring_header {
  uint64_t data_size = 0;
  uint64_t drained = 0;
};

/// The header of a ring file's bytes (at least ring_header_size of them):
/// corrupt_record if the magic, version, reserved fields or CRC are wrong, or
/// the data size does not match the file's size.
result<ring_header> parse_ring_header(std::string_view file);

/// Writes a fresh header (drained = 0) for a data area of data_size bytes.
std::string make_ring_header(uint64_t data_size);

struct ring_scan {
  /// Logical offset after the last valid record (where the next one goes).
  uint64_t end = 0;
  size_t records = 0;
  /// Why the scan stopped ("" at a clean end: a prefix of zeros or of an
  /// earlier lap, i.e. nothing written there since).
  const char* reason = "";
};

/// Walks the valid records of a ring file's bytes from logical offset
/// `from` (see Recovery above), calling fn with each record's frame. Never
/// reads outside `data`; stops after at most one lap.
ring_scan scan_ring(std::string_view data, uint64_t from,
                    const std::function<void(std::string_view frame)>& fn);

struct ring_tail {
  /// A v3 segment's bytes: file header, then the records from `drained`
  /// to the end of the ring (replay reads it like a segment).
  std::string segment;
  ring_scan scan;
  ring_header header;
};

/// The records of a ring file not known to be in a segment, as segment
/// bytes. corrupt_record if the header is bad (the ring then holds nothing
/// usable).
result<ring_tail> ring_tail_as_segment(std::string_view file);

/// The mapped ring (see Owner above).
class ring_log {
public:
  /// Opens <path>, or creates it with data_size bytes of data (fallocated,
  /// not touched) if it is missing or its header is unusable. An existing
  /// ring keeps its own size when it holds records not yet drained (they
  /// are drained first); a clean one of another size is re-created. After
  /// open(), [drained, head) are the old ring's valid records not yet known
  /// to be in a segment: the drainer writes them first.
  static result<std::shared_ptr<ring_log>> open(const std::string& path, uint64_t data_size);

  ~ring_log();
  ring_log(const ring_log&) = delete;
  ring_log& operator=(const ring_log&) = delete;

  uint64_t data_size() const noexcept { return data_size_; }
  const std::string& path() const noexcept { return path_; }

  // -- front ---------------------------------------------------------------------

  /// Bytes a record with a frame of this size takes at the current head
  /// (prefix, frame and the skipped end of the lap if it does not fit).
  uint64_t cost(size_t frame_size) const noexcept;
  /// Bytes free now (data_size - (head - drained)).
  uint64_t free_bytes() const noexcept;
  /// Where to write a frame of frame_size bytes (the prefix is written, the
  /// end of the lap skipped if needed), or nullptr if cost(frame_size) >
  /// free_bytes(). The frame is part of the ring once commit() is called.
  char* begin_record(size_t frame_size);
  void commit(size_t frame_size) noexcept { head_ += ring_prefix_size + frame_size; }
  /// Makes every committed record visible to the drainer.
  void publish() noexcept { published_.store(head_, std::memory_order_release); }
  /// The front's view of head (committed, maybe not published).
  uint64_t head() const noexcept { return head_; }

  // -- drainer -------------------------------------------------------------------

  uint64_t published() const noexcept { return published_.load(std::memory_order_acquire); }
  uint64_t drained() const noexcept { return drained_.load(std::memory_order_acquire); }
  /// Calls fn with each record's frame in [drained(), upto) (trusted: the
  /// front wrote them); upto must be <= published().
  void for_each(uint64_t upto, const std::function<void(std::string_view frame)>& fn) const;
  /// Appends the records in [from, upto) with their logical offsets to
  /// out; from is a record boundary >= drained() (e.g. an earlier upto),
  /// upto <= published(). The views stay valid until set_drained() passes
  /// them.
  void collect(uint64_t from, uint64_t upto, std::vector<ring_frame>& out) const;
  /// Every record before `logical` is in a segment (returned write): stores
  /// it in the header and lets the front reuse the space.
  void set_drained(uint64_t logical) noexcept;

  // -- hand-over between the two threads -------------------------------------------
  /// True while the drainer has nothing to do (the front then wakes it).
  std::atomic<bool> drainer_idle{true};
  /// True while the front waits for space (the drainer then wakes it).
  std::atomic<bool> front_waiting{false};
  /// The drainer's last write failed (status 503 disk full / 500, and its
  /// text): the front refuses new appends until a write succeeds again.
  void set_failure(uint16_t status, std::string message);
  void clear_failure() noexcept { failing_.store(false, std::memory_order_release); }
  /// 0 and "" while the drainer's writes succeed.
  std::pair<uint16_t, std::string> failure() const;

private:
  ring_log() = default;

  std::string path_;
  int fd_ = -1;
  char* map_ = nullptr;
  size_t map_size_ = 0;
  char* data_ = nullptr;
  uint64_t data_size_ = 0;
  uint64_t head_ = 0;
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> drained_{0};
  std::atomic<bool> failing_{false};
  mutable std::mutex failure_mtx_;
  uint16_t failure_status_ = 0;
  std::string failure_message_;
};

/// "<dir>/ring"
std::string ring_path(const std::string& wal_dir);
inline constexpr std::string_view ring_file_name = "ring";

} // namespace skald::wal
