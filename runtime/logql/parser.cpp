// Recursive-descent LogQL parser with precedence climbing for binary
// operators. See parser.hpp for the contract.
#include "runtime/logql/parser.hpp"

#include <re2/re2.h>

#include <cmath>
#include <optional>

#include "runtime/logql/lexer.hpp"
#include "runtime/logql/pipeline.hpp"
#include "runtime/logql/regex.hpp"
#include "runtime/logql/strconv.hpp"

namespace skald::logql {

namespace {

struct range_op_name {
  const char* name;
  range_op op;
};
const range_op_name range_ops[] = {
    {"count_over_time", range_op::count_over_time},
    {"rate", range_op::rate},
    {"rate_counter", range_op::rate_counter},
    {"bytes_over_time", range_op::bytes_over_time},
    {"bytes_rate", range_op::bytes_rate},
    {"avg_over_time", range_op::avg_over_time},
    {"sum_over_time", range_op::sum_over_time},
    {"min_over_time", range_op::min_over_time},
    {"max_over_time", range_op::max_over_time},
    {"stdvar_over_time", range_op::stdvar_over_time},
    {"stddev_over_time", range_op::stddev_over_time},
    {"quantile_over_time", range_op::quantile_over_time},
    {"first_over_time", range_op::first_over_time},
    {"last_over_time", range_op::last_over_time},
    {"absent_over_time", range_op::absent_over_time},
};

struct vector_op_name {
  const char* name;
  vector_op op;
};
const vector_op_name vector_ops[] = {
    {"sum", vector_op::sum},       {"avg", vector_op::avg},         {"count", vector_op::count},
    {"max", vector_op::max},       {"min", vector_op::min},         {"stddev", vector_op::stddev},
    {"stdvar", vector_op::stdvar}, {"bottomk", vector_op::bottomk}, {"topk", vector_op::topk},
    {"sort", vector_op::sort},     {"sort_desc", vector_op::sort_desc},
};

int precedence(bin_op op) {
  switch (op) {
    case bin_op::or_: return 1;
    case bin_op::and_:
    case bin_op::unless: return 2;
    case bin_op::eq:
    case bin_op::neq:
    case bin_op::lt:
    case bin_op::le:
    case bin_op::gt:
    case bin_op::ge: return 3;
    case bin_op::add:
    case bin_op::sub: return 4;
    case bin_op::mul:
    case bin_op::div:
    case bin_op::mod: return 5;
    case bin_op::pow: return 6;
  }
  return 0;
}

bool is_comparison(bin_op op) {
  return op == bin_op::eq || op == bin_op::neq || op == bin_op::lt || op == bin_op::le
         || op == bin_op::gt || op == bin_op::ge;
}

bool is_set_op(bin_op op) {
  return op == bin_op::or_ || op == bin_op::and_ || op == bin_op::unless;
}

/// A parsed operand: a log expression or a sample expression.
struct node {
  std::optional<log_selector_expr> log;
  std::shared_ptr<const sample_expr> sample;
};

class parser {
public:
  explicit parser(std::vector<token> toks) : toks_(std::move(toks)) {}

  result<expr> parse_query() {
    auto n = parse_expr(0);
    if (!n)
      return n.error();
    if (peek().kind != tok::eof)
      return unexpected(peek());
    expr e;
    if (n->log) {
      e.is_log = true;
      e.log = std::move(*n->log);
    } else {
      e.metric = n->sample;
    }
    return e;
  }

private:
  std::vector<token> toks_;
  size_t p_ = 0;

