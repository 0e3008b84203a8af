#include "runtime/model/labels.hpp"

#include <algorithm>

namespace skald::model {

void normalise(label_set& ls) {
  std::stable_sort(ls.begin(), ls.end(),
                   [](const label& a, const label& b) { return a.name < b.name; });
  // Keep the last occurrence of each name.
  label_set out;
  out.reserve(ls.size());
  for (auto& l : ls) {
    if (!out.empty() && out.back().name == l.name)
      out.back() = std::move(l);
    else
      out.push_back(std::move(l));
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const label& l) { return l.value.empty(); }),
            out.end());
  ls = std::move(out);
}

std::string_view get(const label_set& ls, std::string_view name) {
  for (const auto& l : ls)
    if (l.name == name)
      return l.value;
  return {};
}

bool has(const label_set& ls, std::string_view name) {
  return std::any_of(ls.begin(), ls.end(), [&](const label& l) { return l.name == name; });
}

bool is_internal_stream(const label_set& ls) {
  return has(ls, "__aggregated_metric__") || has(ls, "__pattern__");
}

} // namespace skald::model
