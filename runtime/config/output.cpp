#include "runtime/config/output.hpp"

#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "runtime/config/flags.hpp"

namespace skald::config {

namespace {

// The read-only binders below take the config by const reference and call the
// non-const bind(): they never write through the references they are given.
// A string that a YAML reader would take for something else (a bool, a
// number, null) or nothing at all gets quotes; yaml-cpp quotes the rest when
// they need it (": ", leading "*", ...).
bool needs_quotes(const std::string& s) {
  if (s.empty())
    return true;
  std::string lower;
  for (char c : s)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const char* const special[] = {"true", "false", "yes", "no", "on", "off",
                                        "y",    "n",     "null", "~",  ".inf", "-.inf", ".nan"};
  for (const char* w : special)
    if (lower == w)
      return true;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

void emit_string(YAML::Emitter& out, const std::string& s) {
  if (needs_quotes(s))
    out << YAML::DoubleQuoted;
  out << s;
}

template <class Config>
Config& readonly(const Config& cfg) {
  return const_cast<Config&>(cfg);
}

// Prints every field, or with `only` just the listed paths (and the sections
// and lists that contain them; a list is printed whole).
class yaml_printer {
public:
  yaml_printer(YAML::Emitter& out, const std::set<std::string>* only) : out_(out), only_(only) {}

  template <class T>
  void field(T& ref, std::string_view key, const identity_t<T>&, std::string_view,
             field_opts = {}) {
    using traits = value_traits<T>;
    if (only_ && in_list_ == 0 && only_->count(path(key)) == 0)
      return;
    out_ << YAML::Key << std::string{key} << YAML::Value;
    if constexpr (traits::is_list) {
      if (ref.empty()) {
        out_ << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      } else {
        out_ << YAML::BeginSeq;
        for (const auto& item : ref)
          emit_string(out_, item);
        out_ << YAML::EndSeq;
      }
    } else if constexpr (std::is_same_v<T, std::string>) {
      emit_string(out_, ref);
    } else {
      out_ << traits::format(ref);
    }
  }

  template <class S>
  void section(S& sub, std::string_view key, std::string_view) {
    auto p = path(key);
    if (!wanted(p))
      return;
    out_ << YAML::Key << std::string{key} << YAML::Value << YAML::BeginMap;
    prefix_.push_back(p);
    sub.bind(*this);
    prefix_.pop_back();
    out_ << YAML::EndMap;
  }

  template <class E>
  void list(std::vector<E>& items, std::string_view key, std::string_view) {
    auto p = path(key);
    if (!wanted(p))
      return;
    out_ << YAML::Key << std::string{key} << YAML::Value;
    if (items.empty()) {
      out_ << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      return;
    }
    out_ << YAML::BeginSeq;
    ++in_list_;
    for (auto& e : items) {
      out_ << YAML::BeginMap;
      e.bind(*this);
      out_ << YAML::EndMap;
    }
    --in_list_;
    out_ << YAML::EndSeq;
  }

  void ignored(std::string_view, std::string_view) {}

private:
  std::string path(std::string_view key) const {
    return prefix_.empty() ? std::string{key} : prefix_.back() + "." + std::string{key};
  }

  // Whether anything at or under `p` (a section or list path) is to be printed.
  bool wanted(const std::string& p) const {
    if (!only_ || in_list_ > 0)
      return true;
    for (auto it = only_->lower_bound(p); it != only_->end() && it->compare(0, p.size(), p) == 0;
         ++it)
      if (it->size() == p.size() || (*it)[p.size()] == '.' || (*it)[p.size()] == '[')
        return true;
    return false;
  }

  YAML::Emitter& out_;
  const std::set<std::string>* only_;
  std::vector<std::string> prefix_;
  int in_list_ = 0;
};

class flattener {
public:
  explicit flattener(std::vector<std::pair<std::string, std::string>>& out) : out_(out) {}

  template <class T>
  void field(T& ref, std::string_view key, const identity_t<T>&, std::string_view,
             field_opts = {}) {
    out_.emplace_back(path(key), value_traits<T>::format(ref));
  }

  template <class S>
  void section(S& sub, std::string_view key, std::string_view) {
    prefix_.push_back(path(key));
    sub.bind(*this);
    prefix_.pop_back();
  }

  template <class E>
  void list(std::vector<E>& items, std::string_view key, std::string_view) {
    auto p = path(key);
    out_.emplace_back(p + ".length", std::to_string(items.size()));
    for (size_t i = 0; i < items.size(); ++i) {
      prefix_.push_back(fmt::format("{}[{}]", p, i));
      items[i].bind(*this);
      prefix_.pop_back();
    }
  }

  void ignored(std::string_view, std::string_view) {}

private:
  std::string path(std::string_view key) const {
    return prefix_.empty() ? std::string{key} : fmt::format("{}.{}", prefix_.back(), key);
  }

  std::vector<std::pair<std::string, std::string>>& out_;
  std::vector<std::string> prefix_;
};

struct doc_row {
  std::string key;
  std::string flag;
  std::string type;
  std::string def;
  std::string help;
};

struct doc_section {
  std::string path;
  std::string help;
  std::vector<doc_row> rows;
};

// Collects one table per section, in first-appearance order.
class doc_binder {
public:
  explicit doc_binder(std::vector<doc_section>& out) : out_(out) {
    out_.push_back(doc_section{"", "Top-level keys.", {}});
    stack_.push_back(0);
  }

  template <class T>
  void field(T&, std::string_view key, const identity_t<T>& def, std::string_view help,
             field_opts o = {}) {
    using traits = value_traits<T>;
    auto& sec = out_[stack_.back()];
    doc_row r;
    r.key = std::string{key};
    auto full = sec.path.empty() ? r.key : fmt::format("{}.{}", sec.path, key);
    if (in_list_ > 0)
      r.flag = "";
    else
      r.flag = "-" + (o.flag_name.empty() ? derive_flag_name(full) : std::string{o.flag_name});
    r.type = std::string{traits::type_name};
    if (!o.allowed.empty())
      r.type += fmt::format(" (one of: {})", join(o.allowed));
    if constexpr (traits::is_list)
      r.def = def.empty() ? "[]" : traits::format(def);
    else
      r.def = traits::format(def);
    r.help = std::string{help};
    sec.rows.push_back(std::move(r));
  }

  template <class S>
  void section(S& sub, std::string_view key, std::string_view help) {
    enter(std::string{key}, help);
    sub.bind(*this);
    stack_.pop_back();
  }

  template <class E>
  void list(std::vector<E>&, std::string_view key, std::string_view help) {
    enter(std::string{key} + "[]", help);
    ++in_list_;
    E element;
    element.bind(*this);
    --in_list_;
    stack_.pop_back();
  }

  void ignored(std::string_view key, std::string_view why) {
    doc_row r;
    r.key = std::string{key};
    r.flag = "";
    r.type = "any (ignored)";
    r.def = "";
    r.help = std::string{why};
    out_[stack_.back()].rows.push_back(std::move(r));
  }

private:
  void enter(const std::string& key, std::string_view help) {
    const auto& parent = out_[stack_.back()].path;
    auto path = parent.empty() ? key : fmt::format("{}.{}", parent, key);
    out_.push_back(doc_section{path, std::string{help}, {}});
    stack_.push_back(out_.size() - 1);
  }

  std::vector<doc_section>& out_;
  std::vector<size_t> stack_;
  int in_list_ = 0;
};

std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string code_cell(std::string_view s) {
  if (s.empty())
    return "`\"\"`";
  return fmt::format("`{}`", md_cell(s));
}

} // namespace

std::string to_yaml(const root_config& cfg) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  yaml_printer p{out, nullptr};
  readonly(cfg).bind(p);
  out << YAML::EndMap;
  return std::string{out.c_str()} + "\n";
}

std::string to_yaml_diff(const root_config& cfg, const root_config& base) {
  auto mine = flatten(cfg);
  auto theirs = flatten(base);
  std::map<std::string, std::string> base_values(theirs.begin(), theirs.end());
  std::set<std::string> differing;
  for (const auto& [path, value] : mine) {
    auto it = base_values.find(path);
    if (it == base_values.end() || it->second != value)
      differing.insert(path);
  }
  if (differing.empty())
    return "{}\n";
  YAML::Emitter out;
  out << YAML::BeginMap;
  yaml_printer p{out, &differing};
  readonly(cfg).bind(p);
  out << YAML::EndMap;
  return std::string{out.c_str()} + "\n";
}

std::vector<std::pair<std::string, std::string>> flatten(const root_config& cfg) {
  std::vector<std::pair<std::string, std::string>> out;
  flattener f{out};
  readonly(cfg).bind(f);
  return out;
}

bool equal(const root_config& a, const root_config& b) { return flatten(a) == flatten(b); }

std::string reference_markdown() {
  std::vector<doc_section> sections;
  doc_binder d{sections};
  root_config defaults;
  defaults.bind(d);

  std::string out;
  out += "# skald configuration reference\n\n";
  out += "<!-- Generated from the bind() functions in runtime/config/. Do not edit by hand:\n"
         "     SKALD_UPDATE_DOCS=1 build/tests/unit_tests --gtest_filter='config_reference.*'\n"
         "     rewrites this file. -->\n\n";
  out += "skald reads one YAML file (`-config.file`) with Loki's key names, then applies "
         "command-line flags, which override the file. Every key below also has a flag; "
         "fields inside lists (`schema_config.configs[]`) have none.\n\n";
  out += "* Durations: `30s`, `1h30m`, `500ms`, `1.5h`, `2d`, `1w`, `0` "
         "(units ns, us, ms, s, m, h, d, w, y).\n";
  out += "* Sizes: `256KB`, `1.5MB`, `1GB`, or a plain number of bytes; 1024-based "
         "(`KB` = `KiB` = 1024 bytes).\n";
  out += "* Lists: YAML sequences; as flags, comma-separated.\n";
  out += "* An empty value (`key:`) keeps the default. Unknown keys are errors, except the Loki "
         "keys marked *any (ignored)*: skald accepts them with any value so that Loki configs "
         "load, and reports each one as a warning at start-up.\n";
  out += "* `-config.expand-env` expands `${VAR}` and `${VAR:-default}` in the file first.\n";
  out += "* When `common.path_prefix` is set, `ingester.wal.dir` and "
         "`storage_config.filesystem.directory` left at their relative defaults are placed under "
         "it; `common.replication_factor` and `common.ring.kvstore.store` fill the ingester ring "
         "settings left at their defaults.\n\n";

  out += "## Command-line only flags\n\n";
  out += "| flag | type | help |\n| --- | --- | --- |\n";
  {
    root_config cfg;
    builtin_flags builtins;
    for (const auto& [name, e] : make_flag_registry(cfg, builtins))
      if (e.path.empty())
        out += fmt::format("| `-{}` | {} | {} |\n", name, e.type_name, md_cell(e.help));
  }
  out += "\n";

  for (const auto& sec : sections) {
    if (sec.rows.empty())
      continue;
    out += fmt::format("## {}\n\n", sec.path.empty() ? "Top level" : "`" + sec.path + "`");
    out += md_cell(sec.help) + "\n\n";
    out += "| key | flag | type | default | description |\n| --- | --- | --- | --- | --- |\n";
    for (const auto& r : sec.rows) {
      auto full = sec.path.empty() ? r.key : sec.path + "." + r.key;
      out += fmt::format("| `{}` | {} | {} | {} | {} |\n", full,
                         r.flag.empty() ? "—" : "`" + r.flag + "`", md_cell(r.type),
                         r.type == "any (ignored)" ? std::string{"—"} : code_cell(r.def),
                         md_cell(r.help));
    }
    out += "\n";
  }
  return out;
}

} // namespace skald::config
