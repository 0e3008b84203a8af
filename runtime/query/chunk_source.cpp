// runtime/query/chunk_source.cpp — see chunk_source.hpp.
#include "runtime/query/chunk_source.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "runtime/chunkenc/iterator.hpp"

namespace skald::query {

namespace {

bool same_chunk(const chunkenc::mem_chunk& a, const chunkenc::mem_chunk& b) {
  if (a.entries() != b.entries() || a.blocks().size() != b.blocks().size())
    return false;
  auto ba = a.bounds();
  auto bb = b.bounds();
  if (ba.min_ts != bb.min_ts || ba.max_ts != bb.max_ts)
    return false;
  if (a.head().raw() != b.head().raw())
    return false;
  for (size_t i = 0; i < a.blocks().size(); ++i) {
    const auto& x = a.blocks()[i];
    const auto& y = b.blocks()[i];
    if (x.meta.min_ts != y.meta.min_ts || x.meta.max_ts != y.meta.max_ts ||
        x.meta.entries != y.meta.entries || x.meta.raw_size != y.meta.raw_size ||
        x.data.view() != y.data.view())
      return false;
  }
  return true;
}

chunkenc::direction to_chunk_dir(logql::direction d) {
  return d == logql::direction::forward ? chunkenc::direction::forward
                                        : chunkenc::direction::backward;
}

/// The entries of one stream in [from, through), group after group in the
/// requested direction; see the header comment for the merge of a group.
class stream_iterator_impl final : public logql::stream_iterator {
public:
  stream_iterator_impl(const chunk_stream& s, int64_t from, int64_t through, logql::direction dir,
                       status& error)
      : s_(s), from_(from), through_(through), dir_(dir), error_(error) {
    for (uint32_t g = 0; g < s.groups.size(); ++g) {
      auto [first, last] = s.groups[g];
      for (uint32_t i = first; i < last; ++i) {
        auto b = s.chunks[i]->bounds();
        if (chunkenc::span_overlaps(b.min_ts, b.max_ts, from, through)) {
          groups_.push_back(g);
          break;
        }
      }
    }
    if (dir == logql::direction::backward)
      std::reverse(groups_.begin(), groups_.end());
  }

  const model::label_set& labels() const override { return s_.labels; }

  bool next(model::entry_view& out) override {
    for (;;) {
      if (it_) {
        if (it_->next()) {
          out = it_->at();
          return true;
        }
        if (!it_->error().ok() && error_.ok())
          error_ = it_->error();
        it_.reset();
      } else if (pos_ < merged_.size()) {
        const auto& e = merged_[pos_++];
        out.ts = e.ts;
        out.line = e.line;
        out.metadata = e.metadata.empty() ? nullptr : &e.metadata;
        return true;
      }
      if (next_group_ >= groups_.size())
        return false;
      open(groups_[next_group_++]);
    }
  }

private:
  void open(uint32_t g) {
    auto [first, last] = s_.groups[g];
    merged_.clear();
    pos_ = 0;
    if (last - first == 1) {
      it_ = std::make_unique<chunkenc::entry_iterator>(*s_.chunks[first], from_, through_,
                                                       to_chunk_dir(dir_));
      return;
    }
    // Overlapping chunks: read them all, order stably by ts (ties keep chunk
    // order), drop identical entries at the same ts.
    for (uint32_t i = first; i < last; ++i) {
      auto it = s_.chunks[i]->iterate(from_, through_, chunkenc::direction::forward);
      while (it.next()) {
        const auto& v = it.at();
        model::entry e;
        e.ts = v.ts;
        e.line.assign(v.line);
        if (v.metadata)
          e.metadata = *v.metadata;
        merged_.push_back(std::move(e));
      }
      if (!it.error().ok() && error_.ok())
        error_ = it.error();
    }
    std::stable_sort(merged_.begin(), merged_.end(),
                     [](const model::entry& a, const model::entry& b) { return a.ts < b.ts; });
    size_t w = 0;
    size_t run = 0; // start of the equal-ts run in the output
    for (size_t r = 0; r < merged_.size(); ++r) {
      if (w > 0 && merged_[w - 1].ts != merged_[r].ts)
        run = w;
      bool dup = false;
      for (size_t k = run; k < w && !dup; ++k)
        dup = merged_[k] == merged_[r];
      if (dup)
        continue;
      if (w != r)
        merged_[w] = std::move(merged_[r]);
      ++w;
    }
    merged_.resize(w);
    if (dir_ == logql::direction::backward)
      std::reverse(merged_.begin(), merged_.end());
  }

