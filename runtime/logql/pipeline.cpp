// The label builder, the pipeline runner and the non-parser stages: line
// filters, label filters, formatters, drop/keep, decolorize.
#include "runtime/logql/pipeline.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>

#include "runtime/logql/ip.hpp"
#include "runtime/logql/pattern.hpp"
#include "runtime/logql/regex.hpp"
#include "runtime/logql/strconv.hpp"
#include "runtime/logql/template.hpp"
#include "runtime/util/substring.hpp"

namespace skald::logql {

// ---------------------------------------------------------------- builder

void label_builder::reset(const model::label_set& stream, const model::label_set* md) {
  n_ = 0;
  err_.clear();
  details_.clear();
  for (const auto& l : stream)
    set(l.name, l.value, origin::stream);
  if (md) {
    for (const auto& l : *md) {
      const std::string* cur = get(l.name);
      if (cur) {
        std::string ext = l.name + "_extracted";
        set(ext, l.value, origin::parsed);
      } else {
        set(l.name, l.value, origin::metadata);
      }
    }
  }
}

const std::string* label_builder::get(std::string_view name) const {
  for (size_t i = 0; i < n_; ++i)
    if (labels_[i].name == name)
      return &labels_[i].value;
  return nullptr;
}

void label_builder::set(std::string_view name, std::string_view value, origin o) {
  for (size_t i = 0; i < n_; ++i) {
    if (labels_[i].name == name) {
      labels_[i].value.assign(value.data(), value.size());
      labels_[i].o = o;
      return;
    }
  }
  if (n_ == labels_.size())
    labels_.emplace_back();
  auto& l = labels_[n_++];
  l.name.assign(name.data(), name.size());
  l.value.assign(value.data(), value.size());
  l.o = o;
}

void label_builder::set_parsed(std::string_view name, std::string_view value) {
  if (hints_ && !wanted(name))
    return;
  for (size_t i = 0; i < n_; ++i) {
    if (labels_[i].name == name) {
      if (labels_[i].o == origin::parsed) {
        labels_[i].value.assign(value.data(), value.size());
        return;
      }
      std::string ext(name);
      ext += "_extracted";
      set(ext, value, origin::parsed);
      return;
    }
  }
  set(name, value, origin::parsed);
}

void label_builder::del(std::string_view name) {
  for (size_t i = 0; i < n_; ++i) {
    if (labels_[i].name == name) {
      std::swap(labels_[i], labels_[n_ - 1]);
      --n_;
      return;
    }
  }
}

void label_builder::set_err(std::string_view e, std::string_view details) {
  if (!err_.empty())
    return;
  err_.assign(e.data(), e.size());
  details_.assign(details.data(), details.size());
}

model::label_set label_builder::labels() const {
  model::label_set out;
  out.reserve(n_ + 2);
  for (size_t i = 0; i < n_; ++i)
    out.push_back({labels_[i].name, labels_[i].value});
  if (!err_.empty()) {
    out.push_back({std::string(error_label), err_});
    if (!details_.empty())
      out.push_back({std::string(error_details_label), details_});
  }
  std::sort(out.begin(), out.end(),
            [](const model::label& a, const model::label& b) { return a.name < b.name; });
  return out;
}

void label_builder::key(std::string& out) const {
  out.clear();
  // Sort indices by name; the buffer is reused, so no allocation once warm.
  thread_local std::vector<size_t> idx;
  idx.resize(n_);
  for (size_t i = 0; i < n_; ++i)
    idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return labels_[a].name < labels_[b].name; });
  for (size_t i : idx) {
    out += labels_[i].name;
    out.push_back('\xff');
    out += labels_[i].value;
    out.push_back('\xfe');
  }
  if (!err_.empty()) {
    out += "\x01" + err_ + "\xff" + details_;
  }
}

// ---------------------------------------------------------------- runner

pipeline_runner::pipeline_runner(const std::vector<stage>& stages) {
  for (const auto& s : stages) {
    // What make_line_filter_stage compiles into one contains_predicate.
    const bool literal = s.k == stage::kind::line_filter &&
                         (s.line.op == line_filter_op::contains ||
                          s.line.op == line_filter_op::not_contains) &&
                         s.line.terms.size() == 1 && !s.line.terms[0].ip;
    if (literal && literals_.size() == stages_.size())
      literals_.emplace_back(s.line.terms[0].value, s.line.op == line_filter_op::not_contains);
    stages_.push_back(s.impl.get());
    if (s.impl->touches_labels())
      touches_labels_ = true;
  }
  while (line_only_prefix_ < stages_.size() && !stages_[line_only_prefix_]->reads_labels())
    ++line_only_prefix_;
}

