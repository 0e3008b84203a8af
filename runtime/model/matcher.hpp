// runtime/model/matcher.hpp — a label matcher (`=`, `!=`, `=~`, `!~`), the one
// type the LogQL parser produces (logql::label_matcher) and the index
// evaluates (storage::label_matcher): Prometheus semantics (read-path spec
// §2.2).
//
//   eq   value == v            neq  value != v
//   re   v fully matches RE2    nre  v does not fully match
// Regexps are fully anchored with (?s) (the parser's compile_regex and
// storage::make_matcher compile them so). A series lacking the label has
// value "" for every matcher: `{a=""}` selects series without `a`,
// `{a!="x"}` also selects them, `{a=~".*"}` selects everything.
//
// Owner: values; a compiled regexp is shared (immutable, thread-safe).
// Invariant: re != nullptr iff op is re or nre (a matcher without its
// regexp matches nothing for re, everything for nre).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
} // namespace re2

namespace skald::model {

enum class match_op : uint8_t { eq, neq, re, nre };

struct label_matcher {
  std::string name;
  match_op op = match_op::eq;
  std::string value;
  std::shared_ptr<const re2::RE2> re; // set iff op is re or nre

  /// Does label value `v` ("" = label absent) satisfy the matcher?
  bool matches(std::string_view v) const;
  /// matches(""): such a matcher also selects series lacking the label.
  bool matches_empty() const { return matches({}); }
  /// `name op "value"` with the value Go-quoted (LogQL's printing).
  std::string to_string() const;
};

/// "=", "!=", "=~", "!~".
const char* to_string(match_op op);

} // namespace skald::model
