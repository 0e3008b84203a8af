// runtime/config/diff.hpp — the effective configuration minus the defaults.
//
// Serves GET /config?mode=diffs (Loki's): a YAML document holding only the
// keys whose value differs from the built-in default, nested as in the full
// document. Maps are compared key by key; lists and scalars as a whole.
// Pure; reads both configs through to_yaml so it can never drift from it.
#pragma once

#include <string>

#include "runtime/config/fwd.hpp"

namespace skald::config {

/// The YAML of the keys of `current` that differ from `defaults`; "{}\n" when
/// nothing differs.
std::string diff_yaml(const root_config& defaults, const root_config& current);

} // namespace skald::config