bool pipeline_runner::run(int64_t ts, std::string_view line, const model::label_set& stream,
                          const model::label_set* metadata) {
  for (const auto& [needle, negated] : literals_)
    if (util::contains(line, needle) == negated)
      return false;
  st_.ts = ts;
  st_.set_source_line(line);
  size_t i = literals_.size();
  for (; i < line_only_prefix_; ++i)
    if (!stages_[i]->process(st_))
      return false;
  st_.lbs.reset(stream, metadata);
  for (; i < stages_.size(); ++i)
    if (!stages_[i]->process(st_))
      return false;
  return true;
}

// ---------------------------------------------------------------- line filters

namespace {

class contains_predicate final : public line_predicate {
public:
  explicit contains_predicate(std::string needle) : needle_(std::move(needle)) {}
  bool matches(std::string_view line) const override {
    return util::contains(line, needle_); // SSE2 first/last-byte scan
  }

private:
  std::string needle_;
};

class regex_predicate final : public line_predicate {
public:
  explicit regex_predicate(std::shared_ptr<RE2> re) : re_(std::move(re)) {}
  bool matches(std::string_view line) const override {
    return RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *re_);
  }

private:
  std::shared_ptr<RE2> re_;
};

class pattern_predicate final : public line_predicate {
public:
  explicit pattern_predicate(pattern_matcher m) : m_(std::move(m)) {}
  bool matches(std::string_view line) const override { return m_.test(line); }

private:
  pattern_matcher m_;
};

class ip_predicate final : public line_predicate {
public:
  explicit ip_predicate(std::shared_ptr<const ip_range> r) : r_(std::move(r)) {}
  bool matches(std::string_view line) const override { return contains_ip(*r_, line); }

private:
  std::shared_ptr<const ip_range> r_;
};

class line_filter_stage final : public stage_impl {
public:
  line_filter_stage(std::vector<std::unique_ptr<line_predicate>> terms, bool negate)
    : terms_(std::move(terms)), negate_(negate) {}
  bool process(line_state& st) const override {
    bool any = false;
    for (const auto& t : terms_)
      if (t->matches(st.line())) {
        any = true;
        break;
      }
    return any != negate_;
  }
  bool touches_labels() const override { return false; }
  bool reads_labels() const override { return false; }

private:
  std::vector<std::unique_ptr<line_predicate>> terms_;
  bool negate_;
};

} // namespace

result<std::shared_ptr<const stage_impl>> make_line_filter_stage(const line_filter& f) {
  std::vector<std::unique_ptr<line_predicate>> terms;
  bool regex = f.op == line_filter_op::regex || f.op == line_filter_op::not_regex;
  bool pattern = f.op == line_filter_op::pattern || f.op == line_filter_op::not_pattern;
  for (const auto& t : f.terms) {
    if (t.ip) {
      if (regex || pattern)
        return status{errc::invalid_argument, "ip: invalid operation"};
      auto r = parse_ip_range(t.value);
      if (!r)
        return r.error();
      terms.push_back(std::make_unique<ip_predicate>(std::make_shared<const ip_range>(*r)));
    } else if (regex) {
      auto re = compile_regex(t.value, regex_anchor::none);
      if (!re)
        return re.error();
      terms.push_back(std::make_unique<regex_predicate>(std::move(*re)));
    } else if (pattern) {
      auto m = pattern_matcher::compile_filter(t.value);
      if (!m)
        return m.error();
      terms.push_back(std::make_unique<pattern_predicate>(std::move(*m)));
    } else {
      terms.push_back(std::make_unique<contains_predicate>(t.value));
    }
  }
  bool negate = f.op == line_filter_op::not_contains || f.op == line_filter_op::not_regex
                || f.op == line_filter_op::not_pattern;
  return std::shared_ptr<const stage_impl>(std::make_shared<line_filter_stage>(std::move(terms), negate));
}

// ---------------------------------------------------------------- label filters

namespace {

template <class T>
bool compare(cmp_op op, T a, T b) {
  switch (op) {
    case cmp_op::eq:
    case cmp_op::eqeq: return a == b;
    case cmp_op::neq: return a != b;
    case cmp_op::gt: return a > b;
    case cmp_op::ge: return a >= b;
    case cmp_op::lt: return a < b;
    case cmp_op::le: return a <= b;
  }
  return false;
}

constexpr std::string_view label_filter_err = "LabelFilterErr";

} // namespace

