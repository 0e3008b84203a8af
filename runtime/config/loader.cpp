#include "runtime/config/loader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "runtime/config/flags.hpp"

namespace skald::config {

namespace {

struct yaml_error {
  int line = 0;
  std::string text;
};

int line_of(const YAML::Node& n) { return n.Mark().line + 1; }

bool all_of(std::string_view s, size_t from, int (*pred)(int)) {
  if (from >= s.size())
    return false;
  for (size_t i = from; i < s.size(); ++i)
    if (!pred(static_cast<unsigned char>(s[i])))
      return false;
  return true;
}

// The YAML 1.1 tag a Go yaml.v2 decoder would resolve this node to.
std::string_view resolved_tag(const YAML::Node& n) {
  if (n.IsMap())
    return "!!map";
  if (n.IsSequence())
    return "!!seq";
  if (n.IsNull())
    return "!!null";
  if (n.Tag() == "!")
    return "!!str"; // quoted
  std::string s;
  for (char c : n.Scalar())
    s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "true" || s == "false" || s == "yes" || s == "no" || s == "on" || s == "off")
    return "!!bool";
  size_t sign = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (all_of(s, sign, ::isdigit))
    return "!!int";
  if (s == ".inf" || s == "-.inf" || s == "+.inf" || s == ".nan")
    return "!!float";
  {
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && s.find_first_of("0123456789") != std::string::npos)
      return "!!float";
  }
  return "!!str";
}

std::string cannot_unmarshal(const YAML::Node& n, std::string_view into) {
  auto tag = resolved_tag(n);
  if (n.IsScalar())
    return fmt::format("cannot unmarshal {} `{}` into {}", tag, n.Scalar(), into);
  return fmt::format("cannot unmarshal {} into {}", tag, into);
}

// Visits bind() with a YAML mapping per section; records every error with its
// line instead of stopping at the first, as yaml.v2 does.
class yaml_binder {
public:
  yaml_binder(std::vector<yaml_error>& errors, std::vector<yaml_error>* warnings)
    : errors_(errors), warnings_(warnings) {}

  // Binds `cfg` to the mapping `node` (the document or a list element).
  template <class Config>
  void bind_map(Config& cfg, const YAML::Node& node, const std::string& path) {
    frames_.push_back(frame{node, path, {}});
    cfg.bind(*this);
    check_unknown(frames_.back());
    frames_.pop_back();
  }

  template <class T>
  void field(T& ref, std::string_view key, const identity_t<T>&, std::string_view,
             field_opts o = {}) {
    if (auto n = lookup(key))
      decode(ref, *n, path(key), o);
  }

  template <class S>
  void section(S& sub, std::string_view key, std::string_view) {
    auto found = lookup(key);
    if (!found)
      return;
    const YAML::Node& n = *found;
    auto p = path(key);
    if (!n.IsMap()) {
      error(n, cannot_unmarshal(n, p + ".config"));
      return;
    }
    bind_map(sub, n, p);
  }

  template <class E>
  void list(std::vector<E>& items, std::string_view key, std::string_view) {
    auto found = lookup(key);
    if (!found)
      return;
    const YAML::Node& n = *found;
    auto p = path(key);
    if (!n.IsSequence()) {
      error(n, cannot_unmarshal(n, fmt::format("[]{}.config", p)));
      return;
    }
    std::vector<E> out;
    size_t i = 0;
    for (const auto& element : n) {
      const YAML::Node elem = element;
      const size_t index = i++;
      auto ep = fmt::format("{}[{}]", p, index);
      E e;
      if (elem.IsNull()) {
        out.push_back(std::move(e));
        continue;
      }
      if (!elem.IsMap()) {
        error(elem, cannot_unmarshal(elem, ep + ".config"));
        continue;
      }
      bind_map(e, elem, ep);
      out.push_back(std::move(e));
    }
    items = std::move(out);
  }

  void ignored(std::string_view key, std::string_view why) {
    if (!lookup(key) || !warnings_)
      return;
    int line = 0;
    for (const auto& kv : frames_.back().map) {
      const YAML::Node k = kv.first;
      if (k.IsScalar() && k.Scalar() == key)
        line = line_of(k);
    }
    warnings_->push_back(yaml_error{line, fmt::format("ignoring {}: {}", path(key), why)});
  }

private:
  struct frame {
    YAML::Node map;
    std::string path;
    std::vector<std::string> used;
  };

