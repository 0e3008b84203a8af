// A small Go text/template interpreter for line_format/label_format.
#include "runtime/logql/template.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <unordered_map>

#include "runtime/logql/pipeline.hpp"
#include "runtime/logql/strconv.hpp"
#include "runtime/logql/template_funcs.hpp"

namespace skald::logql {

using namespace template_detail;

namespace {

struct pipeline_node;

struct operand {
  enum class kind : uint8_t { field, dot, literal, func, sub } k = kind::literal;
  std::string name;  // field or function name
  tval value;        // literal
  std::shared_ptr<pipeline_node> sub;
};

struct command {
  std::vector<operand> args;
};

struct pipeline_node {
  std::vector<command> cmds;
};

struct tnode {
  enum class kind : uint8_t { text, action, if_ } k = kind::text;
  std::string text;
  pipeline_node pipe;
  std::vector<tnode> then_, else_;
};

// ---- parser ----

class tparser {
public:
  explicit tparser(std::string_view src) : src_(src) {}

  result<std::vector<tnode>> parse_all() {
    std::vector<tnode> out;
    std::string end_kw;
    auto s = parse_list(out, end_kw);
    if (!s.ok())
      return s;
    if (!end_kw.empty())
      return err("unexpected {{" + end_kw + "}}");
    return out;
  }

private:
  std::string_view src_;
  size_t pos_ = 0;
  // Action tokens.
  std::string_view act_;
  size_t ap_ = 0;

  int line() const {
    int l = 1;
    for (size_t i = 0; i < pos_ && i < src_.size(); ++i)
      if (src_[i] == '\n')
        ++l;
    return l;
  }
  status err(const std::string& msg) const {
    return status{errc::invalid_argument, "template: line:" + std::to_string(line()) + ": " + msg};
  }