bool eval_label_filter(const label_filter& f, line_state& st) {
  auto& lbs = st.lbs;
  switch (f.k) {
    case label_filter::kind::and_: {
      bool l = eval_label_filter(*f.left, st);
      bool r = eval_label_filter(*f.right, st);
      return l && r;
    }
    case label_filter::kind::or_:
      if (eval_label_filter(*f.left, st))
        return true;
      return eval_label_filter(*f.right, st);
    case label_filter::kind::string: {
      if (f.matcher.name == error_label)
        return f.matcher.matches(lbs.err());
      if (f.matcher.name == error_details_label)
        return f.matcher.matches(lbs.err_details());
      const std::string* v = lbs.get(f.matcher.name);
      return f.matcher.matches(v ? std::string_view(*v) : std::string_view());
    }
    case label_filter::kind::ip: {
      if (lbs.has_err())
        return true;
      const std::string* v = lbs.get(f.name);
      if (!v)
        return false;
      bool in = contains_ip(*static_cast<const ip_range*>(f.ip_impl.get()), *v);
      return f.op == cmp_op::neq ? !in : in;
    }
    case label_filter::kind::number: {
      const std::string* v = lbs.get(f.name);
      if (!v)
        return false;
      auto n = parse_go_float(*v);
      if (!n) {
        lbs.set_err(label_filter_err, n.error().message());
        return true;
      }
      return compare(f.op, *n, f.number);
    }
    case label_filter::kind::duration: {
      const std::string* v = lbs.get(f.name);
      if (!v)
        return false;
      auto d = parse_go_duration(*v);
      if (!d) {
        lbs.set_err(label_filter_err, d.error().message());
        return true;
      }
      return compare(f.op, *d, f.duration_ns);
    }
    case label_filter::kind::bytes: {
      const std::string* v = lbs.get(f.name);
      if (!v)
        return false;
      auto b = parse_bytes(*v);
      if (!b) {
        lbs.set_err(label_filter_err, b.error().message());
        return true;
      }
      return compare(f.op, *b, f.bytes);
    }
  }
  return false;
}

namespace {

class label_filter_stage final : public stage_impl {
public:
  explicit label_filter_stage(std::shared_ptr<const label_filter> f) : f_(std::move(f)) {}
  bool process(line_state& st) const override { return eval_label_filter(*f_, st); }

private:
  std::shared_ptr<const label_filter> f_;
};

} // namespace

result<std::shared_ptr<const stage_impl>> make_label_filter_stage(std::shared_ptr<const label_filter> f) {
  return std::shared_ptr<const stage_impl>(std::make_shared<label_filter_stage>(std::move(f)));
}

result<std::shared_ptr<const void>> compile_ip_pattern(const std::string& pattern) {
  auto r = parse_ip_range(pattern);
  if (!r)
    return r.error();
  return std::shared_ptr<const void>(std::make_shared<const ip_range>(*r));
}

// ---------------------------------------------------------------- formatters

