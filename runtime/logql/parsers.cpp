// The parser stages: logfmt, json (with and without expressions), regexp,
// pattern and unpack (spec §2.5). Extracted keys are sanitised as Loki's
// sanitizeLabelKey does; collisions with stream labels or metadata go to
// `<name>_extracted` (label_builder::set_parsed).
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "runtime/logql/pattern.hpp"
#include "runtime/logql/pipeline.hpp"
#include "runtime/logql/regex.hpp"
#include "runtime/logql/strconv.hpp"

namespace skald::logql {

namespace {

constexpr std::string_view json_err = "JSONParserErr";
constexpr std::string_view logfmt_err = "LogfmtParserErr";

inline bool ascii_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

inline bool label_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9');
}

void sanitize_key(std::string_view key, bool is_prefix, std::string& out) {
  out.clear();
  while (!key.empty() && ascii_space(key.front()))
    key.remove_prefix(1);
  while (!key.empty() && ascii_space(key.back()))
    key.remove_suffix(1);
  if (key.empty())
    return;
  if (is_prefix && key[0] >= '0' && key[0] <= '9')
    out.push_back('_');
  for (size_t i = 0; i < key.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9');
    out.push_back(ok ? static_cast<char>(c) : '_');
    // Go maps runes, not bytes: a multi-byte UTF-8 rune becomes one '_'.
    if (c >= 0xC0)
      while (i + 1 < key.size() && (static_cast<unsigned char>(key[i + 1]) & 0xC0) == 0x80)
        ++i;
  }
}

/// sanitize_key without a copy when the key is already a valid label name
/// (the common case); otherwise sanitises into `buf` and returns a view of it.
std::string_view sanitize_key_view(std::string_view key, bool is_prefix, std::string& buf) {
  bool clean = !key.empty() && !(is_prefix && key[0] >= '0' && key[0] <= '9');
  for (size_t i = 0; clean && i < key.size(); ++i)
    clean = label_char(static_cast<unsigned char>(key[i]));
  if (clean)
    return key;
  sanitize_key(key, is_prefix, buf);
  return buf;
}

/// Tracks the keys one parser invocation extracted (first occurrence wins).
class seen_keys {
public:
  void clear() { n_ = 0; }
  bool insert(std::string_view k) {
    for (size_t i = 0; i < n_; ++i)
      if (keys_[i] == k)
        return false;
    if (n_ == keys_.size())
      keys_.emplace_back();
    keys_[n_++].assign(k.data(), k.size());
    return true;
  }

private:
  std::vector<std::string> keys_;
  size_t n_ = 0;
};

// ---------------------------------------------------------------- logfmt

class logfmt_stage final : public stage_impl {
  static std::string_view sanitized(std::string_view raw) {
    thread_local std::string k;
    return sanitize_key_view(raw, true, k);
  }

public:
  logfmt_stage(bool strict, bool keep_empty, std::vector<std::pair<std::string, std::string>> params)
    : strict_(strict), keep_empty_(keep_empty), params_(std::move(params)) {}

