#include "runtime/util/module_graph.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace skald {

std::vector<std::string> split_targets(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    if (comma == std::string_view::npos)
      comma = text.size();
    auto item = text.substr(pos, comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (!item.empty())
      out.emplace_back(item);
    pos = comma + 1;
  }
  return out;
}

result<std::vector<std::string>> resolve_start_order(const std::vector<module_spec>& table,
                                                     const std::vector<std::string>& targets) {
  std::map<std::string_view, const module_spec*> by_name;
  for (const auto& m : table)
    by_name.emplace(m.name, &m);

  // Collect the closure of the targets over their dependencies.
  std::set<std::string_view> wanted;
  std::vector<std::string_view> todo(targets.begin(), targets.end());
  if (todo.empty())
    return status{errc::invalid_argument, "no target given"};
  while (!todo.empty()) {
    auto name = todo.back();
    todo.pop_back();
    auto it = by_name.find(name);
    if (it == by_name.end())
      return status{errc::invalid_argument,
                    "unrecognised module name: " + std::string{name}};
    if (!wanted.insert(it->first).second)
      continue;
    for (const auto& d : it->second->deps)
      todo.push_back(d);
  }

  // Kahn's algorithm, scanning the table in order for determinism.
  std::vector<std::string> order;
  std::set<std::string_view> placed;
  size_t remaining = wanted.size();
  while (remaining > 0) {
    bool progress = false;
    for (const auto& m : table) {
      if (!wanted.count(m.name) || placed.count(m.name))
        continue;
      bool ready = std::all_of(m.deps.begin(), m.deps.end(),
                               [&](const std::string& d) { return placed.count(d) > 0; });
      if (!ready)
        continue;
      placed.insert(m.name);
      --remaining;
      progress = true;
      if (!m.group)
        order.push_back(m.name);
    }
    if (!progress)
      return status{errc::invalid_argument, "module dependency cycle"};
  }
  return order;
}

} // namespace skald