namespace {

constexpr std::string_view template_err = "TemplateFormatErr";

class line_format_stage final : public stage_impl {
public:
  explicit line_format_stage(std::shared_ptr<const text_template> t) : t_(std::move(t)) {}
  bool process(line_state& st) const override {
    template_data data{st.lbs, st.line(), st.ts};
    thread_local std::string out;
    out.clear();
    auto s = t_->execute(data, out);
    if (!s.ok()) {
      st.lbs.set_err(template_err, s.message());
      return true;
    }
    st.set_line(out);
    return true;
  }

private:
  std::shared_ptr<const text_template> t_;
};

class label_format_stage final : public stage_impl {
public:
  struct item {
    std::string dst;
    bool rename;
    std::string src;
    std::shared_ptr<const text_template> t;
  };
  explicit label_format_stage(std::vector<item> items) : items_(std::move(items)) {}
  // Loki's LabelsFormatter: items apply in order; a rename reads the live
  // labels, templates read a snapshot taken at the first template item.
  bool process(line_state& st) const override {
    thread_local label_builder snapshot;  // reuses its strings across lines
    thread_local std::string value;
    bool have_snapshot = false;
    for (const auto& it : items_) {
      if (it.rename) {
        const std::string* v = st.lbs.get(it.src);
        if (!v)
          continue;
        value = *v;
        if (it.src != it.dst)
          st.lbs.del(it.src);
        st.lbs.set(it.dst, value);
        continue;
      }
      if (!have_snapshot) {
        snapshot = st.lbs;
        have_snapshot = true;
      }
      template_data data{snapshot, st.line(), st.ts};
      value.clear();
      auto s = it.t->execute(data, value);
      if (!s.ok()) {
        st.lbs.set_err(template_err, s.message());
        continue;
      }
      st.lbs.set(it.dst, value);
    }
    return true;
  }

private:
  std::vector<item> items_;
};

class decolorize_stage final : public stage_impl {
public:
  bool process(line_state& st) const override {
    if (st.line().find('\x1b') == std::string_view::npos)
      return true;
    st.set_line(decolorize(st.line()));
    return true;
  }
  bool touches_labels() const override { return false; }
  bool reads_labels() const override { return false; }
};

class drop_keep_stage final : public stage_impl {
public:
  drop_keep_stage(std::vector<label_matcher> names, std::vector<bool> name_only, bool drop)
    : names_(std::move(names)), name_only_(std::move(name_only)), drop_(drop) {}
  bool process(line_state& st) const override {
    if (drop_) {
      for (size_t i = 0; i < names_.size(); ++i) {
        const auto& m = names_[i];
        if (m.name == error_label || m.name == error_details_label) {
          std::string_view v = m.name == error_label ? std::string_view(st.lbs.err())
                                                     : std::string_view(st.lbs.err_details());
          if (name_only_[i] || m.matches(v)) {
            if (m.name == error_label)
              st.lbs.clear_err();
            else
              st.lbs.clear_err_details();
          }
          continue;
        }
        const std::string* v = st.lbs.get(m.name);
        if (!v)
          continue;
        if (name_only_[i] || m.matches(*v))
          st.lbs.del(m.name);
      }
      return true;
    }
    st.lbs.keep_if([&](const std::string& name, const std::string& value) {
      for (size_t i = 0; i < names_.size(); ++i) {
        if (names_[i].name != name)
          continue;
        if (name_only_[i] || names_[i].matches(value))
          return true;
      }
      return false;
    });
    return true;
  }

private:
  std::vector<label_matcher> names_;
  std::vector<bool> name_only_;
  bool drop_;
};

} // namespace

result<std::shared_ptr<const stage_impl>> make_line_format_stage(const std::string& tmpl) {
  auto t = text_template::parse(tmpl);
  if (!t)
    return t.error();
  return std::shared_ptr<const stage_impl>(
      std::make_shared<line_format_stage>(std::make_shared<const text_template>(std::move(*t))));
}

result<std::shared_ptr<const stage_impl>> make_label_format_stage(const std::vector<label_fmt>& fmts) {
  std::vector<label_format_stage::item> items;
  for (const auto& f : fmts) {
    label_format_stage::item it{f.dst, f.rename, f.rename ? f.value : std::string(), nullptr};
    if (!f.rename) {
      auto t = text_template::parse(f.value);
      if (!t)
        return t.error();
      it.t = std::make_shared<const text_template>(std::move(*t));
    }
    items.push_back(std::move(it));
  }
  return std::shared_ptr<const stage_impl>(std::make_shared<label_format_stage>(std::move(items)));
}

result<std::shared_ptr<const stage_impl>> make_decolorize_stage() {
  return std::shared_ptr<const stage_impl>(std::make_shared<decolorize_stage>());
}

result<std::shared_ptr<const stage_impl>> make_drop_stage(const std::vector<label_matcher>& names,
                                                          const std::vector<bool>& name_only) {
  return std::shared_ptr<const stage_impl>(std::make_shared<drop_keep_stage>(names, name_only, true));
}

result<std::shared_ptr<const stage_impl>> make_keep_stage(const std::vector<label_matcher>& names,
                                                          const std::vector<bool>& name_only) {
  return std::shared_ptr<const stage_impl>(std::make_shared<drop_keep_stage>(names, name_only, false));
}

std::string decolorize(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == 0x1b && i + 1 < in.size() && in[i + 1] == '[') {
      size_t j = i + 2;
      while (j < in.size() && (static_cast<unsigned char>(in[j]) >= 0x30 && static_cast<unsigned char>(in[j]) <= 0x3f))
        ++j;
      while (j < in.size() && (static_cast<unsigned char>(in[j]) >= 0x20 && static_cast<unsigned char>(in[j]) <= 0x2f))
        ++j;
      if (j < in.size())
        ++j;  // final byte
      i = j;
      continue;
    }
    if (c == 0x1b && i + 1 < in.size() && in[i + 1] == ']') {
      size_t j = i + 2;
      while (j < in.size() && in[j] != '\x07' && !(in[j] == '\x1b' && j + 1 < in.size() && in[j + 1] == '\\'))
        ++j;
      i = j < in.size() ? (in[j] == '\x07' ? j + 1 : j + 2) : j;
      continue;
    }
    out.push_back(static_cast<char>(c));
    ++i;
  }
  return out;
}

} // namespace skald::logql
