#include "runtime/logql/pattern.hpp"

#include <cctype>

namespace skald::logql {

result<std::vector<pattern_matcher::node>> pattern_matcher::parse_nodes(std::string_view p) {
  std::vector<node> out;
  size_t i = 0;
  std::string lit;
  while (i < p.size()) {
    if (p[i] == '<') {
      size_t j = i + 1;
      bool ok = j < p.size() && (std::isalpha(static_cast<unsigned char>(p[j])) || p[j] == '_');
      while (ok && j < p.size() && (std::isalnum(static_cast<unsigned char>(p[j])) || p[j] == '_'))
        ++j;
      if (ok && j < p.size() && p[j] == '>') {
        if (!lit.empty()) {
          out.push_back({false, lit});
          lit.clear();
        }
        if (!out.empty() && out.back().capture)
          return status{errc::invalid_argument, "found consecutive capture: invalid expression"};
        out.push_back({true, std::string(p.substr(i + 1, j - i - 1))});
        i = j + 1;
        continue;
      }
    }
    lit.push_back(p[i]);
    ++i;
  }
  if (!lit.empty())
    out.push_back({false, lit});
  return out;
}

result<pattern_matcher> pattern_matcher::compile_parser(std::string_view p) {
  auto n = parse_nodes(p);
  if (!n)
    return n.error();
  size_t named = 0;
  std::vector<std::string> seen;
  for (const auto& x : *n) {
    if (!x.capture || x.text == "_")
      continue;
    for (const auto& s : seen)
      if (s == x.text)
        return status{errc::invalid_argument, "duplicate capture name (" + x.text + "): invalid expression"};
    seen.push_back(x.text);
    ++named;
  }
  if (named == 0)
    return status{errc::invalid_argument, "at least one capture is required"};
  pattern_matcher m;
  m.e_ = std::move(*n);
  return m;
}

result<pattern_matcher> pattern_matcher::compile_filter(std::string_view p) {
  auto n = parse_nodes(p);
  if (!n)
    return n.error();
  for (const auto& x : *n)
    if (x.capture && x.text != "_")
      return status{errc::invalid_argument, "named captures are not allowed in a pattern line filter"};
  pattern_matcher m;
  m.e_ = std::move(*n);
  return m;
}

bool pattern_matcher::test(std::string_view in) const {
  if (in.empty() || e_.empty())
    return in.empty() && e_.empty();
  size_t off = 0;
  for (size_t i = 0; i < e_.size(); ++i) {
    if (e_[i].capture)
      continue;
    size_t j = in.substr(off).find(e_[i].text);
    if (j == std::string_view::npos)
      return false;
    if (i != 0 && j == 0)
      return false;
    off += j + e_[i].text.size();
  }
  bool req_rem = e_.back().capture;
  bool has_rem = off != in.size();
  return req_rem == has_rem;
}

} // namespace skald::logql
