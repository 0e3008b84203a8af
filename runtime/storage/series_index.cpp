#include "runtime/storage/series_index.hpp"

#include <algorithm>
#include <set>

#include <re2/re2.h>

namespace skald::storage {

namespace {

void merge_union(std::vector<uint32_t>& acc, const std::vector<uint32_t>& add) {
  std::vector<uint32_t> out;
  out.reserve(acc.size() + add.size());
  std::set_union(acc.begin(), acc.end(), add.begin(), add.end(), std::back_inserter(out));
  acc.swap(out);
}

std::vector<uint32_t> intersect(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  out.reserve(std::min(a.size(), b.size()));
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<uint32_t> subtract(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  out.reserve(a.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Calls fn(value, list) for the values of `vp` whose value the matcher's
// regexp fully matches (a superset is fine: fn re-checks). RE2's
// PossibleMatchRange bounds every match, so a regexp with a literal prefix
// visits only that slice of the sorted values instead of all of them.
template <class F>
void for_each_regex_candidate(const series_index::value_postings& vp, const label_matcher& m,
                              F&& fn) {
  std::string lo, hi;
  if (m.re && m.re->PossibleMatchRange(&lo, &hi, 64)) {
    for (auto it = vp.lower_bound(lo); it != vp.end() && it->first <= hi; ++it)
      fn(it->first, it->second);
    return;
  }
  for (auto& [value, list] : vp)
    fn(value, list);
}

// Cheapest first: equality, then other positive matchers, then negatives.
int rank(const label_matcher& m) {
  if (m.op == match_type::eq && !m.value.empty())
    return 0;
  return m.matches_empty() ? 2 : 1;
}

} // namespace

int64_t series_index::find(uint64_t fp, const model::label_set& ls) const {
  auto it = by_fp_.find(fp);
  if (it == by_fp_.end())
    return -1;
  for (uint32_t id : it->second)
    if (series_[id].labels == ls)
      return id;
  return -1;
}

series_chunks series_index::missing(const series_chunks& s) const {
  series_chunks out;
  out.labels = s.labels;
  out.fingerprint = s.fingerprint;
  int64_t id = find(s.fingerprint, s.labels);
  for (auto& r : s.chunks) {
    if (id >= 0) {
      auto& cs = series_[static_cast<size_t>(id)].chunks;
      auto pos = std::lower_bound(cs.begin(), cs.end(), r, ref_less);
      if (pos != cs.end() && !ref_less(r, *pos))
        continue;
    }
    bool dup = false;
    for (auto& o : out.chunks)
      dup = dup || (!ref_less(o, r) && !ref_less(r, o));
    if (!dup)
      out.chunks.push_back(r);
  }
  return out;
}

size_t series_index::apply(const series_chunks& s) {
  int64_t found = find(s.fingerprint, s.labels);
  uint32_t id;
  if (found < 0) {
    id = static_cast<uint32_t>(series_.size());
    entry e;
    e.labels = s.labels;
    e.fingerprint = s.fingerprint;
    series_.push_back(std::move(e));
    by_fp_[s.fingerprint].push_back(id);
    for (auto& l : s.labels) {
      auto& vp = postings_[l.name];
      auto it = vp.find(l.value);
      if (it == vp.end())
        it = vp.emplace(l.value, postings_list{}).first;
      it->second.push_back(id); // ids grow: stays ascending
    }
  } else {
    id = static_cast<uint32_t>(found);
  }
  auto& e = series_[id];
  size_t added = 0;
  for (auto& r : s.chunks) {
    auto pos = std::lower_bound(e.chunks.begin(), e.chunks.end(), r, ref_less);
    if (pos != e.chunks.end() && !ref_less(r, *pos))
      continue;
    e.chunks.insert(pos, r);
    e.min_from = std::min(e.min_from, r.from_ms);
    e.max_through = std::max(e.max_through, r.through_ms);
    ++added;
  }
  chunks_ += added;
  return added;
}

status series_index::restore(std::vector<entry> series, postings_map postings) {
  const auto n = series.size();
  for (auto& [name, vp] : postings)
    for (auto& [value, ids] : vp)
      for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i] >= n || (i > 0 && ids[i] <= ids[i - 1]))
          return {errc::corrupt_record, "index postings out of order or out of range"};
  series_ = std::move(series);
  postings_ = std::move(postings);
  by_fp_.clear();
  chunks_ = 0;
  for (uint32_t id = 0; id < series_.size(); ++id) {
    auto& e = series_[id];
    std::sort(e.chunks.begin(), e.chunks.end(), ref_less);
    e.min_from = INT64_MAX;
    e.max_through = INT64_MIN;
    for (auto& r : e.chunks) {
      e.min_from = std::min(e.min_from, r.from_ms);
      e.max_through = std::max(e.max_through, r.through_ms);
    }
    chunks_ += e.chunks.size();
    by_fp_[e.fingerprint].push_back(id);
  }
  return {};
}

std::vector<uint32_t> series_index::select(const std::vector<label_matcher>& matchers) const {
  std::vector<const label_matcher*> ms;
  ms.reserve(matchers.size());
  for (auto& m : matchers)
    ms.push_back(&m);
  std::stable_sort(ms.begin(), ms.end(), [](auto* a, auto* b) { return rank(*a) < rank(*b); });

  std::vector<uint32_t> ids;
  bool have = false; // ids holds a candidate set (else: all series)
  for (auto* m : ms) {
    auto np = postings_.find(m->name);
    const value_postings* vp = np == postings_.end() ? nullptr : &np->second;
    const size_t distinct = vp ? vp->size() : 0;
    if (have && ids.size() <= distinct) {
      // Few candidates left: check their labels directly.
      std::vector<uint32_t> kept;
      kept.reserve(ids.size());
      for (uint32_t id : ids)
        if (m->matches(model::get(series_[id].labels, m->name)))
          kept.push_back(id);
      ids.swap(kept);
    } else if (!m->matches_empty()) {
      // Positive: union of the postings of the values it accepts.
      std::vector<uint32_t> p;
      if (vp) {
        if (m->op == match_type::eq) {
          auto it = vp->find(m->value);
          if (it != vp->end())
            p = it->second;
        } else if (m->op == match_type::re) {
          for_each_regex_candidate(*vp, *m,
                                   [&](const std::string& value, const postings_list& list) {
                                     if (m->matches(value))
                                       merge_union(p, list);
                                   });
        } else {
          for (auto& [value, list] : *vp)
            if (m->matches(value))
              merge_union(p, list);
        }
      }
      ids = have ? intersect(ids, p) : std::move(p);
      have = true;
    } else {
      // Matches "": drop the series whose value it rejects.
      if (!have) {
        ids.resize(series_.size());
        for (uint32_t i = 0; i < ids.size(); ++i)
          ids[i] = i;
        have = true;
      }
      if (vp) {
        std::vector<uint32_t> rejected;
        if (m->op == match_type::neq) {
          auto it = vp->find(m->value);
          if (it != vp->end())
            rejected = it->second;
        } else if (m->op == match_type::nre) {
          // Rejected = the values the regexp matches: a bounded slice.
          for_each_regex_candidate(*vp, *m,
                                   [&](const std::string& value, const postings_list& list) {
                                     if (!m->matches(value))
                                       merge_union(rejected, list);
                                   });
        } else {
          for (auto& [value, list] : *vp)
            if (!m->matches(value))
              merge_union(rejected, list);
        }
        ids = subtract(ids, rejected);
      }
    }
    if (ids.empty() && have)
      return ids;
  }
  if (!have) {
    ids.resize(series_.size());
    for (uint32_t i = 0; i < ids.size(); ++i)
      ids[i] = i;
  }
  return ids;
}

bool series_index::has_chunk_in(uint32_t id, int64_t from_ms, int64_t through_ms) const noexcept {
  auto& e = series_[id];
  if (e.chunks.empty() || e.min_from > through_ms || e.max_through < from_ms)
    return false;
  if (e.min_from >= from_ms && e.max_through <= through_ms)
    return true; // everything inside
  for (auto& r : e.chunks) {
    if (r.from_ms > through_ms)
      break; // sorted by from
    if (r.through_ms >= from_ms)
      return true;
  }
  return false;
}

void series_index::series(const std::vector<uint32_t>& ids, int64_t from_ms, int64_t through_ms,
                          std::vector<series_chunks>& out) const {
  for (uint32_t id : ids) {
    if (!has_chunk_in(id, from_ms, through_ms))
      continue;
    auto& e = series_[id];
    series_chunks s;
    s.labels = e.labels;
    s.fingerprint = e.fingerprint;
    for (auto& r : e.chunks) {
      if (r.from_ms > through_ms)
        break;
      if (r.through_ms >= from_ms)
        s.chunks.push_back(r);
    }
    out.push_back(std::move(s));
  }
}

void series_index::label_names(int64_t from_ms, int64_t through_ms,
                               const std::vector<uint32_t>* ids,
                               std::vector<std::string>& out) const {
  if (ids == nullptr) {
    for (auto& [name, vp] : postings_) {
      bool found = false;
      for (auto it = vp.begin(); it != vp.end() && !found; ++it)
        for (uint32_t id : it->second)
          if (has_chunk_in(id, from_ms, through_ms)) {
            found = true;
            break;
          }
      if (found)
        out.push_back(name);
    }
    return;
  }
  std::set<std::string_view> names;
  for (uint32_t id : *ids)
    if (has_chunk_in(id, from_ms, through_ms))
      for (auto& l : series_[id].labels)
        names.insert(l.name);
  for (auto n : names)
    out.emplace_back(n);
}

void series_index::label_values(std::string_view name, int64_t from_ms, int64_t through_ms,
                                const std::vector<uint32_t>* ids,
                                std::vector<std::string>& out) const {
  auto np = postings_.find(name);
  if (np == postings_.end())
    return;
  if (ids == nullptr) {
    for (auto& [value, list] : np->second)
      for (uint32_t id : list)
        if (has_chunk_in(id, from_ms, through_ms)) {
          out.push_back(value);
          break;
        }
    return;
  }
  std::set<std::string_view> values;
  for (uint32_t id : *ids)
    if (has_chunk_in(id, from_ms, through_ms)) {
      auto v = model::get(series_[id].labels, name);
      if (!v.empty())
        values.insert(v);
    }
  for (auto v : values)
    out.emplace_back(v);
}

} // namespace skald::storage
