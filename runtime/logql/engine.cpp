// The engine: log queries (merge, limit, group into streams) and the shaping
// of metric results into vectors, scalars and matrices.
#include "runtime/logql/engine.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <unordered_map>

#include "runtime/logql/eval.hpp"
#include "runtime/logql/pipeline.hpp"
#include "runtime/logql/strconv.hpp"

namespace skald::logql {

std::string labels_string(const model::label_set& ls) {
  std::string out = "{";
  for (size_t i = 0; i < ls.size(); ++i) {
    if (i)
      out += ", ";
    out += ls[i].name;
    out += "=";
    out += go_quote(ls[i].value);
  }
  return out + "}";
}

namespace {

status series_limit_error(size_t limit) {
  return status{errc::invalid_argument,
                "maximum number of series (" + std::to_string(limit)
                    + ") reached for a single query; consider reducing query cardinality by adding "
                      "more specific stream selectors, reducing the time range, or aggregating "
                      "results with functions like sum(), count() or topk()"};
}

} // namespace

namespace {

bool contains_sort(const sample_expr& e) {
  if (e.k == sample_expr::kind::vector_agg && (e.vop == vector_op::sort || e.vop == vector_op::sort_desc))
    return true;
  if (e.inner && contains_sort(*e.inner))
    return true;
  return (e.lhs && contains_sort(*e.lhs)) || (e.rhs && contains_sort(*e.rhs));
}

} // namespace

query_params align_to_step(query_params p) {
  if (p.step_ns <= 0)
    return p;
  auto floor_div = [](int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); };
  p.start_ns = floor_div(p.start_ns, p.step_ns) * p.step_ns;
  int64_t e = floor_div(p.end_ns, p.step_ns) * p.step_ns;
  if (e < p.end_ns)
    e += p.step_ns;
  p.end_ns = e;
  return p;
}

result<query_result> engine::query(const expr& e, const query_params& p) {
  if (e.is_log) {
    if (p.step_ns == 0 && p.start_ns == p.end_ns)
      return status{errc::invalid_argument,
                    "log queries are not supported as an instant query type, please change your "
                    "query to a range query type"};
    auto s = eval_log(e.log, p);
    if (!s)
      return s.error();
    query_result r;
    r.type = result_type::streams;
    r.streams = std::move(*s);
    return r;
  }
  return eval_metric(*e.metric, p);
}

result<std::vector<stream_result>> engine::eval_log(const log_selector_expr& sel,
                                                    const query_params& p) {
  if (p.limit > limits_.max_entries_limit_per_query)
    return status{errc::invalid_argument,
                  "max entries limit per query exceeded, limit > max_entries_limit_per_query ("
                      + std::to_string(p.limit) + " > "
                      + std::to_string(limits_.max_entries_limit_per_query) + ")"};
  auto selected = src_.select(sel.matchers, p.start_ns, p.end_ns, p.dir);
  if (!selected)
    return selected.error();
  auto its = merge_replicas(std::move(*selected), p.dir);
  bool backward = p.dir == direction::backward;
  struct head {
    size_t it;
    model::entry_view ev;
    std::string stream_key;
  };
  std::vector<std::string> stream_keys;
  for (auto& it : its)
    stream_keys.push_back(labels_string(it->labels()));
  auto cmp = [&](const head& a, const head& b) {
    // priority_queue pops the largest: invert.
    if (a.ev.ts != b.ev.ts)
      return backward ? a.ev.ts < b.ev.ts : a.ev.ts > b.ev.ts;
    return stream_keys[a.it] > stream_keys[b.it];
  };
  std::priority_queue<head, std::vector<head>, decltype(cmp)> heap(cmp);
  for (size_t i = 0; i < its.size(); ++i) {
    head h{i, {}, {}};
    if (its[i]->next(h.ev))
      heap.push(h);
  }
  pipeline_runner pr(sel.stages);
  std::map<std::string, stream_result> out;
  uint32_t taken = 0;
  std::string key;
  bool have_last = false;
  int64_t last_ts = 0;  // Loki's interval thinning is global across streams
  while (!heap.empty() && taken < p.limit) {
    head h = heap.top();
    heap.pop();
    auto& it = its[h.it];
    bool due = p.interval_ns <= 0 || !have_last
               || (backward ? h.ev.ts <= last_ts - p.interval_ns : h.ev.ts >= last_ts + p.interval_ns);
    if (due && pr.run(h.ev.ts, h.ev.line, it->labels(), h.ev.metadata)) {
      have_last = true;
      last_ts = h.ev.ts;
      auto& st = pr.state();
      model::label_set ls = st.lbs.labels();
      std::string k = labels_string(ls);
      auto& sr = out[k];
      if (sr.entries.empty())
        sr.labels = std::move(ls);
      model::entry e;
      e.ts = h.ev.ts;
      e.line = std::string(st.line());
      if (h.ev.metadata)
        e.metadata = *h.ev.metadata;
      sr.entries.push_back(std::move(e));
      ++taken;
    }
    if (it->next(h.ev))
      heap.push(h);
  }
  std::vector<stream_result> res;
  res.reserve(out.size());
  for (auto& [k, v] : out)
    res.push_back(std::move(v));
  return res;
}

