// Step-wise vector operations: aggregations, binary operators (PromQL
// semantics, spec §2.6) and label_replace.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "runtime/logql/eval.hpp"

namespace skald::logql::detail {

model::label_set apply_grouping(const model::label_set& ls, const grouping& g) {
  model::label_set out;
  for (const auto& l : ls) {
    bool listed = std::find(g.labels.begin(), g.labels.end(), l.name) != g.labels.end();
    if (g.without ? !listed : listed)
      out.push_back(l);
  }
  return out;
}

namespace {

struct group_acc {
  model::label_set labels;
  double sum = 0, min = 0, max = 0, mean = 0, m2 = 0;
  size_t count = 0;
  std::vector<const vector_sample*> members;
};

bool less_topk(double a, double b) {
  // NaN sorts below everything for topk.
  if (std::isnan(a))
    return !std::isnan(b);
  if (std::isnan(b))
    return false;
  return a < b;
}

} // namespace

result<stepped> eval_vector_agg(const sample_expr& e, stepped in, const eval_ctx& c) {
  (void)c;
  stepped out;
  out.steps.resize(in.steps.size());
  for (size_t si = 0; si < in.steps.size(); ++si) {
    auto& samples = in.steps[si];
    auto& dst = out.steps[si];
    if (e.vop == vector_op::sort || e.vop == vector_op::sort_desc) {
      bool desc = e.vop == vector_op::sort_desc;
      std::stable_sort(samples.begin(), samples.end(), [&](const vector_sample& a, const vector_sample& b) {
        if (std::isnan(a.v))
          return false;
        if (std::isnan(b.v))
          return true;
        return desc ? a.v > b.v : a.v < b.v;
      });
      dst = std::move(samples);
      continue;
    }
    std::vector<group_acc> groups;
    std::unordered_map<std::string, size_t> index;
    for (const auto& s : samples) {
      model::label_set gl = e.group ? apply_grouping(s.labels, *e.group) : model::label_set{};
      std::string k = series_key(gl);
      auto it = index.find(k);
      group_acc* g;
      if (it == index.end()) {
        index.emplace(std::move(k), groups.size());
        groups.emplace_back();
        g = &groups.back();
        g->labels = std::move(gl);
        g->min = g->max = s.v;
      } else {
        g = &groups[it->second];
      }
      g->count++;
      g->sum += s.v;
      if (s.v < g->min || std::isnan(g->min))
        g->min = s.v;
      if (s.v > g->max || std::isnan(g->max))
        g->max = s.v;
      double delta = s.v - g->mean;
      g->mean += delta / static_cast<double>(g->count);
      g->m2 += delta * (s.v - g->mean);
      g->members.push_back(&s);
    }
    for (auto& g : groups) {
      switch (e.vop) {
        case vector_op::sum: dst.push_back({g.labels, g.sum}); break;
        case vector_op::avg: {
          double avg = g.sum / static_cast<double>(g.count);
          dst.push_back({g.labels, avg});
          break;
        }
        case vector_op::count: dst.push_back({g.labels, static_cast<double>(g.count)}); break;
        case vector_op::min: dst.push_back({g.labels, g.min}); break;
        case vector_op::max: dst.push_back({g.labels, g.max}); break;
        case vector_op::stdvar:
          dst.push_back({g.labels, g.m2 / static_cast<double>(g.count)});
          break;
        case vector_op::stddev:
          dst.push_back({g.labels, std::sqrt(g.m2 / static_cast<double>(g.count))});
          break;
        case vector_op::topk:
        case vector_op::approx_topk:  // evaluated exactly (Loki uses a count-min sketch)
        case vector_op::bottomk: {
          bool top = e.vop != vector_op::bottomk;
          auto ms = g.members;
          std::stable_sort(ms.begin(), ms.end(), [&](const vector_sample* a, const vector_sample* b) {
            if (top)
              return less_topk(b->v, a->v);
            // bottomk: NaN sorts last.
            if (std::isnan(a->v))
              return false;
            if (std::isnan(b->v))
              return true;
            return a->v < b->v;
          });
          size_t k = static_cast<size_t>(*e.param);
          for (size_t i = 0; i < ms.size() && i < k; ++i)
            dst.push_back(*ms[i]);
          break;
        }
        default: break;
      }
    }
  }
  return out;
}

namespace {

bool is_comparison(bin_op op) {
  return op == bin_op::eq || op == bin_op::neq || op == bin_op::lt || op == bin_op::le
         || op == bin_op::gt || op == bin_op::ge;
}

/// Returns (value, keep).
std::pair<double, bool> elem_binop(bin_op op, double l, double r) {
  switch (op) {
    case bin_op::add: return {l + r, true};
    case bin_op::sub: return {l - r, true};
    case bin_op::mul: return {l * r, true};
    case bin_op::div: return {l / r, true};
    case bin_op::mod: return {std::fmod(l, r), true};
    case bin_op::pow: return {std::pow(l, r), true};
    case bin_op::eq: return {l, l == r};
    case bin_op::neq: return {l, l != r};
    case bin_op::lt: return {l, l < r};
    case bin_op::le: return {l, l <= r};
    case bin_op::gt: return {l, l > r};
    case bin_op::ge: return {l, l >= r};
    default: return {0, false};
  }
}

model::label_set signature_labels(const model::label_set& ls, const vector_matching& m) {
  model::label_set out;
  for (const auto& l : ls) {
    bool listed = std::find(m.labels.begin(), m.labels.end(), l.name) != m.labels.end();
    if (m.has && m.on ? listed : !listed)
      out.push_back(l);
  }
  return out;
}

void set_label(model::label_set& ls, const std::string& name, const std::string& value) {
  for (auto it = ls.begin(); it != ls.end(); ++it) {
    if (it->name == name) {
      if (value.empty())
        ls.erase(it);
      else
        it->value = value;
      return;
    }
  }
  if (value.empty())
    return;
  ls.push_back({name, value});
  std::sort(ls.begin(), ls.end(), [](const model::label& a, const model::label& b) { return a.name < b.name; });
}

model::label_set result_metric(const model::label_set& l, const model::label_set& r,
                               const vector_matching& m) {
  model::label_set out = l;
  if (m.cardinality == vector_matching::card::one_to_one && m.has) {
    if (m.on) {
      out = signature_labels(l, m);
    } else {
      model::label_set tmp;
      for (const auto& x : l)
        if (std::find(m.labels.begin(), m.labels.end(), x.name) == m.labels.end())
          tmp.push_back(x);
      out = std::move(tmp);
    }
  }
  for (const auto& name : m.include)
    set_label(out, name, std::string(model::get(r, name)));
  return out;
}

} // namespace

result<stepped> eval_binary(const sample_expr& e, stepped l, stepped r, const eval_ctx& c) {
  stepped out;
  size_t n = c.nsteps;
  if (l.scalar && r.scalar) {
    out.scalar = true;
    out.scalars.resize(n);
    for (size_t i = 0; i < n; ++i) {
      auto [v, keep] = elem_binop(e.bop, l.scalars[i], r.scalars[i]);
      if (is_comparison(e.bop))
        v = keep ? 1 : 0;
      out.scalars[i] = v;
    }
    return out;
  }
  out.steps.resize(n);
  if (l.scalar || r.scalar) {
    bool swap = l.scalar;
    stepped& vec = swap ? r : l;
    const stepped& sc = swap ? l : r;
    for (size_t i = 0; i < n; ++i) {
      for (auto& s : vec.steps[i]) {
        double lv = s.v, rv = sc.scalars[i];
        if (swap)
          std::swap(lv, rv);
        auto [v, keep] = elem_binop(e.bop, lv, rv);
        if (is_comparison(e.bop) && swap)
          v = rv;
        if (e.return_bool) {
          v = keep ? 1 : 0;
        } else if (!keep) {
          continue;
        }
        out.steps[i].push_back({s.labels, v});
      }
    }
    return out;
  }
  const vector_matching& m = e.matching;
  for (size_t i = 0; i < n; ++i) {
    auto& lhs = l.steps[i];
    auto& rhs = r.steps[i];
    auto& dst = out.steps[i];
    if (e.bop == bin_op::and_ || e.bop == bin_op::unless || e.bop == bin_op::or_) {
      std::unordered_map<std::string, bool> rsig;
      for (const auto& s : rhs)
        rsig[series_key(signature_labels(s.labels, m))] = true;
      if (e.bop == bin_op::or_) {
        std::unordered_map<std::string, bool> lsig;
        for (const auto& s : lhs) {
          lsig[series_key(signature_labels(s.labels, m))] = true;
          dst.push_back(s);
        }
        for (const auto& s : rhs)
          if (!lsig.count(series_key(signature_labels(s.labels, m))))
            dst.push_back(s);
      } else {
        bool want = e.bop == bin_op::and_;
        for (const auto& s : lhs)
          if (rsig.count(series_key(signature_labels(s.labels, m))) == (want ? 1u : 0u))
            dst.push_back(s);
      }
      continue;
    }
    bool right_many = m.cardinality == vector_matching::card::one_to_many;
    const auto& many = right_many ? rhs : lhs;
    const auto& one = right_many ? lhs : rhs;
    std::unordered_map<std::string, const vector_sample*> one_idx;
    for (const auto& s : one) {
      std::string k = series_key(signature_labels(s.labels, m));
      if (one_idx.count(k))
        return status{errc::invalid_argument,
                      "found duplicate series for the match group " + labels_string(signature_labels(s.labels, m))
                          + " on the " + (right_many ? "left" : "right")
                          + " hand-side of the operation; many-to-many matching not allowed: matching labels must be unique on one side"};
      one_idx.emplace(std::move(k), &s);
    }
    std::unordered_map<std::string, bool> seen_result;
    for (const auto& s : many) {
      auto it = one_idx.find(series_key(signature_labels(s.labels, m)));
      if (it == one_idx.end())
        continue;
      const vector_sample& o = *it->second;
      double lv = right_many ? o.v : s.v;
      double rv = right_many ? s.v : o.v;
      auto [v, keep] = elem_binop(e.bop, lv, rv);
      if (e.return_bool) {
        v = keep ? 1 : 0;
      } else if (!keep) {
        continue;
      }
      model::label_set labels = result_metric(s.labels, o.labels, m);
      std::string rk = series_key(labels);
      if (seen_result.count(rk)) {
        if (m.cardinality == vector_matching::card::one_to_one)
          return status{errc::invalid_argument,
                        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"};
        return status{errc::invalid_argument, "multiple matches for labels: grouping labels must ensure unique matches"};
      }
      seen_result.emplace(std::move(rk), true);
      dst.push_back({std::move(labels), v});
    }
  }
  return out;
}

result<stepped> eval_label_replace(const sample_expr& e, stepped in) {
  int ngroups = e.re->NumberOfCapturingGroups();
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups + 1));
  for (auto& step : in.steps) {
    for (auto& s : step) {
      std::string src(model::get(s.labels, e.src));
      if (!e.re->Match(src, 0, src.size(), RE2::ANCHOR_BOTH, groups.data(), ngroups + 1))
        continue;
      std::string res;
      const std::string& repl = e.replacement;
      for (size_t i = 0; i < repl.size(); ++i) {
        if (repl[i] != '$' || i + 1 >= repl.size()) {
          res.push_back(repl[i]);
          continue;
        }
        if (repl[i + 1] == '$') {
          res.push_back('$');
          ++i;
          continue;
        }
        size_t j = i + 1;
        bool brace = repl[j] == '{';
        if (brace)
          ++j;
        size_t k = j;
        while (k < repl.size() && (std::isalnum(static_cast<unsigned char>(repl[k])) || repl[k] == '_'))
          ++k;
        std::string name = repl.substr(j, k - j);
        if (brace) {
          if (k >= repl.size() || repl[k] != '}') {
            res.push_back('$');
            continue;
          }
          ++k;
        }
        int idx = -1;
        if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
          idx = name.size() < 6 ? std::stoi(name) : -1;  // no such group; keeps stoi in range
        } else {
          auto it = e.re->NamedCapturingGroups().find(name);
          if (it != e.re->NamedCapturingGroups().end())
            idx = it->second;
        }
        if (idx >= 0 && idx <= ngroups && groups[static_cast<size_t>(idx)].data())
          res.append(groups[static_cast<size_t>(idx)].data(), groups[static_cast<size_t>(idx)].size());
        i = k - 1;
      }
      set_label(s.labels, e.dst, res);
    }
  }
  return in;
}

