// runtime/wal/checkpoint.hpp — writes one checkpoint: a snapshot of every
// in-memory stream (series + unflushed chunks), made atomic by writing into
// checkpoint.N.tmp and renaming it to checkpoint.N.
//
// The actor's checkpoint cycle (every ingester.wal.checkpoint_duration):
//   1. auto n = writer.roll();                    // segments <= n are covered
//   2. auto cw = checkpoint_writer::begin(fs, dir, *n);
//   3. for every stream (state taken after step 1): cw->add(snapshot);
//      (chunks: mem_chunk::encode() of each unflushed chunk; flushed chunks
//      are left out; entry_ct = the stream's counter at snapshot time)
//   4. cw->commit();                              // fsync parts, dir; rename
//   5. remove_obsolete(fs, dir, *n);              // segments <= n, old checkpoints
// On any error: cw->abort() (or leave it: the next cycle and startup remove
// stale *.tmp) and keep the segments.
//
// Records are buffered and written ~buffer_size bytes at a time into part
// files 00000000, 00000001, ... (a new part at part_size), each with the
// checkpoint file header; a snapshot never spans parts.
//
// Owner: the WAL writer actor (or a helper it spawns; one checkpoint at a
// time). The file_system must outlive it. Not thread-safe.
//
// Invariants:
//   (1) checkpoint.N exists only after every part and the tmp directory were
//       synced (rename is the commit point; the WAL directory is synced
//       after it).
//   (2) after the first error every call returns that error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/util/status.hpp"
#include "runtime/wal/file_system.hpp"
#include "runtime/wal/format.hpp"

namespace skald::wal {

struct checkpoint_stats {
  uint64_t series = 0;
  uint64_t chunks = 0;
  /// Bytes written, file headers included.
  uint64_t bytes = 0;
  uint64_t parts = 0;
};

class checkpoint_writer {
public:
  /// Removes a leftover checkpoint.N.tmp and creates it afresh.
  static result<checkpoint_writer> begin(file_system& fs, std::string wal_dir, uint64_t index,
                                         uint64_t part_size = 128ull << 20,
                                         size_t buffer_size = 1u << 20);

  checkpoint_writer(checkpoint_writer&&) noexcept;
  checkpoint_writer& operator=(checkpoint_writer&&) noexcept;
  ~checkpoint_writer();

  /// Buffers one stream's snapshot; writes when the buffer is full.
  status add(const series_snapshot& s);

  /// Writes the rest, syncs every part and the tmp dir, renames it to
  /// checkpoint.N and syncs the WAL dir.
  status commit();

  /// Removes checkpoint.N.tmp (best effort).
  void abort();

  uint64_t index() const noexcept { return index_; }
  const checkpoint_stats& stats() const noexcept { return stats_; }
  /// "<dir>/checkpoint.N.tmp"
  const std::string& tmp_path() const noexcept { return tmp_; }

private:
  checkpoint_writer(file_system& fs, std::string dir, uint64_t index, uint64_t part_size,
                    size_t buffer_size);
  status flush_buffer();
  status fail(status st);

  file_system* fs_;
  std::string dir_;
  std::string tmp_;
  uint64_t index_;
  uint64_t part_size_;
  size_t buffer_size_;
  std::unique_ptr<writable_file> part_;
  uint64_t part_bytes_ = 0;
  std::string buffer_;
  status error_;
  bool committed_ = false;
  checkpoint_stats stats_;
};

} // namespace skald::wal
