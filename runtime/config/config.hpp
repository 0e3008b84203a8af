// runtime/config/config.hpp — SHIM added on the writepath branch so that
// main/node (which include this header) build against the config branch as it
// landed (loader.hpp, output.hpp, flags.hpp). The config owner's version
// replaces this file; the integrator should prefer theirs.
#pragma once

#include <string>

#include "runtime/config/flags.hpp"
#include "runtime/config/loader.hpp"
#include "runtime/config/output.hpp"
#include "runtime/config/root_config.hpp"

namespace skald::config {

/// -help text.
inline std::string usage_text() {
  return flags_usage();
}

/// A root_config holding every declared default.
inline root_config default_config() {
  return root_config{};
}

/// `key: value` lines (flattened paths) where `cfg` differs from `base`.
inline std::string diff_yaml(const root_config& base, const root_config& cfg) {
  auto a = flatten(base);
  auto b = flatten(cfg);
  std::string out;
  for (size_t i = 0; i < b.size(); ++i)
    if (i >= a.size() || a[i] != b[i])
      out += b[i].first + ": " + b[i].second + "\n";
  return out;
}

} // namespace skald::config
