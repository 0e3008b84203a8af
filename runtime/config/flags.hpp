// runtime/config/flags.hpp — the command-line side of the config: one flag per
// config field (names from binder.hpp), Go `flag` package syntax.
//
// Accepted forms: `-name=value`, `--name=value`, `-name value`, and a bare
// `-boolflag` meaning true (a bool flag never takes the next argument, as in Go).
// `--` ends the flags. Positional arguments are rejected (skald takes none).
//
// Owner: runtime/config/loader.cpp builds a registry over the root_config being
// loaded and applies the parsed assignments after the YAML file. A registry
// holds pointers into that root_config: it must not outlive it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/config/root_config.hpp"

namespace skald::config {

/// One settable flag.
struct flag_entry {
  std::string name;      // without the dash: "server.http-listen-port"
  std::string path;      // YAML path: "server.http_listen_port"; empty for built-ins
  std::string type_name; // "int", "duration", ...
  bool is_bool = false;
  std::string default_text;
  std::string help;
  /// Parses and assigns the value; the status message says what is wrong with it.
  std::function<status(std::string_view)> set;
  /// For list flags only: parses and appends (a repeated `-memberlist.join=a
  /// -memberlist.join=b` collects both, as Go's flagext.StringSlice does).
  std::function<status(std::string_view)> append;
};

/// Flags that are not config fields (Loki's names where Loki has them).
struct builtin_flags {
  std::string config_file;       // -config.file
  bool expand_env = false;       // -config.expand-env
  bool print_version = false;    // -version
  bool print_config_stderr = false; // -print-config-stderr
  bool dump_reference = false;   // -config.dump-reference
  bool show_help = false;        // -help, -h
};

/// All flags of `cfg` (fields bound to it) plus the built-ins bound to `builtins`.
std::map<std::string, flag_entry> make_flag_registry(root_config& cfg, builtin_flags& builtins);

/// One `-name value` occurrence, in command-line order.
struct flag_assignment {
  const flag_entry* entry = nullptr;
  std::string value;
};

/// Splits argv[1..argc) into assignments; errors name the flag as Go does:
/// `flag provided but not defined: -foo`, `flag needs an argument: -foo`.
result<std::vector<flag_assignment>> parse_flags(const std::map<std::string, flag_entry>& registry,
                                                 int argc, const char* const* argv);

/// Assigns each value (the first occurrence of a list flag replaces the YAML
/// value, later ones append); the first failure reads
/// `invalid value "abc" for flag -server.http-listen-port: not an integer`.
status apply_flags(const std::vector<flag_assignment>& assignments);

/// `-help` text: every flag with type, help and default, sorted by name.
std::string flags_usage();

} // namespace skald::config
