// runtime/query/volume.cpp — see volume.hpp.
#include "runtime/query/volume.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace skald::query {

namespace {

constexpr int64_t ns_per_ms = 1'000'000;

int64_t floor_ms(int64_t ns) {
  return ns / ns_per_ms - (ns % ns_per_ms < 0 ? 1 : 0);
}

/// Bytes of `chunks` in [from_ms, through_ms].
uint64_t bytes_in(const std::vector<volume_chunk>& chunks, int64_t from_ms, int64_t through_ms) {
  uint64_t total = 0;
  for (const auto& c : chunks) {
    const double f = factor_of_time(from_ms, through_ms, c.from_ms, c.through_ms);
    if (f > 0)
      total += static_cast<uint64_t>(static_cast<double>(c.bytes) * f);
  }
  return total;
}

/// One entry per label set, chunks without duplicates.
std::map<model::label_set, std::vector<volume_chunk>> merge(std::vector<volume_series> series) {
  std::map<model::label_set, std::vector<volume_chunk>> merged;
  for (auto& s : series) {
    auto& cs = merged[s.labels];
    for (auto& c : s.chunks)
      if (std::find(cs.begin(), cs.end(), c) == cs.end())
        cs.push_back(c);
  }
  return merged;
}

} // namespace

index_stats_result compute_index_stats(std::vector<volume_series> series, int64_t from_ms,
                                       int64_t through_ms) {
  index_stats_result out;
  for (const auto& [labels, chunks] : merge(std::move(series))) {
    bool any = false;
    for (const auto& c : chunks) {
      if (c.from_ms > through_ms || c.through_ms < from_ms)
        continue;
      any = true;
      ++out.chunks;
      const double f = factor_of_time(from_ms, through_ms, c.from_ms, c.through_ms);
      out.entries += static_cast<uint64_t>(static_cast<double>(c.entries) * f);
      out.bytes += static_cast<uint64_t>(static_cast<double>(c.bytes) * f);
    }
    out.streams += any ? 1 : 0;
  }
  return out;
}

double factor_of_time(int64_t from, int64_t through, int64_t min, int64_t max) noexcept {
  if (from > max || through < min)
    return 0;
  if (min == max)
    return 1;
  const int64_t total = max - min;
  const int64_t leading = std::max<int64_t>(0, from - min);
  const int64_t trailing = std::max<int64_t>(0, max - through);
  return static_cast<double>(total - (leading + trailing)) / static_cast<double>(total);
}

logql::query_result compute_volume(std::vector<volume_series> series, const volume_params& p) {
  const auto merged = merge(std::move(series));
  auto keys_of = [&](const model::label_set& ls) {
    auto wanted = [&](const std::string& name) {
      return p.targets.empty() || std::binary_search(p.targets.begin(), p.targets.end(), name);
    };
    std::vector<model::label_set> keys;
    if (p.by_labels) {
      for (const auto& l : ls)
        if (wanted(l.name))
          keys.push_back({{l.name, ""}});
    } else {
      model::label_set k;
      for (const auto& l : ls)
        if (wanted(l.name))
          k.push_back(l);
      keys.push_back(std::move(k));
    }
    return keys;
  };
  // Buckets: the instant form has one ([start, end] at end).
  std::vector<std::pair<int64_t, std::pair<int64_t, int64_t>>> buckets; // t -> [from, through] ms
  if (p.step_ns <= 0) {
    buckets.push_back({p.end_ns, {floor_ms(p.start_ns), floor_ms(p.end_ns)}});
  } else {
    for (int64_t t = p.start_ns; t <= p.end_ns; t += p.step_ns)
      buckets.push_back({t, {floor_ms(t - p.step_ns) + 1, floor_ms(t)}}); // (t - step, t]
  }
  std::map<model::label_set, std::map<int64_t, uint64_t>> acc;
  for (const auto& [labels, chunks] : merged) {
    auto keys = keys_of(labels);
    for (const auto& [t, range] : buckets) {
      const uint64_t b = bytes_in(chunks, range.first, range.second);
      if (b == 0)
        continue;
      for (const auto& k : keys)
        acc[k][t] += b;
    }
  }
  std::vector<std::pair<uint64_t, const model::label_set*>> order;
  for (const auto& [k, pts] : acc) {
    uint64_t total = 0;
    for (const auto& [t, v] : pts)
      total += v;
    order.emplace_back(total, &k);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  const uint32_t limit = p.limit == 0 ? 100 : p.limit;
  if (order.size() > limit)
    order.resize(limit);
  logql::query_result res;
  if (p.step_ns > 0) {
    res.type = logql::result_type::matrix;
    for (const auto& [total, k] : order) {
      logql::series se;
      se.labels = *k;
      for (const auto& [t, v] : acc[*k])
        se.points.push_back(logql::sample_point{t, static_cast<double>(v)});
      res.matrix.push_back(std::move(se));
    }
  } else {
    res.type = logql::result_type::vector;
    res.t_ns = p.end_ns;
    for (const auto& [total, k] : order)
      res.vector.push_back(logql::vector_sample{*k, static_cast<double>(total)});
  }
  return res;
}

} // namespace skald::query