  bool process(line_state& st) const override {
    thread_local seen_keys seen;
    thread_local std::string key, value;
    seen.clear();
    std::string_view in = st.line();
    // Copy: the line may be replaced while we set labels (it is not).
    size_t i = 0, n = in.size();
    while (i < n) {
      while (i < n && static_cast<unsigned char>(in[i]) <= ' ')
        ++i;
      if (i >= n)
        break;
      size_t ks = i;
      while (i < n && static_cast<unsigned char>(in[i]) > ' ' && in[i] != '=' && in[i] != '"')
        ++i;
      std::string_view raw_key = in.substr(ks, i - ks);
      if (raw_key.empty()) {
        // A stray '=' or '"'.
        if (strict_) {
          st.lbs.set_err(logfmt_err, "logfmt syntax error at pos " + std::to_string(i + 1)
                                         + " : unexpected '" + std::string(1, in[i]) + "'");
          return true;
        }
        while (i < n && static_cast<unsigned char>(in[i]) > ' ')
          ++i;
        continue;
      }
      std::string_view val;
      bool has_value = false;
      if (i < n && in[i] == '=') {
        ++i;
        has_value = true;
        if (i < n && in[i] == '"') {
          size_t vs = i;
          ++i;
          bool closed = false;
          // Jump quote to quote (memchr); a quote preceded by an odd run of
          // backslashes is escaped.
          while (i < n) {
            const void* q = std::memchr(in.data() + i, '"', n - i);
            if (!q) {
              i = n;
              break;
            }
            size_t at = static_cast<size_t>(static_cast<const char*>(q) - in.data());
            size_t bs = 0;
            while (at - bs > vs + 1 && in[at - bs - 1] == '\\')
              ++bs;
            i = at + 1;
            if (bs % 2 == 0) {
              closed = true;
              break;
            }
          }
          if (!closed) {
            if (strict_) {
              st.lbs.set_err(logfmt_err, "logfmt syntax error at pos " + std::to_string(n + 1)
                                             + " : unterminated quoted value");
              return true;
            }
            break;
          }
          std::string_view inner = in.substr(vs + 1, i - vs - 2);
          if (inner.find('\\') == std::string_view::npos) {
            val = inner;  // nothing to unescape: no copy
          } else if (!params_.empty() || st.lbs.wanted(sanitized(raw_key))) {
            auto uq = go_unquote(in.substr(vs, i - vs));
            if (uq)
              value = std::move(*uq);
            else
              value.assign(inner);
            val = value;
          }
        } else {
          size_t vs = i;
          while (i < n && static_cast<unsigned char>(in[i]) > ' ' && in[i] != '"' && in[i] != '=')
            ++i;
          if (i < n && (in[i] == '"' || in[i] == '=')) {
            if (strict_) {
              st.lbs.set_err(logfmt_err, "logfmt syntax error at pos " + std::to_string(i + 1)
                                             + " : unexpected '" + std::string(1, in[i]) + "'");
              return true;
            }
            while (i < n && static_cast<unsigned char>(in[i]) > ' ')
              ++i;
            continue;
          }
          val = in.substr(vs, i - vs);
        }
      }
      (void)has_value;
      if (val.empty() && !keep_empty_)
        continue;
      std::string_view k = sanitize_key_view(raw_key, true, key);
      if (k.empty() || (params_.empty() && !st.lbs.wanted(k)))
        continue;
      if (!params_.empty()) {
        for (const auto& p : params_) {
          std::string_view want = p.second.empty() ? std::string_view(p.first) : std::string_view(p.second);
          if (want == raw_key && seen.insert(p.first))
            st.lbs.set_parsed(p.first, val);
        }
        continue;
      }
      if (!seen.insert(k))
        continue;
      st.lbs.set_parsed(k, val);
    }
    return true;
  }

private:
  bool strict_, keep_empty_;
  std::vector<std::pair<std::string, std::string>> params_;
};

// ---------------------------------------------------------------- json

std::string json_error_text(const rapidjson::Document& doc, std::string_view line) {
  std::string msg = "ReadObject: ";
  msg += rapidjson::GetParseError_En(doc.GetParseError());
  msg += ", error found in #" + std::to_string(doc.GetErrorOffset() + 1) + " byte of ..."
         + std::string(line.substr(0, 64)) + "...";
  return msg;
}

/// Parses the current line as a JSON object; on failure records
/// JSONParserErr (the line is kept) and returns false. With numbers_as_text
/// numbers keep their source text ("1.50" stays "1.50").
bool parse_json_object(line_state& st, rapidjson::Document& doc, bool numbers_as_text) {
  std::string_view line = st.line();
  if (numbers_as_text)
    doc.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag>(line.data(), line.size());
  else
    doc.Parse<rapidjson::kParseStopWhenDoneFlag>(line.data(), line.size());
  if (!doc.HasParseError() && doc.IsObject())
    return true;
  st.lbs.set_err(json_err, doc.HasParseError() ? json_error_text(doc, line)
                                               : "ReadObject: expect { or n, but found other");
  return false;
}

class json_stage final : public stage_impl {
public:
  bool process(line_state& st) const override {
    if (st.lbs.has_err())
      return true;
    rapidjson::Document doc;
    if (!parse_json_object(st, doc, /*numbers_as_text=*/true))
      return true;
    thread_local seen_keys seen;
    seen.clear();
    std::string prefix;
    walk(doc, prefix, st, seen);
    return true;
  }

private:
  static void walk(const rapidjson::Value& obj, std::string& prefix, line_state& st, seen_keys& seen) {
    std::string key;
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      std::string_view raw(it->name.GetString(), it->name.GetStringLength());
      sanitize_key(raw, prefix.empty(), key);
      if (key.empty())
        continue;
      std::string full = prefix.empty() ? key : prefix + "_" + key;
      const auto& v = it->value;
      if (v.IsObject()) {
        std::string saved = prefix;
        prefix = full;
        walk(v, prefix, st, seen);
        prefix = saved;
        continue;
      }
      if (v.IsNull() || v.IsArray())
        continue;
      if (!seen.insert(full))
        continue;
      if (v.IsString())
        st.lbs.set_parsed(full, std::string_view(v.GetString(), v.GetStringLength()));
      else if (v.IsBool())
        st.lbs.set_parsed(full, v.GetBool() ? "true" : "false");
    }
  }
};

