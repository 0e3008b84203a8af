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
// The type is model::label_matcher (runtime/model/matcher.hpp), the same one
// the LogQL parser produces (logql::label_matcher), so the querier hands its
// parsed matchers to the index as they are.
//
// Owner: values; a compiled regexp is shared (immutable, thread-safe).
// Invariant: re != nullptr iff op is re or nre.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/model/matcher.hpp"
#include "runtime/util/status.hpp"

namespace skald::storage {

using match_type = model::match_op;
using label_matcher = model::label_matcher;

/// Builds a matcher; compiles regexps. errc::invalid_argument for a bad
/// regexp or an empty name.
result<label_matcher> make_matcher(std::string name, match_type type, std::string value);

} // namespace skald::storage