  const token& peek(size_t k = 0) const {
    size_t i = std::min(p_ + k, toks_.size() - 1);
    return toks_[i];
  }
  const token& next() {
    const token& t = toks_[std::min(p_, toks_.size() - 1)];
    if (p_ < toks_.size() - 1)
      ++p_;
    return t;
  }
  static bool is_kw(const token& t, const char* kw) {
    return t.kind == tok::ident && iequals(t.text, kw);
  }
  status error_at(const token& t, std::string_view msg) const {
    return status{errc::invalid_argument, parse_error_text(t.line, t.col, msg)};
  }
  status unexpected(const token& t, const char* expecting = nullptr) const {
    std::string msg = "syntax error: unexpected " + token_display(t);
    if (expecting) {
      msg += ", expecting ";
      msg += expecting;
    }
    return error_at(t, msg);
  }
  status plain(std::string msg) const { return status{errc::invalid_argument, std::move(msg)}; }
  status expect(tok k, const char* what) {
    if (peek().kind != k)
      return unexpected(peek(), what);
    next();
    return {};
  }

  static bool is_cmp(tok k) {
    switch (k) {
      case tok::eq: case tok::neq: case tok::re: case tok::nre: case tok::eqeq:
      case tok::gt: case tok::ge: case tok::lt: case tok::le:
        return true;
      default:
        return false;
    }
  }
  static bool is_line_filter_op(tok k) {
    return k == tok::pipe_exact || k == tok::neq || k == tok::pipe_match || k == tok::nre
           || k == tok::pipe_pattern || k == tok::not_pattern;
  }

