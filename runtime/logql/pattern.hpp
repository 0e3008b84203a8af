// runtime/logql/pattern.hpp — Loki's pattern language (`<name>`, `<_>`).
//
// A pattern is a sequence of literals and captures. compile_parser() is for
// the `| pattern` stage (at least one named capture, unique names);
// compile_filter() is for `|>`/`!>` (only `<_>` allowed). Matching follows
// pkg/logql/log/pattern (matches() for extraction, test() for filters).
// Immutable after compile; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/status.hpp"

namespace skald::logql {

class pattern_matcher {
public:
  struct node {
    bool capture = false;
    std::string text;  // literal text or capture name ("_" = unnamed)
  };

  static result<pattern_matcher> compile_parser(std::string_view p);
  static result<pattern_matcher> compile_filter(std::string_view p);

  /// Extraction: calls out(name, value) for each named capture matched.
  template <class F>
  void matches(std::string_view in, F out) const;
  /// Filter semantics of pattern.Matcher.Test.
  bool test(std::string_view in) const;

  const std::vector<node>& nodes() const { return e_; }

private:
  static result<std::vector<node>> parse_nodes(std::string_view p);
  std::vector<node> e_;
};

template <class F>
void pattern_matcher::matches(std::string_view in, F out) const {
  if (in.empty() || e_.empty())
    return;
  size_t k = 0;
  if (!e_[0].capture) {
    if (in.substr(0, e_[0].text.size()) != e_[0].text)
      return;
    in.remove_prefix(e_[0].text.size());
    k = 1;
  }
  while (k < e_.size()) {
    const node& cap = e_[k];
    if (k + 1 == e_.size()) {
      if (cap.text != "_")
        out(cap.text, in);
      return;
    }
    const node& lit = e_[k + 1];
    k += 2;
    size_t i = in.find(lit.text);
    if (i == std::string_view::npos) {
      if (cap.text != "_")
        out(cap.text, in);
      return;
    }
    if (cap.text != "_")
      out(cap.text, in.substr(0, i));
    in.remove_prefix(i + lit.text.size());
  }
}

} // namespace skald::logql
