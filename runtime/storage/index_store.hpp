// runtime/storage/index_store.hpp — the chunk index of all tenants: per
// tenant and per period (schema_config index.period, default 24h) a
// series_index kept in memory and persisted as an append-only log plus
// compacted segments (docs/index-format.md).
//
// Write path (flush workers, after chunk_store::put succeeded):
//   add(tenant, {series + refs})
//     → each ref goes to every period its [from, through] overlaps
//     → refs the period already holds are dropped (replicas, retries)
//     → one log record per period: append + fdatasync (+ fsync dir for a new
//       log file), and only then the refs become visible in memory
//     → a period whose log passed compact_log_bytes is compacted: the whole
//       period is written as a segment (temp + fsync + rename), then the
//       logs it covers are deleted.
// A failed append makes the writer abandon that log file (the next append
// starts a new one), so a torn record is always a log's last record and
// replay stops there. Crash at any point: a restart sees a prefix of the
// successful adds (plus possibly the batch whose add failed late), never a
// ref whose add had not yet been attempted — and since refs are added only
// after their chunk is durable, never a ref without its chunk.
//
// Read path (querier): series / label_names / label_values over a time range
// (ns, rounded outward to ms; a chunk matches if it overlaps the range) for
// one tenant, merged over the periods that exist on disk.
//
// Owner: one index_store per process, shared by the flush workers and the
// querier's store reader (std::shared_ptr). Thread-safe: one mutex guards
// everything (I/O included); periods load lazily on first use and stay
// cached. read_only stores never write or delete; refresh() drops their
// cache so that the next lookup sees files written since.
// REQUIRES: label sets normalised; one writer per directory (two processes
// writing the same index directory is not supported).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/model/entry.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/storage/matcher.hpp"
#include "runtime/storage/series_index.hpp"
#include "runtime/util/status.hpp"

namespace skald::config {
struct storage_config;
struct schema_config;
} // namespace skald::config

namespace skald::storage {

struct index_options {
  /// The store root (storage_config.filesystem.directory); the index lives
  /// in <root>/index.
  std::string root;
  /// Length of one index period (schema_config ... index.period).
  std::chrono::nanoseconds period{std::chrono::hours{24}};
  /// Directory name prefix of a period (index.prefix): <prefix><number>.
  std::string prefix = "index_";
  /// Compact a period once its log files hold this many bytes.
  size_t compact_log_bytes = size_t{8} << 20;
  bool read_only = false;

  /// root from storage_config.filesystem.directory; period and prefix from
  /// the last schema_config period (defaults when there is none).
  static index_options from(const config::storage_config& storage,
                            const config::schema_config& schema);
};

struct index_stats {
  size_t periods_loaded = 0;
  size_t series = 0;
  size_t chunks = 0;
  /// Segments or log tails skipped while loading (torn or corrupt).
  size_t torn_logs = 0;
  size_t corrupt_segments = 0;
  size_t compactions = 0;
};

class index_store {
public:
  index_store(file_system& fs, index_options opts);
  ~index_store();

  index_store(const index_store&) = delete;
  index_store& operator=(const index_store&) = delete;

  /// Adds the refs of `batch` (series of `tenant`); durable when ok.
  /// errc::invalid_argument for a bad tenant or a read-only store;
  /// errc::io_error when a write failed (retry: refs already added are
  /// skipped).
  status add(std::string_view tenant, const std::vector<series_chunks>& batch);

  /// Series matching all `matchers` with a chunk overlapping
  /// [from, through], each with only those chunks (sorted by from).
  /// Order: by labels.
  result<std::vector<series_chunks>> series(std::string_view tenant,
                                            const std::vector<label_matcher>& matchers,
                                            model::timestamp_ns from, model::timestamp_ns through);

  /// Sorted, unique label names of the matching series in range.
  result<std::vector<std::string>> label_names(std::string_view tenant, model::timestamp_ns from,
                                               model::timestamp_ns through,
                                               const std::vector<label_matcher>& matchers = {});

  /// Sorted, unique values of `name` over the matching series in range.
  result<std::vector<std::string>> label_values(std::string_view tenant, std::string_view name,
                                                model::timestamp_ns from,
                                                model::timestamp_ns through,
                                                const std::vector<label_matcher>& matchers = {});

  /// Compacts every loaded period that has log data.
  status compact_all();

  /// Forgets every loaded period (read-only readers: see new files).
  void refresh();

  index_stats stats() const;

  /// The period number of a time in ms: floor(ms / period).
  int64_t period_of(int64_t ms) const noexcept;
  /// <root>/index/<tenant>/<prefix><period>
  std::string period_dir(std::string_view tenant, int64_t period) const;

private:
  struct period_state;

  result<period_state*> load(std::string_view tenant, int64_t period);
  status append(period_state& p, const std::vector<series_chunks>& batch);
  status compact(period_state& p);
  /// Periods of `tenant` on disk or loaded, within [first, last].
  result<std::vector<int64_t>> periods_in(std::string_view tenant, int64_t first, int64_t last);

  file_system& fs_;
  index_options opts_;
  int64_t period_ms_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int64_t>, std::unique_ptr<period_state>, std::less<>> periods_;
  index_stats stats_;
};

} // namespace skald::storage
