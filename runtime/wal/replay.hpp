// runtime/wal/replay.hpp — reads a WAL directory back on start: the newest
// complete checkpoint, then the segments after it, in order, without
// applying any entry twice and without ever refusing to start.
//
//   replayer r{fs, dir};
//   if (auto st = r.open(); !st) ...   // only if the dir cannot be listed
//   replay_item it;
//   while (r.next(it)) {
//     switch (it.kind) {
//       case replay_kind::checkpoint_series: // create the stream, decode chunks
//       case replay_kind::series:            // create/rebind the stream
//       case replay_kind::entries:           // append it.entries->entries
//       case replay_kind::block:             // install it.block (or its tail)
//     }
//   }
//   r.stats()  // counters for the metrics; r.corruptions() to log
//
// No-duplicates rule (docs/wal-format.md §5). Every entries record carries
// the stream's counter: its n entries are the stream's entries number
// counter-n+1 .. counter. The replayer keeps, per fingerprint, the epoch of
// the stream incarnation it is bound to and a floor = the highest counter
// already applied (from the checkpoint's entry_ct, then from each record).
// An entry whose number is <= floor is dropped (counted in
// duplicate_entries); a record that is partly below the floor is trimmed
// at the front. A series record with the epoch already bound (the stream was
// created before the snapshot, its series record is in the first segment
// after it) is not yielded again; one with a new epoch rebinds the
// fingerprint (the stream was removed and re-created) and resets the floor
// to 0. Entries for a fingerprint with no series are counted
// (unknown_series_entries) and skipped.
//
// Block records (docs/wal-format.md §4.4, §5): a block of stream X covers
// X's counters [first, last]; its entries' counters come from its runs.
// With floor s: last <= s → dropped (duplicate_blocks, its entries in
// duplicate_entries); first > s + 1 → dropped (gap_blocks: the counters
// s+1 .. first-1 come in entries records later, and applying the block now
// would lift the floor over them); otherwise yielded with block_skip = the
// number of its leading entries with counters <= s (0: the whole block is
// new; the caller installs it without decompressing it), and the floor
// becomes last. Unbound fingerprint: unknown_series_entries. A block record
// in a checkpoint is corruption, like any type a checkpoint does not hold.
//
// The staging ring (<dir>/ring, runtime/wal/ring.hpp) comes last: its
// records from its `drained` offset on, read like one more segment. Those
// already in a segment (a crash between the write and the store of
// `drained`) fall to the no-duplicates rule.
//
// Corruption: a torn or corrupt record ends that file at the last good
// record; it is counted (segment or checkpoint), described in
// corruptions(), and replay continues with the next file. A file whose
// header is wrong, or that cannot be read, counts once and is skipped; an
// empty segment (created, never written) is not corruption.
//
// Owner: the ingester's start-up (before the node is ready), one thread.
// The file_system must outlive the replayer.
//
// Invariants:
//   (1) items come in file order: checkpoint parts ascending, then segments
//       > the checkpoint index ascending; records in file order.
//   (2) views in an item (lines, tenant, chunk bytes) stay valid until the
//       next call of next(); views into the file's bytes (lines, chunk bytes,
//       tenant, last line) stay valid as long as the caller holds
//       file_bytes() (the replayer then reads the next file into another
//       buffer). Otherwise the replayer holds one file in memory at a time,
//       plus the next one with read-ahead.
//   (3) a yielded entries item has >= 1 entry, all with numbers > the floor.
//       A yielded block item has block_skip < block->entries, and its
//       entries from block_skip on all have numbers > the floor.
//
// Read-ahead (replay_options::read_ahead): the next file is read on one
// background thread (made once, so its direct I/O buffer is too) while the
// current one is decoded, so reading (2 GB at ~1 GB/s with O_DIRECT on the
// VM) overlaps decoding and applying. The file_system is then called from
// that thread, one read at a time (never concurrently with the replayer's
// own calls). File buffers go back to a free list (at most 4 kept) when
// their last holder drops them, and are reused: fresh memory costs a page
// fault per 4 KiB, which on the VM costs more than the read itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/util/status.hpp"
#include "runtime/wal/file_system.hpp"
#include "runtime/wal/format.hpp"
#include "runtime/wal/layout.hpp"

