#include "runtime/util/status.hpp"

namespace skald {

std::string status::to_string() const {
  if (ok())
    return "ok";
  std::string out{skald::to_string(code_)};
  out += ": ";
  out += message_;
  return out;
}

} // namespace skald
