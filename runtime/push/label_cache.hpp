// runtime/push/label_cache.hpp — the distributor's cache of parsed stream
// labels (spec §3.1 step 7: Loki keeps an LRU of 100 000 entries mapping the
// raw label string to the parsed labels and their hash).
//
// resolve_stream_labels() is what decode_push does with one stream's label
// text (spec §1.3 step 4): parse, service_name discovery, canonical string,
// fingerprint. label_cache::resolve() returns the same result, from the cache
// when the raw text (and the discovery list it was resolved with) was seen
// before; a hit costs one hash of the text and no allocation. Label text that
// fails to parse is never cached: every such push gets a fresh parse and so
// exactly the same error text.
//
// Size: Loki's maxLabelCacheSize (100 000 entries, a constant in Loki, not a
// config key) and, because skald caches before validation, also a byte budget
// per cache (64 MiB of keys, canonical strings and labels), so label text at
// the 16 MiB stream limit cannot make the cache huge.
//
// Owner: one cache per HTTP I/O thread (actors/distributor/push_routes.cpp),
// where pushes are decoded: never shared, so no locks. Entries depend only on
// their key and the discovery list, never on the tenant, so one cache serves
// every tenant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/model/labels.hpp"
#include "runtime/util/lru_cache.hpp"
#include "runtime/util/status.hpp"

namespace skald::push {

/// One stream's labels as decode_push leaves them (push_request.hpp, (1)-(3)).
struct stream_labels {
  /// Sorted, empty values dropped, service_name added by discovery.
  model::label_set label_set;
  /// model::canonical_string(label_set).
  std::string labels;
  /// model::fingerprint(label_set).
  uint64_t fingerprint = 0;
};

/// Parses raw label text and applies service_name discovery with `discover`
/// (decode_limits::discover_service_name; empty = none). Error: `couldn't
/// parse labels: <parser error>` (errc::invalid_argument).
result<stream_labels> resolve_stream_labels(std::string_view raw,
                                            const std::vector<std::string>& discover);

/// Identity of a discovery list (a hash of its names, in order).
uint64_t discovery_tag(const std::vector<std::string>& discover) noexcept;

class label_cache {
public:
  /// Loki's maxLabelCacheSize.
  static constexpr size_t default_capacity = 100000;
  static constexpr size_t default_max_bytes = size_t{64} << 20;

  explicit label_cache(size_t capacity = default_capacity, size_t max_bytes = default_max_bytes)
      : lru_(capacity, max_bytes) {}

  /// resolve_stream_labels(raw, discover), cached. `tag` must be
  /// discovery_tag(discover). The pointer stays valid until the next call.
  result<const stream_labels*> resolve(std::string_view raw,
                                       const std::vector<std::string>& discover, uint64_t tag);

  size_t size() const noexcept { return lru_.size(); }
  size_t capacity() const noexcept { return lru_.capacity(); }
  size_t bytes() const noexcept { return lru_.total_cost(); }
  /// Lookups answered from the cache / computed (tests, benchmarks).
  uint64_t hits() const noexcept { return hits_; }
  uint64_t misses() const noexcept { return misses_; }

private:
  struct entry {
    stream_labels value;
    uint64_t tag = 0;
  };

  util::lru_cache<entry> lru_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

} // namespace skald::push
