#include "runtime/ingester/flush_queue.hpp"

namespace skald::ingester {

std::string flush_op_key(std::string_view tenant, uint64_t fingerprint, bool immediate) {
  std::string out;
  out.reserve(tenant.size() + 28);
  out.append(tenant);
  out += '-';
  out += std::to_string(fingerprint);
  out += immediate ? "-true" : "-false";
  return out;
}

} // namespace skald::ingester
