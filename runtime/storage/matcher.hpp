// runtime/storage/matcher.hpp — label matchers as the index evaluates them
// (read-path spec §2.2): `=`, `!=`, `=~`, `!~`, Prometheus semantics.
//
//   eq   value == v            neq  value != v
//   re   v fully matches RE2    nre  v does not fully match
// Regexps are fully anchored and compiled with (?s), as Prometheus does
// ("^(?s:" + re + ")$"). A series lacking the label has value "" for every
// matcher: so `{a=""}` selects series without `a`, `{a!="x"}` also selects
// series without `a`, and `{a=~".*"}` selects everything.
//
// The LogQL parser has the same shape (logql::label_matcher); the querier
// converts with make_matcher(name, op, value), or the two types merge later.
//
// Owner: values; a compiled regexp is shared (immutable, thread-safe).
// Invariant: re != nullptr iff type is re or nre.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/util/status.hpp"

namespace re2 {
class RE2;
} // namespace re2

namespace skald::storage {

enum class match_type : uint8_t { eq, neq, re, nre };

struct label_matcher {
  std::string name;
  match_type type = match_type::eq;
  std::string value;
  std::shared_ptr<const re2::RE2> re;

  /// Does label value `v` ("" = label absent) satisfy the matcher?
  bool matches(std::string_view v) const;
  /// matches(""): such a matcher also selects series lacking the label.
  bool matches_empty() const { return matches({}); }
  /// `name="value"` with the operator, for messages.
  std::string to_string() const;
};

/// Builds a matcher; compiles regexps. errc::invalid_argument for a bad
/// regexp or an empty name.
result<label_matcher> make_matcher(std::string name, match_type type, std::string value);

} // namespace skald::storage