struct json_path_seg {
  bool index = false;
  size_t i = 0;
  std::string field;
};

result<std::vector<json_path_seg>> compile_json_path(const std::string& expr) {
  auto bad = [&] {
    return status{errc::invalid_argument, "cannot parse expression [" + expr + "]: syntax error"};
  };
  std::vector<json_path_seg> out;
  size_t i = 0;
  const size_t n = expr.size();
  if (n == 0)
    return bad();
  bool expect_field = true;
  while (i < n) {
    char c = expr[i];
    if (c == '.') {
      if (i == 0 || expect_field == false) {
        ++i;
        expect_field = true;
        continue;
      }
      return bad();
    }
    if (c == '[') {
      ++i;
      if (i < n && (expr[i] == '"' || expr[i] == '\'')) {
        char q = expr[i++];
        size_t s = i;
        while (i < n && expr[i] != q)
          ++i;
        if (i >= n)
          return bad();
        json_path_seg seg;
        seg.field = expr.substr(s, i - s);
        out.push_back(seg);
        ++i;
      } else {
        size_t s = i;
        while (i < n && std::isdigit(static_cast<unsigned char>(expr[i])))
          ++i;
        if (i == s)
          return bad();
        json_path_seg seg;
        seg.index = true;
        if (i - s > 9)
          return bad();  // an index this large cannot exist; also keeps stoul in range
        seg.i = std::stoul(expr.substr(s, i - s));
        out.push_back(seg);
      }
      if (i >= n || expr[i] != ']')
        return bad();
      ++i;
      expect_field = false;
      continue;
    }
    size_t s = i;
    while (i < n && expr[i] != '.' && expr[i] != '[' && expr[i] != ']')
      ++i;
    if (i < n && expr[i] == ']')
      return bad();
    json_path_seg seg;
    seg.field = expr.substr(s, i - s);
    out.push_back(seg);
    expect_field = false;
  }
  if (expect_field)
    return bad();
  return out;
}

class json_expr_stage final : public stage_impl {
public:
  struct item {
    std::string label;
    std::vector<json_path_seg> path;
  };
  explicit json_expr_stage(std::vector<item> items) : items_(std::move(items)) {}

  bool process(line_state& st) const override {
    if (st.lbs.has_err())
      return true;
    rapidjson::Document doc;
    if (!parse_json_object(st, doc, /*numbers_as_text=*/true))
      return true;
    for (const auto& it : items_) {
      const rapidjson::Value* v = &doc;
      for (const auto& seg : it.path) {
        if (!v)
          break;
        if (seg.index) {
          v = v->IsArray() && seg.i < v->Size() ? &(*v)[static_cast<rapidjson::SizeType>(seg.i)] : nullptr;
        } else if (v->IsObject()) {
          auto m = v->FindMember(rapidjson::StringRef(seg.field.data(), seg.field.size()));
          v = m == v->MemberEnd() ? nullptr : &m->value;
        } else {
          v = nullptr;
        }
      }
      std::string value;
      if (v) {
        if (v->IsString()) {
          value.assign(v->GetString(), v->GetStringLength());
        } else if (v->IsBool()) {
          value = v->GetBool() ? "true" : "false";
        } else if (v->IsObject() || v->IsArray()) {
          rapidjson::StringBuffer buf;
          rapidjson::Writer<rapidjson::StringBuffer> w(buf);
          v->Accept(w);
          value.assign(buf.GetString(), buf.GetSize());
        }
      }
      st.lbs.set_parsed(it.label, value);
    }
    return true;
  }

private:
  std::vector<item> items_;
};

// ---------------------------------------------------------------- regexp

