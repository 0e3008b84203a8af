// runtime/logql/template.hpp — the Go text/template subset of line_format
// and label_format.
//
// Supported: text, {{ pipeline }} with `|` chaining, {{- -}} trimming,
// comments, if/else if/else/end, fields (.label), string/number/bool
// literals, parenthesised pipelines, and the function library of Loki's
// template_functions.md that matters in practice (lower, upper, title,
// trim*, replace, substr, trunc, contains, hasPrefix/Suffix, regexReplaceAll,
// default, printf, len, eq/ne/lt/le/gt/ge, and/or/not, add/sub/mul/div/mod,
// int/float64, __line__, __timestamp__, unixEpoch, alignLeft/Right, b64enc/dec,
// urlencode/decode, repeat, indent, nindent). Parse errors have Go's text
// ("template: line:1: unclosed action", `function "x" not defined`).
//
// Immutable after parse(); execute() is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/status.hpp"

namespace skald::logql {

class label_builder;

/// What a template sees: labels, the current line and the entry time.
struct template_data {
  const label_builder& labels;
  std::string_view line;
  int64_t ts;
};

class text_template {
public:
  struct impl;

  static result<text_template> parse(std::string_view text);
  /// Appends the output to `out`; errors are Go-like execution errors.
  status execute(const template_data& data, std::string& out) const;

private:
  std::shared_ptr<const impl> impl_;
};

} // namespace skald::logql
