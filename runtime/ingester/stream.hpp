// runtime/ingester/stream.hpp — the in-memory state of ONE stream of one
// tenant and Loki 3.x's append rules (spec §5.3–5.6): last-line dedupe,
// per-stream rate limit (all-or-nothing), the too-far-behind validity window
// (highest_ts − max_chunk_age/2), head-block dedupe, and chunk cutting
// (chunk full against chunk_target_size, sync_period boundaries).
//
// Owner: the stream actor (actors/ingester/stream_actor.cpp) holds exactly one
// stream in its state; the stream owns its chunks exclusively. Not
// thread-safe. Time is a parameter (now_ns), never read from a clock here.
//
// Hot path: push() copies each accepted line once, into the head block of
// the newest chunk; no allocation per line (the last line is copied once per
// call; failure texts are built only for rejected entries, at most
// max_returned_errors of them).
//
// Invariants:
//   (1) chunks_ is ordered by creation; only chunks_.back() may be open.
//   (2) highest_ts_ is the largest timestamp ever accepted (0 = none yet).
//   (3) entries_ counts every accepted entry, head-block duplicates included
//       (Loki counts those as stored); last-line duplicates are not counted.
//       A block installed on replay (install_block) adds the entries it
//       holds: head-block duplicates dropped before its cut are not in it.
//   (4) states_.size() == chunks_.size(): states_[i] is the flush bookkeeping
//       (flush_policy.hpp) of chunks_[i]; last_updated_ns 0 = not known yet
//       (restored chunks; flush_states() sets it to its `now`).
//   (5) block logging (push() with a block_log, WAL on): while track_ok_,
//       the open chunk's head holds exactly the entries whose WAL counters
//       track_runs_ lists from track_first_ on, in append order; every
//       counter below track_first_ is in an earlier block or was refused.
//       A block is reported only if that holds at its cut and the head was
//       appended in timestamp order (so the block's order is append order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/ingester/flush_policy.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/validation/rate_limiter.hpp"
#include "runtime/wal/format.hpp"

namespace skald::ingester {

/// What a stream needs from the ingester config and the tenant's limits.
struct stream_config {
  chunkenc::encoding encoding = chunkenc::default_encoding;
  size_t block_size = chunkenc::default_block_size;
  size_t target_size = chunkenc::default_target_size;
  int64_t max_chunk_age_ns = int64_t{2} * 3600 * 1000000000;
  int64_t sync_period_ns = int64_t{3600} * 1000000000;
  double sync_min_utilization = 0.1;
  uint32_t max_returned_errors = 10;
  /// Per-stream rate limit in bytes/s and its burst; rate <= 0 disables it.
  double rate_bytes = 3.0 * 1024 * 1024;
  double burst_bytes = 15.0 * 1024 * 1024;
};

/// Loki's reasons for entries the ingester refuses (metric label values).
inline constexpr std::string_view reason_too_far_behind = "too_far_behind";
inline constexpr std::string_view reason_per_stream_rate_limit = "per_stream_rate_limit";
inline constexpr std::string_view reason_stream_limit = "stream_limit";

/// The result of one push() call.
struct push_outcome {
  uint32_t total = 0;      // entries offered
  uint32_t stored = 0;     // appended (incl. head-block duplicates)
  uint32_t skipped = 0;    // last-line duplicates: silently dropped
  uint32_t too_far_behind = 0;
  uint64_t too_far_behind_bytes = 0;
  uint32_t rate_limited = 0;
  uint64_t rate_limited_bytes = 0;
  uint32_t chunks_created = 0;
  /// 0 when nothing failed; else 400 (too far behind) or 429 (rate limit),
  /// by the LAST failed entry (Loki's errorForFailedEntries).
  uint16_t status = 0;
  /// The httpgrpc body Loki returns for the failed entries.
  std::string error;

  uint32_t failed() const noexcept { return too_far_behind + rate_limited; }
};

/// Receives the chunk blocks push() cuts, as WAL block records
/// (docs/wal-format.md §4.4) with every field but the fingerprint filled.
/// The views in `b` are valid during the call only.
class block_log {
public:
  virtual void on_block(wal::block_record& b) = 0;

protected:
  ~block_log() = default;
};

class stream {
public:
  stream(std::string labels, uint64_t fingerprint, stream_config cfg);

  stream(stream&&) noexcept = default;
  stream& operator=(stream&&) noexcept = default;

  /// Appends `n` entries in request order; `tenant` only names the user in
  /// error texts. Lines are copied into the chunk; `entries` may die after.
  /// If `stored_index` is set, the indexes of the stored entries are appended
  /// to it (what live tails get).
  /// With `log` (WAL on), entries[i] has WAL counter first_counter + i and
  /// each block cut during the call is reported to it (invariant 5).
  push_outcome push(const model::entry_view* entries, size_t n, std::string_view tenant,
                    int64_t now_ns, std::vector<uint32_t>* stored_index = nullptr,
                    uint64_t first_counter = 0, block_log* log = nullptr);