class regexp_stage final : public stage_impl {
public:
  regexp_stage(std::shared_ptr<RE2> re, std::vector<std::pair<int, std::string>> names)
    : re_(std::move(re)), names_(std::move(names)) {}
  bool process(line_state& st) const override {
    thread_local std::vector<re2::StringPiece> groups;
    int n = re_->NumberOfCapturingGroups() + 1;
    groups.assign(static_cast<size_t>(n), re2::StringPiece());
    std::string_view line = st.line();
    if (!re_->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED,
                    groups.data(), n))
      return true;
    std::string copy;
    for (const auto& [idx, name] : names_) {
      const auto& g = groups[static_cast<size_t>(idx)];
      copy.assign(g.data() ? g.data() : "", g.size());
      st.lbs.set_parsed(name, copy);
    }
    return true;
  }

private:
  std::shared_ptr<RE2> re_;
  std::vector<std::pair<int, std::string>> names_;
};

// ---------------------------------------------------------------- pattern

class pattern_stage final : public stage_impl {
public:
  explicit pattern_stage(pattern_matcher m) : m_(std::move(m)) {}
  bool process(line_state& st) const override {
    // set_parsed copies the value; the line itself is not changed here.
    m_.matches(st.line(), [&](const std::string& name, std::string_view v) { st.lbs.set_parsed(name, v); });
    return true;
  }

private:
  pattern_matcher m_;
};

// ---------------------------------------------------------------- unpack

class unpack_stage final : public stage_impl {
public:
  bool process(line_state& st) const override {
    if (st.lbs.has_err())
      return true;
    rapidjson::Document doc;
    if (!parse_json_object(st, doc, /*numbers_as_text=*/false))
      return true;
    std::string entry;
    bool has_entry = false;
    std::string key;
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
      if (!it->value.IsString())
        continue;
      std::string_view name(it->name.GetString(), it->name.GetStringLength());
      std::string_view val(it->value.GetString(), it->value.GetStringLength());
      if (name == "_entry") {
        entry.assign(val);
        has_entry = true;
        continue;
      }
      sanitize_key(name, true, key);
      if (!key.empty())
        st.lbs.set_parsed(key, val);
    }
    if (has_entry)
      st.set_line(entry);
    return true;
  }
};

} // namespace

result<std::shared_ptr<const stage_impl>> make_logfmt_stage(
    bool strict, bool keep_empty, const std::vector<std::pair<std::string, std::string>>& params) {
  return std::shared_ptr<const stage_impl>(std::make_shared<logfmt_stage>(strict, keep_empty, params));
}

result<std::shared_ptr<const stage_impl>> make_json_stage(
    const std::vector<std::pair<std::string, std::string>>& params) {
  if (params.empty())
    return std::shared_ptr<const stage_impl>(std::make_shared<json_stage>());
  std::vector<json_expr_stage::item> items;
  for (const auto& p : params) {
    auto path = compile_json_path(p.second.empty() ? p.first : p.second);
    if (!path)
      return path.error();
    items.push_back({p.first, std::move(*path)});
  }
  return std::shared_ptr<const stage_impl>(std::make_shared<json_expr_stage>(std::move(items)));
}

result<std::shared_ptr<const stage_impl>> make_regexp_stage(const std::string& text) {
  // Duplicate names are legal in Go but not in RE2; Loki rejects them anyway.
  std::vector<std::string> seen;
  for (size_t p = text.find("(?P<"); p != std::string::npos; p = text.find("(?P<", p + 1)) {
    size_t e = text.find('>', p);
    if (e == std::string::npos)
      break;
    std::string name = text.substr(p + 4, e - p - 4);
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      return status{errc::invalid_argument, "duplicate extracted label name: " + name};
    seen.push_back(name);
  }
  auto compiled = compile_regex(text, regex_anchor::none);
  if (!compiled)
    return compiled.error();
  auto re = std::move(*compiled);
  std::vector<std::pair<int, std::string>> names;
  for (const auto& [name, idx] : re->NamedCapturingGroups()) {
    std::string key;
    sanitize_key(name, true, key);
    names.emplace_back(idx, key);
  }
  if (names.empty())
    return status{errc::invalid_argument, "at least one named capture must be supplied"};
  std::sort(names.begin(), names.end());
  return std::shared_ptr<const stage_impl>(std::make_shared<regexp_stage>(std::move(re), std::move(names)));
}

result<std::shared_ptr<const stage_impl>> make_pattern_stage(const std::string& text) {
  auto m = pattern_matcher::compile_parser(text);
  if (!m)
    return m.error();
  return std::shared_ptr<const stage_impl>(std::make_shared<pattern_stage>(std::move(*m)));
}

result<std::shared_ptr<const stage_impl>> make_unpack_stage() {
  return std::shared_ptr<const stage_impl>(std::make_shared<unpack_stage>());
}

} // namespace skald::logql
