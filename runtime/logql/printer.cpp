// Canonical LogQL text of the syntax tree (to_string), and matcher semantics.
// The canonical form re-parses to an equal tree; binary operands that are
// themselves binary are parenthesised so precedence never changes meaning.
#include <re2/re2.h>

#include <charconv>
#include <cmath>

#include "runtime/logql/ast.hpp"
#include "runtime/logql/strconv.hpp"

namespace skald::logql {

namespace {

std::string go_duration_string(int64_t ns) {
  // Go's time.Duration.String(), e.g. "1h30m0s", "1.5s", "500ms", "0s".
  if (ns == 0)
    return "0s";
  std::string sign;
  uint64_t u = static_cast<uint64_t>(ns);
  if (ns < 0) {
    sign = "-";
    u = static_cast<uint64_t>(-ns);
  }
  auto frac = [](uint64_t v, int prec, std::string& out) {
    // Writes v / 10^prec with trailing zeros trimmed.
    std::string digits = std::to_string(v);
    while (static_cast<int>(digits.size()) <= prec)
      digits.insert(digits.begin(), '0');
    std::string ip = digits.substr(0, digits.size() - prec);
    std::string fp = digits.substr(digits.size() - prec);
    while (!fp.empty() && fp.back() == '0')
      fp.pop_back();
    out += ip;
    if (!fp.empty())
      out += "." + fp;
  };
  std::string out;
  if (u < 1000000000ULL) {
    if (u < 1000ULL) {
      out = std::to_string(u) + "ns";
    } else if (u < 1000000ULL) {
      frac(u, 3, out);
      out += "µs";
    } else {
      frac(u, 6, out);
      out += "ms";
    }
    return sign + out;
  }
  uint64_t h = u / 3600000000000ULL;
  u -= h * 3600000000000ULL;
  uint64_t m = u / 60000000000ULL;
  u -= m * 60000000000ULL;
  if (h > 0)
    out += std::to_string(h) + "h";
  if (h > 0 || m > 0)
    out += std::to_string(m) + "m";
  frac(u, 9, out);
  out += "s";
  return sign + out;
}

std::string join_labels(const std::vector<std::string>& ls) {
  std::string out = "(";
  for (size_t i = 0; i < ls.size(); ++i) {
    if (i)
      out += ",";
    out += ls[i];
  }
  return out + ")";
}

/// " by (a,b)" / " without (a,b)" as Loki's Grouping.String().
std::string grouping_string(const grouping& g) {
  return std::string(g.without ? " without " : " by ") + join_labels(g.labels);
}

/// strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent.
std::string format_fixed(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

/// Exact bytes: the largest unit (kB..PB, KiB..PiB) dividing the value, else B.
std::string format_bytes(uint64_t b) {
  struct unit {
    const char* name;
    uint64_t mult;
  };
  static const unit units[] = {{"PiB", 1ULL << 50}, {"PB", 1000000000000000ULL}, {"TiB", 1ULL << 40},
                               {"TB", 1000000000000ULL}, {"GiB", 1ULL << 30},     {"GB", 1000000000ULL},
                               {"MiB", 1ULL << 20},      {"MB", 1000000ULL},      {"KiB", 1ULL << 10},
                               {"kB", 1000ULL}};
  if (b != 0)
    for (const auto& u : units)
      if (b % u.mult == 0)
        return std::to_string(b / u.mult) + u.name;
  return std::to_string(b) + "B";
}

} // namespace

const char* to_string(range_op op) {
  switch (op) {
    case range_op::count_over_time: return "count_over_time";
    case range_op::rate: return "rate";
    case range_op::rate_counter: return "rate_counter";
    case range_op::bytes_over_time: return "bytes_over_time";
    case range_op::bytes_rate: return "bytes_rate";
    case range_op::avg_over_time: return "avg_over_time";
    case range_op::sum_over_time: return "sum_over_time";
    case range_op::min_over_time: return "min_over_time";
    case range_op::max_over_time: return "max_over_time";
    case range_op::stdvar_over_time: return "stdvar_over_time";
    case range_op::stddev_over_time: return "stddev_over_time";
    case range_op::quantile_over_time: return "quantile_over_time";
    case range_op::first_over_time: return "first_over_time";
    case range_op::last_over_time: return "last_over_time";
    case range_op::absent_over_time: return "absent_over_time";
  }
  return "?";
}

const char* to_string(vector_op op) {
  switch (op) {
    case vector_op::sum: return "sum";
    case vector_op::avg: return "avg";
    case vector_op::count: return "count";
    case vector_op::max: return "max";
    case vector_op::min: return "min";
    case vector_op::stddev: return "stddev";
    case vector_op::stdvar: return "stdvar";
    case vector_op::bottomk: return "bottomk";
    case vector_op::topk: return "topk";
    case vector_op::sort: return "sort";
    case vector_op::sort_desc: return "sort_desc";
    case vector_op::approx_topk: return "approx_topk";
  }
  return "?";
}

const char* to_string(bin_op op) {
  switch (op) {
    case bin_op::or_: return "or";
    case bin_op::and_: return "and";
    case bin_op::unless: return "unless";
    case bin_op::eq: return "==";
    case bin_op::neq: return "!=";
    case bin_op::lt: return "<";
    case bin_op::le: return "<=";
    case bin_op::gt: return ">";
    case bin_op::ge: return ">=";
    case bin_op::add: return "+";
    case bin_op::sub: return "-";
    case bin_op::mul: return "*";
    case bin_op::div: return "/";
    case bin_op::mod: return "%";
    case bin_op::pow: return "^";
  }
  return "?";
}

const char* to_string(cmp_op op) {
  switch (op) {
    case cmp_op::eq: return "=";
    case cmp_op::eqeq: return "==";
    case cmp_op::neq: return "!=";
    case cmp_op::gt: return ">";
    case cmp_op::ge: return ">=";
    case cmp_op::lt: return "<";
    case cmp_op::le: return "<=";
  }
  return "?";
}

const char* to_string(line_filter_op op) {
  switch (op) {
    case line_filter_op::contains: return "|=";
    case line_filter_op::not_contains: return "!=";
    case line_filter_op::regex: return "|~";
    case line_filter_op::not_regex: return "!~";
    case line_filter_op::pattern: return "|>";
    case line_filter_op::not_pattern: return "!>";
  }
  return "?";
}

std::string label_filter::to_string() const {
  switch (k) {
    case kind::string: return matcher.to_string();
    case kind::number: return name + logql::to_string(op) + format_fixed(number);
    case kind::duration: return name + logql::to_string(op) + go_duration_string(duration_ns);
    case kind::bytes: return name + logql::to_string(op) + format_bytes(bytes);
    case kind::ip: return name + logql::to_string(op) + "ip(" + go_quote(ip_pattern) + ")";
    case kind::and_: return "( " + left->to_string() + " , " + right->to_string() + " )";
    case kind::or_: return "( " + left->to_string() + " or " + right->to_string() + " )";
  }
  return "";
}

std::string stage::to_string() const {
  auto params_string = [&] {
    std::string out;
    for (size_t i = 0; i < params.size(); ++i) {
      out += i ? "," : " ";
      out += params[i].first;
      if (!params[i].second.empty())
        out += "=" + go_quote(params[i].second);
    }
    return out;
  };
  switch (k) {
    case kind::line_filter: {
      std::string out = logql::to_string(line.op);
      for (size_t i = 0; i < line.terms.size(); ++i) {
        out += i ? " or " : " ";
        out += line.terms[i].ip ? "ip(" + go_quote(line.terms[i].value) + ")"
                                : go_quote(line.terms[i].value);
      }
      return out;
    }
    case kind::label_filter: return "| " + filter->to_string();
    case kind::logfmt:
      return std::string("| logfmt") + (strict ? " --strict" : "")
             + (keep_empty ? " --keep-empty" : "") + params_string();
    case kind::json: return "| json" + params_string();
    case kind::regexp: return "| regexp " + go_quote(text);
    case kind::pattern: return "| pattern " + go_quote(text);
    case kind::unpack: return "| unpack";
    case kind::line_format: return "| line_format " + go_quote(text);
    case kind::decolorize: return "| decolorize";
    case kind::label_format: {
      std::string out = "| label_format ";
      for (size_t i = 0; i < formats.size(); ++i) {
        if (i)
          out += ",";
        out += formats[i].dst + "=" + (formats[i].rename ? formats[i].value : go_quote(formats[i].value));
      }
      return out;
    }
    case kind::drop:
    case kind::keep: {
      std::string out = k == kind::drop ? "| drop " : "| keep ";
      for (size_t i = 0; i < names.size(); ++i) {
        if (i)
          out += ",";
        out += name_only[i] ? names[i].name : names[i].to_string();
      }
      return out;
    }
  }
  return "";
}

std::string log_selector_expr::to_string() const {
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i)
      out += ", ";
    out += matchers[i].to_string();
  }
  out += "}";
  for (const auto& s : stages) {
    out += " ";
    out += s.to_string();
  }
  return out;
}

