// runtime/wal/writer.hpp — appends records to WAL segments, many records per
// write(2) (group commit), with an explicit sync().
//
// Use (the WAL writer actor decides when):
//   auto w = writer::open(fs, {dir, segment_size, fsync_batch});
//   w->add_series(fp, epoch, tenant, labels);     // stream created
//   w->add_entries(fp, counter, entries, n);      // a stream's accepted entries
//   ...more records from other streams/requests...
//   status st = w->write();   // ONE write(2) of everything added
//   fsync=none : ack the requests whose records were in this write once st.ok().
//   fsync=batch: call w->sync() every fsync_interval; ack after it returns ok.
//   On st.code() == errc::disk_full answer those pushes 503; keep going: a
//   later write() succeeds once space returns.
//
// Segments: files <dir>/NNNNNNNN (8 digits), each begun with the 8-byte file
// header; a writer never appends to a segment it did not create (after a
// crash the old tail may be torn), so open() starts at 1 + the largest index
// in the directory. A batch never spans segments: write() rolls to a new
// segment first when the current one is not empty and the batch would take
// it past segment_size (a single batch larger than segment_size gets a
// segment of its own).
//
// Failure rules (what the actor may assume):
//   * write() fails -> none of the batch's records may be acked. The writer
//     cuts the segment back to its size before the batch (ftruncate); if that
//     fails too it abandons the segment and the next write() opens a new one.
//     The batch's entries records are dropped; its series records are kept
//     and go out with the next write() (they are idempotent on replay), so a
//     stream created in a failed push still has its series record logged
//     before any later entries of it.
//   * sync() fails -> nothing written since the last good sync() may be
//     acked; the segment is abandoned (after a failed fsync the page cache
//     may have dropped the data) and the next write() opens a new one. The
//     series records written since the last good sync() are queued again.
//   * A record of a failed batch may survive in an abandoned segment and be
//     replayed although it was never acked (at-least-once for unacked data).
//     Hence the counter rule of add_entries(): never reuse an entry number,
//     or replay would take the new entries for repeats of the old ones.
//
// Owner: the WAL writer actor, alone (not thread-safe). The file_system must
// outlive the writer.
//
// Invariants:
//   (1) records are appended to the segment in add order; a successful write()
//       leaves the segment ending on a record boundary.
//   (2) segment indexes only grow; roll() returns N such that every record of
//       a successful write() before roll() is in a segment <= N and every
//       later one in a segment > N.
// REQUIRES (the caller's side of "no entry lost across a checkpoint"): a
// snapshot taken after roll() has every record in segments <= N applied to
// the stream's in-memory state (skald: the stream's append is queued before
// the record is handed over, and the snapshot is asked for after the roll
// through the same queue).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/model/entry.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/util/status.hpp"
#include "runtime/wal/aligned_buffer.hpp"
#include "runtime/wal/file_system.hpp"

namespace skald::wal {

struct writer_options {
  /// ingester.wal.dir (created if missing).
  std::string dir;
  /// ingester.wal.segment_size.
  uint64_t segment_size = 128ull << 20;
  /// ingester.wal.fsync = batch: the actor calls sync() every fsync_interval
  /// and acks after it. The writer then also syncs a segment before closing
  /// it on roll, and remembers the series records written since the last
  /// good sync(): when a sync fails they are queued again (they may be lost
  /// with the unsynced data, and later entries need them).
  bool fsync_batch = false;
  /// ingester.wal.direct_io: segments are created with
  /// file_system::create_direct() (O_DIRECT: no copy into the page cache;
  /// a crash may leave zero padding after the last record, which the v2
  /// format allows). false: create(), buffered writes.
  bool direct_io = true;
  /// ingester.wal.preallocate (with direct_io): segments are opened from
  /// files zero-filled ahead of time (runtime/wal/preallocate.hpp; the
  /// actor makes them on another thread when spare_wanted() asks), so group
  /// commits overwrite written blocks instead of growing the file (format
  /// v3: the zeros behind the last record are a clean end). A segment
  /// closed by roll() or close() is cut back to its records. Without a
  /// spare, a segment is created as before.
  bool preallocate = false;
  /// With preallocate: spare_wanted() asks for a spare only once the
  /// segment being written holds this many bytes (the ingester uses
  /// segment_size / 8), so a node that writes little never writes zeros
  /// and keeps no spare on disk; a busy one still has 7/8 of a segment's
  /// time to make it. 0: at once.
  uint64_t spare_after = 0;
};

struct writer_stats {
  /// Records in successful writes (series + entries).
  uint64_t records = 0;
  /// Bytes in successful writes, file headers included.
  uint64_t bytes = 0;
  /// Successful write() calls with at least one record (one write(2) each,
  /// normally).
  uint64_t writes = 0;
  uint64_t syncs = 0;
  /// Total and last fsync duration (file + directory), nanoseconds.
  uint64_t sync_ns_total = 0;
  uint64_t sync_ns_last = 0;
  uint64_t segments_created = 0;
  /// Segments opened from a zero-filled spare (writer_options.preallocate).
  uint64_t segments_preallocated = 0;
  /// Failed writes/syncs/creates, by kind. disk_full_errors feeds the
  /// "disk full" metric.
  uint64_t disk_full_errors = 0;
  uint64_t io_errors = 0;
  /// Entries records dropped from failed batches.
  uint64_t records_dropped = 0;
};

class writer {
public:
  /// Creates dir if needed and finds the next segment index. Creates no
  /// segment yet: the first write() does.
  static result<writer> open(file_system& fs, writer_options opts);

