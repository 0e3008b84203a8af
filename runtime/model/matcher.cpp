// runtime/model/matcher.cpp — see matcher.hpp.
#include "runtime/model/matcher.hpp"

#include <re2/re2.h>

#include "runtime/model/label_parse.hpp"

namespace skald::model {

bool label_matcher::matches(std::string_view v) const {
  switch (op) {
  case match_op::eq:
    return v == value;
  case match_op::neq:
    return v != value;
  case match_op::re:
    return re && RE2::FullMatch(re2::StringPiece{v.data(), v.size()}, *re);
  case match_op::nre:
    return !(re && RE2::FullMatch(re2::StringPiece{v.data(), v.size()}, *re));
  }
  return false;
}

const char* to_string(match_op op) {
  switch (op) {
  case match_op::eq:
    return "=";
  case match_op::neq:
    return "!=";
  case match_op::re:
    return "=~";
  case match_op::nre:
    return "!~";
  }
  return "?";
}

std::string label_matcher::to_string() const {
  std::string out = name;
  out += model::to_string(op);
  append_go_quote(out, value);
  return out;
}

} // namespace skald::model
