// runtime/config/loader.hpp — builds the effective root_config of a process.
//
// load(argc, argv), called once by cmd/skald/main.cpp:
//   defaults (bind()) -> YAML file from -config.file (after ${VAR} expansion
//   when -config.expand-env) -> command-line flags -> apply_derived()
//   (common.* fills ring settings, relative default paths go under
//   common.path_prefix) -> validate().
// Every failure is a status whose message names the key path (or flag) and the
// bad value; the caller prints it to stderr and exits 1. Nothing throws.
//
// YAML error texts follow Loki's (Go yaml.v2) layout:
//   failed parsing config: cfg.yaml: yaml: unmarshal errors:
//     line 3: field ingester.foo not found in type ingester.config
//     line 5: cannot unmarshal !!str `abc` into int at server.http_listen_port
//     line 7: invalid value "5x" for ingester.chunk_idle_period: not a valid duration (...)
// An empty value (`key:` / `key: null`) keeps the default.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/config/root_config.hpp"
#include "runtime/util/status.hpp"

namespace skald::config {

/// What main needs after parsing the command line.
struct load_outcome {
  root_config config;
  std::string config_file;          // -config.file, "" when none was given
  bool print_version = false;       // -version: print and exit 0
  bool print_config_stderr = false; // -print-config-stderr: print to_yaml(config) to stderr
  bool dump_reference = false;      // -config.dump-reference: print reference_markdown(), exit 0
  bool show_help = false;           // -help / -h: print flags_usage(), exit 0
  /// Loki keys present in the file that skald ignores ("line 41: ignoring
  /// ruler: ..."); main logs each at warn level.
  std::vector<std::string> warnings;
};

/// The whole pipeline (see the file comment). With -help, -version or
/// -config.dump-reference the file is not read and `config` holds the defaults.
result<load_outcome> load(int argc, const char* const* argv);

/// Loads YAML text over `cfg` (fields absent from the text keep their values).
/// `source` names the file in messages. Does not validate or derive. Ignored
/// Loki keys are reported in `warnings` when given.
status apply_yaml(root_config& cfg, std::string_view yaml_text, std::string_view source,
                  std::vector<std::string>* warnings = nullptr);

/// Reads a file and applies it with apply_yaml (optionally expanding env vars).
status apply_yaml_file(root_config& cfg, const std::string& path, bool expand_env,
                       std::vector<std::string>* warnings = nullptr);

/// Looks an environment variable up; nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

/// Expands `${VAR}`, `${VAR:-default}` (default when unset or empty), `$VAR`;
/// `$$` is a literal `$`, any other `$` stays as it is; unset vars expand to "".
/// An unterminated `${` is an error naming its line.
result<std::string> expand_env(std::string_view text, const env_lookup& lookup);

/// expand_env with the process environment.
result<std::string> expand_env(std::string_view text);

/// Per-tenant limits from a runtime_config.file (Loki's runtime config layout):
///   overrides:
///     tenant-a:
///       ingestion_rate_mb: 10
/// Each tenant starts from `defaults` (the process's limits_config) and the
/// keys given replace those values. Errors name the key, e.g.
/// `line 4: field overrides.tenant-a.foo not found in type overrides.tenant-a.config`.
using tenant_limits = std::map<std::string, limits_config, std::less<>>;
result<tenant_limits> parse_overrides(std::string_view yaml_text, const limits_config& defaults,
                                      std::string_view source);

/// Values that depend on others (like Loki's common config):
///  - ingester.lifecycler.ring.replication_factor, when at its default (3),
///    becomes common.replication_factor;
///  - ingester.lifecycler.ring.kvstore.store and distributor.ring.kvstore.store,
///    when at their default, become common.ring.kvstore.store;
///  - storage_config.filesystem.directory, when at its default, becomes a
///    non-empty common.storage.filesystem.chunks_directory;
///  - ingester.wal.dir and storage_config.filesystem.directory, when at their
///    relative defaults (`wal`, `chunks`), go under a non-empty common.path_prefix.
/// Explicitly configured paths are used as given. Idempotent.
void apply_derived(root_config& cfg);

} // namespace skald::config
