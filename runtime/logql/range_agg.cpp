// Range aggregations: select entries, run the pipeline, extract samples into
// series, then evaluate each step's window (t-range-offset, t-offset].
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include "runtime/logql/eval.hpp"
#include "runtime/logql/pipeline.hpp"
#include "runtime/logql/strconv.hpp"

namespace skald::logql::detail {

namespace {

struct sample {
  int64_t ts;
  double v;
};

struct rseries {
  model::label_set labels;
  std::vector<int64_t> ts;
  std::vector<double> vs;
  bool sorted = true;
  bool has_error = false;
  bool used = false;
};

constexpr std::string_view sample_extraction_err = "SampleExtractionErr";

result<double> convert(const std::string& conv, const std::string& v) {
  if (conv.empty()) {
    auto f = parse_go_float(v);
    if (!f)
      return f.error();
    return *f;
  }
  if (conv == "bytes") {
    auto b = parse_bytes(v);
    if (!b)
      return b.error();
    return static_cast<double>(*b);
  }
  auto d = parse_go_duration(v);
  if (!d)
    return d.error();
  return static_cast<double>(*d) / 1e9;
}

bool uses_line_only(range_op op) {
  return op == range_op::count_over_time || op == range_op::rate || op == range_op::bytes_over_time
         || op == range_op::bytes_rate || op == range_op::absent_over_time;
}

model::label_set absent_labels(const std::vector<label_matcher>& ms) {
  model::label_set out;
  std::vector<std::string> drop;
  for (const auto& m : ms) {
    if (m.op != match_op::eq) {
      drop.push_back(m.name);
      continue;
    }
    bool dup = false;
    for (const auto& l : out)
      if (l.name == m.name)
        dup = true;
    if (dup)
      drop.push_back(m.name);
    else
      out.push_back({m.name, m.value});
  }
  out.erase(std::remove_if(out.begin(), out.end(),
                           [&](const model::label& l) {
                             return std::find(drop.begin(), drop.end(), l.name) != drop.end();
                           }),
            out.end());
  std::sort(out.begin(), out.end(), [](const model::label& a, const model::label& b) { return a.name < b.name; });
  return out;
}

void filter_names(const label_filter& f, std::vector<std::string>& out) {
  switch (f.k) {
    case label_filter::kind::and_:
    case label_filter::kind::or_:
      filter_names(*f.left, out);
      filter_names(*f.right, out);
      return;
    case label_filter::kind::string: out.push_back(f.matcher.name); return;
    default: out.push_back(f.name); return;
  }
}

/// The labels parsers must extract when a `by` grouping decides the output
/// (Loki's parser label hints), or nullopt when anything may be needed.
std::optional<std::vector<std::string>> extraction_hints(const log_range_expr& r, const grouping* g) {
  if (!g || g->without)
    return std::nullopt;
  std::vector<std::string> hints = g->labels;
  for (const auto& s : r.selector.stages) {
    switch (s.k) {
      case stage::kind::line_filter:
      case stage::kind::logfmt:
      case stage::kind::json:
      case stage::kind::regexp:
      case stage::kind::pattern:
      case stage::kind::unpack:
      case stage::kind::decolorize:
        break;
      case stage::kind::label_filter:
        filter_names(*s.filter, hints);
        break;
      default:  // formatters, drop and keep may read any label
        return std::nullopt;
    }
  }
  if (r.unwrap) {
    hints.push_back(r.unwrap->label);
    for (const auto& f : r.unwrap->post_filters)
      filter_names(*f, hints);
  }
  return hints;
}

double window_value(range_op op, bool unwrap, const int64_t* ts, const double* vs, size_t n,
                    double range_s, double param, int64_t lo, int64_t hi, int64_t range_ns) {
  switch (op) {
    case range_op::count_over_time: return static_cast<double>(n);
    case range_op::rate: {
      if (!unwrap)
        return static_cast<double>(n) / range_s;
      double s = 0;
      for (size_t i = 0; i < n; ++i)
        s += vs[i];
      return s / range_s;
    }
    case range_op::bytes_over_time:
    case range_op::sum_over_time: {
      double s = 0;
      for (size_t i = 0; i < n; ++i)
        s += vs[i];
      return s;
    }
    case range_op::bytes_rate: {
      double s = 0;
      for (size_t i = 0; i < n; ++i)
        s += vs[i];
      return s / range_s;
    }
    case range_op::avg_over_time: {
      double s = 0;
      for (size_t i = 0; i < n; ++i)
        s += vs[i];
      return s / static_cast<double>(n);
    }
    case range_op::min_over_time: {
      double m = vs[0];
      for (size_t i = 1; i < n; ++i)
        if (vs[i] < m || std::isnan(m))
          m = vs[i];
      return m;
    }
    case range_op::max_over_time: {
      double m = vs[0];
      for (size_t i = 1; i < n; ++i)
        if (vs[i] > m || std::isnan(m))
          m = vs[i];
      return m;
    }
    case range_op::stdvar_over_time:
    case range_op::stddev_over_time: {
      double count = 0, mean = 0, m2 = 0;
      for (size_t i = 0; i < n; ++i) {
        count += 1;
        double delta = vs[i] - mean;
        mean += delta / count;
        m2 += delta * (vs[i] - mean);
      }
      double var = m2 / count;
      return op == range_op::stdvar_over_time ? var : std::sqrt(var);
    }
    case range_op::quantile_over_time: return quantile(param, std::vector<double>(vs, vs + n));
    case range_op::first_over_time: return vs[0];
    case range_op::last_over_time: return vs[n - 1];
    case range_op::rate_counter:
      return extrapolated_counter_rate(ts, vs, n, lo, hi, range_ns);
    case range_op::absent_over_time: return 1;
  }
  return 0;
}

/// count_over_time, rate, bytes_over_time and bytes_rate of a selector
/// without stages: the source counts per window (entry_source::count_windows,
/// e.g. from chunk block metadata) and no entry is read here. nullopt when
/// the expression does not qualify or the source declines.
std::optional<stepped> counted_range_agg(const sample_expr& e, const eval_ctx& c,
                                         const grouping* group) {
  const log_range_expr& r = e.range;
  const bool bytes = e.rop == range_op::bytes_over_time || e.rop == range_op::bytes_rate;
  const bool per_second = e.rop == range_op::rate || e.rop == range_op::bytes_rate;
  if (!(e.rop == range_op::count_over_time || e.rop == range_op::rate || bytes)
      || !r.selector.stages.empty() || r.unwrap)
    return std::nullopt;
  window_spec w;
  w.first_end = c.start - r.offset_ns;
  w.step = c.step;
  w.n = c.nsteps;
  w.range = r.range_ns;
  w.bytes = bytes;
  std::vector<window_counts> counts;
  if (!c.src.count_windows(r.selector.matchers, w, counts))
    return std::nullopt;
  struct acc {
    model::label_set labels;
    std::vector<uint64_t> entries;
    std::vector<uint64_t> bytes;
  };
  std::unordered_map<std::string, size_t> index;
  std::vector<acc> all;
  for (auto& wc : counts) {
    model::label_set ls = group ? apply_grouping(*wc.labels, *group) : *wc.labels;
    auto k = series_key(ls);
    auto it = index.find(k);
    if (it == index.end()) {
      it = index.emplace(std::move(k), all.size()).first;
      all.push_back(acc{std::move(ls), std::vector<uint64_t>(w.n, 0),
                        std::vector<uint64_t>(bytes ? w.n : 0, 0)});
    }
    auto& a = all[it->second];
    for (size_t i = 0; i < w.n; ++i) {
      a.entries[i] += wc.entries[i];
      if (bytes)
        a.bytes[i] += wc.bytes[i];
    }
  }
  const double range_s = static_cast<double>(r.range_ns) / 1e9;
  stepped out;
  out.steps.resize(c.nsteps);
  for (size_t i = 0; i < c.nsteps; ++i) {
    for (const auto& a : all) {
      if (a.entries[i] == 0)
        continue;
      double v = static_cast<double>(bytes ? a.bytes[i] : a.entries[i]);
      if (per_second)
        v /= range_s;
      out.steps[i].push_back({a.labels, v});
    }
  }
  return out;
}

} // namespace

double quantile(double q, std::vector<double> values) {
  if (values.empty())
    return std::numeric_limits<double>::quiet_NaN();
  if (q < 0)
    return -std::numeric_limits<double>::infinity();
  if (q > 1)
    return std::numeric_limits<double>::infinity();
  std::sort(values.begin(), values.end());
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) + values[static_cast<size_t>(upper)] * weight;
}

