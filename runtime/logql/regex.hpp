// runtime/logql/regex.hpp — RE2 compilation with Go's error texts.
//
// LogQL regexps follow Go's regexp syntax, which RE2 implements. Errors are
// reported as Go does ("error parsing regexp: missing closing ): `(`").
// Compiled RE2 objects are immutable and shared between threads.
#pragma once

#include <memory>
#include <string>

#include "runtime/util/status.hpp"

namespace re2 {
class RE2;
}

namespace skald::logql {

enum class regex_anchor { none, full };

/// Compiles `pattern`; `full` anchors it at both ends (label matchers),
/// `dot_nl` makes `.` match newlines (Prometheus matchers use (?s)).
result<std::shared_ptr<re2::RE2>> compile_regex(const std::string& pattern, regex_anchor anchor,
                                                bool dot_nl = false);

} // namespace skald::logql