result<stepped> eval(const sample_expr& e, const eval_ctx& c) {
  switch (e.k) {
    case sample_expr::kind::literal: {
      stepped s;
      s.scalar = true;
      s.scalars.assign(c.nsteps, e.value);
      return s;
    }
    case sample_expr::kind::vector_lit: {
      stepped s;
      s.steps.resize(c.nsteps);
      for (auto& st : s.steps)
        st.push_back({{}, e.value});
      return s;
    }
    case sample_expr::kind::range_agg: return eval_range_agg(e, c, std::nullopt);
    case sample_expr::kind::vector_agg: {
      const sample_expr& in = *e.inner;
      // Push a sum's grouping into the extraction of a summable range
      // aggregation (same result, far fewer intermediate series).
      if (e.vop == vector_op::sum && e.group && in.k == sample_expr::kind::range_agg && !in.group
          && (in.rop == range_op::count_over_time || in.rop == range_op::rate
              || in.rop == range_op::bytes_over_time || in.rop == range_op::bytes_rate
              || in.rop == range_op::sum_over_time)) {
        auto r = eval_range_agg(in, c, e.group);
        if (!r)
          return r;
        return eval_vector_agg(e, std::move(*r), c);
      }
      auto r = eval(in, c);
      if (!r)
        return r;
      if (r->scalar)
        return status{errc::invalid_argument, "vector aggregation of a scalar"};
      return eval_vector_agg(e, std::move(*r), c);
    }
    case sample_expr::kind::binary: {
      auto l = eval(*e.lhs, c);
      if (!l)
        return l;
      auto r = eval(*e.rhs, c);
      if (!r)
        return r;
      return eval_binary(e, std::move(*l), std::move(*r), c);
    }
    case sample_expr::kind::label_replace: {
      auto r = eval(*e.inner, c);
      if (!r)
        return r;
      return eval_label_replace(e, std::move(*r));
    }
  }
  return status{errc::internal, "unknown expression kind"};
}

} // namespace skald::logql::detail