  writer(writer&&) noexcept;
  writer& operator=(writer&&) noexcept;
  ~writer();

  // -- building a batch (no I/O, no allocation once the buffer has grown) ------
  // Entries records are encoded straight into the aligned buffer that
  // write() hands to the file (writable_file::append_aligned): with direct
  // I/O the bytes are written from where they were encoded.

  void add_series(uint64_t fingerprint, uint64_t epoch, std::string_view tenant,
                  const model::label_set& labels);
  /// counter = the stream's entry counter after these: the entries get the
  /// numbers counter-n+1 .. counter. invalid_argument (nothing added) unless
  /// n >= 1 and counter >= n: such a record would read back as corrupt.
  /// REQUIRES: numbers are never reused within a stream incarnation (epoch),
  /// not even after a failed write: a stream that drops nacked entries keeps
  /// its counter where it was (gaps are fine). A nacked record may survive on
  /// disk, and replay drops any later record whose numbers it already saw.
  status add_entries(uint64_t fingerprint, uint64_t counter, const model::entry_view* entries,
                     size_t n);
  status add_entries(uint64_t fingerprint, uint64_t counter, const model::entry* entries, size_t n);

  /// One record framed elsewhere (a series or entries frame, e.g. from the
  /// staging ring, runtime/wal/ring.hpp), copied as it is.
  void add_frame(std::string_view frame);
  /// Drops every pending record (series ones too): the caller adds them
  /// again (the ring's drainer re-reads a failed range from the ring).
  void clear_pending() noexcept;

  size_t pending_records() const noexcept { return pending_records_; }
  /// Encoded bytes waiting for write().
  size_t pending_bytes() const noexcept;

  // -- I/O ---------------------------------------------------------------------

  /// Writes all pending records with one write(2) (plus, once per segment,
  /// nothing extra: the file header rides in the same write; with direct_io
  /// one pwrite(2) of whole blocks, see file_system::create_direct). No-op
  /// when nothing is pending. Errors: disk_full (ENOSPC/EDQUOT), io_error.
  status write();

  /// fdatasync of the current segment (and of the directory after a new
  /// segment was created). No-op when nothing was written since the last
  /// sync. Errors as write(); also fails (once) when data written since the
  /// last good sync() was lost on the way (a failed sync during roll(), or
  /// a segment abandoned with unsynced writes): nack everything written
  /// since the last good sync(). Series records written since then are
  /// queued again for the next write() (fsync_batch).
  status sync();

  /// Closes the current segment (syncing it first if fsync_batch) and
  /// returns its index N; the next write() starts segment N+1. With no
  /// segment open it still consumes an index. Pending records are kept for
  /// the next write(). See invariant (2). On a failed sync the writer has
  /// still rolled; the error is returned.
  result<uint64_t> roll();

