#include "runtime/chunkenc/iterator.hpp"

#include <algorithm>
#include <string>

#include "runtime/chunkenc/entry_codec.hpp"

namespace skald::chunkenc {

/// One source opened for reading: its payload and the (ts, offset) of its
/// records inside [from, through), in ts order (stable).
struct entry_iterator::cursor {
  buffer raw;           // decompressed block; unused for the head
  const char* base = nullptr;
  const char* end = nullptr;
  struct rec {
    model::timestamp_ns ts;
    uint32_t offset;
  };
  std::vector<rec> recs;
  size_t lo = 0; // recs[lo, hi) not yet returned
  size_t hi = 0;
  uint32_t index = 0;

  bool done() const noexcept { return lo >= hi; }
};

entry_iterator::~entry_iterator() = default;

entry_iterator::entry_iterator(const mem_chunk& chunk, model::timestamp_ns from,
                               model::timestamp_ns through, direction dir)
  : chunk_(&chunk), from_(from), through_(through), dir_(dir) {
  const auto& blocks = chunk.blocks();
  sources_.reserve(blocks.size() + 1);
  for (size_t i = 0; i < blocks.size(); ++i) {
    const auto& m = blocks[i].meta;
    if (m.overlaps(from, through))
      sources_.push_back({m.min_ts, m.max_ts, static_cast<uint32_t>(i)});
  }
  const auto& head = chunk.head();
  if (!head.empty() && span_overlaps(head.min_ts(), head.max_ts(), from, through))
    sources_.push_back({head.min_ts(), head.max_ts(), static_cast<uint32_t>(blocks.size())});
  if (dir == direction::forward)
    std::stable_sort(sources_.begin(), sources_.end(),
                     [](const source& a, const source& b) { return a.min_ts < b.min_ts; });
  else
    std::stable_sort(sources_.begin(), sources_.end(), [](const source& a, const source& b) {
      return a.max_ts > b.max_ts || (a.max_ts == b.max_ts && a.index > b.index);
    });
}

status entry_iterator::load(const source& s, cursor& c) {
  const auto& blocks = chunk_->blocks();
  c.index = s.index;
  c.recs.clear();
  bool sorted = true;
  uint32_t expected = 0;
  if (s.index < blocks.size()) {
    const auto& b = blocks[s.index];
    if (auto st = decompress(chunk_->enc(), b.data, b.meta.raw_size, c.raw); !st.ok())
      return status{errc::corrupt_record,
                    "block " + std::to_string(s.index) + ": " + st.message()};
    c.base = c.raw.data();
    c.end = c.base + c.raw.size();
    expected = b.meta.entries;
  } else {
    auto raw = chunk_->head().raw();
    c.base = raw.data();
    c.end = c.base + raw.size();
    expected = chunk_->head().entries();
    sorted = chunk_->head().ordered();
  }
  const char* p = c.base;
  model::timestamp_ns prev = 0;
  uint32_t n = 0;
  detail::record r;
  while (p < c.end) {
    const char* begin = p;
    if (!detail::get_record(p, c.end, prev, r))
      return status{errc::corrupt_record,
                    "block " + std::to_string(s.index) + ": malformed entry record"};
    if (sorted && n > 0 && r.ts < prev)
      return status{errc::corrupt_record,
                    "block " + std::to_string(s.index) + ": entries out of order"};
    if (r.ts < s.min_ts || r.ts > s.max_ts)
      return status{errc::corrupt_record,
                    "block " + std::to_string(s.index) + ": entry outside block bounds"};
    prev = r.ts;
    ++n;
    if (in_range(r.ts, from_, through_))
      c.recs.push_back({r.ts, static_cast<uint32_t>(begin - c.base)});
  }
  if (n != expected)
    return status{errc::corrupt_record,
                  "block " + std::to_string(s.index) + ": entry count does not match metadata"};
  if (!sorted)
    std::stable_sort(c.recs.begin(), c.recs.end(),
                     [](const cursor::rec& a, const cursor::rec& b) { return a.ts < b.ts; });
  c.lo = 0;
  c.hi = c.recs.size();
  return {};
}

bool entry_iterator::open_next_group() {
  active_ = 0;
  while (active_ == 0) {
    if (next_source_ >= sources_.size())
      return false;
    // The group: the next source plus every later one that overlaps the
    // group's range so far (sources_ is sorted for the direction).
    auto lo = sources_[next_source_].min_ts;
    auto hi = sources_[next_source_].max_ts;
    size_t end = next_source_ + 1;
    while (end < sources_.size()) {
      const auto& s = sources_[end];
      if (dir_ == direction::forward ? s.min_ts > hi : s.max_ts < lo)
        break;
      lo = std::min(lo, s.min_ts);
      hi = std::max(hi, s.max_ts);
      ++end;
    }
    for (size_t i = next_source_; i < end; ++i) {
      if (pool_.size() <= active_)
        pool_.push_back(std::make_unique<cursor>());
      auto& c = *pool_[active_];
      if (auto st = load(sources_[i], c); !st.ok()) {
        error_ = std::move(st);
        next_source_ = sources_.size();
        active_ = 0;
        return false;
      }
      if (!c.done())
        ++active_;
    }
    next_source_ = end;
  }
  return true;
}

bool entry_iterator::next() {
  if (!error_.ok())
    return false;
  for (;;) {
    // Pick the cursor whose next record comes first in this direction.
    cursor* best = nullptr;
    for (size_t i = 0; i < active_; ++i) {
      auto* c = pool_[i].get();
      if (c->done())
        continue;
      if (best == nullptr) {
        best = c;
        continue;
      }
      if (dir_ == direction::forward) {
        auto a = c->recs[c->lo].ts;
        auto b = best->recs[best->lo].ts;
        if (a < b || (a == b && c->index < best->index))
          best = c;
      } else {
        auto a = c->recs[c->hi - 1].ts;
        auto b = best->recs[best->hi - 1].ts;
        if (a > b || (a == b && c->index > best->index))
          best = c;
      }
    }
    if (best == nullptr) {
      if (!open_next_group())
        return false;
      continue;
    }
    const auto& rec = dir_ == direction::forward ? best->recs[best->lo++] : best->recs[--best->hi];
    const char* p = best->base + rec.offset;
    detail::record r;
    // Validated by load().
    (void) detail::get_record(p, best->end, 0, r);
    current_.ts = rec.ts;
    current_.line = r.line;
    if (r.n_pairs == 0) {
      current_.metadata = nullptr;
    } else {
      detail::decode_metadata(r, metadata_);
      current_.metadata = &metadata_;
    }
    return true;
  }
}

} // namespace skald::chunkenc