double extrapolated_counter_rate(const int64_t* ts, const double* vs, size_t n, int64_t range_start,
                                 int64_t range_end, int64_t range_ns) {
  if (n < 2)
    return 0;
  double result = vs[n - 1] - vs[0];
  double last = 0;
  for (size_t i = 0; i < n; ++i) {
    if (vs[i] < last)
      result += last;
    last = vs[i];
  }
  double to_start = static_cast<double>(ts[0] - range_start) / 1e9;
  double to_end = static_cast<double>(range_end - ts[n - 1]) / 1e9;
  double sampled = static_cast<double>(ts[n - 1] - ts[0]) / 1e9;
  double avg = sampled / static_cast<double>(n - 1);
  double threshold = avg * 1.1;
  double extrapolate_to = sampled;
  if (to_start >= threshold)
    to_start = avg / 2;
  if (result > 0 && vs[0] >= 0) {
    double to_zero = sampled * (vs[0] / result);
    if (to_zero < to_start)
      to_start = to_zero;
  }
  extrapolate_to += to_start;
  if (to_end >= threshold)
    to_end = avg / 2;
  extrapolate_to += to_end;
  double factor = extrapolate_to / sampled;
  factor /= static_cast<double>(range_ns) / 1e9;
  return result * factor;
}

result<stepped> eval_range_agg(const sample_expr& e, const eval_ctx& c,
                               const std::optional<grouping>& pushdown) {
  const log_range_expr& r = e.range;
  if (auto counted = counted_range_agg(e, c, e.group ? &*e.group : pushdown ? &*pushdown : nullptr))
    return std::move(*counted);
  int64_t from = c.start - r.range_ns - r.offset_ns + 1;
  int64_t through = c.end - r.offset_ns + 1;
  auto selected = c.src.select(r.selector.matchers, from, through, direction::forward);
  if (!selected)
    return selected.error();
  auto its = merge_replicas(std::move(*selected), direction::forward);
  pipeline_runner pr(r.selector.stages);
  const grouping* group = e.group ? &*e.group : pushdown ? &*pushdown : nullptr;
  if (auto hints = extraction_hints(r, group))
    pr.set_extraction_hints(std::move(*hints));
  bool unwrap = r.unwrap.has_value();
  bool line_only = uses_line_only(e.rop) && !unwrap;
  bool bytes = e.rop == range_op::bytes_over_time || e.rop == range_op::bytes_rate;

  std::unordered_map<std::string, size_t> index;
  std::vector<rseries> all;
  std::string key;
  auto series_for = [&](label_builder& lbs) -> rseries& {
    lbs.key(key);
    auto it = index.find(key);
    if (it != index.end())
      return all[it->second];
    index.emplace(key, all.size());
    all.emplace_back();
    auto& s = all.back();
    s.labels = lbs.labels();
    s.has_error = lbs.has_err();
    return s;
  };

  for (auto& it : its) {
    const model::label_set& stream_labels = it->labels();
    model::entry_view ev;
    // Fast path: labels fixed for the whole stream.
    bool fixed = !pr.touches_labels() && !unwrap && !group;
    rseries* fixed_series = nullptr;
    while (it->next(ev)) {
      if (!pr.run(ev.ts, ev.line, stream_labels, ev.metadata))
        continue;
      line_state& st = pr.state();
      double v = 1;
      if (line_only) {
        if (bytes)
          v = static_cast<double>(st.line().size());
      } else {
        const std::string* lv = st.lbs.get(r.unwrap->label);
        if (!lv || lv->empty())
          continue;
        auto cv = convert(r.unwrap->conv, *lv);
        if (cv) {
          v = *cv;
        } else {
          v = 0;
          st.lbs.set_err(sample_extraction_err, cv.error().message());
        }
        bool keep = true;
        for (const auto& f : r.unwrap->post_filters)
          if (!eval_label_filter(*f, st)) {
            keep = false;
            break;
          }
        if (!keep)
          continue;
        st.lbs.del(r.unwrap->label);
      }
      // Like Loki's GroupedLabels(): an errored line keeps all its labels,
      // so the pipeline error reports the full series.
      if (group && !st.lbs.has_err()) {
        const grouping& g = *group;
        st.lbs.keep_if([&](const std::string& name, const std::string&) {
          bool listed = std::find(g.labels.begin(), g.labels.end(), name) != g.labels.end();
          return g.without ? !listed : listed;
        });
      }
      rseries* s;
      if (fixed && ev.metadata == nullptr && !st.lbs.has_err()) {
        if (!fixed_series)
          fixed_series = &series_for(st.lbs);
        s = fixed_series;
      } else {
        s = &series_for(st.lbs);
        fixed_series = nullptr;
        if (fixed && ev.metadata == nullptr)
          fixed_series = nullptr;
      }
      if (!s->ts.empty() && ev.ts < s->ts.back())
        s->sorted = false;
      s->ts.push_back(ev.ts);
      s->vs.push_back(v);
    }
    // all may have reallocated: never keep fixed_series across streams.
  }
  for (auto& s : all) {
    if (s.sorted)
      continue;
    std::vector<size_t> idx(s.ts.size());
    for (size_t i = 0; i < idx.size(); ++i)
      idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return s.ts[a] < s.ts[b]; });
    std::vector<int64_t> ts(idx.size());
    std::vector<double> vs(idx.size());
    for (size_t i = 0; i < idx.size(); ++i) {
      ts[i] = s.ts[idx[i]];
      vs[i] = s.vs[idx[i]];
    }
    s.ts = std::move(ts);
    s.vs = std::move(vs);
  }

  stepped out;
  out.steps.resize(c.nsteps);
  double range_s = static_cast<double>(r.range_ns) / 1e9;
  double param = e.param.value_or(0);
  model::label_set absent = e.rop == range_op::absent_over_time ? absent_labels(r.selector.matchers)
                                                               : model::label_set{};
  for (size_t i = 0; i < c.nsteps; ++i) {
    int64_t t = c.at(i);
    int64_t lo = t - r.range_ns - r.offset_ns;
    int64_t hi = t - r.offset_ns;
    bool any = false;
    for (auto& s : all) {
      auto b = std::upper_bound(s.ts.begin(), s.ts.end(), lo);
      auto en = std::upper_bound(b, s.ts.end(), hi);
      if (b == en)
        continue;
      any = true;
      if (e.rop == range_op::absent_over_time)
        break;
      size_t off = static_cast<size_t>(b - s.ts.begin());
      size_t n = static_cast<size_t>(en - b);
      double v = window_value(e.rop, unwrap, s.ts.data() + off, s.vs.data() + off, n, range_s, param,
                              lo, hi, r.range_ns);
      s.used = true;
      if (s.has_error) {
        const std::string err(model::get(s.labels, error_label));
        std::string msg = "pipeline error: '" + err + "' for series: '" + labels_string(s.labels)
                          + "'.\nUse a label filter to intentionally skip this error. (e.g | __error__!=\""
                          + err
                          + "\").\nTo skip all potential errors you can match empty errors.(e.g __error__=\"\")\n"
                            "The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__=\"\" )\n";
        if (model::get(s.labels, "__preserve_error__") != "true")
          return status{errc::invalid_argument, msg};
      }
      out.steps[i].push_back({s.labels, v});
    }
    if (e.rop == range_op::absent_over_time && !any)
      out.steps[i].push_back({absent, 1});
  }
  return out;
}

} // namespace skald::logql::detail