result<query_result> engine::eval_metric(const sample_expr& e, const query_params& p) {
  bool instant = p.step_ns == 0;
  if (!instant && p.step_ns < 0)
    return status{errc::invalid_argument,
                  "zero or negative query resolution step widths are not accepted. Try a positive integer"};
  if (p.end_ns < p.start_ns)
    return status{errc::invalid_argument, "end timestamp must not be before or equal to start time"};
  if (!instant && (p.end_ns - p.start_ns) / p.step_ns + 1 > 11000)
    return status{errc::invalid_argument,
                  "exceeded maximum resolution of 11,000 points per time series. Try increasing the "
                  "value of the step parameter"};
  detail::eval_ctx c{src_, limits_};
  c.start = p.start_ns;
  c.end = instant ? p.start_ns : p.end_ns;
  c.step = instant ? 1 : p.step_ns;
  c.nsteps = instant ? 1 : static_cast<size_t>((p.end_ns - p.start_ns) / p.step_ns) + 1;
  auto r = detail::eval(e, c);
  if (!r)
    return r.error();
  query_result out;
  out.t_ns = p.start_ns;
  if (r->scalar) {
    if (instant) {
      out.type = result_type::scalar;
      out.scalar = r->scalars.empty() ? 0 : r->scalars[0];
      return out;
    }
    out.type = result_type::matrix;
    series s;
    for (size_t i = 0; i < c.nsteps; ++i)
      s.points.push_back({c.at(i), r->scalars[i]});
    out.matrix.push_back(std::move(s));
    return out;
  }
  if (instant) {
    out.type = result_type::vector;
    out.vector = std::move(r->steps[0]);
    // Loki sorts instant vectors by labels unless the query asks for a
    // value order (sort/sort_desc anywhere in it, Loki's Sortable()).
    if (!contains_sort(e))
      std::stable_sort(out.vector.begin(), out.vector.end(),
                       [](const vector_sample& a, const vector_sample& b) { return a.labels < b.labels; });
    if (out.vector.size() > limits_.max_series)
      return series_limit_error(limits_.max_series);
    return out;
  }
  out.type = result_type::matrix;
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < c.nsteps; ++i) {
    for (auto& s : r->steps[i]) {
      std::string k = series_key(s.labels);
      auto it = index.find(k);
      if (it == index.end()) {
        if (out.matrix.size() >= limits_.max_series)
          return series_limit_error(limits_.max_series);
        it = index.emplace(std::move(k), out.matrix.size()).first;
        out.matrix.push_back(series{s.labels, {}});
      }
      out.matrix[it->second].points.push_back({c.at(i), s.v});
    }
  }
  std::sort(out.matrix.begin(), out.matrix.end(), [](const series& a, const series& b) {
    return labels_string(a.labels) < labels_string(b.labels);
  });
  return out;
}

} // namespace skald::logql