  std::string path(std::string_view key) const {
    const auto& base = frames_.back().path;
    return base.empty() ? std::string{key} : fmt::format("{}.{}", base, key);
  }

  // The value under `key` in the current mapping; nullopt when absent or null.
  // (YAML::Node's operator= writes through to the referenced node, so nodes
  // are only ever copy-constructed here.)
  std::optional<YAML::Node> lookup(std::string_view key) {
    auto& f = frames_.back();
    f.used.emplace_back(key);
    std::optional<YAML::Node> found;
    if (!f.map.IsMap())
      return found;
    // Iterate rather than operator[]: the last occurrence of a duplicate key
    // wins, and check_unknown reports the duplicate.
    for (const auto& kv : f.map) {
      const YAML::Node k = kv.first;
      if (k.IsScalar() && k.Scalar() == key)
        found.emplace(kv.second);
    }
    if (found && found->IsNull())
      found.reset();
    return found;
  }

  void check_unknown(const frame& f) {
    if (!f.map.IsMap())
      return;
    std::map<std::string, int> seen;
    auto type = f.path.empty() ? std::string{"skald.config"} : f.path + ".config";
    for (const auto& kv : f.map) {
      const YAML::Node k = kv.first;
      if (!k.IsScalar()) {
        error(k, fmt::format("cannot unmarshal {} into a key of {}", resolved_tag(k), type));
        continue;
      }
      const auto& name = k.Scalar();
      if (auto prev = seen.find(name); prev != seen.end()) {
        error(k, fmt::format("mapping key \"{}\" already defined at line {}", name, prev->second));
        continue;
      }
      seen.emplace(name, line_of(k));
      if (std::find(f.used.begin(), f.used.end(), name) == f.used.end()) {
        auto full = f.path.empty() ? name : fmt::format("{}.{}", f.path, name);
        error(k, fmt::format("field {} not found in type {}", full, type));
      }
    }
  }

  template <class T>
  void decode(T& ref, const YAML::Node& n, const std::string& p, const field_opts& o) {
    using traits = value_traits<T>;
    if constexpr (traits::is_list) {
      if (n.IsSequence()) {
        std::vector<std::string> items;
        size_t i = 0;
        for (const auto& element : n) {
          const YAML::Node item = element;
          const size_t index = i++;
          if (!item.IsScalar()) {
            error(item, cannot_unmarshal(item, fmt::format("string at {}[{}]", p, index)));
            return;
          }
          if (auto st = traits::check_item(item.Scalar(), o); !st.ok()) {
            error(item, fmt::format("invalid value \"{}\" for {}[{}]: {}", item.Scalar(), p, index,
                                    st.message()));
            return;
          }
          items.push_back(item.Scalar());
        }
        ref = std::move(items);
        return;
      }
    }
    if (!n.IsScalar()) {
      error(n, cannot_unmarshal(n, fmt::format("{} at {}", traits::type_name, p)));
      return;
    }
    T value = ref;
    auto st = traits::parse(n.Scalar(), value, o);
    if (st.ok()) {
      ref = std::move(value);
      return;
    }
    // A scalar of another YAML type (a word into an int) reads like yaml.v2;
    // a well-typed but bad value (a negative uint, an unknown enum) names the value.
    constexpr bool strictly_typed = std::is_arithmetic_v<T>;
    if (strictly_typed) {
      auto tag = resolved_tag(n);
      bool tag_fits = (traits::is_bool && tag == "!!bool")
                      || (std::is_integral_v<T> && !traits::is_bool && tag == "!!int")
                      || (std::is_floating_point_v<T> && (tag == "!!int" || tag == "!!float"));
      if (!tag_fits) {
        error(n, cannot_unmarshal(n, fmt::format("{} at {}", traits::type_name, p)));
        return;
      }
    }
    error(n, fmt::format("invalid value \"{}\" for {}: {}", n.Scalar(), p, st.message()));
  }

  void error(const YAML::Node& n, std::string text) {
    errors_.push_back(yaml_error{line_of(n), std::move(text)});
  }

  std::vector<yaml_error>& errors_;
  std::vector<yaml_error>* warnings_;
  std::vector<frame> frames_;
};

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }


