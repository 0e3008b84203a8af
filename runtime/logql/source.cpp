#include "runtime/logql/source.hpp"

#include <algorithm>

namespace skald::logql {

std::string series_key(const model::label_set& ls) {
  std::string k;
  for (const auto& l : ls) {
    k += l.name;
    k.push_back('\xff');
    k += l.value;
    k.push_back('\xfe');
  }
  return k;
}

bool matches_all(const std::vector<label_matcher>& matchers, const model::label_set& labels) {
  for (const auto& m : matchers)
    if (!m.matches(model::get(labels, m.name)))
      return false;
  return true;
}

namespace {

class vector_iterator final : public stream_iterator {
public:
  vector_iterator(const model::label_set& labels, const std::vector<model::entry>& entries,
                  size_t begin, size_t end, bool backward)
    : labels_(labels), entries_(entries), begin_(begin), end_(end), backward_(backward),
      pos_(backward ? end : begin) {}

  const model::label_set& labels() const override { return labels_; }

  bool next(model::entry_view& out) override {
    const model::entry* e;
    if (backward_) {
      if (pos_ == begin_)
        return false;
      e = &entries_[--pos_];
    } else {
      if (pos_ == end_)
        return false;
      e = &entries_[pos_++];
    }
    out.ts = e->ts;
    out.line = e->line;
    out.metadata = e->metadata.empty() ? nullptr : &e->metadata;
    return true;
  }

private:
  const model::label_set& labels_;
  const std::vector<model::entry>& entries_;
  size_t begin_, end_;
  bool backward_;
  size_t pos_;
};

class dedupe_merge_iterator final : public stream_iterator {
public:
  dedupe_merge_iterator(stream_iterators its, bool backward)
    : its_(std::move(its)), heads_(its_.size()), valid_(its_.size()), backward_(backward) {
    for (size_t i = 0; i < its_.size(); ++i)
      valid_[i] = its_[i]->next(heads_[i]);
  }

  const model::label_set& labels() const override { return its_[0]->labels(); }

  bool next(model::entry_view& out) override {
    for (;;) {
      size_t best = its_.size();
      for (size_t i = 0; i < its_.size(); ++i) {
        if (!valid_[i])
          continue;
        if (best == its_.size()
            || (backward_ ? heads_[i].ts > heads_[best].ts : heads_[i].ts < heads_[best].ts))
          best = i;
      }
      if (best == its_.size())
        return false;
      const model::entry_view& h = heads_[best];
      if (seen_.empty() || h.ts != seen_ts_) {
        seen_.clear();
        seen_ts_ = h.ts;
      }
      bool dup = false;
      for (const auto& s : seen_) {
        if (s.line == h.line
            && (h.metadata ? s.metadata == *h.metadata : s.metadata.empty())) {
          dup = true;
          break;
        }
      }
      if (!dup) {
        model::entry e;
        e.ts = h.ts;
        e.line = std::string(h.line);
        if (h.metadata)
          e.metadata = *h.metadata;
        seen_.push_back(std::move(e));
      }
      valid_[best] = its_[best]->next(heads_[best]);
      if (dup)
        continue;
      const model::entry& e = seen_.back();
      out.ts = e.ts;
      out.line = e.line;
      out.metadata = e.metadata.empty() ? nullptr : &e.metadata;
      return true;
    }
  }

private:
  stream_iterators its_;
  std::vector<model::entry_view> heads_;
  std::vector<bool> valid_;
  bool backward_;
  int64_t seen_ts_ = 0;
  std::vector<model::entry> seen_;  // entries emitted at seen_ts_
};

} // namespace

stream_iterators merge_replicas(stream_iterators in, direction dir) {
  std::unordered_map<std::string, size_t> index;
  std::vector<stream_iterators> groups;
  for (auto& it : in) {
    std::string k = series_key(it->labels());
    auto [pos, inserted] = index.emplace(std::move(k), groups.size());
    if (inserted)
      groups.emplace_back();
    groups[pos->second].push_back(std::move(it));
  }
  stream_iterators out;
  out.reserve(groups.size());
  for (auto& g : groups) {
    if (g.size() == 1)
      out.push_back(std::move(g[0]));
    else
      out.push_back(std::make_unique<dedupe_merge_iterator>(std::move(g), dir == direction::backward));
  }
  return out;
}

void memory_source::add(model::label_set labels, model::entry e) {
  model::normalise(labels);
  std::string k = series_key(labels);
  auto it = index_.find(k);
  stream* s;
  if (it == index_.end()) {
    index_.emplace(std::move(k), streams_.size());
    streams_.push_back(std::make_unique<stream>());
    s = streams_.back().get();
    s->labels = std::move(labels);
  } else {
    s = streams_[it->second].get();
  }
  if (s->entries.empty() || e.ts >= s->entries.back().ts) {
    s->entries.push_back(std::move(e));
    return;
  }
  // Out of order: insert after entries with the same timestamp (stable).
  auto pos = std::upper_bound(s->entries.begin(), s->entries.end(), e.ts,
                              [](int64_t t, const model::entry& x) { return t < x.ts; });
  s->entries.insert(pos, std::move(e));
}

void memory_source::clear() {
  streams_.clear();
  index_.clear();
}

result<stream_iterators> memory_source::select(const std::vector<label_matcher>& matchers,
                                               int64_t from, int64_t through, direction dir) {
  stream_iterators out;
  for (const auto& sp : streams_) {
    const stream& s = *sp;
    if (!matches_all(matchers, s.labels))
      continue;
    auto lo = std::lower_bound(s.entries.begin(), s.entries.end(), from,
                               [](const model::entry& e, int64_t t) { return e.ts < t; });
    auto hi = std::lower_bound(lo, s.entries.end(), through,
                               [](const model::entry& e, int64_t t) { return e.ts < t; });
    if (lo == hi)
      continue;
    out.push_back(std::make_unique<vector_iterator>(
        s.labels, s.entries, static_cast<size_t>(lo - s.entries.begin()),
        static_cast<size_t>(hi - s.entries.begin()), dir == direction::backward));
  }
  return out;
}

} // namespace skald::logql
