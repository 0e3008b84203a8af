// runtime/config/output.hpp — the configuration as text: the effective config
// (YAML) and the reference documentation (Markdown), both from bind().
//
// Invariants (tested): apply_yaml(to_yaml(c)) over defaults gives a config
// equal to c; docs/configuration.md == reference_markdown() (the
// config_reference test fails otherwise and says how to regenerate it).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/config/root_config.hpp"

namespace skald::config {

/// Every field of `cfg` in Loki's YAML layout; re-loadable with apply_yaml.
/// Served by GET /config (and `?mode=defaults` with root_config{}) and
/// printed by -print-config-stderr.
std::string to_yaml(const root_config& cfg);

/// Only the fields whose value differs from `base` (normally root_config{}):
/// GET /config?mode=diffs. A list that differs anywhere is printed whole;
/// "{}" when nothing differs. Re-loadable over `base` with apply_yaml.
std::string to_yaml_diff(const root_config& cfg, const root_config& base);

/// docs/configuration.md: every key with YAML path, flag, type, default and help.
std::string reference_markdown();

/// (YAML path, printed value) of every field, in bind() order; list elements
/// appear as `schema_config.configs[0].from`.
std::vector<std::pair<std::string, std::string>> flatten(const root_config& cfg);

/// Field-by-field equality (via flatten; values print exactly).
bool equal(const root_config& a, const root_config& b);

} // namespace skald::config