// Parses `text` and hands the document to `visit(doc, errors)`; turns syntax
// errors and collected errors into one Loki-style status.
template <class Visit>
status with_document(std::string_view text, std::string_view source, Visit&& visit) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string{text});
  } catch (const YAML::Exception& e) {
    return status{errc::invalid_argument,
                  fmt::format("failed parsing config: {}: yaml: line {}: {}", source,
                              e.mark.line + 1, e.msg)};
  }
  std::vector<yaml_error> errors;
  try {
    if (doc.IsDefined() && !doc.IsNull())
      visit(doc, errors);
  } catch (const YAML::Exception& e) {
    errors.push_back(yaml_error{e.mark.line + 1, e.msg});
  }
  if (errors.empty())
    return {};
  std::stable_sort(errors.begin(), errors.end(),
                   [](const yaml_error& a, const yaml_error& b) { return a.line < b.line; });
  std::string msg = fmt::format("failed parsing config: {}: yaml: unmarshal errors:", source);
  for (const auto& e : errors)
    msg += fmt::format("\n  line {}: {}", e.line, e.text);
  return status{errc::invalid_argument, std::move(msg)};
}

} // namespace

status apply_yaml(root_config& cfg, std::string_view yaml_text, std::string_view source,
                  std::vector<std::string>* warnings) {
  return with_document(yaml_text, source, [&](const YAML::Node& doc, std::vector<yaml_error>& errors) {
    if (!doc.IsMap()) {
      errors.push_back(yaml_error{line_of(doc), cannot_unmarshal(doc, "skald.config")});
      return;
    }
    std::vector<yaml_error> ignored;
    yaml_binder b{errors, &ignored};
    b.bind_map(cfg, doc, "");
    if (warnings) {
      std::stable_sort(ignored.begin(), ignored.end(),
                       [](const yaml_error& x, const yaml_error& y) { return x.line < y.line; });
      for (const auto& w : ignored)
        warnings->push_back(fmt::format("line {}: {}", w.line, w.text));
    }
  });
}

result<tenant_limits> parse_overrides(std::string_view yaml_text, const limits_config& defaults,
                                      std::string_view source) {
  tenant_limits out;
  auto st = with_document(yaml_text, source, [&](const YAML::Node& doc, std::vector<yaml_error>& errors) {
    if (!doc.IsMap()) {
      errors.push_back(yaml_error{line_of(doc), cannot_unmarshal(doc, "runtime.config")});
      return;
    }
    for (const auto& kv : doc) {
      const YAML::Node key = kv.first;
      const YAML::Node value = kv.second;
      if (!key.IsScalar() || key.Scalar() != "overrides") {
        errors.push_back(yaml_error{line_of(key), fmt::format("field {} not found in type runtime.config",
                                                              key.IsScalar() ? key.Scalar() : "?")});
        continue;
      }
      if (value.IsNull())
        continue;
      if (!value.IsMap()) {
        errors.push_back(yaml_error{line_of(value), cannot_unmarshal(value, "map[string]limits_config")});
        continue;
      }
      for (const auto& tenant_kv : value) {
        const YAML::Node tenant = tenant_kv.first;
        const YAML::Node limits = tenant_kv.second;
        if (!tenant.IsScalar() || tenant.Scalar().empty()) {
          errors.push_back(yaml_error{line_of(tenant), "overrides: a tenant ID must be a non-empty string"});
          continue;
        }
        auto path = fmt::format("overrides.{}", tenant.Scalar());
        if (out.count(tenant.Scalar()) != 0) {
          errors.push_back(yaml_error{line_of(tenant), fmt::format("mapping key \"{}\" already defined", tenant.Scalar())});
          continue;
        }
        limits_config l = defaults;
        if (!limits.IsNull()) {
          if (!limits.IsMap()) {
            errors.push_back(yaml_error{line_of(limits), cannot_unmarshal(limits, path + ".config")});
            continue;
          }
          yaml_binder b{errors, nullptr};
          b.bind_map(l, limits, path);
        }
        if (auto vst = l.validate(); !vst.ok())
          errors.push_back(yaml_error{line_of(tenant), within(path, vst).message()});
        out.emplace(tenant.Scalar(), std::move(l));
      }
    }
  });
  if (!st.ok())
    return st;
  return out;
}