namespace skald::wal {

class replay_pool;

enum class replay_kind : uint8_t { checkpoint_series, series, entries, block };

struct replay_item {
  replay_kind kind = replay_kind::entries;
  /// Set for checkpoint_series.
  const series_snapshot* snapshot = nullptr;
  /// Set for series.
  const series_record* series = nullptr;
  /// Set for entries: only the entries not applied before (counter unchanged:
  /// it is the number of the last one).
  const entries_record* entries = nullptr;
  /// Set for block: the block record (views into the file's bytes).
  const block_record* block = nullptr;
  /// block: how many of its entries, in block order, were applied before
  /// (numbers <= the floor); apply the ones after them. 0: all are new.
  uint32_t block_skip = 0;
};

struct corruption {
  enum class where : uint8_t { segment, checkpoint };
  where in = where::segment;
  std::string path;
  /// Offset of the bad record (or 0 for a bad header / unreadable file).
  uint64_t offset = 0;
  /// "record checksum mismatch", "record extends past the end of the file", ...
  std::string reason;
  /// True for a torn tail (incomplete or zero-filled last record).
  bool torn = false;
};

/// "segment /wal/00000003 at offset 4096: record checksum mismatch (torn tail)"
std::string to_string(const corruption& c);

struct replay_stats {
  std::optional<uint64_t> checkpoint_index;
  uint64_t checkpoint_parts = 0;
  uint64_t segments = 0;
  /// Segments <= the checkpoint index still on disk (cleanup did not finish);
  /// not read.
  uint64_t segments_skipped = 0;
  /// Bytes of all files read.
  uint64_t bytes = 0;
  uint64_t records = 0;
  uint64_t checkpoint_series = 0;
  uint64_t series_records = 0;
  uint64_t entries_records = 0;
  /// Block records read, yielded whole (block_skip 0) and yielded in part.
  uint64_t block_records = 0;
  uint64_t blocks = 0;
  uint64_t partial_blocks = 0;
  /// Block records dropped: every entry applied before (their entries are
  /// also in duplicate_entries), or not contiguous with the floor.
  uint64_t duplicate_blocks = 0;
  uint64_t gap_blocks = 0;
  /// Entries yielded (in entries items and the applied part of blocks).
  uint64_t entries = 0;
  /// Entries dropped as already applied (no-duplicates rule).
  uint64_t duplicate_entries = 0;
  /// Entries of records for a fingerprint with no series record.
  uint64_t unknown_series_entries = 0;
  /// loki_ingester_wal_corruptions_total{type="segment"|"checkpoint"}.
  uint64_t segment_corruptions = 0;
  uint64_t checkpoint_corruptions = 0;
  /// Wall time from open() to the end of the replay (the caller's work
  /// between items included): the replay-duration metric.
  uint64_t duration_ns = 0;
  /// CPU time spent reading files (on the read-ahead thread with
  /// read_ahead, else on the caller's).
  uint64_t read_cpu_ns = 0;
};

/// CPU time the calling thread used so far (ns).
uint64_t thread_cpu_ns() noexcept;

struct replay_options {
  /// Read the next file on a background thread while this one is decoded.
  bool read_ahead = false;
};

class replayer {
public:
  replayer(file_system& fs, std::string dir, replay_options opts = {});
  ~replayer();
  /// Items and the frame reader point into the replayer's buffer: it stays put.
  replayer(const replayer&) = delete;
  replayer& operator=(const replayer&) = delete;

  /// Lists the directory and picks the newest complete checkpoint. A
  /// missing directory is an empty WAL. Fails only if listing fails. Call
  /// once per replayer.
  status open();

  /// The next item, or false at the end. Never fails: see Corruption above.
  bool next(replay_item& out);

  const replay_stats& stats() const noexcept { return stats_; }
  /// The first 1000 corruptions (all are counted in stats()).
  const std::vector<corruption>& corruptions() const noexcept { return corruptions_; }
  /// The directory as open() found it (next_index: where a writer starts).
  const dir_listing& listing() const noexcept { return listing_; }

  /// The bytes of the file the last item came from: holding this keeps the
  /// item's views into the file valid after next() (invariant 2).
  std::shared_ptr<const std::string> file_bytes() const noexcept { return buf_; }

private:
  struct binding {
    uint64_t epoch = 0;
    uint64_t floor = 0;
  };

  struct loaded_file {
    status st;
    std::shared_ptr<std::string> bytes;
    uint64_t cpu_ns = 0;
    /// The ring: why its scan stopped early (a torn last record) and where
    /// (logical offset); "" at a clean end.
    const char* ring_reason = "";
    uint64_t ring_offset = 0;
  };

  bool open_next_file();
  /// Reads files_[i] into a buffer from the free list.
  loaded_file load(size_t i);
  /// A buffer that goes back to buffers_ when its last holder drops it
  /// (reused capacity: no page faults on fresh memory per file).
  std::shared_ptr<std::string> acquire_buffer();
  /// Starts reading files_[next_file_] in the background (read-ahead).
  void prefetch();
  void note_corruption(corruption::where in, const std::string& path, uint64_t offset,
                       const char* reason, bool torn);
  /// Applies the no-duplicates rule to entries_; false if nothing is left.
  bool filter_entries();
  /// Applies the block rules to block_; false if it is dropped. Sets skip.
  bool filter_block(uint32_t& skip);

  file_system* fs_;
  std::string dir_;
  dir_listing listing_;
  /// Files to read, in order, with their kind.
  std::vector<std::pair<std::string, file_kind>> files_;
  /// Index in files_ of the staging ring (read last, as a segment of its
  /// records not known to be drained; runtime/wal/ring.hpp), or npos.
  size_t ring_file_ = static_cast<size_t>(-1);
  size_t next_file_ = 0;
  std::string current_path_;
  file_kind current_kind_ = file_kind::zero;
  replay_options opts_;
  /// The current file's bytes (shared with callers holding file_bytes()).
  std::shared_ptr<std::string> buf_;
  struct buffer_list;
  /// File buffers no one holds, for the next reads (outlives the replayer
  /// while callers hold buffers).
  std::shared_ptr<buffer_list> buffers_;
  /// Read-ahead: the thread that reads (made at the first prefetch()).
  std::unique_ptr<replay_pool> read_thread_;
  /// Read-ahead: the read of files_[next_file_], if started.
  std::future<loaded_file> ahead_;
  frame_reader reader_{std::string_view{}};
  bool reading_ = false;

  std::unordered_map<uint64_t, binding> bindings_;
  series_snapshot snapshot_;
  series_record series_;
  entries_record entries_;
  block_record block_;

  replay_stats stats_;
  std::vector<corruption> corruptions_;
  int64_t started_ns_ = 0;
  bool finished_ = false;
};

} // namespace skald::wal