// The forms follow Loki's String() methods (pkg/logql/syntax/ast.go):
// binary operations are parenthesised, groupings print as " by (a,b)",
// ranges print right after the selector ("{a=\"b\"}[5m]").
std::string sample_expr::to_string() const {
  switch (k) {
    case kind::literal: return format_fixed(value);
    case kind::vector_lit: return "vector(" + format_fixed(value) + ")";
    case kind::range_agg: {
      std::string out = logql::to_string(rop);
      out += "(";
      if (param)
        out += format_fixed(*param) + ",";
      out += range.selector.to_string();
      if (range.unwrap) {
        out += " | unwrap ";
        out += range.unwrap->conv.empty() ? range.unwrap->label
                                          : range.unwrap->conv + "(" + range.unwrap->label + ")";
        for (const auto& f : range.unwrap->post_filters)
          out += " | " + f->to_string();
      }
      out += "[" + format_prom_duration(range.range_ns) + "]";
      if (range.offset_ns != 0)
        out += " offset " + format_prom_duration(range.offset_ns);
      out += ")";
      if (group)
        out += grouping_string(*group);
      return out;
    }
    case kind::vector_agg: {
      std::string out = logql::to_string(vop);
      if (group)
        out += grouping_string(*group);
      out += "(";
      if (param)
        out += format_fixed(*param) + ",";
      out += inner->to_string() + ")";
      return out;
    }
    case kind::binary: {
      std::string op = logql::to_string(bop);
      if (return_bool)
        op += " bool";
      if (matching.has) {
        std::string group;
        if (matching.cardinality != vector_matching::card::one_to_one) {
          group = matching.cardinality == vector_matching::card::many_to_one ? "group_left" : "group_right";
          if (!matching.include.empty())
            group += " " + join_labels(matching.include);
        }
        op += std::string(matching.on ? " on " : " ignoring ") + join_labels(matching.labels);
        if (!group.empty())
          op += " " + group;
      }
      return "(" + lhs->to_string() + " " + op + " " + rhs->to_string() + ")";
    }
    case kind::label_replace:
      return "label_replace(" + inner->to_string() + "," + go_quote(dst) + "," + go_quote(replacement)
             + "," + go_quote(src) + "," + go_quote(regex) + ")";
  }
  return "";
}

std::string expr::to_string() const {
  return is_log ? log.to_string() : metric->to_string();
}

} // namespace skald::logql
