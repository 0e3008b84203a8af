// runtime/util/module_graph.hpp — which modules a node runs, and in what order.
//
// The node is described as data (G13, after Loki's pkg/loki/modules.go): a
// table of modules, each naming the modules it depends on. A target such as
// `all` or `distributor,querier` is resolved into the modules to start, in an
// order where every module comes after its dependencies; stopping runs the
// same list backwards. Pure: the CAF-aware module table in runtime/system
// feeds its names and dependencies in here.
//
// Invariant of a resolved order: each module appears once, after all of its
// dependencies; among modules whose dependencies are met, table order wins,
// so the order is deterministic.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/status.hpp"

namespace skald {

struct module_spec {
  std::string name;
  std::vector<std::string> deps;
  /// True for pure groupings such as `all`: selectable as a target, no
  /// instance of their own, never part of the start order.
  bool group = false;
};

/// Splits "a, b,c" into {"a","b","c"}, dropping empty items.
std::vector<std::string> split_targets(std::string_view text);

/// Resolves `targets` against `table` into the start order. Errors: an unknown
/// target or dependency (`unrecognised module name: x`), a dependency cycle.
result<std::vector<std::string>> resolve_start_order(const std::vector<module_spec>& table,
                                                     const std::vector<std::string>& targets);

} // namespace skald