  const chunk_stream& s_;
  int64_t from_;
  int64_t through_;
  logql::direction dir_;
  status& error_;
  std::vector<uint32_t> groups_; // in visiting order
  size_t next_group_ = 0;
  std::unique_ptr<chunkenc::entry_iterator> it_; // constructed in place: not movable here
  std::vector<model::entry> merged_;
  size_t pos_ = 0;
};

} // namespace

void chunk_source::add(const model::label_set& labels, std::vector<chunk_ptr> chunks) {
  std::string k = logql::series_key(labels);
  auto it = index_.find(k);
  if (it == index_.end()) {
    it = index_.emplace(std::move(k), streams_.size()).first;
    streams_.emplace_back();
    streams_.back().labels = labels;
  }
  auto& dst = streams_[it->second].chunks;
  for (auto& c : chunks)
    if (c && c->entries() > 0)
      dst.push_back(std::move(c));
}

void chunk_source::finish() {
  for (auto& s : streams_) {
    auto key = [](const chunk_ptr& c) {
      auto b = c->bounds();
      return std::make_tuple(b.min_ts, b.max_ts, c->entries());
    };
    std::stable_sort(s.chunks.begin(), s.chunks.end(),
                     [&](const chunk_ptr& a, const chunk_ptr& b) { return key(a) < key(b); });
    std::vector<chunk_ptr> kept;
    kept.reserve(s.chunks.size());
    size_t same_key = 0; // first kept chunk with the current key
    for (auto& c : s.chunks) {
      if (!kept.empty() && key(kept.back()) != key(c))
        same_key = kept.size();
      bool dup = false;
      for (size_t k = same_key; k < kept.size() && !dup; ++k)
        dup = kept[k] == c || same_chunk(*kept[k], *c);
      if (dup) {
        ++s.duplicates;
        continue;
      }
      kept.push_back(std::move(c));
    }
    s.chunks = std::move(kept);
    s.groups.clear();
    int64_t max_ts = 0;
    for (uint32_t i = 0; i < s.chunks.size(); ++i) {
      auto b = s.chunks[i]->bounds();
      if (i > 0 && b.min_ts <= max_ts) {
        s.groups.back().second = i + 1;
        max_ts = std::max(max_ts, b.max_ts);
        continue;
      }
      s.groups.emplace_back(i, i + 1);
      max_ts = b.max_ts;
    }
  }
}

uint64_t chunk_source::total_entries() const noexcept {
  uint64_t n = 0;
  for (const auto& s : streams_)
    for (const auto& c : s.chunks)
      n += c->entries();
  return n;
}

uint64_t chunk_source::total_bytes() const noexcept {
  uint64_t n = 0;
  for (const auto& s : streams_)
    for (const auto& c : s.chunks)
      n += c->uncompressed_size();
  return n;
}

result<logql::stream_iterators>
chunk_source::select(const std::vector<logql::label_matcher>& matchers, int64_t from,
                     int64_t through, logql::direction dir) {
  logql::stream_iterators out;
  for (const auto& s : streams_) {
    if (s.chunks.empty() || !logql::matches_all(matchers, s.labels))
      continue;
    out.push_back(std::make_unique<stream_iterator_impl>(s, from, through, dir, error_));
  }
  return out;
}

bool chunk_source::count_windows(const std::vector<logql::label_matcher>& matchers,
                                 const logql::window_spec& w,
                                 std::vector<logql::window_counts>& out) {
  if (w.n == 0)
    return true;
  // Window i holds end_i - range < ts <= end_i, end_i = first_end + i * step.
  auto end_of = [&](size_t i) { return w.first_end + static_cast<int64_t>(i) * w.step; };
  const int64_t hull_from = w.first_end - w.range + 1;
  const int64_t hull_through = end_of(w.n - 1) + 1;
  std::vector<const chunk_stream*> hit;
  for (const auto& s : streams_) {
    if (s.chunks.empty() || !logql::matches_all(matchers, s.labels))
      continue;
    for (const auto& c : s.chunks) {
      auto b = c->bounds();
      if (c->has_metadata() && chunkenc::span_overlaps(b.min_ts, b.max_ts, hull_from, hull_through))
        return false; // metadata labels split series: the general path
    }
    hit.push_back(&s);
  }
  // The windows a span [lo, hi] overlaps: [first, last] (first > last: none).
  auto window_range = [&](int64_t lo, int64_t hi, size_t& first, size_t& last) {
    auto floor_div = [](int64_t a, int64_t b) { return a / b - ((a % b != 0) && (a < 0)); };
    const int64_t f = -floor_div(-(lo - w.first_end), w.step);           // ceil: end_i >= lo
    const int64_t l = floor_div(hi + w.range - 1 - w.first_end, w.step); // end_i - range < hi
    if (l < 0 || f > static_cast<int64_t>(w.n) - 1 || f > l)
      return false;
    first = static_cast<size_t>(std::max<int64_t>(f, 0));
    last = static_cast<size_t>(std::min<int64_t>(l, static_cast<int64_t>(w.n) - 1));
    return true;
  };
  std::vector<int64_t> ts;
  std::vector<uint32_t> sizes;
  std::vector<uint64_t> cum; // cumulative line bytes
  auto bin = [&](logql::window_counts& wc, size_t first, size_t last) {
    if (w.bytes) {
      cum.assign(1, 0);
      for (auto z : sizes)
        cum.push_back(cum.back() + z);
    }
    for (size_t i = first; i <= last; ++i) {
      auto a = std::upper_bound(ts.begin(), ts.end(), end_of(i) - w.range);
      auto b = std::upper_bound(a, ts.end(), end_of(i));
      wc.entries[i] += static_cast<uint64_t>(b - a);
      if (w.bytes)
        wc.bytes[i] +=
            cum[static_cast<size_t>(b - ts.begin())] - cum[static_cast<size_t>(a - ts.begin())];
    }
  };
  for (const auto* s : hit) {
    logql::window_counts wc;
    wc.labels = &s->labels;
    wc.entries.assign(w.n, 0);
    if (w.bytes)
      wc.bytes.assign(w.n, 0);
    if (!s->overlaps()) {
      // Block by block: a block that lies inside every window it touches
      // adds its entry count from metadata; any other block is decompressed
      // once and its timestamps binned.
      for (const auto& c : s->chunks) {
        const size_t n_sources = c->blocks().size() + (c->head().empty() ? 0 : 1);
        for (size_t k = 0; k < n_sources; ++k) {
          const bool head = k == c->blocks().size();
          const int64_t lo = head ? c->head().min_ts() : c->blocks()[k].meta.min_ts;
          const int64_t hi = head ? c->head().max_ts() : c->blocks()[k].meta.max_ts;
          const uint64_t n = head ? c->head().entries() : c->blocks()[k].meta.entries;
          size_t first = 0;
          size_t last = 0;
          if (!window_range(lo, hi, first, last))
            continue;
          const bool inside = end_of(first) >= hi && end_of(last) - w.range < lo;
          if (inside && !w.bytes) {
            for (size_t i = first; i <= last; ++i)
              wc.entries[i] += n;
            continue;
          }
          if (auto st = c->block_entries(k, ts, sizes); !st.ok()) {
            if (error_.ok())
              error_ = st;
            return false;
          }
          bin(wc, first, last);
        }
      }
    } else {
      // Overlapping chunks: one pass over the deduped entries.
      ts.clear();
      sizes.clear();
      stream_iterator_impl it(*s, hull_from, hull_through, logql::direction::forward, error_);
      model::entry_view v;
      while (it.next(v)) {
        ts.push_back(v.ts);
        sizes.push_back(static_cast<uint32_t>(v.line.size()));
      }
      if (!error_.ok())
        return false;
      bin(wc, 0, w.n - 1);
    }
    out.push_back(std::move(wc));
  }
  return true;
}

} // namespace skald::query
