#include "runtime/storage/matcher.hpp"

#include <re2/re2.h>

namespace skald::storage {

bool label_matcher::matches(std::string_view v) const {
  switch (type) {
  case match_type::eq:
    return v == value;
  case match_type::neq:
    return v != value;
  case match_type::re:
    return re && RE2::FullMatch(re2::StringPiece{v.data(), v.size()}, *re);
  case match_type::nre:
    return !(re && RE2::FullMatch(re2::StringPiece{v.data(), v.size()}, *re));
  }
  return false;
}

std::string label_matcher::to_string() const {
  static const char* const ops[] = {"=", "!=", "=~", "!~"};
  std::string out = name;
  out += ops[static_cast<int>(type)];
  out += '"';
  out += value;
  out += '"';
  return out;
}

result<label_matcher> make_matcher(std::string name, match_type type, std::string value) {
  if (name.empty())
    return status{errc::invalid_argument, "matcher without a label name"};
  label_matcher m;
  m.name = std::move(name);
  m.type = type;
  m.value = std::move(value);
  if (type == match_type::re || type == match_type::nre) {
    RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_shared<RE2>("(?s:" + m.value + ")", opts);
    if (!re->ok())
      return status{errc::invalid_argument, "invalid regexp " + m.to_string() + ": " + re->error()};
    m.re = std::move(re);
  }
  return m;
}

} // namespace skald::storage
