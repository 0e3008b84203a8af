// runtime/wal/preallocate.hpp — makes WAL segment files ahead of time,
// zero-filled, so that a group commit overwrites allocated, written blocks
// instead of growing the file (format v3, docs/wal-format.md §2, §6).
//
// Why: on ext4 an O_DIRECT write that grows a file allocates blocks as
// unwritten extents, converts them and updates i_size in the journal when it
// completes; into blocks that were written before it is a plain overwrite
// (docs/benchmarks.md, walio: ~40% less latency per write, less kernel CPU).
// fallocate(2) alone does not help: its extents are unwritten too.
//
//   auto path = preallocate_segment(fs, dir, seq, segment_size);
//   // <dir>/prealloc.<seq>: a v3 segment header, then zeros to segment_size,
//   // fdatasync'd; the writer (writer::add_spare) renames it to the next
//   // segment's name when it opens that segment.
//
// Owner: the WAL writer actor's zero-filler (a detached actor: the zeros are
// real I/O, ~130-220 ms per 128 MiB on the benchmark VM), one file at a time.
// Pure function over a file_system; safe to run while the writer writes (it
// touches only prealloc.<seq>[.tmp]).
//
// Invariants:
//   (1) a prealloc.N file (no ".tmp") is complete: header + zeros to `size`,
//       durable (written and fdatasync'd before the rename). A crash before
//       the rename leaves prealloc.N.tmp, which writer::open() removes.
//   (2) a complete file is a valid, empty v3 segment: replayed under a
//       segment's name it yields nothing and no corruption.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/util/status.hpp"
#include "runtime/wal/file_system.hpp"

namespace skald::wal {

/// Writes <dir>/prealloc.<seq>.tmp (a v3 segment header, then zeros to
/// `size` bytes) with file_system::create_zero_filled(), renames it to
/// <dir>/prealloc.<seq> and returns that path. On failure nothing is left
/// behind (best effort) and the error is returned (disk_full for ENOSPC).
result<std::string> preallocate_segment(file_system& fs, const std::string& dir, uint64_t seq,
                                        uint64_t size);

} // namespace skald::wal
