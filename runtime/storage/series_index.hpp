// runtime/storage/series_index.hpp — the in-memory index of ONE tenant and
// ONE period: series (labels, fingerprint) → chunk refs, with a postings
// list per label pair for matcher lookups (docs/index-format.md §4).
//
// Lookups (all times in ms, a chunk [from, through] overlaps the query
// [from, through] when chunk.from <= through and chunk.through >= from):
//   select(matchers)                 → series ids, ascending
//   series(ids, from, through)       → labels, fp and the overlapping refs
//   label_names / label_values       → sorted, unique, restricted to series
//                                      with a chunk in range (and, if given,
//                                      to the selected ids)
// select() evaluates each matcher through the postings: a matcher that does
// not match "" intersects (union of postings of its matching values); one that
// matches "" subtracts the postings of the values it rejects. So the cost is
// per distinct value, not per series; when few candidates remain, it checks
// their labels directly instead.
//
// Owner: index_store, one per loaded (tenant, period), behind its lock. Not
// thread-safe by itself.
// Invariants: (1) series ids are positions in series_ and never change;
// (2) every postings list is strictly ascending; (3) a series' chunks are
// sorted by (from, through, checksum) and unique by that triple;
// (4) (fingerprint, labels) identifies a series: no two entries share it.
// REQUIRES: label sets are normalised (model::normalise).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/model/labels.hpp"
#include "runtime/storage/chunk_key.hpp"
#include "runtime/storage/matcher.hpp"
#include "runtime/util/status.hpp"

namespace skald::storage {

/// One series and (some of) its chunk refs: the unit of index writes and
/// of lookup results.
struct series_chunks {
  model::label_set labels;
  uint64_t fingerprint = 0;
  std::vector<chunk_ref> chunks;
};

/// Orders refs as the index stores them: (from, through, checksum).
inline bool ref_less(const chunk_ref& a, const chunk_ref& b) noexcept {
  if (a.from_ms != b.from_ms)
    return a.from_ms < b.from_ms;
  if (a.through_ms != b.through_ms)
    return a.through_ms < b.through_ms;
  return a.checksum < b.checksum;
}

inline bool ref_overlaps(const chunk_ref& r, int64_t from_ms, int64_t through_ms) noexcept {
  return r.from_ms <= through_ms && r.through_ms >= from_ms;
}

class series_index {
public:
  using postings_list = std::vector<uint32_t>;
  using value_postings = std::map<std::string, postings_list, std::less<>>;
  using postings_map = std::map<std::string, value_postings, std::less<>>;

  struct entry {
    model::label_set labels;
    uint64_t fingerprint = 0;
    std::vector<chunk_ref> chunks;
    int64_t min_from = INT64_MAX; // over chunks
    int64_t max_through = INT64_MIN;
  };

  /// The refs of `s` this index does not hold yet (same labels, fp and
  /// chunks order); empty chunks if nothing is new.
  series_chunks missing(const series_chunks& s) const;

  /// Adds the series (if new) and its refs (skipping ones present).
  /// Returns the number of refs added.
  size_t apply(const series_chunks& s);

  /// Replaces the content with loaded series and postings (segment load).
  /// Checks invariants (2) and id bounds; errc::corrupt_record otherwise.
  status restore(std::vector<entry> series, postings_map postings);

  /// Ids of the series satisfying every matcher (all series for none).
  std::vector<uint32_t> select(const std::vector<label_matcher>& matchers) const;

  /// The series of `ids` with at least one chunk in range, with only those
  /// chunks.
  void series(const std::vector<uint32_t>& ids, int64_t from_ms, int64_t through_ms,
              std::vector<series_chunks>& out) const;

  /// Label names of series with a chunk in range; ids == nullptr: all series.
  void label_names(int64_t from_ms, int64_t through_ms, const std::vector<uint32_t>* ids,
                   std::vector<std::string>& out) const;
  /// Values of `name` over series with a chunk in range.
  void label_values(std::string_view name, int64_t from_ms, int64_t through_ms,
                    const std::vector<uint32_t>* ids, std::vector<std::string>& out) const;

  bool has_chunk_in(uint32_t id, int64_t from_ms, int64_t through_ms) const noexcept;

  size_t series_count() const noexcept { return series_.size(); }
  size_t chunk_count() const noexcept { return chunks_; }
  const std::vector<entry>& entries() const noexcept { return series_; }
  const postings_map& postings() const noexcept { return postings_; }

private:
  /// Id of (fp, labels) or -1.
  int64_t find(uint64_t fp, const model::label_set& ls) const;

  std::vector<entry> series_;
  postings_map postings_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_fp_;
  size_t chunks_ = 0;
};

} // namespace skald::storage
