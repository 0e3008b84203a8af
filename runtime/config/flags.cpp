#include "runtime/config/flags.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace skald::config {

namespace {

// Visits bind() and records a flag_entry per field, bound to the field itself.
class flag_registry_binder {
public:
  explicit flag_registry_binder(std::map<std::string, flag_entry>& out) : out_(out) {}

  template <class T>
  void field(T& ref, std::string_view key, const identity_t<T>& def, std::string_view help,
             field_opts o = {}) {
    using traits = value_traits<T>;
    flag_entry e;
    e.path = path(key);
    e.name = o.flag_name.empty() ? derive_flag_name(e.path) : std::string{o.flag_name};
    e.type_name = std::string{traits::type_name};
    e.is_bool = traits::is_bool;
    e.default_text = traits::format(def);
    e.help = std::string{help};
    if (!o.allowed.empty())
      e.help += fmt::format(" One of: {}.", join(o.allowed));
    T* target = &ref;
    e.set = [target, o](std::string_view text) { return traits::parse(text, *target, o); };
    if constexpr (traits::is_list) {
      e.append = [target, o](std::string_view text) {
        T more;
        auto st = traits::parse(text, more, o);
        if (st.ok())
          target->insert(target->end(), more.begin(), more.end());
        return st;
      };
    }
    auto name = e.name;
    out_.emplace(std::move(name), std::move(e));
  }

  template <class S>
  void section(S& sub, std::string_view key, std::string_view) {
    prefix_.emplace_back(key);
    sub.bind(*this);
    prefix_.pop_back();
  }

  template <class E>
  void list(std::vector<E>&, std::string_view, std::string_view) {
    // Fields inside lists have no flags.
  }

  void ignored(std::string_view, std::string_view) {}

private:
  std::string path(std::string_view key) const {
    std::string p;
    for (const auto& s : prefix_) {
      p += s;
      p += '.';
    }
    p += key;
    return p;
  }

  std::map<std::string, flag_entry>& out_;
  std::vector<std::string> prefix_;
};

flag_entry builtin(std::string name, std::string type, bool is_bool, std::string help,
                   std::function<status(std::string_view)> set) {
  flag_entry e;
  e.name = std::move(name);
  e.type_name = std::move(type);
  e.is_bool = is_bool;
  e.default_text = is_bool ? "false" : "";
  e.help = std::move(help);
  e.set = std::move(set);
  return e;
}

std::function<status(std::string_view)> set_bool(bool& b) {
  return [&b](std::string_view text) { return value_traits<bool>::parse(text, b, {}); };
}

} // namespace

std::map<std::string, flag_entry> make_flag_registry(root_config& cfg, builtin_flags& builtins) {
  std::map<std::string, flag_entry> out;
  flag_registry_binder b{out};
  cfg.bind(b);
  auto add = [&out](flag_entry e) {
    auto name = e.name;
    out.emplace(std::move(name), std::move(e));
  };
  add(builtin("config.file", "string", false, "YAML configuration file to load.",
              [&builtins](std::string_view text) {
                builtins.config_file.assign(text);
                return status{};
              }));
  add(builtin("config.expand-env", "boolean", true,
              "Expand ${VAR} and ${VAR:-default} in the configuration file before parsing.",
              set_bool(builtins.expand_env)));
  add(builtin("version", "boolean", true, "Print the version and exit.",
              set_bool(builtins.print_version)));
  add(builtin("print-config-stderr", "boolean", true,
              "Print the effective configuration (YAML) to stderr at start-up.",
              set_bool(builtins.print_config_stderr)));
  add(builtin("config.dump-reference", "boolean", true,
              "Print the configuration reference (Markdown) and exit.",
              set_bool(builtins.dump_reference)));
  add(builtin("help", "boolean", true, "Print this help and exit.", set_bool(builtins.show_help)));
  add(builtin("h", "boolean", true, "Print this help and exit.", set_bool(builtins.show_help)));
  return out;
}

result<std::vector<flag_assignment>> parse_flags(const std::map<std::string, flag_entry>& registry,
                                                 int argc, const char* const* argv) {
  std::vector<flag_assignment> out;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i] ? argv[i] : "";
    if (arg == "--") {
      if (i + 1 < argc)
        return status{errc::invalid_argument,
                      fmt::format("unexpected argument \"{}\": skald takes only flags", argv[i + 1])};
      break;
    }
    if (arg.size() < 2 || arg[0] != '-')
      return status{errc::invalid_argument,
                    fmt::format("unexpected argument \"{}\": skald takes only flags", arg)};
    std::string_view body = arg.substr(1);
    if (body[0] == '-')
      body.remove_prefix(1);
    if (body.empty() || body[0] == '-' || body[0] == '=')
      return status{errc::invalid_argument, fmt::format("bad flag syntax: {}", arg)};
    std::string_view name = body;
    std::optional<std::string> value;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = std::string{body.substr(eq + 1)};
    }
    auto it = registry.find(std::string{name});
    if (it == registry.end())
      return status{errc::invalid_argument, fmt::format("flag provided but not defined: -{}", name)};
    const flag_entry& e = it->second;
    if (!value) {
      if (e.is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = std::string{argv[++i]};
      } else {
        return status{errc::invalid_argument, fmt::format("flag needs an argument: -{}", name)};
      }
    }
    out.push_back(flag_assignment{&e, std::move(*value)});
  }
  return out;
}

status apply_flags(const std::vector<flag_assignment>& assignments) {
  std::vector<const flag_entry*> seen;
  for (const auto& a : assignments) {
    bool again = std::find(seen.begin(), seen.end(), a.entry) != seen.end();
    seen.push_back(a.entry);
    const auto& apply = again && a.entry->append ? a.entry->append : a.entry->set;
    if (auto st = apply(a.value); !st.ok())
      return status{errc::invalid_argument,
                    fmt::format("invalid value \"{}\" for flag -{}: {}", a.value, a.entry->name,
                                st.message())};
  }
  return {};
}

std::string flags_usage() {
  root_config cfg;
  builtin_flags builtins;
  auto registry = make_flag_registry(cfg, builtins);
  std::string out = "Usage of skald:\n";
  for (const auto& [name, e] : registry) {
    out += fmt::format("  -{}", name);
    if (!e.is_bool)
      out += fmt::format(" {}", e.type_name == "list of strings" ? "string" : e.type_name);
    out += fmt::format("\n    \t{}", e.help);
    if (!e.path.empty())
      out += fmt::format(" (YAML: {})", e.path);
    if (!e.default_text.empty() && !(e.is_bool && e.default_text == "false"))
      out += fmt::format(" (default {})", e.default_text);
    out += '\n';
  }
  return out;
}

} // namespace skald::config