  std::optional<bin_op> peek_binop() const {
    const token& t = peek();
    switch (t.kind) {
      case tok::eqeq: return bin_op::eq;
      case tok::neq: return bin_op::neq;
      case tok::lt: return bin_op::lt;
      case tok::le: return bin_op::le;
      case tok::gt: return bin_op::gt;
      case tok::ge: return bin_op::ge;
      case tok::add: return bin_op::add;
      case tok::sub: return bin_op::sub;
      case tok::mul: return bin_op::mul;
      case tok::div: return bin_op::div;
      case tok::mod: return bin_op::mod;
      case tok::pow: return bin_op::pow;
      case tok::ident:
        if (is_kw(t, "or")) return bin_op::or_;
        if (is_kw(t, "and")) return bin_op::and_;
        if (is_kw(t, "unless")) return bin_op::unless;
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  // ---- binary expressions ----

  result<node> parse_expr(int min_prec) {
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

  result<node> combine(bin_op op, const token& op_tok, bool ret_bool, vector_matching vm, node lhs,
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
          if (!ret_bool)
            return error_at(op_tok, "comparisons between scalars must use BOOL modifier");
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

  result<node> parse_unary() {
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

  static node literal(double v) {
    auto e = std::make_shared<sample_expr>();
    e->k = sample_expr::kind::literal;
    e->value = v;
    return node{std::nullopt, e};
  }

  result<double> parse_number(const token& t) const {
    auto v = parse_go_float(t.text);
    if (!v)
      return error_at(t, "unable to parse literal as a float: " + v.error().message());
    return *v;
  }

  result<std::vector<std::string>> parse_label_list() {
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

  result<std::optional<grouping>> parse_grouping_opt() {
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

  result<node> parse_range_agg(range_op op) {
    next();  // name
    next();  // (
    auto e = std::make_shared<sample_expr>();
    e->k = sample_expr::kind::range_agg;
    e->rop = op;
    if (peek().kind == tok::number && peek(1).kind == tok::comma) {
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
    if (auto s = validate_range_agg(*e); !s)
      return s;
    return node{std::nullopt, e};
  }

  status validate_range_agg(const sample_expr& e) const {
    const char* name = to_string(e.rop);
    bool unwrap = e.range.unwrap.has_value();
    if (!unwrap) {
      switch (e.rop) {
        case range_op::count_over_time: case range_op::rate: case range_op::bytes_over_time:
        case range_op::bytes_rate: case range_op::absent_over_time:
          break;
        default:
          return plain(std::string("invalid aggregation ") + name + " without unwrap");
      }
    } else {
      switch (e.rop) {
        case range_op::count_over_time: case range_op::bytes_over_time: case range_op::bytes_rate:
          return plain(std::string("invalid aggregation ") + name + " with unwrap");
        default:
          break;
      }
    }
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
    if (e.rop == range_op::quantile_over_time && !e.param)
      return plain("parameter required for operation quantile_over_time");
    if (e.rop != range_op::quantile_over_time && e.param)
      return plain(std::string("parameter not supported for operation ") + name);
    return {};
  }

  result<node> parse_vector_agg(vector_op op) {
    const token& name_tok = next();
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
      return plain("syntax error: unexpected log expression in vector aggregation");
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
    if (op == vector_op::topk || op == vector_op::bottomk) {
      if (!e->param)
        return error_at(name_tok, std::string("parameter required for operation ") + opname);
      double k = *e->param;
      if (k != std::floor(k) || k <= 0)
        return error_at(name_tok, std::string("invalid parameter ") + opname + "(" + param_text + ",");
    } else if (e->param) {
      return error_at(name_tok, std::string("unsupported parameter for operation ") + opname + "("
                                    + param_text + ",");
    }
    if ((op == vector_op::sort || op == vector_op::sort_desc) && e->group
        && !e->group->labels.empty())
      return error_at(name_tok, std::string("grouping not allowed for ") + opname + " aggregation");
    return node{std::nullopt, e};
  }

  result<node> parse_label_replace() {
    next();
    next();
    auto inner = parse_expr(0);
    if (!inner)
      return inner;
    if (inner->log)
      return plain("syntax error: unexpected log expression in label_replace");
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

  // ---- log selectors, ranges and pipelines ----

  result<log_range_expr> parse_log_range() {
    log_range_expr r;
    bool have_range = false;
    if (auto s = parse_log_range_part(r, have_range, 0); !s)
      return s;
    if (!have_range)
      return unexpected(peek(), "RANGE");
    if (auto s = validate_selector(r.selector.matchers); !s)
      return s;
    return r;
  }

  status parse_offset(log_range_expr& r) {
    if (!is_kw(peek(), "offset"))
      return {};
    next();
    bool neg = false;
    if (peek().kind == tok::sub) {
      next();
      neg = true;
    }
    if (peek().kind != tok::duration)
      return unexpected(peek(), "DURATION");
    r.offset_ns = neg ? -next().duration_ns : next().duration_ns;
    return {};
  }

  status parse_log_range_part(log_range_expr& r, bool& have_range, int depth) {
    if (peek().kind == tok::lparen) {
      next();
      if (auto s = parse_log_range_part(r, have_range, depth + 1); !s)
        return s;
      if (auto s = expect(tok::rparen, ")"); !s)
        return s;
    } else {
      auto m = parse_selector();
      if (!m)
        return m.error();
      r.selector.matchers = std::move(*m);
      if (auto s = parse_stages(r.selector.stages, &r.unwrap); !s)
        return s.error();
    }
    if (peek().kind == tok::range && !have_range) {
      r.range_ns = next().duration_ns;
      have_range = true;
      if (auto s = parse_offset(r); !s)
        return s;
      if (!r.unwrap && (peek().kind == tok::pipe || is_line_filter_op(peek().kind))) {
        if (auto s = parse_stages(r.selector.stages, &r.unwrap); !s)
          return s.error();
      }
      if (auto s = parse_offset(r); !s)
        return s;
    }
    return {};
  }

  result<std::vector<label_matcher>> parse_selector() {
    if (auto s = expect(tok::lbrace, "{"); !s)
      return s;
    std::vector<label_matcher> out;
    if (peek().kind == tok::rbrace) {
      next();
      return out;
    }
    for (;;) {
      if (peek().kind != tok::ident)
        return unexpected(peek(), "IDENTIFIER");
      std::string name(next().text);
      match_op op;
      switch (peek().kind) {
        case tok::eq: op = match_op::eq; break;
        case tok::neq: op = match_op::neq; break;
        case tok::re: op = match_op::re; break;
        case tok::nre: op = match_op::nre; break;
        default: return unexpected(peek(), "= or != or =~ or !~");
      }
      next();
      if (peek().kind != tok::string)
        return unexpected(peek(), "STRING");
      auto m = make_matcher(std::move(name), op, next().str);
      if (!m)
        return m.error();
      out.push_back(std::move(*m));
      if (peek().kind == tok::comma) {
        next();
        continue;
      }
      if (auto s = expect(tok::rbrace, "}"); !s)
        return s;
      return out;
    }
  }

  status validate_selector(const std::vector<label_matcher>& ms) const {
    for (const auto& m : ms)
      if (!m.matches(""))
        return {};
    return plain(
        "parse error : queries require at least one regexp or equality matcher that does not have "
        "an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
        "app=~\".+\" will");
  }

  /// Parses pipeline stages; stops before `| unwrap` when `unwrap` is null,
  /// otherwise parses the unwrap (and its filters) into it.
  result<bool> parse_stages(std::vector<stage>& stages, std::optional<unwrap_expr>* unwrap) {
    for (;;) {
      const token& t = peek();
      if (is_line_filter_op(t.kind)) {
        auto s = parse_line_filter();
        if (!s)
          return s.error();
        stages.push_back(std::move(*s));
        continue;
      }
      if (t.kind != tok::pipe)
        return true;
      if (is_kw(peek(1), "unwrap")) {
        if (!unwrap)
          return unexpected(peek(1));
        next();
        next();
        auto u = parse_unwrap();
        if (!u)
          return u.error();
        *unwrap = std::move(*u);
        return true;
      }
      next();
      auto s = parse_stage();
      if (!s)
        return s.error();
      stages.push_back(std::move(*s));
    }
  }

  result<unwrap_expr> parse_unwrap() {
    unwrap_expr u;
    const token& t = peek();
    if (t.kind != tok::ident)
      return unexpected(t, "IDENTIFIER");
    if ((is_kw(t, "bytes") || is_kw(t, "duration") || is_kw(t, "duration_seconds"))
        && peek(1).kind == tok::lparen) {
      std::string conv(next().text);
      for (auto& c : conv)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      u.conv = conv;
      next();
      if (peek().kind != tok::ident)
        return unexpected(peek(), "IDENTIFIER");
      u.label = std::string(next().text);
      if (auto s = expect(tok::rparen, ")"); !s)
        return s;
    } else {
      u.label = std::string(next().text);
    }
    while (peek().kind == tok::pipe && label_filter_starts(1)) {
      next();
      auto f = parse_filter_or();
      if (!f)
        return f.error();
      u.post_filters.push_back(std::move(*f));
    }
    return u;
  }

  bool label_filter_starts(size_t k) const {
    const token& t = peek(k);
    if (t.kind == tok::lparen)
      return true;
    return t.kind == tok::ident && is_cmp(peek(k + 1).kind);
  }

  result<stage> parse_line_filter() {
    stage s;
    s.k = stage::kind::line_filter;
    switch (next().kind) {
      case tok::pipe_exact: s.line.op = line_filter_op::contains; break;
      case tok::neq: s.line.op = line_filter_op::not_contains; break;
      case tok::pipe_match: s.line.op = line_filter_op::regex; break;
      case tok::nre: s.line.op = line_filter_op::not_regex; break;
      case tok::pipe_pattern: s.line.op = line_filter_op::pattern; break;
      default: s.line.op = line_filter_op::not_pattern; break;
    }
    auto term = parse_filter_term();
    if (!term)
      return term.error();
    s.line.terms.push_back(std::move(*term));
    while (is_kw(peek(), "or")
           && (peek(1).kind == tok::string || (is_kw(peek(1), "ip") && peek(2).kind == tok::lparen))) {
      next();
      auto t2 = parse_filter_term();
      if (!t2)
        return t2.error();
      s.line.terms.push_back(std::move(*t2));
    }
    auto impl = make_line_filter_stage(s.line);
    if (!impl)
      return impl.error();
    s.impl = std::move(*impl);
    return s;
  }

  result<line_filter_term> parse_filter_term() {
    line_filter_term t;
    if (peek().kind == tok::string) {
      t.value = next().str;
      return t;
    }
    if (is_kw(peek(), "ip") && peek(1).kind == tok::lparen) {
      next();
      next();
      if (peek().kind != tok::string)
        return unexpected(peek(), "STRING");
      t.ip = true;
      t.value = next().str;
      if (auto s = expect(tok::rparen, ")"); !s)
        return s;
      return t;
    }
    return unexpected(peek(), "STRING");
  }

  result<std::vector<std::pair<std::string, std::string>>> parse_extract_params() {
    std::vector<std::pair<std::string, std::string>> out;
    while (peek().kind == tok::ident && !is_kw(peek(), "unwrap") && !is_kw(peek(), "offset")
           && !is_kw(peek(), "or") && !is_kw(peek(), "and")) {
      std::string label(next().text);
      std::string ex;
      if (peek().kind == tok::eq) {
        next();
        if (peek().kind != tok::string)
          return unexpected(peek(), "STRING");
        ex = next().str;
      }
      out.emplace_back(std::move(label), std::move(ex));
      if (peek().kind != tok::comma)
        break;
      next();
      if (peek().kind != tok::ident)
        return unexpected(peek(), "IDENTIFIER");
    }
    return out;
  }

  result<stage> parse_stage() {
    stage s;
    const token& t = peek();
    bool kw_position = t.kind == tok::ident && !is_cmp(peek(1).kind);
    auto set_impl = [&](result<std::shared_ptr<const stage_impl>> r) -> status {
      if (!r)
        return r.error();
      s.impl = std::move(*r);
      return {};
    };
    if (kw_position && is_kw(t, "json")) {
      next();
      s.k = stage::kind::json;
      auto ps = parse_extract_params();
      if (!ps)
        return ps.error();
      s.params = std::move(*ps);
      if (auto st = set_impl(make_json_stage(s.params)); !st)
        return st;
      return s;
    }
    if (kw_position && is_kw(t, "logfmt")) {
      next();
      s.k = stage::kind::logfmt;
      while (peek().kind == tok::flag) {
        if (next().text == "--strict")
          s.strict = true;
        else
          s.keep_empty = true;
      }
      auto ps = parse_extract_params();
      if (!ps)
        return ps.error();
      s.params = std::move(*ps);
      if (auto st = set_impl(make_logfmt_stage(s.strict, s.keep_empty, s.params)); !st)
        return st;
      return s;
    }
    if (kw_position && (is_kw(t, "regexp") || is_kw(t, "pattern") || is_kw(t, "line_format"))) {
      bool re = is_kw(t, "regexp"), pat = is_kw(t, "pattern");
      next();
      if (peek().kind != tok::string)
        return unexpected(peek(), "STRING");
      s.text = next().str;
      s.k = re ? stage::kind::regexp : pat ? stage::kind::pattern : stage::kind::line_format;
      auto impl = re ? make_regexp_stage(s.text)
                     : pat ? make_pattern_stage(s.text) : make_line_format_stage(s.text);
      if (auto st = set_impl(std::move(impl)); !st)
        return st;
      return s;
    }
    if (kw_position && is_kw(t, "unpack")) {
      next();
      s.k = stage::kind::unpack;
      if (auto st = set_impl(make_unpack_stage()); !st)
        return st;
      return s;
    }
    if (kw_position && is_kw(t, "decolorize")) {
      next();
      s.k = stage::kind::decolorize;
      if (auto st = set_impl(make_decolorize_stage()); !st)
        return st;
      return s;
    }
    if (kw_position && is_kw(t, "label_format")) {
      next();
      s.k = stage::kind::label_format;
      for (;;) {
        if (peek().kind != tok::ident)
          return unexpected(peek(), "IDENTIFIER");
        label_fmt f;
        f.dst = std::string(next().text);
        if (auto st = expect(tok::eq, "="); !st)
          return st;
        if (peek().kind == tok::ident) {
          f.rename = true;
          f.value = std::string(next().text);
        } else if (peek().kind == tok::string) {
          f.value = next().str;
        } else {
          return unexpected(peek(), "IDENTIFIER or STRING");
        }
        for (const auto& prev : s.formats)
          if (prev.dst == f.dst)
            return plain("label_format: multiple label name '" + f.dst
                         + "' not allowed in a single format operation");
        s.formats.push_back(std::move(f));
        if (peek().kind != tok::comma)
          break;
        next();
      }
      if (auto st = set_impl(make_label_format_stage(s.formats)); !st)
        return st;
      return s;
    }
    if (kw_position && (is_kw(t, "drop") || is_kw(t, "keep"))) {
      bool drop = is_kw(t, "drop");
      next();
      s.k = drop ? stage::kind::drop : stage::kind::keep;
      for (;;) {
        if (peek().kind != tok::ident)
          return unexpected(peek(), "IDENTIFIER");
        std::string name(next().text);
        if (peek().kind == tok::eq || peek().kind == tok::neq || peek().kind == tok::re
            || peek().kind == tok::nre) {
          match_op op = peek().kind == tok::eq    ? match_op::eq
                        : peek().kind == tok::neq ? match_op::neq
                        : peek().kind == tok::re  ? match_op::re
                                                  : match_op::nre;
          next();
          if (peek().kind != tok::string)
            return unexpected(peek(), "STRING");
          auto m = make_matcher(std::move(name), op, next().str);
          if (!m)
            return m.error();
          s.names.push_back(std::move(*m));
          s.name_only.push_back(false);
        } else {
          label_matcher m;
          m.name = std::move(name);
          s.names.push_back(std::move(m));
          s.name_only.push_back(true);
        }
        if (peek().kind != tok::comma)
          break;
        next();
      }
      auto impl = drop ? make_drop_stage(s.names, s.name_only) : make_keep_stage(s.names, s.name_only);
      if (auto st = set_impl(std::move(impl)); !st)
        return st;
      return s;
    }
    // A label filter expression.
    s.k = stage::kind::label_filter;
    auto f = parse_filter_or();
    if (!f)
      return f.error();
    s.filter = std::move(*f);
    if (auto st = set_impl(make_label_filter_stage(s.filter)); !st)
      return st;
    return s;
  }

  // ---- label filters: or > and > primary ----

  result<std::shared_ptr<const label_filter>> parse_filter_or() {
    auto lhs = parse_filter_and();
    if (!lhs)
      return lhs;
    while (is_kw(peek(), "or") && label_filter_starts(1)) {
      next();
      auto rhs = parse_filter_and();
      if (!rhs)
        return rhs;
      auto n = std::make_shared<label_filter>();
      n->k = label_filter::kind::or_;
      n->left = std::move(*lhs);
      n->right = std::move(*rhs);
      lhs = std::shared_ptr<const label_filter>(std::move(n));
    }
    return lhs;
  }

  result<std::shared_ptr<const label_filter>> parse_filter_and() {
    auto lhs = parse_filter_primary();
    if (!lhs)
      return lhs;
    for (;;) {
      if ((is_kw(peek(), "and") || peek().kind == tok::comma) && label_filter_starts(1)) {
        next();
      } else if (!label_filter_starts(0) || is_kw(peek(), "or") || is_kw(peek(), "and")) {
        break;
      }
      auto rhs = parse_filter_primary();
      if (!rhs)
        return rhs;
      auto n = std::make_shared<label_filter>();
      n->k = label_filter::kind::and_;
      n->left = std::move(*lhs);
      n->right = std::move(*rhs);
      lhs = std::shared_ptr<const label_filter>(std::move(n));
    }
    return lhs;
  }

  result<std::shared_ptr<const label_filter>> parse_filter_primary() {
    if (peek().kind == tok::lparen) {
      next();
      auto inner = parse_filter_or();
      if (!inner)
        return inner;
      if (auto s = expect(tok::rparen, ")"); !s)
        return s;
      return inner;
    }
    if (peek().kind != tok::ident)
      return unexpected(peek(), "IDENTIFIER");
    auto f = std::make_shared<label_filter>();
    f->name = std::string(next().text);
    const token& op_tok = next();
    if (!is_cmp(op_tok.kind))
      return unexpected(op_tok);
    cmp_op op = cmp_op::eq;
    switch (op_tok.kind) {
      case tok::eq: op = cmp_op::eq; break;
      case tok::neq: op = cmp_op::neq; break;
      case tok::eqeq: op = cmp_op::eqeq; break;
      case tok::gt: op = cmp_op::gt; break;
      case tok::ge: op = cmp_op::ge; break;
      case tok::lt: op = cmp_op::lt; break;
      case tok::le: op = cmp_op::le; break;
      default: break;
    }
    bool string_op = op_tok.kind == tok::eq || op_tok.kind == tok::neq || op_tok.kind == tok::re
                     || op_tok.kind == tok::nre;
    const token& v = peek();
    if (v.kind == tok::string) {
      if (!string_op)
        return unexpected(v);
      match_op mo = op_tok.kind == tok::eq    ? match_op::eq
                    : op_tok.kind == tok::neq ? match_op::neq
                    : op_tok.kind == tok::re  ? match_op::re
                                              : match_op::nre;
      auto m = make_matcher(f->name, mo, next().str);
      if (!m)
        return m.error();
      f->k = label_filter::kind::string;
      f->matcher = std::move(*m);
      return std::shared_ptr<const label_filter>(std::move(f));
    }
    if (is_kw(v, "ip") && peek(1).kind == tok::lparen) {
      if (op_tok.kind != tok::eq && op_tok.kind != tok::neq)
        return unexpected(v);
      next();
      next();
      if (peek().kind != tok::string)
        return unexpected(peek(), "STRING");
      f->k = label_filter::kind::ip;
      f->op = op;
      f->ip_pattern = next().str;
      auto ip = compile_ip_pattern(f->ip_pattern);
      if (!ip)
        return ip.error();
      f->ip_impl = std::move(*ip);
      if (auto s = expect(tok::rparen, ")"); !s)
        return s;
      return std::shared_ptr<const label_filter>(std::move(f));
    }
    if (op_tok.kind == tok::re || op_tok.kind == tok::nre)
      return unexpected(v, "STRING");
    f->op = op;
    bool neg = false;
    if (peek().kind == tok::sub) {
      next();
      neg = true;
    }
    const token& val = peek();
    switch (val.kind) {
      case tok::duration:
        f->k = label_filter::kind::duration;
        f->duration_ns = neg ? -next().duration_ns : next().duration_ns;
        break;
      case tok::bytes:
        if (neg)
          return unexpected(val);
        f->k = label_filter::kind::bytes;
        f->bytes = next().bytes;
        break;
      case tok::number: {
        auto n = parse_number(next());
        if (!n)
          return n.error();
        f->k = label_filter::kind::number;
        f->number = neg ? -*n : *n;
        break;
      }
      default:
        return unexpected(val);
    }
    return std::shared_ptr<const label_filter>(std::move(f));
  }
};

status validate_all_selectors(const sample_expr& e) {
  (void)e;
  return {};
}

} // namespace

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
  if (!e)
    return e;
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
  } else if (auto s = validate_all_selectors(*e->metric); !s) {
    return s;
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
