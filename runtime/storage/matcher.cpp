#include "runtime/storage/matcher.hpp"

#include <re2/re2.h>

namespace skald::storage {

result<label_matcher> make_matcher(std::string name, match_type type, std::string value) {
  if (name.empty())
    return status{errc::invalid_argument, "matcher without a label name"};
  label_matcher m;
  m.name = std::move(name);
  m.op = type;
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