  /// Applies reloaded limits (per-stream rate) without losing state.
  void set_rate(double rate_bytes, double burst_bytes, int64_t now_ns) noexcept;

  const std::string& labels() const noexcept { return labels_; }
  uint64_t fingerprint() const noexcept { return fingerprint_; }
  const std::vector<chunkenc::mem_chunk>& chunks() const noexcept { return chunks_; }

  /// Closes the last chunk if it is open and not empty (an admin flush: the
  /// next push cuts a new chunk). True if a chunk was closed.
  bool close_open_chunk();
  int64_t highest_ts() const noexcept { return highest_ts_; }
  uint64_t entries() const noexcept { return entries_; }
  /// The last stored line (Loki's lastLine), for WAL checkpoints.
  const std::string& last_line() const noexcept { return last_line_; }

  /// Restores what a WAL checkpoint saved (replay): the unflushed chunks,
  /// oldest first, the highest timestamp and the last line (its timestamp is
  /// taken to be highest_ts). Replaces the stream's chunks.
  void restore(std::vector<chunkenc::mem_chunk> chunks, int64_t highest_ts, std::string last_line);
  /// Heap bytes held by the chunks.
  size_t memory_usage() const noexcept;

  /// The flush bookkeeping of chunks() (same indexes), with closed, min_ts
  /// and max_ts refreshed from the chunks and unknown last_updated_ns set to
  /// now_ns. The flush sweep passes it to collect_flush and sets flushed_ns.
  std::vector<chunk_state>& flush_states(int64_t now_ns);
  /// Closes chunk i (the next entry starts a new chunk). REQUIRES: i < size.
  void close_chunk(size_t i);
  /// Removes the chunks should_drop() allows (flushed, retain period over);
  /// returns how many.
  size_t drop_flushed(int64_t now_ns, const flush_config& cfg);
  /// Forgets every chunk (they were written to the store: WAL replay's
  /// memory ceiling); highest timestamp, last line and counts stay.
  void drop_all_chunks() noexcept;

  /// WAL replay of a logged block (docs/wal-format.md §4.4): appends the
  /// already-compressed block `b` of entries that come after everything the
  /// stream holds, without decompressing it. Cuts the open chunk's head
  /// first; closes the open chunk and starts a new one (as push() would) if
  /// it is closed, has another encoding, has no room for the block (size()
  /// + the block's compressed bytes > target_size; target_size 0: already
  /// blocks_per_chunk blocks) or a sync_period boundary lies before the
  /// block's first entry. Then: entries += b's entries, highest_ts = max
  /// with b's max_ts, and the last-line duplicate rule continues from
  /// (last_ts, last_line), the block's last entry. `metadata`: some entry
  /// carries structured metadata. errc::invalid_argument, stream unchanged,
  /// if `enc` is not the configured encoding or b is inconsistent
  /// (mem_chunk::add_block): the caller then pushes the entries instead.
  status install_block(chunkenc::block b, chunkenc::encoding enc, bool metadata, int64_t last_ts,
                       std::string_view last_line, int64_t now_ns);

private:
  chunkenc::mem_chunk& chunk_for(const model::entry_view& e, uint32_t& created);
  /// Block logging: an entry with counter k went into the head.
  void track_stored(uint64_t k, model::timestamp_ns ts);
  /// Block logging: `c` just cut its head into c.blocks()[i] (the block's
  /// last entry: last_ts / last_line); reports it if invariant 5 allows,
  /// then starts tracking the (empty) new head.
  void track_cut(const chunkenc::mem_chunk& c, size_t i, model::timestamp_ns last_ts,
                 std::string_view last_line, block_log& log);
  /// The head was cut or dropped outside push(): tracking restarts with
  /// the next counter.
  void track_restart() noexcept;
  bool sync_cut(const chunkenc::mem_chunk& c, int64_t ts) const noexcept;

  std::string labels_;
  uint64_t fingerprint_;
  stream_config cfg_;
  std::vector<chunkenc::mem_chunk> chunks_;
  std::vector<chunk_state> states_;
  validation::token_bucket limiter_;
  int64_t highest_ts_ = 0;
  bool has_last_ = false;
  int64_t last_ts_ = 0;
  std::string last_line_;
  uint64_t entries_ = 0;
  // Block logging (invariant 5); track_next_ 0: no counter seen yet.
  bool track_ok_ = false;
  bool track_sorted_ = true;
  /// last_ts_/last_line_ are the entry with counter track_next_ - 1.
  bool track_last_known_ = false;
  uint64_t track_first_ = 0;
  uint64_t track_next_ = 0;
  model::timestamp_ns track_prev_ts_ = 0;
  std::vector<wal::counter_run> track_runs_;
};

/// Size of an entry for rate limits and discarded-bytes metrics (Loki 3.x):
/// line bytes + name and value bytes of structured metadata.
uint64_t entry_size(const model::entry_view& e) noexcept;

} // namespace skald::ingester