  // Reads text up to the next action; returns false at end of input.
  // On true, act_ holds the action body (trim markers removed).
  result<bool> next_action(std::string& text) {
    size_t open = src_.find("{{", pos_);
    if (open == std::string_view::npos) {
      text = std::string(src_.substr(pos_));
      pos_ = src_.size();
      return false;
    }
    text = std::string(src_.substr(pos_, open - pos_));
    size_t body = open + 2;
    if (body + 1 < src_.size() + 1 && body < src_.size() && src_[body] == '-' && body + 1 < src_.size()
        && std::isspace(static_cast<unsigned char>(src_[body + 1]))) {
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
      body += 1;
    }
    // Find the closing }} outside of string literals.
    size_t i = body;
    char q = 0;
    for (; i < src_.size(); ++i) {
      char c = src_[i];
      if (q) {
        if (c == '\\' && q == '"') { ++i; continue; }
        if (c == q) q = 0;
        continue;
      }
      if (c == '"' || c == '`' || c == '\'') { q = c; continue; }
      if (c == '}' && i + 1 < src_.size() && src_[i + 1] == '}')
        break;
    }
    pos_ = open;
    if (i >= src_.size())
      return err("unclosed action");
    size_t close = i;
    bool trim_right = close > body && src_[close - 1] == '-' && close - 1 > body
                      && std::isspace(static_cast<unsigned char>(src_[close - 2]));
    act_ = src_.substr(body, (trim_right ? close - 1 : close) - body);
    ap_ = 0;
    pos_ = close + 2;
    if (trim_right)
      while (pos_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos_])))
        ++pos_;
    return true;
  }

  void skip_ws() {
    while (ap_ < act_.size() && std::isspace(static_cast<unsigned char>(act_[ap_])))
      ++ap_;
  }

  std::string_view peek_word() {
    skip_ws();
    size_t j = ap_;
    while (j < act_.size() && (std::isalnum(static_cast<unsigned char>(act_[j])) || act_[j] == '_'))
      ++j;
    return act_.substr(ap_, j - ap_);
  }

  status parse_list(std::vector<tnode>& out, std::string& end_kw) {
    for (;;) {
      std::string text;
      auto more = next_action(text);
      if (!more)
        return more.error();
      if (!text.empty()) {
        tnode t;
        t.k = tnode::kind::text;
        t.text = std::move(text);
        out.push_back(std::move(t));
      }
      if (!*more)
        return {};
      skip_ws();
      if (act_.substr(ap_, 2) == "/*")
        continue;
      std::string_view w = peek_word();
      if (w == "end" || w == "else") {
        ap_ += w.size();
        end_kw = std::string(w);
        return {};
      }
      if (w == "if") {
        ap_ += 2;
        tnode n;
        n.k = tnode::kind::if_;
        auto s = parse_pipeline(n.pipe, false);
        if (!s.ok())
          return s;
        std::string kw;
        s = parse_if_tail(n, kw);  // then-branch, else / else if chains
        if (!s.ok())
          return s;
        if (kw != "end")
          return err("unexpected EOF");
        out.push_back(std::move(n));
        continue;
      }
      if (w == "range" || w == "with" || w == "define" || w == "template" || w == "block")
        return err("unsupported action " + std::string(w));
      tnode n;
      n.k = tnode::kind::action;
      auto s = parse_pipeline(n.pipe, false);
      if (!s.ok())
        return s;
      out.push_back(std::move(n));
    }
  }

  status parse_if_tail(tnode& n, std::string& kw) {
    auto s = parse_list(n.then_, kw);
    if (!s.ok())
      return s;
    if (kw == "else") {
      skip_ws();
      if (peek_word() == "if") {
        ap_ += 2;
        tnode inner;
        inner.k = tnode::kind::if_;
        s = parse_pipeline(inner.pipe, false);
        if (!s.ok())
          return s;
        s = parse_if_tail(inner, kw);
        if (!s.ok())
          return s;
        n.else_.push_back(std::move(inner));
        return {};
      }
      return parse_list(n.else_, kw);
    }
    return {};
  }

  status parse_pipeline(pipeline_node& p, bool in_paren) {
    for (;;) {
      command c;
      for (;;) {
        skip_ws();
        if (ap_ >= act_.size())
          break;
        char ch = act_[ap_];
        if (ch == '|' || (ch == ')' && in_paren))
          break;
        if (ch == ')')
          return err("unexpected right paren");
        operand o;
        auto s = parse_operand(o);
        if (!s.ok())
          return s;
        c.args.push_back(std::move(o));
      }
      if (c.args.empty())
        return err("missing value for command");
      p.cmds.push_back(std::move(c));
      skip_ws();
      if (ap_ < act_.size() && act_[ap_] == '|') {
        ++ap_;
        continue;
      }
      return {};
    }
  }

  status parse_operand(operand& o) {
    char ch = act_[ap_];
    if (ch == '(') {
      ++ap_;
      o.k = operand::kind::sub;
      o.sub = std::make_shared<pipeline_node>();
      auto s = parse_pipeline(*o.sub, true);
      if (!s.ok())
        return s;
      skip_ws();
      if (ap_ >= act_.size() || act_[ap_] != ')')
        return err("unclosed left paren");
      ++ap_;
      return {};
    }
    if (ch == '.') {
      size_t j = ap_ + 1;
      while (j < act_.size() && (std::isalnum(static_cast<unsigned char>(act_[j])) || act_[j] == '_' || act_[j] == '.'))
        ++j;
      std::string name(act_.substr(ap_ + 1, j - ap_ - 1));
      ap_ = j;
      if (name.empty()) {
        o.k = operand::kind::dot;
      } else {
        o.k = operand::kind::field;
        o.name = std::move(name);
      }
      return {};
    }
    if (ch == '"' || ch == '`') {
      size_t j = ap_ + 1;
      while (j < act_.size() && act_[j] != ch) {
        if (ch == '"' && act_[j] == '\\')
          ++j;
        ++j;
      }
      if (j >= act_.size())
        return err("unterminated quoted string");
      auto s = go_unquote(act_.substr(ap_, j + 1 - ap_));
      if (!s)
        return err("invalid syntax in quoted string");
      o.k = operand::kind::literal;
      o.value = tval::str(std::move(*s));
      ap_ = j + 1;
      return {};
    }
    if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '-' || ch == '+') {
      size_t j = ap_ + 1;
      while (j < act_.size() && (std::isalnum(static_cast<unsigned char>(act_[j])) || act_[j] == '.'))
        ++j;
      auto v = parse_go_float(act_.substr(ap_, j - ap_));
      if (!v)
        return err("bad number syntax: " + std::string(act_.substr(ap_, j - ap_)));
      o.k = operand::kind::literal;
      o.value = tval::num(*v);
      ap_ = j;
      return {};
    }
    if (std::isalpha(static_cast<unsigned char>(ch)) || ch == '_') {
      size_t j = ap_;
      while (j < act_.size() && (std::isalnum(static_cast<unsigned char>(act_[j])) || act_[j] == '_'))
        ++j;
      std::string name(act_.substr(ap_, j - ap_));
      ap_ = j;
      if (name == "true" || name == "false") {
        o.k = operand::kind::literal;
        o.value = tval::boolean(name == "true");
        return {};
      }
      if (name == "nil") {
        o.k = operand::kind::literal;
        return {};
      }
      if (!functions().count(name))
        return err("function \"" + name + "\" not defined");
      o.k = operand::kind::func;
      o.name = std::move(name);
      return {};
    }
    return err(std::string("unexpected \"") + ch + "\" in command");
  }
};

} // namespace