  /// Index the current (or next) segment has.
  uint64_t segment_index() const noexcept { return index_; }
  /// Bytes in the current segment (0 if none is open).
  uint64_t segment_bytes() const noexcept { return file_ ? file_size_ : 0; }
  const writer_stats& stats() const noexcept { return stats_; }
  const std::string& dir() const noexcept { return opts_.dir; }

  /// Closes the current segment (no sync; a preallocated one is cut back to
  /// its records). Pending records are discarded.
  status close();

  // -- zero-filled spares (writer_options.preallocate) ---------------------------

  /// The number of the next spare to make with preallocate_segment(dir(),
  /// seq, segment_size), or 0 when none is wanted now: one is ready or
  /// being made, preallocation is off, the segment being written holds
  /// fewer than spare_after bytes (none open: 0), or the last attempt
  /// failed and no segment was opened since. Marks that one as being made. Sequence
  /// numbers start at 1.
  uint64_t spare_wanted();
  /// The spare made for spare_wanted() (its path): the next segment opened
  /// is this file, renamed to the segment's name.
  void add_spare(std::string path);
  /// Making the spare failed (e.g. disk full): segments are created as
  /// before; spare_wanted() asks again after the next segment was opened.
  void spare_failed();
  /// Spares ready (not yet used).
  size_t spares() const noexcept { return spares_.size(); }

private:
  writer(file_system& fs, writer_options opts, uint64_t index);

  template <class Entry>
  status add_entries_impl(uint64_t fingerprint, uint64_t counter, const Entry* entries, size_t n);
  status open_segment();
  /// Bytes the next write() puts in front of the records: the current
  /// segment's last partial block (file_->aligned_prefix()), then the file
  /// header if the segment is new (no segment open counts as new).
  size_t wanted_lead() const noexcept;
  /// Moves the records so that they start at `lead`. False: out of memory.
  bool move_records(size_t lead);
  /// Grows buf_ to hold n bytes (keeping size_). False: out of memory.
  bool reserve(size_t n) { return buf_.reserve(n, size_); }
  /// Closes the current segment for good and moves to the next index.
  void abandon_segment(bool try_sync);
  void count_error(const status& st);
  /// Drops entries records from the batch, keeping series records.
  void keep_only_series();

  file_system* fs_;
  writer_options opts_;
  uint64_t index_;
  std::unique_ptr<writable_file> file_;
  uint64_t file_size_ = 0;
  bool file_unsynced_ = false;
  bool dir_unsynced_ = false;
  /// The batch, encoded in the aligned buffer it is written from (no copy
  /// for direct I/O): buf_[0, lead_) is filled in by write() — the
  /// segment's last partial block from tail_, then the file header for a new
  /// segment — and buf_[lead_, size_) holds the records.
  aligned_buffer buf_;
  size_t size_ = 0;
  size_t lead_ = 0;
  /// The last file_->aligned_prefix() bytes of the current segment.
  std::string tail_;
  /// Series records are framed here first (one per new stream), then copied.
  std::string scratch_;
  /// [begin, end) of each series record in buf_.
  std::vector<std::pair<size_t, size_t>> series_ranges_;
  size_t pending_records_ = 0;
  /// A sync failure not yet reported by sync() (from roll() or an abandoned
  /// segment that held unsynced writes).
  status sync_error_;
  /// fsync_batch only: framed series records written since the last good
  /// sync(), and how many.
  std::string unsynced_series_;
  size_t unsynced_series_count_ = 0;
  /// Puts unsynced_series_ back at the front of the batch.
  void requeue_unsynced_series();
  /// Opens segment index_ (at `path`) from the first usable spare; false if
  /// none was (then path names the segment to create: index_ moves on if a
  /// renamed spare could be neither opened nor removed).
  bool open_spare(std::string& path);
  /// Cuts a preallocated segment back to its records (best effort: the
  /// zeros behind them are a clean end anyway).
  void trim_segment();
  writer_stats stats_;
  /// Zero-filled spares ready, oldest first (paths).
  std::vector<std::string> spares_;
  uint64_t next_spare_seq_ = 1;
  bool spare_pending_ = false;
  bool spare_blocked_ = false;
  /// The current segment was opened from a spare (it holds zeros after
  /// file_size_).
  bool preallocated_ = false;
};

} // namespace skald::wal
