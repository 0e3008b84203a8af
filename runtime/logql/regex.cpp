#include "runtime/logql/regex.hpp"

#include <re2/re2.h>

namespace skald::logql {

namespace {

const char* go_code_text(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorMissingParen: return "missing closing )";
    case RE2::ErrorUnexpectedParen: return "unexpected )";
    case RE2::ErrorMissingBracket: return "missing closing ]";
    case RE2::ErrorBadEscape: return "invalid escape sequence";
    case RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize: return "invalid repeat count";
    case RE2::ErrorRepeatOp: return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadCharRange: return "invalid character class range";
    case RE2::ErrorBadCharClass: return "invalid character class";
    case RE2::ErrorBadNamedCapture: return "invalid named capture";
    case RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
    case RE2::ErrorBadUTF8: return "invalid UTF-8";
    case RE2::ErrorPatternTooLarge: return "expression too large";
    default: return nullptr;
  }
}

} // namespace

result<std::shared_ptr<re2::RE2>> compile_regex(const std::string& pattern, regex_anchor anchor,
                                                bool dot_nl) {
  // Validate the pattern alone first so error arguments refer to user text.
  RE2::Options o;
  o.set_log_errors(false);
  o.set_dot_nl(dot_nl);
  auto re = std::make_shared<RE2>(pattern, o);
  if (!re->ok()) {
    const char* text = go_code_text(re->error_code());
    std::string msg = "error parsing regexp: ";
    if (text)
      msg += std::string(text) + ": `" + re->error_arg() + "`";
    else
      msg += re->error();
    return status{errc::invalid_argument, msg};
  }
  if (anchor == regex_anchor::full)
    re = std::make_shared<RE2>("^(?:" + pattern + ")$", o);
  return re;
}

} // namespace skald::logql