struct text_template::impl {
  std::vector<tnode> nodes;
};

namespace {

result<tval> eval_pipeline(const pipeline_node& p, const template_data& d);

result<tval> eval_operand(const operand& o, const template_data& d) {
  switch (o.k) {
    case operand::kind::literal: return o.value;
    case operand::kind::dot: {
      std::string s = "map[";
      bool first = true;
      d.labels.for_each([&](const std::string& n, const std::string& v) {
        if (!first) s += " ";
        first = false;
        s += n + ":" + v;
      });
      return tval::str(s + "]");
    }
    case operand::kind::field: {
      const std::string* v = d.labels.get(o.name);
      return tval::str(v ? *v : std::string());
    }
    case operand::kind::sub: return eval_pipeline(*o.sub, d);
    case operand::kind::func: {
      std::vector<tval> none;
      return functions().at(o.name)(d, none);
    }
  }
  return tval{};
}

result<tval> eval_command(const command& c, const template_data& d, const tval* piped) {
  const operand& head = c.args[0];
  if (head.k == operand::kind::func) {
    std::vector<tval> args;
    for (size_t i = 1; i < c.args.size(); ++i) {
      auto v = eval_operand(c.args[i], d);
      if (!v)
        return v;
      args.push_back(std::move(*v));
    }
    if (piped)
      args.push_back(*piped);
    return functions().at(head.name)(d, args);
  }
  if (c.args.size() > 1 || piped)
    return exec_error("can't give argument to non-function " + (head.name.empty() ? std::string(".") : "." + head.name));
  return eval_operand(head, d);
}

result<tval> eval_pipeline(const pipeline_node& p, const template_data& d) {
  tval cur;
  bool have = false;
  for (const auto& c : p.cmds) {
    auto v = eval_command(c, d, have ? &cur : nullptr);
    if (!v)
      return v;
    cur = std::move(*v);
    have = true;
  }
  return cur;
}

status exec_nodes(const std::vector<tnode>& nodes, const template_data& d, std::string& out) {
  for (const auto& n : nodes) {
    switch (n.k) {
      case tnode::kind::text: out += n.text; break;
      case tnode::kind::action: {
        auto v = eval_pipeline(n.pipe, d);
        if (!v)
          return v.error();
        out += v->to_string();
        break;
      }
      case tnode::kind::if_: {
        auto v = eval_pipeline(n.pipe, d);
        if (!v)
          return v.error();
        auto s = exec_nodes(v->truthy() ? n.then_ : n.else_, d, out);
        if (!s.ok())
          return s;
        break;
      }
    }
  }
  return {};
}

} // namespace

result<text_template> text_template::parse(std::string_view text) {
  tparser p(text);
  auto nodes = p.parse_all();
  if (!nodes)
    return nodes.error();
  auto i = std::make_shared<impl>();
  i->nodes = std::move(*nodes);
  text_template t;
  t.impl_ = std::move(i);
  return t;
}

status text_template::execute(const template_data& data, std::string& out) const {
  return exec_nodes(impl_->nodes, data, out);
}

} // namespace skald::logql