status apply_yaml_file(root_config& cfg, const std::string& path, bool expand,
                       std::vector<std::string>* warnings) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    bool exists = std::filesystem::exists(path, ec);
    return status{exists ? errc::io_error : errc::not_found,
                  fmt::format("failed parsing config: open {}: {}", path,
                              exists ? "permission denied or unreadable" : "no such file or directory")};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (expand) {
    auto expanded = expand_env(text);
    if (!expanded.ok())
      return status{errc::invalid_argument,
                    fmt::format("failed parsing config: {}: {}", path, expanded.error().message())};
    text = std::move(*expanded);
  }
  return apply_yaml(cfg, text, path, warnings);
}

result<std::string> expand_env(std::string_view text, const env_lookup& lookup) {
  std::string out;
  out.reserve(text.size());
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n')
      ++line;
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {
      out += '$';
      ++i;
    } else if (next == '{') {
      size_t close = text.find('}', i + 2);
      size_t nl = text.find('\n', i + 2);
      if (close == std::string_view::npos || (nl != std::string_view::npos && nl < close))
        return status{errc::invalid_argument,
                      fmt::format("config.expand-env: line {}: unterminated ${{", line)};
      std::string_view inner = text.substr(i + 2, close - i - 2);
      std::string_view name = inner;
      std::optional<std::string_view> def;
      if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
        name = inner.substr(0, sep);
        def = inner.substr(sep + 2);
      }
      auto value = lookup(std::string{name});
      if (def && (!value || value->empty()))
        out += *def;
      else if (value)
        out += *value;
      i = close;
    } else if (is_name_start(next)) {
      size_t end = i + 1;
      while (end < text.size() && is_name_char(text[end]))
        ++end;
      if (auto value = lookup(std::string{text.substr(i + 1, end - i - 1)}))
        out += *value;
      i = end - 1;
    } else {
      out += c;
    }
  }
  return out;
}

result<std::string> expand_env(std::string_view text) {
  return expand_env(text, [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str()))
      return std::string{v};
    return std::nullopt;
  });
}

void apply_derived(root_config& cfg) {
  const ingester_ring_config ring_defaults;
  auto& ring = cfg.ingester.lifecycler.ring;
  if (ring.replication_factor == ring_defaults.replication_factor)
    ring.replication_factor = cfg.common.replication_factor;
  const kvstore_config kv_defaults;
  if (ring.kvstore.store == kv_defaults.store)
    ring.kvstore.store = cfg.common.ring.kvstore.store;
  if (cfg.distributor.ring.kvstore.store == kv_defaults.store)
    cfg.distributor.ring.kvstore.store = cfg.common.ring.kvstore.store;

  const filesystem_config fs_defaults;
  if (const auto& dir = cfg.common.storage.filesystem.chunks_directory;
      !dir.empty() && cfg.storage.filesystem.directory == fs_defaults.directory)
    cfg.storage.filesystem.directory = dir;

  const auto& prefix = cfg.common.path_prefix;
  if (!prefix.empty()) {
    auto under_prefix = [&prefix](std::string& p, const std::string& def) {
      if (p == def)
        p = (std::filesystem::path{prefix} / def).string();
    };
    under_prefix(cfg.ingester.wal.dir, wal_config{}.dir);
    under_prefix(cfg.storage.filesystem.directory, fs_defaults.directory);
  }
}

result<load_outcome> load(int argc, const char* const* argv) {
  load_outcome out;
  builtin_flags builtins;
  auto registry = make_flag_registry(out.config, builtins);
  auto assignments = parse_flags(registry, argc, argv);
  if (!assignments.ok())
    return assignments.error();
  // Built-in flags first: they decide whether and which file to read.
  std::vector<flag_assignment> field_flags;
  for (const auto& a : *assignments) {
    if (a.entry->path.empty()) {
      if (auto st = apply_flags({a}); !st.ok())
        return st;
    } else {
      field_flags.push_back(a);
    }
  }
  out.config_file = builtins.config_file;
  out.print_version = builtins.print_version;
  out.print_config_stderr = builtins.print_config_stderr;
  out.dump_reference = builtins.dump_reference;
  out.show_help = builtins.show_help;
  if (out.print_version || out.dump_reference || out.show_help)
    return out;
  if (!out.config_file.empty())
    if (auto st = apply_yaml_file(out.config, out.config_file, builtins.expand_env, &out.warnings);
        !st.ok())
      return st;
  if (auto st = apply_flags(field_flags); !st.ok())
    return st;
  apply_derived(out.config);
  if (auto st = out.config.validate(); !st.ok())
    return status{st.code(), fmt::format("invalid configuration: {}", st.message())};
  return out;
}

} // namespace skald::config
