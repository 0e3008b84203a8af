// Recursive-descent LogQL parser: expressions, aggregations, binary
// operators (precedence climbing) and the public entry points. See
// parser.hpp for the contract and parser_impl.hpp for the class.
#include "runtime/logql/parser.hpp"

#include <re2/re2.h>

#include <cmath>
#include <optional>

#include "runtime/logql/parser_impl.hpp"
#include "runtime/logql/pipeline.hpp"
#include "runtime/logql/regex.hpp"
#include "runtime/logql/strconv.hpp"

namespace skald::logql {

namespace parse_detail {

// ---- binary expressions ----

result<node> parser::parse_expr(int min_prec) {
  auto lhs = parse_unary();
  if (!lhs)
    return lhs;
  for (;;) {
    auto op = peek_binop();
    if (!op || precedence(*op) < min_prec)
      break;
    const token& op_tok = next();
    bool ret_bool = false;
    vector_matching vm;
    if (is_kw(peek(), "bool")) {
      if (!is_comparison(*op))
        return error_at(peek(), "bool modifier can only be used on comparison operators");
      next();
      ret_bool = true;
    }
    if (is_kw(peek(), "on") || is_kw(peek(), "ignoring")) {
      vm.has = true;
      vm.on = is_kw(next(), "on");
      auto ls = parse_label_list();
      if (!ls)
        return ls.error();
      vm.labels = std::move(*ls);
      if (is_kw(peek(), "group_left") || is_kw(peek(), "group_right")) {
        vm.cardinality = is_kw(next(), "group_left") ? vector_matching::card::many_to_one
                                                     : vector_matching::card::one_to_many;
        if (peek().kind == tok::lparen) {
          auto inc = parse_label_list();
          if (!inc)
            return inc.error();
          vm.include = std::move(*inc);
        }
      }
    }
    int next_min = *op == bin_op::pow ? precedence(*op) : precedence(*op) + 1;
    auto rhs = parse_expr(next_min);
    if (!rhs)
      return rhs;
    auto combined = combine(*op, op_tok, ret_bool, std::move(vm), std::move(*lhs), std::move(*rhs));
    if (!combined)
      return combined;
    lhs = std::move(combined);
  }
  return lhs;
}

result<node> parser::combine(bin_op op, const token& /*op_tok*/, bool ret_bool, vector_matching vm, node lhs,
                     node rhs) {
  auto leg_type = [](const node& n) {
    return n.log->stages.empty() ? "*syntax.MatchersExpr" : "*syntax.PipelineExpr";
  };
  if (lhs.log)
    return plain(std::string("unexpected type for left leg of binary operation (")
                 + to_string(op) + "): " + leg_type(lhs));
  if (rhs.log)
    return plain(std::string("unexpected type for right leg of binary operation (")
                 + to_string(op) + "): " + leg_type(rhs));
  const auto& l = *lhs.sample;
  const auto& r = *rhs.sample;
  if (is_set_op(op)) {
    if (l.k == sample_expr::kind::literal)
      return plain(std::string("unexpected literal for left leg of logical/set binary operation (")
                   + to_string(op) + "): " + l.to_string());
    if (r.k == sample_expr::kind::literal)
      return plain(std::string("unexpected literal for right leg of logical/set binary operation (")
                   + to_string(op) + "): " + r.to_string());
  }
  if (l.k == sample_expr::kind::literal && r.k == sample_expr::kind::literal) {
    double a = l.value, b = r.value, v = 0;
    switch (op) {
      case bin_op::add: v = a + b; break;
      case bin_op::sub: v = a - b; break;
      case bin_op::mul: v = a * b; break;
      case bin_op::div: v = a / b; break;
      case bin_op::mod: v = std::fmod(a, b); break;
      case bin_op::pow: v = std::pow(a, b); break;
      default: {
        bool res = false;
        switch (op) {
          case bin_op::eq: res = a == b; break;
          case bin_op::neq: res = a != b; break;
          case bin_op::lt: res = a < b; break;
          case bin_op::le: res = a <= b; break;
          case bin_op::gt: res = a > b; break;
          case bin_op::ge: res = a >= b; break;
          default: break;
        }
        // Loki folds literal comparisons to 0/1 with or without bool.
        v = res ? 1 : 0;
      }
    }
    auto e = std::make_shared<sample_expr>();
    e->k = sample_expr::kind::literal;
    e->value = v;
    return node{std::nullopt, e};
  }
  auto e = std::make_shared<sample_expr>();
  e->k = sample_expr::kind::binary;
  e->bop = op;
  e->lhs = lhs.sample;
  e->rhs = rhs.sample;
  e->return_bool = ret_bool;
  e->matching = std::move(vm);
  return node{std::nullopt, e};
}

result<node> parser::parse_unary() {
  const token& t = peek();
  if ((t.kind == tok::sub || t.kind == tok::add) && peek(1).kind == tok::number) {
    bool neg = t.kind == tok::sub;
    next();
    auto v = parse_number(next());
    if (!v)
      return v.error();
    return literal(neg ? -*v : *v);
  }
  if (t.kind == tok::number) {
    auto v = parse_number(next());
    if (!v)
      return v.error();
    return literal(*v);
  }
  if (t.kind == tok::lbrace) {
    log_selector_expr sel;
    auto m = parse_selector();
    if (!m)
      return m.error();
    sel.matchers = std::move(*m);
    auto st = parse_stages(sel.stages, nullptr);
    if (!st)
      return st.error();
    return node{std::move(sel), nullptr};
  }
  if (t.kind == tok::lparen) {
    next();
    auto inner = parse_expr(0);
    if (!inner)
      return inner;
    if (auto s = expect(tok::rparen, ")"); !s)
      return s;
    return inner;
  }
  if (t.kind == tok::ident) {
    bool call = peek(1).kind == tok::lparen;
    bool grouped = is_kw(peek(1), "by") || is_kw(peek(1), "without");
    for (const auto& r : range_ops)
      if (iequals(t.text, r.name) && call)
        return parse_range_agg(r.op);
    for (const auto& v : vector_ops)
      if (iequals(t.text, v.name) && (call || grouped))
        return parse_vector_agg(v.op);
    if (is_kw(t, "label_replace") && call)
      return parse_label_replace();
    if (is_kw(t, "vector") && call) {
      next();
      next();
      bool neg = false;
      if (peek().kind == tok::sub) {
        next();
        neg = true;
      }
      if (peek().kind != tok::number)
        return unexpected(peek(), "NUMBER");
      auto v = parse_number(next());
      if (!v)
        return v.error();
      if (auto s = expect(tok::rparen, ")"); !s)
        return s;
      auto e = std::make_shared<sample_expr>();
      e->k = sample_expr::kind::vector_lit;
      e->value = neg ? -*v : *v;
      return node{std::nullopt, e};
    }
  }
  return unexpected(t);
}

node parser::literal(double v) {
  auto e = std::make_shared<sample_expr>();
  e->k = sample_expr::kind::literal;
  e->value = v;
  return node{std::nullopt, e};
}

result<double> parser::parse_number(const token& t) const {
  auto v = parse_go_float(t.text);
  if (!v)
    return error_at(t, "unable to parse literal as a float: " + v.error().message());
  return *v;
}

result<std::vector<std::string>> parser::parse_label_list() {
  if (auto s = expect(tok::lparen, "("); !s)
    return s;
  std::vector<std::string> out;
  if (peek().kind == tok::rparen) {
    next();
    return out;
  }
  for (;;) {
    if (peek().kind != tok::ident)
      return unexpected(peek(), "IDENTIFIER");
    out.emplace_back(next().text);
    if (peek().kind == tok::comma) {
      next();
      continue;
    }
    if (auto s = expect(tok::rparen, ")"); !s)
      return s;
    return out;
  }
}

result<std::optional<grouping>> parser::parse_grouping_opt() {
  if (!(is_kw(peek(), "by") || is_kw(peek(), "without")))
    return std::optional<grouping>{};
  grouping g;
  g.without = is_kw(next(), "without");
  auto ls = parse_label_list();
  if (!ls)
    return ls.error();
  g.labels = std::move(*ls);
  return std::optional<grouping>{std::move(g)};
}

// ---- aggregations ----

result<node> parser::parse_range_agg(range_op op) {
  next();  // name
  next();  // (
  auto e = std::make_shared<sample_expr>();
  e->k = sample_expr::kind::range_agg;
  e->rop = op;
  std::string param_text;
  if (peek().kind == tok::number && peek(1).kind == tok::comma) {
    param_text = std::string(peek().text);
    auto v = parse_number(next());
    if (!v)
      return v.error();
    next();
    e->param = *v;
  }
  auto r = parse_log_range();
  if (!r)
    return r.error();
  e->range = std::move(*r);
  if (auto s = expect(tok::rparen, ")"); !s)
    return s;
  auto g = parse_grouping_opt();
  if (!g)
    return g.error();
  e->group = std::move(*g);
  // Loki's order: parameter checks, then grouping, then unwrap.
  if (e->param && op != range_op::quantile_over_time)
    return plain("parameter " + param_text + " not supported for operation " + to_string(op));
  if (!e->param && op == range_op::quantile_over_time)
    return plain("parameter required for operation quantile_over_time");
  if (auto s = validate_range_agg(*e); !s)
    return s;
  return node{std::nullopt, e};
}

status parser::validate_range_agg(const sample_expr& e) const {
  const char* name = to_string(e.rop);
  if (e.group) {
    switch (e.rop) {
      case range_op::avg_over_time: case range_op::stddev_over_time:
      case range_op::stdvar_over_time: case range_op::quantile_over_time:
      case range_op::max_over_time: case range_op::min_over_time:
      case range_op::first_over_time: case range_op::last_over_time:
        break;
      default:
        return plain(std::string("grouping not allowed for ") + name + " aggregation");
    }
  }
  if (e.range.unwrap) {
    switch (e.rop) {
      case range_op::count_over_time: case range_op::bytes_over_time: case range_op::bytes_rate:
        return plain(std::string("invalid aggregation ") + name + " with unwrap");
      default:
        return {};
    }
  }
  switch (e.rop) {
    case range_op::count_over_time: case range_op::rate: case range_op::bytes_over_time:
    case range_op::bytes_rate: case range_op::absent_over_time:
      return {};
    default:
      return plain(std::string("invalid aggregation ") + name + " without unwrap");
  }
}

result<node> parser::parse_vector_agg(vector_op op) {
  next();
  auto e = std::make_shared<sample_expr>();
  e->k = sample_expr::kind::vector_agg;
  e->vop = op;
  auto g = parse_grouping_opt();
  if (!g)
    return g.error();
  e->group = std::move(*g);
  if (auto s = expect(tok::lparen, "("); !s)
    return s;
  std::string param_text;
  if ((peek().kind == tok::number && peek(1).kind == tok::comma)
      || (peek().kind == tok::sub && peek(1).kind == tok::number && peek(2).kind == tok::comma)) {
    bool neg = false;
    if (peek().kind == tok::sub) {
      next();
      neg = true;
    }
    param_text = std::string(peek().text);
    auto v = parse_number(next());
    if (!v)
      return v.error();
    next();
    e->param = neg ? -*v : *v;
  }
  auto inner = parse_expr(0);
  if (!inner)
    return inner;
  if (inner->log)
    return unexpected(peek());
  e->inner = inner->sample;
  if (auto s = expect(tok::rparen, ")"); !s)
    return s;
  if (!e->group) {
    auto g2 = parse_grouping_opt();
    if (!g2)
      return g2.error();
    e->group = std::move(*g2);
  }
  const char* opname = to_string(op);
  if (op == vector_op::approx_topk && e->group)
    return plain("grouping not allowed for approx_topk aggregation");
  if (op == vector_op::topk || op == vector_op::bottomk || op == vector_op::approx_topk) {
    if (!e->param)
      return plain(std::string("parameter required for operation ") + opname);
    double k = *e->param;
    if (k != std::floor(k) || param_text.find_first_of(".eE") != std::string::npos)
      return plain(std::string("invalid parameter ") + opname + "(" + param_text + ",");
    if (k <= 0)
      return plain(std::string("invalid parameter (must be greater than 0) ") + opname + "(" + param_text);
  } else if (e->param) {
    return plain(std::string("unsupported parameter for operation ") + opname + "(" + param_text + ",");
  }
  if ((op == vector_op::sort || op == vector_op::sort_desc) && e->group
      && !e->group->labels.empty())
    return plain("sort and sort_desc doesn't allow grouping by");
  return node{std::nullopt, e};
}

result<node> parser::parse_label_replace() {
  next();
  next();
  auto inner = parse_expr(0);
  if (!inner)
    return inner;
  if (inner->log)
    return unexpected(peek());
  auto e = std::make_shared<sample_expr>();
  e->k = sample_expr::kind::label_replace;
  e->inner = inner->sample;
  std::string* fields[] = {&e->dst, &e->replacement, &e->src, &e->regex};
  for (auto* f : fields) {
    if (auto s = expect(tok::comma, ","); !s)
      return s;
    if (peek().kind != tok::string)
      return unexpected(peek(), "STRING");
    *f = next().str;
  }
  if (auto s = expect(tok::rparen, ")"); !s)
    return s;
  auto re = compile_regex(e->regex, regex_anchor::full);
  if (!re)
    return plain("invalid regex in label_replace: " + re.error().message());
  e->re = std::move(*re);
  return node{std::nullopt, e};
}


} // namespace parse_detail

using parse_detail::parser;



result<label_matcher> make_matcher(std::string name, match_op op, std::string value) {
  label_matcher m;
  m.name = std::move(name);
  m.op = op;
  m.value = std::move(value);
  if (op == match_op::re || op == match_op::nre) {
    auto re = compile_regex(m.value, regex_anchor::full, /*dot_nl=*/true);  // Prometheus: (?s)
    if (!re)
      return re.error();
    m.re = std::move(*re);
  }
  return m;
}

result<expr> parse(std::string_view query) {
  auto toks = tokenize(query);
  if (!toks)
    return toks.error();
  parser p(std::move(*toks));
  auto e = p.parse_query();
  if (!e) {
    // Loki reports errors without a position as "parse error : <msg>".
    const std::string& m = e.error().message();
    if (m.rfind("parse error", 0) != 0)
      return status{errc::invalid_argument, "parse error : " + m};
    return e;
  }
  if (e->is_log) {
    bool ok = false;
    for (const auto& m : e->log.matchers)
      if (!m.matches(""))
        ok = true;
    if (!ok)
      return status{errc::invalid_argument,
                    "parse error : queries require at least one regexp or equality matcher that "
                    "does not have an empty-compatible value. For instance, app=~\".*\" does not "
                    "meet this requirement, but app=~\".+\" will"};
  }
  return e;
}

result<std::shared_ptr<const sample_expr>> parse_sample_expr(std::string_view query) {
  auto e = parse(query);
  if (!e)
    return e.error();
  if (e->is_log)
    return status{errc::invalid_argument, "only metric queries are supported here"};
  return e->metric;
}

result<log_selector_expr> parse_log_selector(std::string_view query) {
  auto e = parse(query);
  if (!e)
    return e.error();
  if (!e->is_log)
    return status{errc::invalid_argument, "only log queries are supported here"};
  return std::move(e->log);
}

result<std::vector<label_matcher>> parse_matchers(std::string_view selector) {
  auto e = parse_log_selector(selector);
  if (!e)
    return e.error();
  if (!e->stages.empty())
    return status{errc::invalid_argument, "only a stream selector is allowed here"};
  return std::move(e->matchers);
}

} // namespace skald::logql
