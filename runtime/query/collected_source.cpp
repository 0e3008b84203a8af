// runtime/query/collected_source.cpp — see collected_source.hpp.
#include "runtime/query/collected_source.hpp"

#include <algorithm>
#include <limits>

namespace skald::query {

namespace {

class range_iterator final : public logql::stream_iterator {
public:
  range_iterator(const collected_stream& s, size_t lo, size_t hi, logql::direction dir)
      : s_(s), lo_(lo), hi_(hi), dir_(dir) {}

  const model::label_set& labels() const override { return s_.labels; }

  bool next(model::entry_view& out) override {
    if (lo_ >= hi_)
      return false;
    const size_t i = dir_ == logql::direction::forward ? lo_++ : --hi_;
    out.ts = s_.entries[i].ts;
    out.line = s_.line(i);
    out.metadata = s_.metadata_of(i);
    return true;
  }

private:
  const collected_stream& s_;
  size_t lo_;
  size_t hi_;
  logql::direction dir_;
};

void add_window(select_plan& plan, int64_t from, int64_t through) {
  plan.from = std::min(plan.from, from);
  plan.through = std::max(plan.through, through);
}

void walk(const logql::sample_expr& e, const logql::query_params& p, select_plan& plan) {
  using kind = logql::sample_expr::kind;
  switch (e.k) {
  case kind::range_agg: {
    const auto& r = e.range;
    plan.groups.push_back(r.selector.matchers);
    add_window(plan, p.start_ns - r.range_ns - r.offset_ns + 1, p.end_ns - r.offset_ns + 1);
    break;
  }
  case kind::vector_agg:
  case kind::label_replace:
    if (e.inner)
      walk(*e.inner, p, plan);
    break;
  case kind::binary:
    if (e.lhs)
      walk(*e.lhs, p, plan);
    if (e.rhs)
      walk(*e.rhs, p, plan);
    break;
  case kind::literal:
  case kind::vector_lit:
    break;
  }
}

} // namespace

void collected_stream::push(int64_t ts, std::string_view line, const model::label_set* md) {
  packed_entry e;
  e.ts = ts;
  e.off = lines.size();
  e.len = static_cast<uint32_t>(line.size());
  lines.append(line);
  if (md != nullptr && !md->empty()) {
    metadata.push_back(*md);
    e.meta = static_cast<uint32_t>(metadata.size());
  }
  entries.push_back(e);
}

result<logql::stream_iterators>
collected_source::select(const std::vector<logql::label_matcher>& matchers, int64_t from,
                         int64_t through, logql::direction dir) {
  logql::stream_iterators out;
  for (const auto& s : streams_) {
    if (!logql::matches_all(matchers, s.labels))
      continue;
    auto by_ts = [](const packed_entry& e, int64_t t) { return e.ts < t; };
    auto lo = std::lower_bound(s.entries.begin(), s.entries.end(), from, by_ts);
    auto hi = std::lower_bound(lo, s.entries.end(), through, by_ts);
    if (lo == hi)
      continue;
    out.push_back(std::make_unique<range_iterator>(s, static_cast<size_t>(lo - s.entries.begin()),
                                                   static_cast<size_t>(hi - s.entries.begin()),
                                                   dir));
  }
  return out;
}

select_plan plan_select(const logql::expr& e, const logql::query_params& p) {
  select_plan plan;
  plan.from = std::numeric_limits<int64_t>::max();
  plan.through = std::numeric_limits<int64_t>::min();
  if (e.is_log) {
    plan.groups.push_back(e.log.matchers);
    add_window(plan, p.start_ns, p.end_ns);
    if (e.log.stages.empty() && p.interval_ns == 0)
      plan.per_stream_limit = p.limit;
  } else if (e.metric) {
    walk(*e.metric, p, plan);
  }
  if (plan.groups.empty()) {
    plan.from = 0;
    plan.through = 0;
  }
  return plan;
}

} // namespace skald::query
