#include "runtime/config/diff.hpp"

#include <yaml-cpp/yaml.h>

#include "runtime/config/output.hpp"
#include "runtime/config/root_config.hpp"

namespace skald::config {

namespace {

bool same(const YAML::Node& a, const YAML::Node& b) {
  YAML::Emitter ea;
  ea << a;
  YAML::Emitter eb;
  eb << b;
  return std::string{ea.c_str()} == std::string{eb.c_str()};
}

// The part of `cur` that differs from `def`, or an undefined node.
YAML::Node diff(const YAML::Node& def, const YAML::Node& cur) {
  if (cur.IsMap() && def.IsMap()) {
    YAML::Node out{YAML::NodeType::Map};
    bool any = false;
    for (const auto& kv : cur) {
      auto key = kv.first.as<std::string>();
      auto sub = def[key] ? diff(def[key], kv.second) : YAML::Clone(kv.second);
      if (sub.IsDefined() && !sub.IsNull()) {
        out[key] = sub;
        any = true;
      } else if (!def[key]) {
        out[key] = kv.second;
        any = true;
      }
    }
    return any ? out : YAML::Node{YAML::NodeType::Undefined};
  }
  if (same(def, cur))
    return YAML::Node{YAML::NodeType::Undefined};
  return YAML::Clone(cur);
}

} // namespace

std::string diff_yaml(const root_config& defaults, const root_config& current) {
  auto d = YAML::Load(to_yaml(defaults));
  auto c = YAML::Load(to_yaml(current));
  auto out = diff(d, c);
  if (!out.IsDefined())
    return "{}\n";
  YAML::Emitter e;
  e << out;
  return std::string{e.c_str()} + "\n";
}

} // namespace skald::config
