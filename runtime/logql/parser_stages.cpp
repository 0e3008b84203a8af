// LogQL parser, second half: stream selectors, log ranges, pipeline stages
// and label filter expressions (and > or, implicit and, parentheses).
#include <re2/re2.h>

#include "runtime/logql/parser.hpp"
#include "runtime/logql/parser_impl.hpp"
#include "runtime/logql/pipeline.hpp"
#include "runtime/logql/regex.hpp"
#include "runtime/logql/strconv.hpp"

namespace skald::logql::parse_detail {

// ---- log selectors, ranges and pipelines ----

result<log_range_expr> parser::parse_log_range() {
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

status parser::parse_offset(log_range_expr& r) {
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

status parser::parse_log_range_part(log_range_expr& r, bool& have_range, int depth) {
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

result<std::vector<label_matcher>> parser::parse_selector() {
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
    if (auto s = expect(tok::rbrace, "} or ,"); !s)
      return s;
    return out;
  }
}

status parser::validate_selector(const std::vector<label_matcher>& ms) const {
  for (const auto& m : ms)
    if (!m.matches(""))
      return {};
  return plain(
      "parse error : queries require at least one regexp or equality matcher that does not have "
      "an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
      "app=~\".+\" will");
}

result<bool> parser::parse_stages(std::vector<stage>& stages, std::optional<unwrap_expr>* unwrap) {
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

result<unwrap_expr> parser::parse_unwrap() {
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

bool parser::label_filter_starts(size_t k) const {
  const token& t = peek(k);
  if (t.kind == tok::lparen)
    return true;
  return t.kind == tok::ident && is_cmp(peek(k + 1).kind);
}

result<stage> parser::parse_line_filter() {
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

result<line_filter_term> parser::parse_filter_term() {
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
  return unexpected(peek(), "STRING or ip");
}

result<std::vector<std::pair<std::string, std::string>>> parser::parse_extract_params() {
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

result<stage> parser::parse_stage() {
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
      if (f.dst == "__error__")
        return plain("__error__ cannot be formatted");
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

result<std::shared_ptr<const label_filter>> parser::parse_filter_or() {
  return parse_filter_expr(0);
}

// Emulates how Loki's yacc grammar resolves label filter conflicts: `and`
// (precedence 2) binds tighter than `or` (1), both left-associative; `,`
// and juxtaposition have no precedence, so yacc always shifts past them:
// everything after them (up to `)` or the end of the stage) becomes their
// right operand. Hence `a, b or c` is a and (b or c), but `a and b or c`
// is (a and b) or c, and `x or y, z` is x or (y and z).
result<std::shared_ptr<const label_filter>> parser::parse_filter_expr(int min_prec) {
  auto lhs = parse_filter_primary();
  if (!lhs)
    return lhs;
  auto combine = [](label_filter::kind k, std::shared_ptr<const label_filter> l,
                    std::shared_ptr<const label_filter> r) {
    auto n = std::make_shared<label_filter>();
    n->k = k;
    n->left = std::move(l);
    n->right = std::move(r);
    return std::shared_ptr<const label_filter>(std::move(n));
  };
  for (;;) {
    bool comma = peek().kind == tok::comma && label_filter_starts(1);
    bool juxtaposed = label_filter_starts(0) && !is_kw(peek(), "or") && !is_kw(peek(), "and");
    if (comma || juxtaposed) {
      if (comma)
        next();
      auto rhs = parse_filter_expr(0);
      if (!rhs)
        return rhs;
      lhs = combine(label_filter::kind::and_, std::move(*lhs), std::move(*rhs));
      continue;
    }
    int prec;
    label_filter::kind k;
    if (is_kw(peek(), "and") && label_filter_starts(1)) {
      prec = 2;
      k = label_filter::kind::and_;
    } else if (is_kw(peek(), "or") && label_filter_starts(1)) {
      prec = 1;
      k = label_filter::kind::or_;
    } else {
      break;
    }
    if (prec < min_prec)
      break;
    next();
    auto rhs = parse_filter_expr(prec + 1);
    if (!rhs)
      return rhs;
    lhs = combine(k, std::move(*lhs), std::move(*rhs));
  }
  return lhs;
}

result<std::shared_ptr<const label_filter>> parser::parse_filter_primary() {
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

} // namespace skald::logql::parse_detail
